"""Impossible inputs give no impossible numbers (issue 13 §5).

Stop minutes above the planned minutes of a (date, shift, plant, line[, machine]) are
refused for whichever file arrives second, with its lines named; ``python -m kpi check``
and the Downtime page list any such contradiction already stored. Inputs and the
hand-worked expectations: tests/golden/stop_overrun/ and its README entry.
"""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from conftest import run_cli
from golden.kpi_fixtures import GOLDEN, load_bytes

from kpi.consistency import PROBLEM, data_quality, inconsistencies
from kpi.ingest import Outcome, ingest_bytes
from kpi.metrics import compute, make_query
from kpi.schema import Kind
from kpi.tables import FACT_TABLES

FOLDER = GOLDEN / "stop_overrun"
DAY = dt.date(2025, 3, 3)


def _ingest(engine, settings, name: str, kind: Kind):
    return ingest_bytes(engine, settings, (FOLDER / name).read_bytes(), name, kind)


def _rows(engine, kind: Kind) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(FACT_TABLES[kind])).scalar()


def test_downtime_arriving_second_is_refused_with_its_line(engine, settings):
    load_bytes(engine, settings, Kind.PRODUCTION, (FOLDER / "production.csv").read_bytes(), "p")
    result = _ingest(engine, settings, "downtime_over.csv", Kind.DOWNTIME)
    assert result.outcome is Outcome.REJECTED
    [problem] = result.problems
    assert problem.line == 3
    assert "2025-03-03 shift A, Plant 1 / line L1 would have 600 stop minutes in 480 " in (
        problem.problem
    )
    assert "Lines of this file in that shift: 3" in problem.problem
    assert _rows(engine, Kind.DOWNTIME) == 0  # nothing loaded


def test_production_arriving_second_is_refused_with_its_line(engine, settings):
    load_bytes(engine, settings, Kind.DOWNTIME, (FOLDER / "downtime_over.csv").read_bytes(), "d")
    result = _ingest(engine, settings, "production.csv", Kind.PRODUCTION)
    assert result.outcome is Outcome.REJECTED
    assert [p.line for p in result.problems] == [2]
    assert "line L1 would have 600 stop minutes in 480 planned" in result.problems[0].problem
    assert "with the downtime already loaded" in result.problems[0].problem
    assert _rows(engine, Kind.PRODUCTION) == 0


def test_a_machine_over_its_own_plan_is_refused(engine, settings):
    load_bytes(engine, settings, Kind.PRODUCTION, (FOLDER / "production.csv").read_bytes(), "p")
    result = _ingest(engine, settings, "downtime_machine_over.csv", Kind.DOWNTIME)
    assert result.outcome is Outcome.REJECTED
    [problem] = result.problems
    assert "line L3, machine M1 would have 300 stop minutes in 240 planned" in problem.problem
    assert "Lines of this file in that shift: 2, 3" in problem.problem


def test_consistent_files_load_and_a_line_down_all_shift_is_zero(engine, settings):
    load_bytes(engine, settings, Kind.PRODUCTION, (FOLDER / "production.csv").read_bytes(), "p")
    load_bytes(engine, settings, Kind.DOWNTIME, (FOLDER / "downtime_ok.csv").read_bytes(), "d")
    df = compute(engine, make_query(["availability", "oee"], "total", ["line"]))
    l2 = df[df["line"] == "L2"].set_index("kpi")["value"]
    assert (l2["availability"], l2["oee"]) == (0, 0)  # 0 / 480, not empty
    assert inconsistencies(engine).empty


def _store_old_contradiction(engine, settings) -> None:
    """A database from before the check: the stop row written as the loader used to."""
    load_bytes(engine, settings, Kind.PRODUCTION, (FOLDER / "production.csv").read_bytes(), "p")
    with engine.begin() as conn:
        conn.execute(FACT_TABLES[Kind.DOWNTIME].insert().values(
            batch_id=99, date=DAY, shift="A", plant="Plant 1", line="L1", machine=None,
            reason="Maintenance", minutes=600.0, planned=True))  # fmt: skip


def test_stored_contradictions_are_listed(engine, settings):
    _store_old_contradiction(engine, settings)
    found = data_quality(engine)
    assert found.to_dict("records") == [
        {"date": DAY, "shift": "A", "plant": "Plant 1", "line": "L1", "machine": None,
         "planned_minutes": 480.0, "stop_minutes": 600.0, "problem": PROBLEM},
    ]  # fmt: skip


def test_check_cli_lists_them_and_exits_1(engine, settings, db_url):
    _store_old_contradiction(engine, settings)
    engine.dispose()
    out = run_cli("check", "--format", "csv", "--db", db_url)
    assert out.returncode == 1, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "date,shift,plant,line,machine,planned_minutes,stop_minutes,problem"
    assert lines[1] == f"2025-03-03,A,Plant 1,L1,,480,600,{PROBLEM}"
    assert "1 shift(s) with more stop than planned minutes" in out.stderr


@pytest.mark.parametrize("fmt", ["table"])
def test_check_cli_on_clean_data_exits_0(engine, settings, db_url, fmt):
    load_bytes(engine, settings, Kind.PRODUCTION, (FOLDER / "production.csv").read_bytes(), "p")
    engine.dispose()
    out = run_cli("check", "--format", fmt, "--db", db_url)
    assert out.returncode == 0, out.stderr
