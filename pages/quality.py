"""Quality: scrap, rework and yield against targets, defect Pareto, drill-down to shifts."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi import charts
from kpi.catalogue import CATALOGUE, Dim, Grain
from kpi.lines import LABEL, line_label
from kpi.views import period_end
from ui import widgets
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

selected = None
for tab, kpi in zip(st.tabs([CATALOGUE[k].label for k in KPIS]), KPIS, strict=True):
    with tab:
        column = LABEL if split is Dim.LINE else split.value if split else None
        fig = charts.trend(trends, kpi, column)
        event = widgets.chart(fig, [kpi], newest, key=f"trend_{kpi}", select=True)
        points = (event or {}).get("selection", {}).get("points", []) if event else []
        selected = selected or (points[0] if points else None)

st.subheader("Where the losses come from")
pareto = get(Q.DEFECT_PARETO, view.date_from, view.date_to, view.where("defects"))
if not pareto.empty:
    fig = charts.pareto(pareto, "defect", "quantity", "Defects by code (Pareto)")
    widgets.chart(fig, ["defects"], newest, key="defect_pareto")
else:
    scrap = get(
        Q.KPI_FRAME, ("units_scrapped",), view, by=(Dim.PRODUCT, Dim.LINE), grain=Grain.TOTAL
    )
    scrap = scrap.assign(where=scrap[LABEL] + " · " + scrap["product"])
    fig = charts.pareto(scrap, "where", "value", "Scrapped units by line and product")
    widgets.chart(fig, ["units_scrapped"], newest, key="scrap_pareto")

st.subheader("Drill down to the shift rows")
periods = sorted(pd.to_datetime(trends["period"].dropna()).dt.date.unique(), reverse=True)
if selected and "x" in selected:
    st.session_state["q_period"] = pd.Timestamp(selected["x"]).date()
c1, c2 = st.columns(2)
period = c1.selectbox(f"{view.grain.value.capitalize()} starting", periods, key="q_period")
lines = {line_label(p, ln): {"plant": p, "line": ln}
         for p, ls in get(Q.PLANTS_AND_LINES).items() for ln in ls}  # fmt: skip
line = c2.selectbox("Line", ["All lines", *lines], key="q_line")
where = view.where("scrap_rate") | lines.get(line, {})
rows = get(
    Q.DRILL_ROWS, "scrap_rate", period, min(period_end(view.grain, period), view.date_to), where
)
if rows.empty:
    st.info("No production rows for this period and line.")
else:
    rows = rows.drop(columns=["replaced_by"], errors="ignore")
    rows = rows.assign(scrap_rate=rows["units_scrapped"] / rows["units_produced"])
    st.caption(f"{len(rows)} production rows (shift x machine x product), with their batch.")
    widgets.table(
        rows,
        "quality_rows",
        key="q_rows",
        height=360,
        column_config=widgets.percent_columns(rows, ["scrap_rate"]),
    )
