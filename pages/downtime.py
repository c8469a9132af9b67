"""Downtime: where the minutes go (Pareto by reason), availability, MTBF/MTTR, heat map."""

from __future__ import annotations

import streamlit as st

from kpi import charts, views
from ui import widgets
from ui.data import Q, get
from ui.frame import frame
from ui.registry import PageId

TILES = ("unplanned_downtime_minutes", "stops", "mttr_minutes", "mtbf_minutes", "availability")
PLANNED = {"Unplanned": False, "Planned": True, "All stops": None}

ctx = frame(PageId.DOWNTIME)
view = ctx.filters
newest = get(Q.NEWEST_DATE)
band = ctx.settings.near_band
tiles = get(Q.TILES, view, TILES, near_band=band)
if views.window_empty(tiles):
    widgets.empty("No downtime or production data in the selected window.")
    st.stop()
for column, t in zip(st.columns(len(tiles)), tiles, strict=True):
    with column:
        widgets.tile(t)

st.subheader("Pareto by reason")
choice = st.segmented_control("Stops", list(PLANNED), default="Unplanned", key="dt_planned")
pareto = get(
    Q.DOWNTIME_PARETO,
    view.date_from,
    view.date_to,
    view.where("downtime_minutes"),
    planned=PLANNED[choice or "Unplanned"],
)
if pareto.empty:
    st.info("No stops of this kind in the selected window.")
else:
    fig = charts.pareto(pareto, "reason", "minutes", f"{choice or 'Unplanned'} downtime minutes")
    widgets.chart(fig, ["downtime_minutes", "unplanned_downtime_minutes"], newest, key="dt_pareto")

left, right = st.columns(2)
frame_ = get(Q.KPI_FRAME, ("availability", "mtbf_minutes", "mttr_minutes"), view, near_band=band)
with left:
    widgets.chart(charts.trend(frame_, "availability"), ["availability"], newest, key="dt_avail")
with right:
    fig = charts.trend(frame_, "mttr_minutes", title="MTTR (minutes)")
    widgets.chart(fig, ["mttr_minutes"], newest, key="dt_mttr")
fig = charts.trend(frame_, "mtbf_minutes", title="MTBF (minutes)")
widgets.chart(fig, ["mtbf_minutes"], newest, key="dt_mtbf")

st.subheader("Unplanned minutes by line and day")
wide = get(Q.HEATMAP, view)
if wide.empty:
    st.info("No unplanned stops in the selected window.")
else:
    widgets.chart(charts.heatmap(wide), ["unplanned_downtime_minutes"], newest, key="dt_heat")

st.subheader("Data quality")
issues = get(Q.DATA_QUALITY, view.date_from, view.date_to)
if issues.empty:
    st.caption("No stored shift has more stop minutes than planned minutes in this window.")
else:
    st.warning(
        f"{len(issues)} shift(s) in this window have inconsistent data: stops above the "
        "planned minutes give impossible availability and OEE; stops without production "
        "are left out of availability. `python -m kpi check` lists the same."
    )
    widgets.table(issues, "data_quality", key="dt_quality")
