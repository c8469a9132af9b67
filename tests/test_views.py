"""Dashboard frames (kpi.views) and safe table exports (kpi.exports) on the golden files."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pandas as pd
import pytest
from golden.kpi_fixtures import load_golden

from kpi import views
from kpi.catalogue import Grain, Unit
from kpi.drilldown import readable_misses
from kpi.exports import neutralise_cell, to_csv_bytes, to_xlsx_bytes
from kpi.metrics import compute, make_query


@pytest.fixture
def golden(engine, settings):
    load_golden(engine, settings)
    return engine


def test_filters_apply_only_where_the_kpi_has_the_dimension():
    f = views.Filters(dt.date(2025, 1, 1), dt.date(2025, 1, 31), plant="Plant 1", line="L1")
    assert f.where("scrap_rate") == {"plant": "Plant 1", "line": "L1"}
    assert f.where("otd") == {"plant": "Plant 1"}
    assert f.current == (dt.date(2025, 1, 27), dt.date(2025, 1, 31))


AS_OF = dt.date(2025, 1, 2)  # the newest golden date: the dashboard passes the as-of date


def test_tiles_equal_the_engine(golden):
    f = views.default_filters(golden, today=AS_OF)
    tiles = {t.kpi: t for t in views.tiles(golden, f)}
    start, end = f.current
    expected = compute(golden, make_query(["scrap_rate"], Grain.TOTAL, (), start, end))
    assert tiles["scrap_rate"].value == pytest.approx(expected["value"].iloc[0])
    assert tiles["scrap_rate"].target == pytest.approx(0.02)
    assert set(tiles) == set(views.HEADLINE)


def test_empty_database_gives_empty_frames(engine):
    f = views.default_filters(engine, today=dt.date(2026, 1, 1))
    assert f.date_to == dt.date(2026, 1, 1)
    assert all(pd.isna(t.value) for t in views.tiles(engine, f))
    assert views.target_misses(engine, f).empty
    assert views.heatmap_frame(engine, f).empty
    assert views.plants_and_lines(engine) == {}


def test_misses_and_heatmap(golden):
    f = views.default_filters(golden, today=AS_OF)
    misses = views.target_misses(golden, f)
    assert set(misses.columns) >= {"kpi", "scope", "scope_value", "value", "target", "gap"}
    assert (misses["scope"].isin(["all", "line", "customer", "supplier"])).all()
    wide = views.heatmap_frame(golden, views.Filters(dt.date(2024, 12, 1), f.date_to))
    assert not wide.empty and (wide.to_numpy() >= 0).all()


def test_period_end_and_formats():
    assert views.period_end(Grain.MONTH, dt.date(2024, 12, 1)) == dt.date(2024, 12, 31)
    assert views.period_end(Grain.QUARTER, dt.date(2025, 1, 1)) == dt.date(2025, 3, 31)
    assert views.period_end(Grain.WEEK, dt.date(2025, 1, 6)) == dt.date(2025, 1, 12)
    assert views.format_value(0.0213, Unit.RATIO) == "2.1 %"
    assert views.format_value(float("nan"), Unit.RATIO) == "—"
    assert views.format_delta(0.03, 0.02, Unit.RATIO) == "+1.0 pp"
    assert views.format_delta(1.0, float("nan"), Unit.MINUTES) is None


def test_exports_neutralise_formulas_but_keep_numbers():
    df = pd.DataFrame({"product": ["=HYPERLINK(1)", "+1", "@x", "-2", "ok"], "gap": [-0.1] * 5})
    text = to_csv_bytes(df).decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text and "'+1" in text and "'@x" in text and "'-2" in text
    assert ",-0.1" in text and "\nok," in text
    assert neutralise_cell(-3) == -3
    book = openpyxl.load_workbook(io.BytesIO(to_xlsx_bytes(df, "t")))
    sheet = book["t"]
    assert sheet["A2"].value == "'=HYPERLINK(1)" and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == -0.1


def test_one_formatter_for_changes_and_gaps() -> None:
    """Failed before: counts got '+23.0' and days lost their unit; gaps showed as %."""
    assert views.format_delta(123, 100, Unit.COUNT) == "+23"
    assert views.format_delta(1_100, 100, Unit.UNITS) == "+1,000"
    assert views.format_delta(2.5, 1.0, Unit.DAYS) == "+1.5 d"
    misses = pd.DataFrame(
        {"kpi": ["scrap_rate", "otd"], "label": ["Scrap rate", "On-time delivery"],
         "scope": ["all", "customer"], "scope_value": ["all", "Acme"], "plant": [None, None],
         "value": [0.0744, 0.951], "target": [0.02, 0.98], "gap": [0.0544, -0.029]}
    )  # fmt: skip
    shown = readable_misses(misses)
    assert list(shown["value"]) == ["7.4 %", "95.1 %"]
    assert list(shown["target"]) == ["2.0 %", "98.0 %"]
    assert list(shown["gap"]) == ["+5.4 pp", "-2.9 pp"]
    assert "kpi" not in shown.columns and "KPI" in shown.columns
