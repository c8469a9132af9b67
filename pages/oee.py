"""OEE: availability x performance x quality by line, and where planned time is lost."""

from __future__ import annotations

import streamlit as st

from kpi import charts, views
from kpi.catalogue import Dim
from kpi.lines import LABEL
from ui import widgets
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
widgets.chart(charts.trend(overall, "oee"), ["oee"], newest, key="oee_trend")

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
