"""Empty windows: ``kpi.spc`` returns an empty, well-formed chart instead of raising.

Real DuckDB files (loaded through the ingest front door) and the real CLI in a subprocess.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from kpi.catalogue import CATALOGUE, Grain
from kpi.ingest import Outcome, ingest_bytes
from kpi.review.external import spc_signals
from kpi.review.periods import Period, PeriodKind
from kpi.spc import CSV_COLUMNS, ChartType, SpcError, allowed_charts, control_chart, spc_chart
from tests.conftest import run_cli

HEADER = "date,shift,plant,line,machine,product,planned_minutes,units_produced,units_scrapped\n"
MARCH = (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
JUNE = (dt.date(2026, 6, 1), dt.date(2026, 6, 30))


def _load_march(engine, settings, line: str = "L1") -> None:
    """Ten March days of production on one line: nothing at all in June."""
    body = HEADER + "".join(
        f"2026-03-{d:02d},A,Plant 1,{line},M1,P-1,480,1000,{20 + d}\n" for d in range(1, 11)
    )
    result = ingest_bytes(engine, settings, body.encode(), f"prod-{line}.csv")
    assert result.outcome is Outcome.LOADED, result.problems


@pytest.mark.parametrize("chart", list(ChartType))
def test_control_chart_of_no_points_is_empty_and_well_formed(chart):
    points = pd.DataFrame({"period": [], "count": [], "n": [], "value": []})
    empty = control_chart(points, chart, base=[], excluded=[], kpi="scrap_rate")
    assert empty.empty and empty.signals == []
    assert set(CSV_COLUMNS) <= set(empty.frame.columns)
    assert list(empty.explain().columns) == ["period", "rule", "meaning", "points"]
    if chart is ChartType.IMR:
        assert {"mr", "mr_center", "mr_ucl"} <= set(empty.frame.columns)


def test_every_kpi_and_chart_on_an_empty_window(engine, settings):
    _load_march(engine, settings)
    for kpi in CATALOGUE:
        for chart in allowed_charts(kpi):
            got = spc_chart(engine, kpi, Grain.WEEK, chart=chart, date_from=JUNE[0],
                            date_to=JUNE[1], baseline=JUNE)  # fmt: skip
            assert got.empty and got.chart is chart and got.signals == [], (kpi, chart)


def test_empty_window_after_a_baseline_with_data(engine, settings):
    _load_march(engine, settings)
    got = spc_chart(engine, "availability", Grain.DAY, date_from=JUNE[0], date_to=JUNE[1],
                    baseline=MARCH)  # fmt: skip
    assert got.empty and got.chart is ChartType.IMR and got.baseline == MARCH


def test_a_baseline_without_data_is_still_an_error_when_the_window_has_data(engine, settings):
    _load_march(engine, settings)
    with pytest.raises(SpcError, match="no scrap_rate data in the baseline"):
        spc_chart(engine, "scrap_rate", Grain.DAY, date_from=MARCH[0], date_to=MARCH[1],
                  baseline=JUNE)  # fmt: skip


def test_review_pack_sweeps_a_line_without_data_in_the_window(engine, settings):
    """The pack charts each line from six months before the period: L1's March 2026 rows
    are outside June 2027's window, so its charts (availability is I-MR) are empty."""
    _load_march(engine, settings, "L1")
    body = HEADER + "2027-06-03,A,Plant 1,L2,M1,P-1,480,1000,900\n"
    assert ingest_bytes(engine, settings, body.encode(), "june.csv").outcome is Outcome.LOADED
    june = Period(PeriodKind.MONTH, dt.date(2027, 6, 1), dt.date(2027, 6, 30))
    signals = spc_signals(engine, june, {})
    assert list(signals.columns) == ["kpi", "label", "where", "period", "rule", "meaning"]
    assert signals.empty  # one point on L2 cannot signal; L1 has none


def test_cli_on_an_empty_window_prints_the_header_and_says_so(db_url, write_csv):
    path = write_csv("p.csv", HEADER + "2026-03-02,A,Plant 1,L1,M1,P-1,480,1000,20\n")
    assert run_cli("ingest", "--db", db_url, str(path)).returncode == 0
    args = ["spc", "--kpi", "downtime_minutes", "--grain", "week", "--from", "2026-06-01",
            "--to", "2026-06-30", "--where", "line=L1", "--db", db_url]  # fmt: skip
    done = run_cli(*args)
    assert done.returncode == 0, done.stderr
    assert done.stdout == ",".join(CSV_COLUMNS) + "\n"
    assert done.stderr.strip().splitlines()[-1] == (  # after the summary note
        "no downtime_minutes data for line=L1 from 2026-06-01 to 2026-06-30: "
        "the chart has no points"
    )
    as_json = run_cli(*args, "--format", "json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == []
