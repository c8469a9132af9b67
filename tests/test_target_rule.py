"""Issue 13 §1: one rule for targets and status on every surface.

A period, or a total over a window, is judged against the target in force on its last
day, clipped to the window's end and the as-of date. Golden inputs and hand-computed
answers: tests/golden/target_rule/README.md. The property test draws random targets that
change mid-period and asks every surface for the same figures.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import json

import pytest
import sqlalchemy as sa
from golden.kpi_fixtures import GOLDEN, load_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi.alerts import current_alerts
from kpi.catalogue import Grain
from kpi.cli import main
from kpi.review import make_request, prepare
from kpi.schema import Kind
from kpi.tables import targets as targets_table
from kpi.targets import Scope, TargetSpec, import_targets, set_target
from kpi.views import Filters, target_misses, tiles

FILES = GOLDEN / "target_rule"
AS_OF = "2025-04-15"
MAR, FEB, WEEK = dt.date(2025, 3, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 10)


@pytest.fixture
def rule_db(engine, settings):
    path = FILES / "production.csv"
    load_bytes(engine, settings, Kind.PRODUCTION, path.read_bytes(), path.name)
    return engine


def report(db_url: str, *args: str) -> list[dict]:
    """The report command's JSON rows, run in-process through the real CLI entry point."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["report", "--kpi", "scrap_rate", "--format", "json", "--as-of", AS_OF,
                     "--db", db_url, *args])  # fmt: skip
    assert code == 0
    return json.loads(out.getvalue())


def _one(rows: list[dict], period: dt.date | None) -> tuple[float, str]:
    want = period.isoformat() if period else None
    found = [(r["target"], r["status"]) for r in rows if r["period"] == want]
    assert len(found) == 1, rows
    return found[0]


def _line(line: str | None) -> list[str]:
    return ["--where", f"line={line}"] if line else []


def test_golden_march_is_judged_by_its_last_day(rule_db, settings, db_url):
    import_targets(rule_db, settings, (FILES / "targets.csv").read_text(), "targets.csv")
    month = report(db_url, "--grain", "month", "--where", "line=L1")
    assert _one(month, FEB) == (0.03, "met")
    assert _one(month, MAR) == (0.015, "missed")  # was 3 %, "met" (valid on 1 March)
    total = report(db_url, "--from", "2025-03-01", "--to", "2025-03-31", "--where", "line=L1")
    assert _one(total, None) == (0.015, "missed")
    week = report(db_url, "--grain", "week", "--where", "line=L1")
    assert _one(week, WEEK) == (0.015, "missed")  # 10-16 March ends on the change
    clipped = report(db_url, "--grain", "month", "--to", "2025-03-12", "--where", "line=L1")
    assert _one(clipped, MAR)[0] == 0.03  # clipped to the window's end
    pack = prepare(rule_db, make_request("2025-Q1", as_of=dt.date.fromisoformat(AS_OF)))
    scrap = next(o for o in pack.objectives if o.kpi == "scrap_rate")
    assert (scrap.target, scrap.status) == (0.015, "missed")  # 107/6000
    trend = pack.trends[(pack.trends["kpi"] == "scrap_rate")]
    march = trend[trend["period"] == MAR].iloc[0]
    assert (march["target"], march["status"]) == (0.015, "near")  # 82/5000: was 3 %, met


def _surfaces(engine: sa.Engine, db_url: str, line: str | None) -> dict[str, tuple | None]:
    """Target and status of March 2025 (L1, L2 or all lines) as each surface reports it."""
    total = report(db_url, "--from", "2025-03-01", "--to", "2025-03-31", *_line(line))
    view = Filters(dt.date(2025, 1, 1), dt.date(2025, 3, 31), Grain.MONTH, line=line)
    tile = tiles(engine, view, ("scrap_rate",))[0]
    misses = target_misses(engine, view, ("scrap_rate",))
    hit = misses[misses["scope"] == "all"]  # the filtered figure (the line's, with a line)
    return {
        "report month": _one(report(db_url, "--grain", "month", *_line(line)), MAR),
        "report total": _one(total, None),
        "tile": (tile.target, tile.status),
        "miss list": (float(hit["target"].iloc[0]), "missed") if len(hit) else None,
    }


