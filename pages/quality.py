"""Quality: scrap, rework and yield against targets, defect Pareto, drill-down to shifts."""

from __future__ import annotations

import streamlit as st

from kpi import charts
from kpi.catalogue import CATALOGUE, Dim, Grain
from kpi.lines import LABEL
from ui import drill, widgets
from ui.data import Q, get
from ui.frame import frame
from ui.registry import PageId

KPIS = ("scrap_rate", "rework_rate", "yield")
SPLITS = {"Plant total": None, "By line": Dim.LINE, "By product": Dim.PRODUCT}

ctx = frame(PageId.QUALITY)
view = ctx.filters
newest = get(Q.NEWEST_DATE)
split = SPLITS[
    st.segmented_control("Split", list(SPLITS), default="Plant total", key="q_split")
    or "Plant total"
]
by = (split,) if split else ()
trends = get(Q.KPI_FRAME, KPIS, view, by=by, near_band=ctx.settings.near_band)
if trends.dropna(subset=["value"]).empty:
    widgets.empty("No production data in the selected window.")
    st.stop()

for tab, kpi in zip(st.tabs([CATALOGUE[k].label for k in KPIS]), KPIS, strict=True):
    with tab:
        column = LABEL if split is Dim.LINE else split.value if split else None
        fig = charts.trend(trends, kpi, column)
        event = widgets.chart(fig, [kpi], newest, key=f"trend_{kpi}", select=True)
        drill.follow_click(event, fig, "q", f"trend_{kpi}")

st.subheader("Where the losses come from")
pareto = get(Q.DEFECT_PARETO, view.date_from, view.date_to, view.where("defects"), split=split)
if not pareto.empty:
    by_what = "code" if split is None else f"{split.value} and code"
    fig = charts.pareto(
        pareto, "where" if split else "defect", "quantity", f"Defects by {by_what} (Pareto)"
    )
    widgets.chart(fig, ["defects"], newest, key="defect_pareto")
else:
    scrap = get(
        Q.KPI_FRAME, ("units_scrapped",), view, by=(Dim.PRODUCT, Dim.LINE), grain=Grain.TOTAL
    )
    scrap = scrap.assign(where=scrap[LABEL] + " · " + scrap["product"])
    fig = charts.pareto(scrap, "where", "value", "Scrapped units by line and product")
    widgets.chart(fig, ["units_scrapped"], newest, key="scrap_pareto")

st.subheader("Drill down to the shift rows")
st.caption("Click a point on a trend above, or choose the period and line here.")
chosen = drill.choose(view, trends["period"], "q")
if chosen is not None:
    start, end, where = chosen
    rows = get(Q.DRILL_ROWS, "scrap_rate", start, end, view.where("scrap_rate") | where)
    if not rows.empty:
        rows = rows.assign(scrap_rate=rows["units_scrapped"] / rows["units_produced"])
    drill.rows_table(
        ctx, rows, "production rows (shift x machine x product)", "q", percent=["scrap_rate"]
    )
    drill.sources("scrap_rate", start, end, view.where("scrap_rate") | where, "q")
