"""``python -m kpi review`` in a subprocess, for all three formats, on a seeded DuckDB file."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation
from pypdf import PdfReader

from kpi import store
from kpi.demo import seed_demo
from kpi.settings import load_settings
from tests.conftest import run_cli


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
