"""Downtime: where the minutes go (Pareto by reason), availability, MTBF/MTTR, heat map."""

from __future__ import annotations

import streamlit as st

from kpi import charts, views
from kpi.catalogue import Dim
from kpi.lines import LABEL
from ui import drill, widgets
from ui.data import Q, get
from ui.frame import frame
from ui.registry import PageId

TILES = ("unplanned_downtime_minutes", "stops", "mttr_minutes", "mtbf_minutes", "availability")
PLANNED = {"Unplanned": False, "Planned": True, "All stops": None}
SPLITS = {"Plant total": None, "By line": Dim.LINE}

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

split = SPLITS[
    st.segmented_control("Split", list(SPLITS), default="Plant total", key="dt_split")
    or "Plant total"
]
st.subheader("Pareto by reason" + (" and line" if split else ""))
choice = st.segmented_control("Stops", list(PLANNED), default="Unplanned", key="dt_planned")
pareto = get(
    Q.DOWNTIME_PARETO,
    view.date_from,
    view.date_to,
    view.where("downtime_minutes"),
    planned=PLANNED[choice or "Unplanned"],
    split=split,
)
if pareto.empty:
    st.info("No stops of this kind in the selected window.")
else:
    title = f"{choice or 'Unplanned'} downtime minutes"
    fig = charts.pareto(pareto, "where" if split else "reason", "minutes", title)
    widgets.chart(fig, ["downtime_minutes", "unplanned_downtime_minutes"], newest, key="dt_pareto")

left, right = st.columns(2)
by = (split,) if split else ()
series = LABEL if split else None
frame_ = get(
    Q.KPI_FRAME, ("availability", "mtbf_minutes", "mttr_minutes"), view, by=by, near_band=band
)
for box, kpi, title in (
    (left, "availability", None),
    (right, "mttr_minutes", "MTTR (minutes)"),
    (st.container(), "mtbf_minutes", "MTBF (minutes)"),
):
    with box:
        fig = charts.trend(frame_, kpi, series, title=title)
        event = widgets.chart(fig, [kpi], newest, key=f"dt_{kpi}", select=True)
        drill.follow_click(event, fig, "dt", f"dt_{kpi}")

st.subheader("Unplanned minutes by line and day")
wide = get(Q.HEATMAP, view)
if wide.empty:
    st.info("No unplanned stops in the selected window.")
else:
    widgets.chart(charts.heatmap(wide), ["unplanned_downtime_minutes"], newest, key="dt_heat")

st.subheader("Drill down to the stop rows")
st.caption("Click a point on a trend above, or choose the period and line here.")
chosen = drill.choose(view, frame_["period"], "dt")
if chosen is not None:
    start, end, where = chosen
    stops = get(
        Q.DRILL_ROWS, "downtime_minutes", start, end, view.where("downtime_minutes") | where
    )
    drill.rows_table(ctx, stops, "stop rows", "dt")
    drill.sources("downtime_minutes", start, end, view.where("downtime_minutes") | where, "dt")

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
