"""Delivery: OTD and OTIF against target, by customer, late lines, supplier OTD."""

from __future__ import annotations

import streamlit as st

from kpi import charts, views
from kpi.catalogue import Dim, Grain
from ui import drill, widgets
from ui.data import Q, get
from ui.frame import frame
from ui.registry import PageId

TILES = ("otd", "otif", "days_late", "supplier_otd", "supplier_otif")

ctx = frame(PageId.DELIVERY)
view = ctx.filters
band = ctx.settings.near_band
newest = get(Q.NEWEST_DATE, ("deliveries", "receipts"))
if view.line:
    st.caption("The line filter does not apply to deliveries (they carry customer and plant).")
tiles = get(Q.TILES, view, TILES, near_band=band)
if views.window_empty(tiles):
    widgets.empty("No delivery or receipt lines due in the selected window.")
    st.stop()
for column, t in zip(st.columns(len(tiles)), tiles, strict=True):
    with column:
        widgets.tile(t)

trends = get(Q.KPI_FRAME, ("otd", "otif"), view, near_band=band)
left, right = st.columns(2)
for box, kpi in ((left, "otd"), (right, "otif")):
    with box:
        fig = charts.trend(trends, kpi)
        event = widgets.chart(fig, [kpi], newest, key=f"dl_{kpi}", select=True)
        drill.follow_click(event, fig, "dl", f"dl_{kpi}")

st.subheader("By customer")
customers = get(Q.KPI_FRAME, ("otd",), view, by=(Dim.CUSTOMER,), grain=Grain.TOTAL, near_band=band)
widgets.chart(charts.bars_by(customers, "otd", "customer"), ["otd"], newest, key="dl_customer")

st.subheader("Late and open past-due lines")
late = get(
    Q.DELIVERY_LINES, None, view.date_from, view.date_to, view.where("otd"), only_problems=True
)
if late.empty:
    st.success("No late or past-due lines in the selected window.", icon=":material/check:")
else:
    widgets.table(
        late.drop(columns=["batch_id", "replaced_by"], errors="ignore"),
        "late_lines",
        key="dl_late",
        height=320,
    )

st.subheader("Suppliers")
suppliers = get(
    Q.KPI_FRAME,
    ("supplier_otd", "supplier_otif"),
    view,
    by=(Dim.SUPPLIER,),
    grain=Grain.TOTAL,
    near_band=band,
)
if suppliers.dropna(subset=["value"]).empty:
    st.info("No receipts due in the selected window.")
else:
    for kpi in ("supplier_otd", "supplier_otif"):  # OTIF beside OTD: quantities count too
        fig = charts.bars_by(suppliers, kpi, "supplier")
        widgets.chart(fig, [kpi], newest, key=f"dl_{kpi}")
    late_rx = get(
        Q.DELIVERY_LINES,
        None,
        view.date_from,
        view.date_to,
        view.where("supplier_otd"),
        receipts=True,
        only_problems=True,
    )
    if not late_rx.empty:
        st.caption("Late and open past-due receipt lines")
        widgets.table(
            late_rx.drop(columns=["batch_id", "replaced_by"], errors="ignore"),
            "late_receipts",
            key="dl_late_rx",
            height=280,
        )

st.subheader("Drill down to the order lines")
st.caption("Click a point on a trend above, or choose the period here (by due date).")
chosen = drill.choose(view, trends["period"], "dl", with_line=False)
if chosen is not None:
    start, end, _ = chosen
    lines = get(Q.DELIVERY_LINES, None, start, end, view.where("otd"))
    drill.rows_table(ctx, lines, "order lines due", "dl")
    drill.sources("otd", start, end, view.where("otd"), "dl")
