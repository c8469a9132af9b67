"""The plant manager's questions (issue 16 item 6) through AppTest on the demo year:
OEE by line as a chart and a table, drill-downs to stop rows, production rows and order
lines with their batch and original file, and Paretos that follow the page's split.
A click on a trend point is tested in Chromium (tests/test_browser_drilldown.py).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest

from kpi import drilldown, store, views
from kpi.catalogue import Dim, Grain
from kpi.settings import load_settings

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")


def _page(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest, columns: set[str]) -> pd.DataFrame:
    return next(d.value for d in at.dataframe if columns <= set(d.value.columns))


def _titles(at: AppTest) -> str:
    return " ".join(c.proto.spec for c in at.get("plotly_chart"))


def _engine(url: str):
    return store.create_engine(load_settings(url))


def test_oee_by_line_table_matches_the_library_and_has_a_chart(demo_db: str) -> None:
    at = _page("oee")
    table = _table(at, {"line", "oee", "availability", "performance", "oee_quality"})
    engine = _engine(demo_db)
    view = views.default_filters(engine)
    expected = views.kpi_frame(engine, ("oee",), view, by=(Dim.LINE,), grain=Grain.TOTAL)
    by_label = dict(zip(expected["line_label"], expected["value"], strict=True))
    assert set(table["line"]) == set(by_label) and len(table) >= 5
    for line, shown in zip(table["line"], table["oee"], strict=True):
        assert abs(shown - 100 * by_label[line]) < 1e-9  # shown as a percentage
    assert list(table["oee"]) == sorted(table["oee"], reverse=True)
    assert "OEE by line" in [s.value for s in at.subheader]


def test_oee_drill_down_rows_carry_batch_and_file_and_follow_the_line(demo_db: str) -> None:
    at = _page("oee")
    rows = _table(at, {"batch_id", "file_name", "units_produced"})
    assert rows["file_name"].notna().all() and rows["batch_id"].notna().all()
    assert at.get("download_button")  # the original file of a batch
    at.selectbox(key="oee_line").select("Plant 2 · L5").run()
    rows = _table(at, {"batch_id", "file_name", "units_produced"})
    assert set(zip(rows["plant"], rows["line"], strict=True)) == {("Plant 2", "L5")}
    period = at.selectbox(key="oee_period").value
    assert rows["date"].min() >= period


def test_downtime_drill_down_and_pareto_by_line(demo_db: str) -> None:
    at = _page("downtime")
    stops = _table(at, {"batch_id", "file_name", "reason", "minutes"})
    assert len(stops) > 0 and stops["file_name"].notna().all()
    at.segmented_control(key="dt_split").set_value("By line").run()
    assert not at.exception
    assert "Pareto by reason and line" in [s.value for s in at.subheader]
    assert "Plant 2 · L5 · " in _titles(at)  # the bars name their line
    engine = _engine(demo_db)
    view = views.default_filters(engine)
    pareto = drilldown.downtime_pareto(engine, view.date_from, view.date_to, split=Dim.LINE)
    assert pareto["where"].str.count(" · ").eq(2).all()  # plant · line · reason
    assert (
        abs(
            pareto["minutes"].sum()
            - drilldown.downtime_pareto(engine, view.date_from, view.date_to)["minutes"].sum()
        )
        < 1e-6
    )


def test_delivery_drill_down_lists_order_lines_with_their_batch(demo_db: str) -> None:
    at = _page("delivery")
    lines = _table(at, {"batch_id", "file_name", "order_id", "status"})
    assert len(lines) > 0 and lines["file_name"].str.endswith(".csv").any()
    period = at.selectbox(key="dl_period").value
    assert pd.to_datetime(lines["due_date"]).dt.date.min() >= period


def test_quality_pareto_follows_the_split(demo_db: str) -> None:
    at = _page("quality")
    assert "Defects by code (Pareto)" in _titles(at)
    at.segmented_control(key="q_split").set_value("By product").run()
    assert not at.exception
    assert "Defects by product and code (Pareto)" in _titles(at)
    engine = _engine(demo_db)
    view = views.default_filters(engine)
    pareto = drilldown.defect_pareto(engine, view.date_from, view.date_to, split=Dim.PRODUCT)
    whole = drilldown.defect_pareto(engine, view.date_from, view.date_to)
    assert pareto["quantity"].sum() == whole["quantity"].sum()
    assert len(pareto) > len(whole)


def test_ratio_tables_show_percent_like_the_tiles(demo_db: str) -> None:
    """One number style: the OEE-by-line table shows 78.5 (as "78.5 %"), not 0.785 as
    "78.50%", while its downloads keep the fractions (issue 16 item 7)."""
    from tests.test_pages_apptest import open_page
    from ui.registry import PageId as Page

    at = open_page(Page.OEE)
    by_line = next(d for d in at.dataframe if "oee" in d.value.columns and "line" in d.value)
    shown = by_line.value["oee"].dropna()
    assert not shown.empty and shown.between(1, 200).all(), shown.tolist()
    assert by_line.proto.columns and '"%.1f %%"' in by_line.proto.columns
