"""A line is a line of a plant (issue 13 §2). Inputs: tests/golden/two_plants/ (README)."""

from __future__ import annotations

import pytest
from golden.kpi_fixtures import GOLDEN, load_bytes

from kpi.alerts import AlertKind, current_alerts
from kpi.metrics import compute, make_query
from kpi.schema import Kind
from kpi.spc import SpcError, spc_chart
from kpi.targets import Scope, TargetSpec, set_target
from kpi.views import heatmap_frame, kpi_frame

P1, P2 = "Plant 1", "Plant 2"


@pytest.fixture
def plants(engine, settings):
    path = GOLDEN / "two_plants" / "production.csv"
    load_bytes(engine, settings, Kind.PRODUCTION, path.read_bytes(), path.name)
    set_target(engine, settings, TargetSpec("scrap_rate", Scope.PLANT, P2, 0.05))
    return engine


def _rows(df) -> list[tuple]:
    cols = ["plant", "line", "numerator", "denominator", "target", "status"]
    return [tuple(r) for r in df[cols].itertuples(index=False)]


@pytest.mark.parametrize("use_summary", [True, False])
def test_by_line_splits_by_plant_and_inherits_the_plant_target(plants, use_summary):
    """Was two rows, L2 pooled: 130 / 4000 against 2 %, 'missed'."""
    df = compute(plants, make_query(["scrap_rate"], "total", ["line"]), use_summary=use_summary)
    assert _rows(df) == [
        (P1, "L1", 10, 1000, 0.02, "met"),
        (P1, "L2", 40, 1000, 0.02, "missed"),
        (P2, "L2", 90, 3000, 0.05, "met"),
    ]


def test_a_line_filter_without_plant_never_pools_plants(plants):
    df = compute(plants, make_query(["scrap_rate"], where={"line": "L2"}))
    cols = ["plant", "numerator", "denominator", "target", "status"]
    assert [tuple(r) for r in df[cols].itertuples(index=False)] == [
        (P1, 40, 1000, 0.02, "missed"), (P2, 90, 3000, 0.05, "met"),
    ]  # fmt: skip


def test_target_miss_alerts_name_the_plant(plants):
    misses = [a.scope for a in current_alerts(plants)
              if a.kind is AlertKind.TARGET_MISS and a.kpi == "scrap_rate"
              and "line" in a.scope]  # fmt: skip
    assert misses == [{"plant": P1, "line": "L2"}]


def test_spc_of_a_line_name_in_two_plants_asks_for_the_plant(plants):
    with pytest.raises(SpcError, match="exists in Plant 1, Plant 2"):
        spc_chart(plants, "scrap_rate", "week", where={"line": "L2"})
    chart = spc_chart(plants, "scrap_rate", "week", where={"plant": P2, "line": "L2"})
    assert list(chart.frame["count"]) == [90]


def test_labels_name_the_plant(plants):
    import datetime as dt

    from kpi.views import Filters

    view = Filters(dt.date(2025, 3, 3), dt.date(2025, 3, 9))
    frame = kpi_frame(plants, ["scrap_rate"], view, by=["line"])
    assert sorted(frame["line_label"]) == ["Plant 1 · L1", "Plant 1 · L2", "Plant 2 · L2"]
    assert heatmap_frame(plants, view, "units_produced").index.tolist() == [
        "Plant 1 · L1", "Plant 1 · L2", "Plant 2 · L2",
    ]  # fmt: skip


def test_the_sidebar_never_pools_lines_of_two_plants() -> None:
    """A link with a line and no plant gets the one plant that has that line; a name two
    plants share is dropped rather than pooled (the line picker needs a plant first)."""
    import datetime as dt

    from kpi.catalogue import Grain
    from kpi.views import Filters
    from ui.filters import valid

    lines = {"Plant 1": ["L1", "L2"], "Plant 2": ["L2", "L5"]}
    view = Filters(dt.date(2026, 1, 1), dt.date(2026, 1, 31), Grain.WEEK, None, "L5")
    assert (valid(view, lines).plant, valid(view, lines).line) == ("Plant 2", "L5")
    shared = Filters(dt.date(2026, 1, 1), dt.date(2026, 1, 31), Grain.WEEK, None, "L2")
    assert (valid(shared, lines).plant, valid(shared, lines).line) == (None, None)
    chosen = Filters(dt.date(2026, 1, 1), dt.date(2026, 1, 31), Grain.WEEK, "Plant 1", "L2")
    assert valid(chosen, lines).line == "L2"
