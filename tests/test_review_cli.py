"""``python -m kpi review`` in a subprocess, for all three formats, on a seeded DuckDB file."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation
from pypdf import PdfReader

from kpi import store
from kpi.demo import seed_demo
from kpi.review import Decision, ItemKind, make_request, prepare, save_review
from kpi.settings import load_settings
from tests.conftest import run_cli

AS_OF = dt.date(2026, 11, 15)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("review_cli")
    url = f"duckdb:///{folder / 'kpi.duckdb'}"
    settings = load_settings(url, user="demo")
    engine = store.create_engine(settings)
    seed_demo(engine, settings)
    engine.dispose()
    return url, folder


def _review(url: str, out: Path, fmt: str, *extra: str):
    return run_cli("review", "--period", "2026-Q3", "--format", fmt, "--out", str(out),
                   "--as-of", "2026-11-15", "--db", url, *extra)  # fmt: skip


def test_pptx(seeded):
    url, folder = seeded
    result = _review(url, folder / "pack.pptx", "pptx", "--compare", "last-year")
    assert result.returncode == 0, result.stderr
    assert "Management review Q3 2026 vs Q3 2025" in result.stdout
    prs = Presentation(str(folder / "pack.pptx"))
    assert prs.slides[0].shapes.title.text == "Management review Q3 2026"


def test_pdf(seeded):
    url, folder = seeded
    result = _review(url, folder / "pack.pdf", "pdf", "--pdf-charts", "native")
    assert result.returncode == 0, result.stderr
    reader = PdfReader(str(folder / "pack.pdf"))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert "Management review Q3 2026" in text and "compared with Q2 2026" in text


def test_xlsx_with_a_baseline(seeded):
    url, folder = seeded
    result = _review(url, folder / "pack.xlsx", "xlsx", "--compare", "2026-Q1")
    assert result.returncode == 0, result.stderr
    book = openpyxl.load_workbook(io.BytesIO((folder / "pack.xlsx").read_bytes()))
    about = dict(book["about"].iter_rows(2, values_only=True))
    assert about["comparison"] == "2026-Q1 (baseline)" and about["period"] == "2026-Q3"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--period", "2026-Q5"), "bad period"),
        (("--period", "2026-Q3", "--compare", "last month"), "bad comparison"),
        (("--period", "2026-Q3", "--as-of", "15/11/2026"), "bad date"),
    ],
)
def test_bad_input_exits_2_with_a_message(seeded, args, message):
    url, folder = seeded
    result = run_cli("review", *args, "--format", "pdf", "--out", str(folder / "x.pdf"),
                     "--db", url)  # fmt: skip
    assert result.returncode == 2 and message in result.stderr
    assert not (folder / "x.pdf").exists()


# --- reviews list | show | decision: saved reviews and the status of their decisions ---


@pytest.fixture
def saved(seeded, tmp_path: Path) -> tuple[str, int]:
    """A copy of the seeded database with a saved Q2 review (three items) and a Q3 one."""
    _, folder = seeded
    shutil.copy(folder / "kpi.duckdb", tmp_path / "kpi.duckdb")
    url = f"duckdb:///{tmp_path / 'kpi.duckdb'}"
    engine = store.create_engine(load_settings(url))
    settings = load_settings(url, user="tester")
    items = [Decision("Scrap task force on L3", "J. Weber", ItemKind.ACTION, dt.date(2026, 8, 31)),
             Decision("Keep the OEE objective at 85 %", "Plant manager"),
             Decision("=HYPERLINK(\"x\")", "QA")]  # fmt: skip
    q2 = save_review(engine, settings, prepare(engine, make_request("2026-Q2", None, AS_OF)),
                     {}, items)  # fmt: skip
    save_review(engine, settings, prepare(engine, make_request("2026-Q3", None, AS_OF)), {}, [])
    engine.dispose()
    return url, q2


def _json(result) -> list[dict]:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_reviews_list_shows_every_saved_review_newest_first(saved):
    url, q2 = saved
    rows = _json(run_cli("reviews", "list", "--format", "json", "--db", url))
    assert [(r["review_id"], r["period"], r["decisions"], r["open"]) for r in rows] == [
        (q2 + 1, "2026-Q3", 0, 0),
        (q2, "2026-Q2", 3, 3),
    ]
    assert rows[1]["saved_by"] == "tester" and rows[1]["as_of"] == "2026-11-15"
    table = run_cli("reviews", "list", "--db", url)
    assert table.returncode == 0 and "2026-Q2" in table.stdout and "all plants" in table.stdout


def test_reviews_show_and_a_decision_status_update(saved):
    url, q2 = saved
    shown = run_cli("reviews", "show", str(q2), "--db", url)
    assert shown.returncode == 0, shown.stderr
    assert f"Review {q2} of Q2 2026, saved" in shown.stdout and "J. Weber" in shown.stdout
    rows = list(csv.DictReader(io.StringIO(run_cli("reviews", "show", str(q2), "--format",
                                                   "csv", "--db", url).stdout)))  # fmt: skip
    assert [r["status"] for r in rows] == ["open"] * 3
    assert rows[0]["due_date"] == "2026-08-31" and rows[2]["text"] == '\'=HYPERLINK("x")'

    done = run_cli("reviews", "decision", str(q2), "1", "--status", "done", "--user", "quinn",
                   "--db", url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"review {q2} item 1 (Scrap task force on L3): done"
    after = _json(run_cli("reviews", "show", str(q2), "--format", "json", "--db", url))
    assert [r["status"] for r in after] == ["done", "open", "open"]
    listed = _json(run_cli("reviews", "list", "--format", "json", "--db", url))
    assert listed[1]["open"] == 2
    engine = store.create_engine(load_settings(url))
    line = store.list_audit(engine).iloc[0]
    engine.dispose()
    assert (line["action"], line["user_name"]) == ("review.decision_status", "quinn")
    assert line["detail"] == "Scrap task force on L3: open -> done"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("show", "999"), "no saved review 999"),
        (("decision", "{q2}", "9", "--status", "done"), "has no decision or action 9"),
        (("decision", "{q2}", "1", "--status", "finished"), "invalid choice: 'finished'"),
    ],
)
def test_reviews_refuses_unknown_reviews_items_and_statuses(saved, args, message):
    url, q2 = saved
    result = run_cli("reviews", *(a.format(q2=q2) for a in args), "--db", url)
    assert result.returncode == 2 and message in result.stderr
    rows = _json(run_cli("reviews", "show", str(q2), "--format", "json", "--db", url))
    assert [r["status"] for r in rows] == ["open"] * 3  # nothing changed


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_pdf_with_chart_images_from_the_cli(seeded):
    url, folder = seeded
    result = _review(url, folder / "images.pdf", "pdf")  # auto: Chromium started up front
    assert result.returncode == 0, result.stderr
    reader = PdfReader(str(folder / "images.pdf"))
    assert sum(len(page.images) for page in reader.pages) >= 4  # one per KPI group at least
    assert "drawn natively" not in "\n".join(p.extract_text() for p in reader.pages)
