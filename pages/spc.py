"""SPC: is a change a real signal or noise? Control chart of any KPI, rules explained."""

from __future__ import annotations

import streamlit as st

from kpi import spc_store
from kpi.actions import list_actions
from kpi.catalogue import CATALOGUE, Grain
from kpi.charts_spc import add_action_markers, control_figure, moving_range_figure
from kpi.laney import overdispersed
from kpi.spc import CHART_LABELS, SPC_GRAINS, ChartType, SpcError, allowed_charts, spc_chart
from kpi.spc_rules import RuleSet
from kpi.variables_store import is_measure_key
from ui import drill, spc_measured, widgets
from ui.alerts import follow_link, may_edit_actions
from ui.data import Q, get
from ui.frame import frame
from ui.registry import PageId
from ui.safe import md

wanted = follow_link()
ctx = frame(PageId.SPC)
view = ctx.filters
RULE_NAMES = {RuleSet.WE: "Western Electric 1-4", RuleSet.NELSON: "Nelson 1-8"}
SOURCES = {"kpi": "A KPI (counts)", "measured": "A measured characteristic"}
link = repr(sorted(wanted.items()))
if is_measure_key(wanted.get("kpi", "")) and st.session_state.get("_spc_link") != link:
    st.session_state["spc_source"], st.session_state["_spc_link"] = "measured", link
    spc_measured.follow(wanted)  # a link to a characteristic's chart, once per link
source = st.radio("Chart of", list(SOURCES), format_func=SOURCES.get, horizontal=True,
                  key="spc_source")  # fmt: skip
if source == "measured":
    spc_measured.render(ctx, RULE_NAMES)
    st.stop()
names = list(CATALOGUE)
if wanted.get("kpi") in names and "spc_kpi" not in st.session_state:
    st.session_state["spc_kpi"] = wanted["kpi"]
kpi = st.selectbox("KPI", names, format_func=lambda k: CATALOGUE[k].label, key="spc_kpi")
charts = allowed_charts(kpi)
if wanted.get("chart") in charts and "spc_chart" not in st.session_state:
    st.session_state["spc_chart"] = ChartType(wanted["chart"])
if st.session_state.get("spc_chart") not in charts:
    st.session_state["spc_chart"] = charts[0]
c1, c2 = st.columns([3, 2])
chart_type = c1.selectbox("Chart", charts, format_func=CHART_LABELS.get, key="spc_chart")
rules = c2.radio("Rules", list(RuleSet), horizontal=True, key="spc_rules",
                 format_func=RULE_NAMES.get)  # fmt: skip
st.query_params.update({"kpi": kpi, "chart": chart_type.value})
grain = view.grain if view.grain in SPC_GRAINS else Grain.WEEK
where = view.where(kpi)
scope = spc_store.scope_key(where)
baseline = spc_store.get_baseline(ctx.engine, kpi, where)
exclusions = spc_store.list_exclusions(ctx.engine, kpi, where, grain)
try:
    chart = spc_chart(ctx.engine, kpi, grain, chart=chart_type, where=where,
                      date_from=view.date_from, date_to=view.date_to, baseline=baseline,
                      exclusions=exclusions, rules=rules)  # fmt: skip
except SpcError as exc:
    st.warning(md(exc))
    st.stop()
if chart.frame.empty:
    widgets.empty(f"No {CATALOGUE[kpi].label.lower()} data in the selected window.")
    st.stop()

st.caption(
    f"{CATALOGUE[kpi].label} [{md(scope)}] by {grain.value}, {chart.label}; limits from "
    + (f"the frozen baseline {baseline[0]} to {baseline[1]}" if baseline else "all shown points")
    + (f", {len(exclusions)} excluded point(s)" if exclusions else "")
)
if chart.chart in (ChartType.P, ChartType.U) and overdispersed(chart.sigma_z):
    st.caption(
        f"⚠ σz = {chart.sigma_z:.2f}: the variation between periods is larger than the "
        f"{chart.chart.value} chart's limits allow (overdispersion), so many points may "
        "signal. The Laney chart widens the limits by σz; alerts and the review pack use it."
    )
fig = control_figure(chart)
actions = list_actions(ctx.engine, kpi=kpi)
add_action_markers(fig, actions[actions["scope"] == scope])
widgets.chart(fig, [kpi], get(Q.NEWEST_DATE), key="spc_fig")
if chart.chart is ChartType.IMR:
    st.plotly_chart(moving_range_figure(chart), key="spc_mr", width="stretch")

st.subheader("Signals")
explained = chart.explain().iloc[::-1]  # newest first
if explained.empty:
    st.success("No rule fired: the variation is consistent with common causes.")
else:
    st.dataframe(explained, hide_index=True, width="stretch", key="spc_signals")
    last = explained.iloc[0]
    params = {"kpi": kpi, "period": str(last["period"]), "grain": grain.value} | where
    st.page_link("pages/actions.py", label="Open a corrective action for the latest signal",
                 icon=":material/build:", query_params=params)  # fmt: skip

drill.sources(kpi, view.date_from, view.date_to, where, "spc")  # lineage of the chart

editor = may_edit_actions(ctx.role)
with st.expander("Baseline and exclusions", icon=":material/tune:", expanded=False):
    if not editor:
        st.caption("Viewing only: QA or admin may freeze baselines and exclude points.")
    periods = list(chart.frame["period"])
    b1, b2, b3, b4 = st.columns(4)
    start = b1.selectbox("Baseline from", periods, key="spc_b_from")
    end = b2.selectbox("Baseline to", periods, index=len(periods) - 1, key="spc_b_to")
    if b3.button("Freeze baseline", key="spc_freeze", disabled=not editor):
        try:
            spc_store.freeze_baseline(ctx.engine, ctx.settings.user, kpi, where, start, end)
            st.rerun()
        except ValueError as exc:
            st.error(md(exc))
    if b4.button("Unfreeze", key="spc_unfreeze", disabled=not (editor and baseline)):
        spc_store.clear_baseline(ctx.engine, ctx.settings.user, kpi, where)
        st.rerun()
    e1, e2, e3 = st.columns([2, 4, 1])
    point = e1.selectbox("Point", periods, index=len(periods) - 1, key="spc_x_point")
    reason = e2.text_input("Reason for leaving it out of the limits", key="spc_x_reason")
    if e3.button("Exclude", key="spc_exclude", disabled=not editor):
        try:
            spc_store.exclude_point(ctx.engine, ctx.settings.user, kpi, where, grain, point, reason)
            st.rerun()
        except ValueError as exc:
            st.error(md(exc))
    for day, why in exclusions.items():
        x1, x2 = st.columns([6, 1])
        x1.markdown(f"**{day}** excluded: {md(why)}")
        if x2.button("Include", key=f"spc_incl_{day}", disabled=not editor):
            spc_store.include_point(ctx.engine, ctx.settings.user, kpi, where, grain, day)
            st.rerun()
