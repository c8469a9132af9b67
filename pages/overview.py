"""Overview: where the plant stands against its objectives, at a glance."""

from __future__ import annotations

import streamlit as st

from kpi import views
from kpi.drilldown import readable_misses
from ui import drill, kiosk, widgets
from ui.alerts import alerts_panel
from ui.data import Q, get
from ui.frame import frame
from ui.registry import PageId

ctx = frame(PageId.OVERVIEW)
view = ctx.filters
start, end = view.current
tiles = get(Q.TILES, view, near_band=ctx.settings.near_band)
partial = " (partial: so far)" if tiles and tiles[0].partial else ""
st.caption(
    f"Current {view.grain.value}: {start} to {end}{partial}, as of {view.as_of_date}, "
    f"against the previous {view.grain.value}."
)
stale = get(Q.STALE_NOTICE, view)
if stale:
    st.warning(stale.capitalize() + ".", icon=":material/history:")
if views.window_empty(tiles):
    widgets.empty("No data in the selected window.")
else:
    columns = st.columns(4)
    for i, t in enumerate(tiles):
        with columns[i % 4]:
            widgets.tile(t)
    if not kiosk.active():  # lineage of a tile (issue 17): the batches and files behind it
        labels = {t.kpi: t.label for t in tiles}
        pick = st.selectbox("Where a tile's figure comes from", list(labels),
                            format_func=labels.get, key="ov_src_kpi")  # fmt: skip
        drill.sources(pick, start, end, view.where(pick), "ovt")

alerts_panel(ctx)

st.subheader("Current target misses")
misses = get(Q.MISSES, view, near_band=ctx.settings.near_band)
if misses.empty and all(t.value != t.value for t in tiles):
    st.caption("No data in the current period, so no target can be judged yet.")
elif misses.empty:
    st.success("Every KPI with a target meets it in the current period.", icon=":material/check:")
else:
    widgets.table(readable_misses(misses), "target_misses", key="misses")
    st.subheader("Drill down")
    options = list(misses.index)
    pick = st.selectbox(
        "Miss to explain",
        options,
        format_func=lambda i: (
            f"{misses.at[i, 'label']} · {misses.at[i, 'scope']} {misses.at[i, 'scope_value']}"
        ),
        key="drill_pick",
    )
    row = misses.loc[pick]
    where = view.where(row["kpi"])
    if row["scope"] != "all":
        where[row["scope"]] = row["scope_value"]
    rows = get(Q.DRILL_ROWS, row["kpi"], start, end, where).drop(
        columns=["replaced_by"], errors="ignore"
    )
    st.caption(
        f"{len(rows)} input rows behind {row['label']} ({start} to {end}), with their batch."
    )
    widgets.table(rows, f"drill_{row['kpi']}", key="drill_rows", height=320)
    drill.sources(row["kpi"], start, end, where, "ov")