def _miss_lines(engine: sa.Engine) -> dict[str, float]:
    """The target of each March miss per line, from the miss list and from alerts."""
    view = Filters(MAR, dt.date(2025, 3, 31), Grain.MONTH)
    misses = target_misses(engine, view, ("scrap_rate",))
    listed = {r.scope_value: r.target for r in misses.itertuples() if r.scope == "line"}
    alerted = {
        a.scope.get("line", "all"): a.target
        for a in current_alerts(engine, Grain.MONTH)
        if a.kpi == "scrap_rate" and a.kind.value == "target_miss" and a.period == MAR
    }
    assert alerted.keys() - {"all"} == listed.keys()
    return listed


def _same_across_grains(engine: sa.Engine, db_url: str, line: str | None) -> None:
    """The week of 10 March and Q1 2025: grain row, window total and tile agree."""
    q1 = (Grain.QUARTER, dt.date(2025, 1, 1), dt.date(2025, 3, 31))
    for grain, start, end in ((Grain.WEEK, WEEK, dt.date(2025, 3, 16)), q1):
        row = _one(report(db_url, "--grain", grain.value, *_line(line)), start)
        total = report(db_url, "--from", str(start), "--to", str(end), *_line(line))
        assert _one(total, None) == row, (grain, line)
        view = Filters(dt.date(2024, 12, 1), end, grain, line=line)
        tile = tiles(engine, view, ("scrap_rate",))[0]
        assert (tile.target, tile.status) == row, (grain, line)


DAYS = st.dates(dt.date(2025, 2, 20), dt.date(2025, 4, 10))
TARGET = st.tuples(
    st.sampled_from(["all", "L1", "L2"]),
    st.sampled_from([0.005, 0.012, 0.015, 0.018, 0.02, 0.021, 0.03]),
    st.one_of(st.none(), DAYS),
    st.one_of(st.none(), DAYS),
    st.sampled_from([None, 0.0, 0.3]),
)


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(specs=st.lists(TARGET, min_size=1, max_size=3))
def test_every_surface_gives_the_same_target_and_status(rule_db, settings, db_url, specs):
    with rule_db.begin() as conn:
        conn.execute(targets_table.delete())
    for scope, value, start, end, band in specs:
        if start and end and start > end:
            start, end = end, start
        dim, name = (Scope.ALL, "") if scope == "all" else (Scope.LINE, scope)
        set_target(rule_db, settings, TargetSpec("scrap_rate", dim, name, value, start, end, band))
    for line in (None, "L1", "L2"):
        seen = _surfaces(rule_db, db_url, line)
        first = seen["report month"]
        assert seen["report total"] == first, seen
        assert seen["tile"] == first, seen
        if first[1] == "missed":
            assert seen["miss list"] == first, seen
        else:
            assert seen["miss list"] is None, seen
    listed = _miss_lines(rule_db)
    for line in ("L1", "L2"):
        target, status = _surfaces(rule_db, db_url, line)["report month"]
        assert (line in listed) == (status == "missed")
    for line in (None, "L1"):
        _same_across_grains(rule_db, db_url, line)
    pack = prepare(rule_db, make_request("2025-03", as_of=dt.date.fromisoformat(AS_OF)))
    scrap = next(o for o in pack.objectives if o.kpi == "scrap_rate")
    trend = pack.trends[(pack.trends["kpi"] == "scrap_rate") & (pack.trends["period"] == MAR)]
    whole = _surfaces(rule_db, db_url, None)["report month"]
    assert (scrap.target, scrap.status) == whole
    assert (trend["target"].iloc[0], trend["status"].iloc[0]) == whole
