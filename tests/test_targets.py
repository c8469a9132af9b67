"""Targets: defaults, most specific scope per period, validity windows, status, audit."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from golden.kpi_fixtures import load_golden

from kpi.catalogue import CATALOGUE, Direction
from kpi.metrics import compute, make_query
from kpi.schema import Kind
from kpi.targets import (
    Scope,
    TargetError,
    TargetSpec,
    delete_target,
    import_targets,
    list_targets,
    parse_import,
    parse_scope,
    parse_value,
    set_target,
    status_of,
    target_history,
)

DEFAULTS = {
    "scrap_rate": 0.02,
    "yield": 0.95,
    "availability": 0.90,
    "oee": 0.85,
    "otd": 0.98,
    "otif": 0.95,
    "supplier_otd": 0.95,
}


def test_catalogue_defaults():
    for name, value in DEFAULTS.items():
        assert CATALOGUE[name].default_target == value


@pytest.mark.parametrize(
    "value, target, direction, expected",
    [
        (0.95, 0.90, Direction.HIGHER, "met"),
        (0.90, 0.90, Direction.HIGHER, "met"),
        (0.89, 0.90, Direction.HIGHER, "near"),  # 1 - 0.89 <= (1 - 0.90) x 1.1
        (0.82, 0.90, Direction.HIGHER, "missed"),  # near is measured to the ideal 100 %
        (0.02, 0.02, Direction.LOWER, "met"),
        (0.0215, 0.02, Direction.LOWER, "near"),  # up to 0.022
        (0.023, 0.02, Direction.LOWER, "missed"),
        (np.nan, 0.02, Direction.LOWER, None),
        (0.5, np.nan, Direction.LOWER, None),
    ],
)
def test_status(value, target, direction, expected):
    assert status_of(value, target, direction, 0.10) == expected


def test_near_band_is_configurable():
    assert status_of(0.892, 0.90, Direction.HIGHER, 0.10) == "near"
    assert status_of(0.892, 0.90, Direction.HIGHER, 0.05) == "missed"


def _targets(engine, query) -> dict:
    df = compute(engine, query)
    return {
        tuple(r[:-2]): (r[-2], r[-1])
        for r in df[[*query_cols(query), "target", "status"]].itertuples(index=False)
    }


def query_cols(query) -> list[str]:
    return ["period", *[d.value for d in query.by], "kpi"]


@pytest.fixture
def golden(engine, settings):
    load_golden(engine, settings, Kind.PRODUCTION, Kind.DOWNTIME)
    return engine


def test_most_specific_scope_wins_per_period(golden, settings):
    set_target(golden, settings, TargetSpec("availability", Scope.ALL, "", 0.80))
    set_target(golden, settings, TargetSpec("availability", Scope.PLANT, "P1", 0.85))
    set_target(
        golden,
        settings,
        TargetSpec("availability", Scope.LINE, "L1", 0.99, valid_from=dt.date(2025, 1, 1)),
    )
    query = make_query(["availability"], "month", ["plant", "line"])
    got = _targets(golden, query)
    dec, jan = dt.date(2024, 12, 1), dt.date(2025, 1, 1)
    assert got[(dec, "P1", "L1", "availability")][0] == 0.85  # line target not valid yet
    assert got[(jan, "P1", "L1", "availability")] == (0.99, "met")  # 480/480
    assert got[(jan, "P1", "L2", "availability")][0] == 0.85
    by_line = _targets(golden, make_query(["availability"], "month", ["line"]))
    # a line is a line of its plant: --by line splits by plant and inherits its target
    assert by_line[(jan, "P1", "L2", "availability")][0] == 0.85
    by_plant = _targets(golden, make_query(["availability"], "month", ["plant"]))
    assert by_plant[(jan, "P1", "availability")][0] == 0.85  # row spans lines: plant scope
    pinned = compute(golden, make_query(["availability"], "month", where={"line": "L1"}))
    assert list(pinned["target"]) == [0.85, 0.99]  # --where line=L1: its plant P1 as well


def test_validity_window_and_default_fallback(golden, settings):
    spec = TargetSpec("scrap_rate", Scope.ALL, "", 0.01, dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    set_target(golden, settings, spec)
    got = _targets(golden, make_query(["scrap_rate"], "year"))
    assert got[(dt.date(2024, 1, 1), "scrap_rate")][0] == 0.01
    assert got[(dt.date(2025, 1, 1), "scrap_rate")][0] == 0.02  # catalogue default again


def test_kpis_without_target_have_empty_status(golden):
    df = compute(golden, make_query(["units_produced", "stops"]))
    assert df["target"].isna().all() and df["status"].isna().all()


def test_set_updates_same_scope_and_audits(engine, settings):
    first = set_target(engine, settings, TargetSpec("oee", Scope.LINE, "L1", 0.8))
    second = set_target(engine, settings, TargetSpec("oee", Scope.LINE, "L1", 0.82))
    assert first == second
    stored = list_targets(engine)
    assert stored[stored["target_id"] == first]["value"].tolist() == [0.82]
    history = target_history(engine)
    assert list(history["action"]) == ["target.set", "target.set"]
    assert "0.8 -> 0.82" in history["detail"].iloc[0]
    assert (history["user_name"] == "tester").all()
    delete_target(engine, settings, first)
    assert target_history(engine)["action"].iloc[0] == "target.delete"


@pytest.mark.parametrize(
    "spec, message",
    [
        (TargetSpec("nope", Scope.ALL, "", 1), "unknown KPI"),
        (TargetSpec("otd", Scope.LINE, "L1", 0.9), "does not apply"),
        (TargetSpec("oee", Scope.LINE, "", 0.9), "needs a value"),
        (TargetSpec("oee", Scope.ALL, "", -1), "≥ 0"),
        (TargetSpec("oee", Scope.ALL, "", 0.9, dt.date(2025, 2, 1), dt.date(2025, 1, 1)), "after"),
    ],
)
def test_set_validates(engine, settings, spec, message):
    with pytest.raises(TargetError, match=message):
        set_target(engine, settings, spec)
    assert list_targets(engine)["target_id"].isna().all()


def test_import_is_all_or_nothing(engine, settings):
    bad = "kpi,scope,value,valid_from\noee,all,85%,2025-01-01\nfoo,all,1,\nyield,line=L1,x,\n"
    with pytest.raises(TargetError) as err:
        import_targets(engine, settings, bad, "t.csv")
    assert [p.split(":")[0] for p in err.value.problems] == ["line 3", "line 4"]
    assert list_targets(engine)["target_id"].isna().all()
    good = "kpi,scope,value,valid_from,valid_to\noee,all,85%,2025-01-01,\nyield,line=L1,0.97,,\n"
    assert import_targets(engine, settings, good, "t.csv") == 2
    stored = list_targets(engine).dropna(subset=["target_id"])
    assert sorted(stored["value"]) == [0.85, 0.97]
    assert "target.import" in set(target_history(engine)["action"])


def test_parsers():
    assert parse_value("2%") == pytest.approx(0.02)
    assert parse_value("0.95") == 0.95
    assert parse_scope("line=L 1") == (Scope.LINE, "L 1")
    assert parse_scope(None) == (Scope.ALL, "")
    with pytest.raises(ValueError):
        parse_scope("machine=M1")
    with pytest.raises(TargetError, match="missing column"):
        parse_import("kpi,scope\noee,all\n")
