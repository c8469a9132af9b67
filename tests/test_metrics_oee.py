"""The published OEE worked example, and how downtime joins production.

Example: 480-minute shift, 60 minutes of breaks, 47 minutes of unplanned downtime,
1 s ideal cycle, 19,271 parts, 423 rejects → A 88.81 %, P 86.11 %, Q 97.80 %, OEE 74.79 %.
"""

from __future__ import annotations

import pytest
from golden.kpi_fixtures import load_bytes, to_csv

from kpi.metrics import compute, make_query
from kpi.schema import Kind

SHIFT = dict(date="2025-03-03", shift="A", plant="P1", line="L1")
OEE_KPIS = ["availability", "performance", "yield", "oee"]


def _production(planned_minutes: float, **extra) -> dict:
    row = dict(
        SHIFT,
        machine="",
        product="P",
        planned_minutes=planned_minutes,
        ideal_cycle_seconds=1,
        units_produced=19271,
        units_scrapped=423,
        units_reworked=0,
    )
    return row | extra


def _stop(minutes: float, planned: bool, **extra) -> dict:
    stop = dict(SHIFT, machine="", reason="x", minutes=minutes, planned="yes" if planned else "no")
    return stop | extra


def _values(engine, use_summary=True, **query) -> dict[str, float]:
    df = compute(engine, make_query(OEE_KPIS, **query), use_summary=use_summary)
    return dict(zip(df["kpi"], df["value"], strict=True))


def _assert_published(values: dict[str, float]) -> None:
    assert round(values["availability"] * 100, 2) == 88.81
    assert round(values["performance"] * 100, 2) == 86.11
    assert round(values["yield"] * 100, 2) == 97.80
    assert round(values["oee"] * 100, 2) == 74.79


@pytest.mark.parametrize("use_summary", [True, False])
def test_breaks_logged_as_planned_stops(engine, settings, use_summary):
    load_bytes(engine, settings, Kind.PRODUCTION, to_csv(Kind.PRODUCTION, [_production(480)]), "p")
    stops = [_stop(60, planned=True), _stop(47, planned=False)]
    load_bytes(engine, settings, Kind.DOWNTIME, to_csv(Kind.DOWNTIME, stops), "d")
    _assert_published(_values(engine, use_summary))


@pytest.mark.parametrize("use_summary", [True, False])
def test_planned_minutes_net_of_breaks(engine, settings, use_summary):
    load_bytes(engine, settings, Kind.PRODUCTION, to_csv(Kind.PRODUCTION, [_production(420)]), "p")
    load_bytes(engine, settings, Kind.DOWNTIME, to_csv(Kind.DOWNTIME, [_stop(47, False)]), "d")
    _assert_published(_values(engine, use_summary))


def test_several_product_rows_do_not_double_count_downtime(engine, settings):
    """Two product rows in one shift share the shift's stops by planned-minutes share."""
    rows = [
        _production(280, product="A", units_produced=11000, units_scrapped=200),
        _production(200, product="B", units_produced=8271, units_scrapped=223),
    ]
    load_bytes(engine, settings, Kind.PRODUCTION, to_csv(Kind.PRODUCTION, rows), "p")
    stops = [_stop(60, planned=True), _stop(47, planned=False)]
    load_bytes(engine, settings, Kind.DOWNTIME, to_csv(Kind.DOWNTIME, stops), "d")
    _assert_published(_values(engine))
    by_product = compute(engine, make_query(["availability"], by=["product"]))
    assert list(by_product["denominator"]) == pytest.approx([280 - 35, 200 - 25])
    assert list(by_product["numerator"]) == pytest.approx(
        [245 - 47 * 280 / 480, 175 - 47 * 200 / 480]
    )


@pytest.mark.parametrize("use_summary", [True, False])
def test_machine_join(engine, settings, use_summary):
    """A stop on a machine hits that machine's rows; line-level or unknown machines hit all."""
    rows = [
        _production(400, machine="M1", ideal_cycle_seconds=""),
        _production(400, machine="M2", ideal_cycle_seconds=""),
    ]
    load_bytes(engine, settings, Kind.PRODUCTION, to_csv(Kind.PRODUCTION, rows), "p")
    stops = [
        _stop(40, planned=False, machine="M1"),
        _stop(20, planned=False),  # line level: 10 each
        _stop(30, planned=False, machine="M9"),  # not in production: line level, 15 each
    ]
    load_bytes(engine, settings, Kind.DOWNTIME, to_csv(Kind.DOWNTIME, stops), "d")
    query = make_query(["availability", "mtbf_minutes", "performance"], by=["machine"])
    df = compute(engine, query, use_summary=use_summary).set_index(["machine", "kpi"])
    assert df.loc[("M1", "availability"), "numerator"] == pytest.approx(400 - 40 - 10 - 15)
    assert df.loc[("M2", "availability"), "numerator"] == pytest.approx(400 - 10 - 15)
    # MTBF counts the stops `stops` counts (issue 13 §9): by machine, the M1 stop only
    assert df.loc[("M1", "mtbf_minutes"), "denominator"] == 1
    assert pd_isna(df.loc[("M1", "performance"), "value"])  # no ideal cycle: empty, not 0


def pd_isna(value) -> bool:
    return value != value


def test_performance_may_exceed_one(engine, settings):
    row = _production(110, units_produced=12000, units_scrapped=0)  # 200 ideal minutes
    load_bytes(engine, settings, Kind.PRODUCTION, to_csv(Kind.PRODUCTION, [row]), "p")
    # a downtime file too: without one, performance is "no data" (issue 13 §8)
    stops = [_stop(10, planned=True)]  # PBT = APT = 100
    load_bytes(engine, settings, Kind.DOWNTIME, to_csv(Kind.DOWNTIME, stops), "d")
    values = _values(engine)
    assert values["performance"] == pytest.approx(2.0)
    assert values["oee"] == pytest.approx(2.0)


def test_zero_denominator_is_empty_not_zero(engine, settings):
    row = _production(60, units_produced=0, units_scrapped=0)
    load_bytes(engine, settings, Kind.PRODUCTION, to_csv(Kind.PRODUCTION, [row]), "p")
    stops = [_stop(60, planned=True)]
    load_bytes(engine, settings, Kind.DOWNTIME, to_csv(Kind.DOWNTIME, stops), "d")
    df = compute(engine, make_query(["scrap_rate", "availability", "oee", "mttr_minutes"]))
    assert df["value"].isna().all()
    assert set(df["kpi"]) == {"scrap_rate", "availability", "oee", "mttr_minutes"}
