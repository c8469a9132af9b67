"""The two public real-world exports, end to end through the CLI, checked independently.

The files live in ../shared/real-world (never copied into this repository); the tests
skip when that folder is absent. Each expected figure is computed here in plain Python
from the raw file, without any project code.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import Counter

import pytest

from tests.conftest import ROOT, run_cli

REAL = ROOT.parent / "shared" / "real-world"
SCMS = REAL / "SCMS_Delivery_History_Dataset.csv"
MAVEN = REAL / "maven_manufacturing_downtime"
AS_OF = "2026-11-25"

pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="../shared/real-world is absent")


def _report(db_url: str, *args: str) -> list[dict]:
    result = run_cli("report", "--db", db_url, "--format", "json", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def _independent_otd() -> tuple[int, int]:
    """On-time and eligible lines, straight from the CSV (BOM, CR-only line endings)."""
    text = SCMS.read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    as_of = dt.date.fromisoformat(AS_OF)
    on_time = eligible = 0
    for row in rows:
        due = dt.datetime.strptime(row["Scheduled Delivery Date"], "%d-%b-%y").date()
        shipped = row["Delivered to Client Date"]
        ship = dt.datetime.strptime(shipped, "%d-%b-%y").date() if shipped else None
        if ship is not None or due < as_of:
            eligible += 1
            on_time += ship is not None and ship <= due
    return on_time, eligible


def test_scms_deliveries_load_through_the_profile_and_otd_matches(db_url: str) -> None:
    profile = ROOT / "data" / "profiles" / "scms-deliveries.toml"
    loaded = run_cli("ingest", "--db", db_url, "--profile", str(profile), str(SCMS))
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    assert "loaded 10324 deliveries rows" in loaded.stdout
    (otd,) = _report(db_url, "--kpi", "otd", "--grain", "total", "--as-of", AS_OF)
    on_time, eligible = _independent_otd()
    assert (otd["numerator"], otd["denominator"]) == (on_time, eligible)
    assert otd["value"] == pytest.approx(on_time / eligible, rel=1e-9)  # 10 significant digits


def _independent_pareto() -> tuple[Counter, list[str]]:
    """Minutes per factor over batches that have a productivity row, and the orphans."""
    factors = {
        r["Factor"]: r["Description"]
        for r in csv.DictReader(
            (MAVEN / "downtime-factors.csv").open(encoding="utf-8"), delimiter="|"
        )
    }
    dated = {
        r["Batch"]
        for r in csv.DictReader(
            (MAVEN / "line-productivity.csv").open(encoding="utf-8"), delimiter="|"
        )
    }
    lines = (MAVEN / "line-downtime.csv").read_text(encoding="utf-8").splitlines()
    codes = [str(int(float(code))) for code in lines[1].split("|")[1:]]
    minutes: Counter = Counter()
    orphans = []
    for line in lines[2:]:
        batch, *cells = line.split("|")
        if batch not in dated:
            orphans.append(batch)
            continue
        for code, cell in zip(codes, cells, strict=True):
            if cell.strip() and float(cell) != 0:
                minutes[factors[code]] += float(cell)
    return minutes, orphans


def test_maven_wide_downtime_pareto_matches_and_orphans_are_reported(db_url: str) -> None:
    profile = ROOT / "data" / "profiles" / "maven-line-downtime.toml"
    loaded = run_cli(
        "ingest",
        "--db",
        db_url,
        "--profile",
        str(profile),
        "--lookup",
        str(MAVEN / "line-productivity.csv"),
        str(MAVEN / "line-downtime.csv"),
    )
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    expected, orphans = _independent_pareto()
    assert orphans, "the public files are known to contain orphan batches"
    assert f"skipped {len(orphans)} row(s)" in loaded.stdout
    for batch in orphans:
        assert batch in loaded.stdout
    rows = _report(db_url, "--kpi", "downtime_minutes", "--grain", "total", "--by", "reason")
    got = {row["reason"]: row["value"] for row in rows}
    assert got == pytest.approx(dict(expected))
