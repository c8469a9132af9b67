"""Frozen review records (ISO 9001 §7.5.3, §9.3.3): a review saved before a correction
keeps its figures, and says "figures changed since this review" figure by figure."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from kpi import evidence, store
from kpi.cli import main
from kpi.register import definition_version
from kpi.review import make_request, prepare, save_review
from kpi.review.snapshot import SnapshotError, open_saved
from kpi.tables import review_snapshots
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "samples" / "production.csv"
FIRST_ROW = "2026-11-02,A,Plant 1,L1,Press 11,BRK-100,480,12,1851,58,21"
CORRECTED = "2026-11-02,A,Plant 1,L1,Press 11,BRK-100,480,12,1851,158,21"
AS_OF = dt.date(2026, 11, 30)


@pytest.fixture
def saved(db_url: str, engine, settings) -> int:
    assert main(["ingest", str(SAMPLE), "--db", db_url, "--user", "quinn"]) == 0
    pack = prepare(engine, make_request("2026-11", None, AS_OF))
    return save_review(engine, settings, pack)


def _correct(db_url: str, tmp_path: Path) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    assert FIRST_ROW in text
    fixed = tmp_path / "production-fix.csv"
    fixed.write_text(text.replace(FIRST_ROW, CORRECTED), encoding="utf-8")
    assert main(["ingest", str(fixed), "--db", db_url, "--user", "carl"]) == 0


def _scrap(saved_review: dict) -> dict:
    return next(f for f in saved_review["snapshot"]["figures"]
                if f["kpi"] == "scrap_rate" and f["role"] == "period")  # fmt: skip


def test_a_review_saved_before_a_correction_keeps_its_figures(saved, db_url, engine, tmp_path):
    before = open_saved(engine, saved)
    assert not before["changed"]
    scrap = _scrap(before)
    assert scrap["numerator"] == 861 and scrap["value"] == pytest.approx(861 / 32818)
    assert before["snapshot"]["cut_off"]["last_batch_id"] == 1
    assert before["snapshot"]["definition_versions"]["scrap_rate"] == definition_version(
        "scrap_rate", full=True)  # fmt: skip
    _correct(db_url, tmp_path)
    after = open_saved(engine, saved)
    assert _scrap(after) == scrap, "the saved figure is the one presented"
    assert after["changed"]
    changes = after["changes"].set_index("kpi")
    assert set(changes.index) == {"scrap_rate", "yield", "units_scrapped"}
    assert (
        changes.at["scrap_rate", "saved_numerator"],
        changes.at["scrap_rate", "now_numerator"],
    ) == (861, 961)
    assert after["snapshot"]["cut_off"]["last_batch_id"] == 1


def test_exported_files_are_hashed_and_kept(saved, engine, settings):
    exports = open_saved(engine, saved)["snapshot"]["exports"]
    assert set(exports) == {"pptx", "pdf", "xlsx"}
    for entry in exports.values():
        data = store.archive_path(settings, entry["sha256"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["size_bytes"]
    book = openpyxl.load_workbook(io.BytesIO(
        store.archive_path(settings, exports["xlsx"]["sha256"]).read_bytes()))  # fmt: skip
    assert "objectives" in book.sheetnames


def test_an_altered_snapshot_is_refused(saved, db_url, engine, capsys):
    with engine.begin() as conn:
        text = conn.execute(sa.select(review_snapshots.c.snapshot)).scalar()
        body = json.loads(text)
        body["figures"][0]["value"] = 0.5
        conn.execute(review_snapshots.update().values(snapshot=json.dumps(body)))
    with pytest.raises(SnapshotError, match="altered"):
        open_saved(engine, saved)
    assert main(["reviews", "show", str(saved), "--db", db_url]) == 2
    assert "altered after saving" in capsys.readouterr().err


def test_reviews_cli_shows_the_flag_and_the_changes(saved, db_url, tmp_path, capsys):
    assert main(["reviews", "show", str(saved), "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "Figures unchanged since this review." in out and "Data cut-off: batch 1" in out
    _correct(db_url, tmp_path)
    assert main(["reviews", "show", str(saved), "--db", db_url]) == 0
    assert "FIGURES CHANGED SINCE THIS REVIEW: 3 figure(s)" in capsys.readouterr().out
    assert main(["reviews", "figures", str(saved), "--changes", "--format", "json",
                 "--db", db_url]) == 0  # fmt: skip
    rows = json.loads(capsys.readouterr().out)
    assert {r["kpi"] for r in rows} == {"scrap_rate", "yield", "units_scrapped"}


def test_the_evidence_bundle_holds_the_snapshot_and_saved_files(saved, engine, settings, tmp_path):
    out = tmp_path / "ev.zip"
    evidence.build_bundle(engine, settings, dt.date(2026, 11, 1), AS_OF, out)
    assert evidence.verify_bundle(out).ok
    with zipfile.ZipFile(out) as zf:
        body = json.loads(zf.read(f"reviews/{saved}/snapshot.json"))
        pdf = zf.read(f"reviews/{saved}/management-review-2026-11.pdf")
    assert hashlib.sha256(pdf).hexdigest() == body["exports"]["pdf"]["sha256"]


def test_the_pack_names_the_files_behind_its_figures(db_url, engine):
    assert main(["ingest", str(SAMPLE), "--db", db_url, "--user", "quinn"]) == 0
    pack = prepare(engine, make_request("2026-11", None, AS_OF))
    from kpi.review import export

    book = openpyxl.load_workbook(io.BytesIO(export(pack, "xlsx")))
    sheet = book["sources"]
    header = [c.value for c in sheet[1]]
    rows = [dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)]
    scrap = [r for r in rows if r["kpi"] == "scrap_rate"]
    sha = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()
    assert [(r["sha256"], r["loaded_by"], r["rows"]) for r in scrap] == [(sha, "quinn", 20)]
