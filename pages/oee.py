"""OEE: availability x performance x quality by line, where planned time is lost, and
the production rows behind any point."""

from __future__ import annotations

import streamlit as st

from kpi import charts, views
from kpi.catalogue import Dim, Grain
from kpi.drilldown import wide_by_line
from kpi.lines import LABEL
from ui import drill, widgets
from ui.data import Q, get
from ui.frame import frame
from ui.registry import PageId

FACTORS = ("availability", "performance", "oee_quality")

ctx = frame(PageId.OEE)
view = ctx.filters
newest = get(Q.NEWEST_DATE)
band = ctx.settings.near_band
tiles = get(Q.TILES, view, ("oee", *FACTORS), near_band=band)
if views.window_empty(tiles):
    widgets.empty("No production data in the selected window.")
    st.stop()
for column, t in zip(st.columns(len(tiles)), tiles, strict=True):
    with column:
        widgets.tile(t)

overall = get(Q.KPI_FRAME, ("oee",), view, near_band=band)
trend = charts.trend(overall, "oee")
event = widgets.chart(trend, ["oee"], newest, key="oee_trend", select=True)
drill.follow_click(event, trend, "oee", "oee_trend")

st.subheader("OEE by line")
lines_trend = get(Q.KPI_FRAME, ("oee",), view, by=(Dim.LINE,), near_band=band)
by_line_fig = charts.trend(lines_trend, "oee", LABEL, title="OEE by line")
event = widgets.chart(by_line_fig, ["oee"], newest, key="oee_by_line", select=True)
drill.follow_click(event, by_line_fig, "oee", "oee_by_line")
totals = get(
    Q.KPI_FRAME, ("oee", *FACTORS), view, by=(Dim.LINE,), grain=Grain.TOTAL, near_band=band
)
table = wide_by_line(totals, ["oee", *FACTORS])
widgets.table(
    table,
    "oee_by_line",
    key="oee_line_table",
    percent=["oee", *FACTORS, "target"],
)

st.subheader("A × P × Q by line")
st.caption(
    "Performance can exceed 100 % when an ideal cycle time is set too slow; "
    "it is shown as measured, never clipped. Quality here is time-weighted, "
    "Σ(good × ideal cycle) / Σ(produced × ideal cycle), so A × P × Q = OEE; the Quality "
    "page's yield counts units (good / produced)."
)
by_line = get(Q.KPI_FRAME, FACTORS, view, by=(Dim.LINE,), near_band=band)
widgets.chart(
    charts.factor_trends(by_line, FACTORS, split=LABEL), FACTORS, newest, key="oee_factors"
)

st.subheader("Loss waterfall")
steps = get(Q.WATERFALL, view.date_from, view.date_to, view.where("oee"))
if steps.empty:
    st.info("No production rows in the selected window.")
else:
    fig = charts.waterfall(steps, "From planned time to fully productive time (minutes)")
    widgets.chart(fig, ["oee", *FACTORS], newest, key="oee_waterfall")
    minutes = {"minutes": st.column_config.NumberColumn("minutes", format="%.0f")}
    widgets.table(steps, "oee_waterfall", key="oee_steps", column_config=minutes)

st.subheader("Drill down to the production rows")
st.caption("Click a point on a trend above, or choose the period and line here.")
chosen = drill.choose(view, overall["period"], "oee")
if chosen is not None:
    start, end, where = chosen
    rows = get(Q.DRILL_ROWS, "oee", start, end, view.where("oee") | where)
    drill.rows_table(ctx, rows, "production rows (shift x machine x product)", "oee")
    drill.sources("oee", start, end, view.where("oee") | where, "oee")
