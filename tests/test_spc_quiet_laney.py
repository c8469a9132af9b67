"""SPC that counts quiet periods, Laney p′ charts, rules at the window's start and a
partial first week (issue 13 §4). Inputs in tests/golden/spc_*/ (see their README entry);
every expected value below is worked out by hand there.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math

import pytest
from conftest import run_cli
from golden.kpi_fixtures import GOLDEN, load_bytes

from kpi.schema import Kind
from kpi.spc import ChartType, spc_chart
from kpi.spc_rules import Rule, RuleSet, detect

L1 = {"plant": "Plant 1", "line": "L1"}
C_BAR = 12 / 10  # 2 + 1 + 8 + 1 defects (or stops) over 10 weeks with production
SIGNAL_WEEK = dt.date(2025, 4, 14)


def _load(engine, settings, folder: str, *kinds: Kind):
    for kind in kinds:
        path = GOLDEN / folder / f"{kind.value}.csv"
        load_bytes(engine, settings, kind, path.read_bytes(), f"{folder}-{path.name}")
    return engine


@pytest.fixture
def quiet(engine, settings):
    return _load(engine, settings, "spc_quiet", Kind.PRODUCTION, Kind.DEFECTS, Kind.DOWNTIME)


@pytest.mark.parametrize("kpi", ["defects", "stops"])
def test_quiet_weeks_are_zero_points(quiet, kpi):
    """Was 4 points (5 for stops), centre 3 and UCL 8.2: the week of 8 was not flagged."""
    chart = spc_chart(quiet, kpi, "week", where=L1, date_from=dt.date(2025, 3, 3),
                      date_to=dt.date(2025, 5, 18))  # fmt: skip
    frame = chart.frame
    assert len(frame) == 10  # the week of 12 May had no production: no point
    assert frame["center"].iloc[0] == pytest.approx(C_BAR)
    assert frame["ucl"].iloc[0] == pytest.approx(C_BAR + 3 * math.sqrt(C_BAR))  # 4.486
    assert list(frame.loc[frame["value"] == 0, "period"].map(str)) == [
        "2025-03-10", "2025-03-24", "2025-03-31", "2025-04-07", "2025-04-21", "2025-05-05",
    ]  # fmt: skip
    # z of a quiet week is −1.2 / √1.2 = −1.10: four of five quiet weeks are WE3 (low side)
    flagged = frame.loc[frame["signals"] != "", ["period", "signals"]]
    assert list(flagged.itertuples(index=False, name=None)) == [
        (dt.date(2025, 4, 7), "WE3"), (SIGNAL_WEEK, "WE1"), (dt.date(2025, 4, 21), "WE3"),
    ]  # fmt: skip


def test_unplanned_minutes_count_quiet_weeks_on_imr(quiet):
    chart = spc_chart(quiet, "unplanned_downtime_minutes", "week", where=L1)
    assert len(chart.frame) == 10
    assert chart.frame["center"].iloc[0] == pytest.approx(5 * C_BAR)


def test_partial_first_week_is_left_out_of_points_and_limits(quiet):
    """From Wednesday 5 March: the week of 3 March (only its Friday is in the window) was
    hidden but entered the limits (centre 1.2); now it is in neither (9 weeks, 10 defects)."""
    chart = spc_chart(quiet, "defects", "week", where=L1, date_from=dt.date(2025, 3, 5))
    assert dt.date(2025, 3, 3) not in set(chart.frame["period"])
    assert len(chart.frame) == 9
    assert chart.frame["center"].iloc[0] == pytest.approx(10 / 9)


# --- Laney p′ ------------------------------------------------------------------------------

P_BAR, SIGMA_P = 0.02, 0.0014  # 1,000 / 50,000 scrapped; √(0.02 × 0.98 / 10,000)
SIGMA_Z = 6.25 / 1.128  # z = −50/7, 0, −25/7, 50/7, 25/7: mean moving range 25 / 4


@pytest.fixture
def laney(engine, settings):
    return _load(engine, settings, "spc_laney", Kind.PRODUCTION)


def test_laney_chart_widens_the_limits_by_sigma_z(laney):
    p_chart = spc_chart(laney, "scrap_rate", "week", where=L1)
    assert p_chart.frame["ucl"].iloc[0] == pytest.approx(P_BAR + 3 * SIGMA_P)
    # 3.0 % and 2.5 % are beyond 2.42 % (WE1), and two of three beyond 2σ (WE2)
    assert list(p_chart.frame["signals"]) == ["WE1", "", "WE1;WE2", "WE1", "WE1;WE2"]
    chart = spc_chart(laney, "scrap_rate", "week", where=L1, chart="laney")
    assert chart.sigma_z == pytest.approx(SIGMA_Z)
    assert chart.frame["ucl"].iloc[0] == pytest.approx(P_BAR + 3 * SIGMA_P * SIGMA_Z)
    assert chart.frame["lcl"].iloc[0] == 0  # clamped
    assert not chart.signals
    assert "p′" in chart.label


def test_overdispersion_switches_alert_charts_to_laney_and_says_so(laney):
    chart = spc_chart(laney, "scrap_rate", "week", where=L1, laney_if_overdispersed=True)
    assert chart.chart is ChartType.LANEY
    assert "σz = 5.54" in chart.note and "overdispersion" in chart.note


def test_cli_chart_laney(laney, db_url):
    laney.dispose()  # the CLI opens the database itself
    out = run_cli("spc", "--kpi", "scrap_rate", "--grain", "week", "--chart", "laney",
                  "--where", "plant=Plant 1", "--where", "line=L1", "--db", db_url)  # fmt: skip
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert len(rows) == 5
    assert float(rows[0]["ucl"]) == pytest.approx(P_BAR + 3 * SIGMA_P * SIGMA_Z)
    assert all(r["signals"] == "" for r in rows)


# --- run rules over baseline + window --------------------------------------------------------


def test_rules_see_the_points_before_the_window(engine, settings):
    """Baseline February (c̄ 4, σ 2); 9 defects on 5 and 7 March is WE2 (2 of 3 beyond 2σ).
    Shown from 7 March it was missed, because the rules ran on the shown points only."""
    _load(engine, settings, "spc_window", Kind.PRODUCTION, Kind.DEFECTS)
    chart = spc_chart(engine, "defects", "day", where=L1, date_from=dt.date(2025, 3, 7),
                      date_to=dt.date(2025, 3, 10),
                      baseline=(dt.date(2025, 2, 1), dt.date(2025, 2, 28)))  # fmt: skip
    assert chart.frame["center"].iloc[0] == 4
    assert [(s.rule, s.index, s.points) for s in chart.signals] == [(Rule.WE2, 0, (0,))]
    assert chart.explain()["period"].tolist() == [dt.date(2025, 3, 7)]


def test_nelson_8_needs_points_on_both_sides():
    assert not [s for s in detect([1.5] * 8, RuleSet.NELSON) if s.rule is Rule.N8]
    assert [s.index for s in detect([1.5, -1.5] * 4, RuleSet.NELSON) if s.rule is Rule.N8] == [7]
