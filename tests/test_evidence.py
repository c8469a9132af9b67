"""Evidence bundle and lineage: open a generated zip, re-hash every file, and follow a
figure down to the original file, its SHA-256 and the person who loaded it."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from pathlib import Path

import pytest

from kpi import evidence, lineage
from kpi.catalogue import CATALOGUE
from kpi.cli import main
from kpi.metrics import compute, make_query
from kpi.store import list_audit
from kpi.views import format_value
from tests.conftest import ROOT

SAMPLES = ROOT / "data" / "samples"
NOV = ("2026-11-01", "2026-11-30")


@pytest.fixture
def loaded(db_url: str) -> str:
    """The sample production and downtime files, loaded by two different people."""
    assert main(["ingest", str(SAMPLES / "production.csv"), "--db", db_url, "--user", "quinn"]) == 0
    assert main(["ingest", str(SAMPLES / "downtime.csv"), "--db", db_url, "--user", "dora"]) == 0
    return db_url


def _csv(zf: zipfile.ZipFile, name: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(zf.read(name).decode("utf-8"))))


def test_lineage_of_a_figure_names_file_hash_and_loader(loaded: str, engine):
    sha = hashlib.sha256((SAMPLES / "production.csv").read_bytes()).hexdigest()
    found = lineage.figure_batches(engine, "scrap_rate", dt.date(2026, 11, 1),
                                   dt.date(2026, 11, 30), {"line": "L1"})  # fmt: skip
    assert list(found["kind"]) == ["production"]
    row = found.iloc[0]
    assert (row["sha256"], row["loaded_by"], row["file_name"]) == (sha, "quinn", "production.csv")
    with open(SAMPLES / "production.csv", encoding="utf-8") as handle:
        expected = sum(r["line"] == "L1" for r in csv.DictReader(handle))
    assert row["rows"] == expected
    both = lineage.figure_batches(engine, "availability", dt.date(2026, 11, 1), None)
    assert dict(zip(both["kind"], both["loaded_by"], strict=True)) == {
        "downtime": "dora", "production": "quinn"}  # fmt: skip
    assert lineage.figure_batches(engine, "otd").empty


def test_report_lineage_cli(loaded: str, capsys):
    args = ["report", "--kpi", "scrap_rate", "--by", "line", "--from", NOV[0], "--to", NOV[1]]
    assert main([*args, "--db", loaded, "--format", "json"]) == 0
    figures = json.loads(capsys.readouterr().out)
    assert main([*args, "--db", loaded, "--format", "json", "--lineage"]) == 0
    traced = json.loads(capsys.readouterr().out)
    assert {(r["line"], r["value"]) for r in traced} == {(f["line"], f["value"]) for f in figures}
    assert {r["loaded_by"] for r in traced} == {"quinn"}


def test_bundle_holds_every_part_and_its_hashes(loaded: str, engine, tmp_path: Path):
    out = tmp_path / "evidence.zip"
    assert main(["evidence", "--from", NOV[0], "--to", NOV[1], "--out", str(out),
                 "--db", loaded, "--user", "auditor"]) == 0  # fmt: skip
    with zipfile.ZipFile(out) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        names = set(zf.namelist()) - {"manifest.json"}
        assert names == set(manifest["files"])
        for name, entry in manifest["files"].items():
            assert hashlib.sha256(zf.read(name)).hexdigest() == entry["sha256"], name
        for part in ("register/kpi-register.csv", "figures/figures.csv", "ledger/batches.csv",
                     "audit/audit_log.csv", "targets/history.csv", "reviews/reviews.json",
                     "actions/status_history.csv", "register/verification.txt"):  # fmt: skip
            assert part in names, part
        figures = _csv(zf, "figures/figures.csv")
        lineage_rows = _csv(zf, "figures/lineage.csv")
        index = _csv(zf, "originals/index.csv")
        original = {n: zf.read(n) for n in names if n.startswith("originals/") and "index" not in n}
    # the auditor's question: where does the total scrap rate come from?
    scrap = next(f for f in figures if f["kpi"] == "scrap_rate" and f["grain"] == "total")
    expected = compute(engine, make_query(["scrap_rate"], "total", (), dt.date(2026, 11, 1),
                                          dt.date(2026, 11, 30)))  # fmt: skip
    assert float(scrap["value"]) == pytest.approx(float(expected["value"].iloc[0]))
    assert scrap["shown"] == format_value(float(scrap["value"]), CATALOGUE["scrap_rate"].unit)
    assert scrap["shown"].endswith("%")
    sources = [r for r in lineage_rows if r["figure_id"] == scrap["figure_id"]]
    assert [(r["file_name"], r["loaded_by"]) for r in sources] == [("production.csv", "quinn")]
    path = f"originals/{sources[0]['sha256']}/production.csv"
    assert original[path] == (SAMPLES / "production.csv").read_bytes()
    assert hashlib.sha256(original[path]).hexdigest() == sources[0]["sha256"]
    assert {r["in_bundle"] for r in index} == {n for n in original}
    result = evidence.verify_bundle(out)
    assert result.ok
    log = list_audit(engine)
    export_line = log[log["action"] == evidence.AUDIT_ACTION].iloc[0]
    assert export_line["user_name"] == "auditor"
    assert export_line["detail"].endswith(f"manifest sha256 {result.manifest_sha256}")


def test_verify_names_a_changed_file_and_large_originals_are_hash_only(
    loaded: str, engine, settings, tmp_path: Path, capsys
):
    out = tmp_path / "small.zip"
    written = evidence.build_bundle(engine, settings, dt.date(2026, 11, 1),
                                    dt.date(2026, 11, 30), out, max_file_bytes=10)  # fmt: skip
    assert (written.originals_copied, written.originals_listed_only) == (0, 2)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(out) as src, zipfile.ZipFile(tampered, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "figures/figures.csv":
                data = data.replace(b"scrap_rate", b"scrap_rat3", 1)
            dst.writestr(item, data)
        dst.writestr("extra.txt", b"slipped in")
    assert main(["evidence", "verify", str(out)]) == 0
    assert main(["evidence", "verify", str(tampered)]) == 1
    err = capsys.readouterr().err
    assert "figures/figures.csv: its SHA-256 does not match" in err
    assert "extra.txt: in the bundle but not in the manifest" in err
    (tmp_path / "junk.zip").write_bytes(b"not a zip")
    assert main(["evidence", "verify", str(tmp_path / "junk.zip")]) == 2
