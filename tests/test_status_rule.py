"""Issue 13 §6 and §7: statuses decided on num/den, clean printed numbers, "near" to the ideal.

Inputs and hand-computed answers: tests/golden/status/README.md.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from conftest import run_cli
from golden.kpi_fixtures import GOLDEN, load_bytes

from kpi.catalogue import Direction
from kpi.commands.report import write
from kpi.metrics import compute, make_query
from kpi.schema import Kind
from kpi.status import Ideal, near_limit
from kpi.targets import status_of

FILES = GOLDEN / "status"


@pytest.fixture
def status_db(engine, settings, db_url):
    for kind in (Kind.PRODUCTION, Kind.DOWNTIME):
        path = FILES / f"{kind.value}.csv"
        load_bytes(engine, settings, kind, path.read_bytes(), path.name)
    return engine


def _rows(text: str) -> dict[tuple[str, str], dict]:
    return {(r["line"], r["kpi"]): r for r in csv.DictReader(io.StringIO(text))}


def test_cli_statuses_and_printed_values(status_db, db_url):
    status_db.dispose()
    out = run_cli("report", "--kpi", "oee,yield,scrap_rate,downtime_minutes", "--by", "line",
                  "--db", db_url)  # fmt: skip
    assert out.returncode == 0, out.stderr
    rows = _rows(out.stdout)
    oee = rows[("L1", "oee")]
    assert (oee["value"], oee["numerator"], oee["denominator"]) == ("0.85", "408", "480")
    assert oee["status"] == "met"  # was "near": 0.8499999999999999 from A x P x Q
    assert rows[("L2", "downtime_minutes")]["value"] == "0.3"  # was 0.30000000000000004
    assert rows[("L3", "yield")]["status"] == "missed"  # 94 % is not near 95 %
    assert rows[("L4", "yield")]["status"] == "near"  # 94.5 %: on the near limit
    assert rows[("L5", "scrap_rate")]["status"] == "near"  # 2.2 %: on the near limit
    assert rows[("L4", "scrap_rate")]["status"] == "missed"  # 5.5 %


def test_summary_and_raw_paths_print_identical_values(status_db):
    query = make_query(["oee", "yield", "availability", "downtime_minutes"], by=["line"])
    printed = []
    for use_summary in (True, False):
        buffer = io.StringIO()
        write(compute(status_db, query, use_summary=use_summary), "csv", buffer)
        printed.append(buffer.getvalue())
    assert printed[0] == printed[1]


@pytest.mark.parametrize(
    "value, target, direction, ratio, expected",
    [
        (0.907, 0.98, Direction.HIGHER, True, "missed"),  # was "near" (within 10 % of 98 %)
        (0.978, 0.98, Direction.HIGHER, True, "near"),  # 1 - 0.978 = 0.022 = 0.02 x 1.1
        (0.977, 0.98, Direction.HIGHER, True, "missed"),
        (0.779, 0.85, Direction.HIGHER, True, "missed"),  # OEE 77.9 % vs 85 %
        (0.95, 0.90, Direction.HIGHER, True, "met"),
        (0.022, 0.02, Direction.LOWER, True, "near"),
        (0.0221, 0.02, Direction.LOWER, True, "missed"),
        (91.0, 100.0, Direction.HIGHER, False, "near"),  # MTBF: 100 / 1.1 = 90.9
        (90.0, 100.0, Direction.HIGHER, False, "missed"),
        (408 / 480 - 1e-16, 0.85, Direction.HIGHER, True, "met"),  # within 1e-9 relative
        (np.nan, 0.02, Direction.LOWER, True, None),
        (0.5, np.nan, Direction.LOWER, True, None),
    ],
)
def test_near_is_measured_to_the_ideal(value, target, direction, ratio, expected):
    assert status_of(value, target, direction, 0.10, ratio) == expected


def test_near_limits_for_labels():
    assert near_limit(0.98, Ideal.ONE) == pytest.approx(0.978)
    assert near_limit(0.02, Ideal.ZERO) == pytest.approx(0.022)


def test_near_band_override_per_target(status_db, db_url, tmp_path):
    status_db.dispose()
    saved = run_cli("targets", "set", "yield", "95%", "--scope", "line=L3", "--near-band", "25%",
                    "--db", db_url)  # fmt: skip
    assert saved.returncode == 0, saved.stderr
    path = tmp_path / "t.csv"
    path.write_text("kpi,scope,value,near_band\nscrap_rate,line=L5,2%,0\n")
    assert run_cli("targets", "import", str(path), "--db", db_url).returncode == 0
    bad = run_cli("targets", "set", "yield", "95%", "--near-band", "-1", "--db", db_url)
    assert bad.returncode == 2 and "near band" in bad.stderr
    out = run_cli("report", "--kpi", "yield,scrap_rate", "--by", "line", "--db", db_url)
    rows = _rows(out.stdout)
    assert rows[("L3", "yield")]["status"] == "near"  # 0.06 <= 0.05 x 1.25
    assert rows[("L4", "yield")]["status"] == "near"  # global band still applies elsewhere
    assert rows[("L5", "scrap_rate")]["status"] == "missed"  # band 0: 2.2 % misses 2 %
    listed = run_cli("targets", "list", "--format", "csv", "--db", db_url).stdout
    assert "yield,line,L3,0.95" in listed and ",0.25" in listed
