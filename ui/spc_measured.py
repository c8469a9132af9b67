"""SPC page, measured characteristics: the X̄-R / X̄-S / I-MR chart, its signals, baseline and
exclusions, and the capability panel. Thin: every number comes from kpi.variables."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi.charts_variables import capability_figure, variables_figure
from kpi.lineage import rows_batches
from kpi.schema import Kind
from kpi.spc_readings import VariablesError
from kpi.spc_rules import RuleSet
from kpi.spc_store import clear_baseline, freeze_baseline
from kpi.spc_variables import CHART_LABELS, VariablesChartType
from kpi.variables import Measured, MeasuredChart
from kpi.variables_store import (
    exclude_subgroup,
    include_subgroup,
    list_subgroup_exclusions,
    split_key,
)
from ui import widgets
from ui.alerts import may_edit_actions
from ui.data import Q, clear, get
from ui.frame import Context
from ui.safe import md

AUTO = "auto"


def follow(wanted: dict[str, str]) -> None:
    """A link (an alert, a notification) to a characteristic's chart preselects it."""
    product, name = split_key(wanted["kpi"])
    specs = get(Q.SPECS)
    for p, c in specs[["product", "characteristic"]].itertuples(index=False):
        if (p.casefold(), c.casefold()) == (product, name):
            st.session_state["spc_m_product"], st.session_state["spc_m_char"] = p, c
    if wanted.get("chart") in {c.value for c in VariablesChartType}:
        st.session_state["spc_m_chart"] = VariablesChartType(wanted["chart"])


def pick_item(ctx: Context) -> Measured | None:
    """Product and characteristic from the stored specs, within the sidebar's plant/line."""
    specs = get(Q.SPECS)
    if specs.empty:
        widgets.empty("No measured characteristics yet: set a spec on the **Specs** page.")
        return None
    c1, c2, c3 = st.columns(3)
    product = c1.selectbox("Product", sorted(specs["product"].unique()), key="spc_m_product")
    names = sorted(specs.loc[specs["product"] == product, "characteristic"].unique())
    characteristic = c2.selectbox("Characteristic", names, key="spc_m_char")
    view = ctx.filters
    items = [i for i in get(Q.MEASURED_ITEMS, view.date_from, view.date_to, view.plant)
             if (i.product, i.characteristic) == (product, characteristic)
             and (not view.line or i.line == view.line)]  # fmt: skip
    if not items:  # no readings in the window: the chart says so
        return Measured(product, characteristic, view.plant, view.line if view.plant else None)
    return c3.selectbox("Line (a process is charted line by line)", items, key="spc_m_line",
                        format_func=lambda i: f"{i.plant} · {i.line}")  # fmt: skip


def render(ctx: Context, rule_names: dict[RuleSet, str]) -> None:
    item = pick_item(ctx)
    if item is None:
        return
    c1, c2 = st.columns([3, 2])
    kind = c1.selectbox("Chart", [AUTO, *VariablesChartType], key="spc_m_chart",
                        format_func=lambda c: "By subgroup size" if c == AUTO
                        else CHART_LABELS[c][0])  # fmt: skip
    rules = c2.radio("Rules", list(RuleSet), horizontal=True, key="spc_m_rules",
                     format_func=rule_names.get)  # fmt: skip
    view = ctx.filters
    try:
        result = get(Q.MEASURED_CHART, item, None if kind == AUTO else kind,
                      view.date_from, view.date_to, None, rules)  # fmt: skip
    except VariablesError as exc:
        widgets.empty(md(str(exc)) + ".")
        return
    _chart(result)
    _signals(result)
    _sources(ctx, result)
    _capability(result)
    _baseline_and_exclusions(ctx, result)


def _chart(result: MeasuredChart) -> None:
    item, chart = result.item, result.chart
    baseline, excluded = chart.baseline, int(chart.frame["excluded"].sum())
    st.caption(
        f"{md(item.label)} [{md(item.scope)}], {chart.label}; limits from "
        + (f"the frozen baseline {_day(baseline[0])} to {_day(baseline[1])}" if baseline
           else "every shown subgroup")
        + (f", {excluded} excluded subgroup(s)" if excluded else "")
    )  # fmt: skip
    st.plotly_chart(variables_figure(chart, title=item.label), key="spc_m_fig", width="stretch")


def _day(value) -> str:
    return str(pd.Timestamp(value).date())


def _signals(result: MeasuredChart) -> None:
    st.subheader("Signals")
    explained = result.chart.explain().iloc[::-1]
    if explained.empty:
        st.success("No rule fired: the variation is consistent with common causes.")
        return
    st.dataframe(explained, hide_index=True, width="stretch", key="spc_m_signals")
    params = {"kpi": result.item.chart_key} | result.item.where
    st.page_link("pages/actions.py", label="Open a corrective action for the latest signal",
                 icon=":material/build:", query_params=params)  # fmt: skip


def _sources(ctx: Context, result: MeasuredChart) -> None:
    """Lineage (issue 17): the batches, files, hashes and loaders behind the chart."""
    found = rows_batches(ctx.engine, Kind.MEASUREMENTS, result.readings)
    with st.expander(f"Sources: {len(found)} batch(es) behind this chart",
                     icon=":material/account_tree:"):  # fmt: skip
        widgets.table(found, "spc_measured_sources", key="spc_m_sources")


def _capability(result: MeasuredChart) -> None:
    st.subheader("Capability")
    cap = result.capability
    if cap is None:
        st.info(md(result.capability_problem or "no capability"), icon=":material/info:")
        return
    for note in cap.notes:
        st.warning(md(note), icon=":material/warning:")
    cpk = cap.cpk if cap.cpk is not None else (cap.cpu if cap.cpu is not None else cap.cpl)
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Cpk (within)" if cap.cpk is not None else "Cpu/Cpl (within)", f"{cpk:.2f}",
              help=f"required minimum {result.cpk_min:.2f}")  # fmt: skip
    c2.metric("Ppk (overall)", _fmt(cap.ppk if cap.ppk is not None else cap.ppu or cap.ppl))
    c3.metric("Expected ppm (within / overall)", f"{cap.ppm_within:,.0f} / {cap.ppm_overall:,.0f}")
    c4.metric("Anderson–Darling p", _fmt(cap.ad_p_value, ".3f"))
    st.dataframe(_index_table(cap), hide_index=True, width="content", key="spc_m_cap")
    values = result.readings["value"].to_numpy(dtype=float)
    fig = capability_figure(values, cap, title=f"{result.item.label}: capability")
    st.plotly_chart(fig, key="spc_m_hist", width="stretch")


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "–" if value is None or value != value else format(value, spec)


def _index_table(cap) -> pd.DataFrame:
    rows = []
    for name in ("Cp", "Cpk", "Cpu", "Cpl", "Pp", "Ppk", "Ppu", "Ppl"):
        value = getattr(cap, name.lower())
        if value is not None:
            low, high = cap.intervals.get(name, (float("nan"), float("nan")))
            rows.append({"index": name, "value": round(value, 3),
                         "95 % interval": f"{low:.2f} – {high:.2f}"})  # fmt: skip
    return pd.DataFrame(rows)


def _baseline_and_exclusions(ctx: Context, result: MeasuredChart) -> None:
    item, frame = result.item, result.chart.frame
    editor = may_edit_actions(ctx.role)
    with st.expander("Baseline and exclusions", icon=":material/tune:", expanded=False):
        if not editor:
            st.caption("Viewing only: QA or admin may freeze baselines and exclude subgroups.")
        days = sorted(pd.to_datetime(frame["subgroup_start"]).dt.date.unique())
        b1, b2, b3, b4 = st.columns(4)
        start = b1.selectbox("Baseline from", days, key="spc_m_b_from")
        end = b2.selectbox("Baseline to", days, index=len(days) - 1, key="spc_m_b_to")
        user = ctx.settings.user
        if b3.button("Freeze baseline", key="spc_m_freeze", disabled=not editor):
            key, where = item.chart_key, item.where
            _write(lambda: freeze_baseline(ctx.engine, user, key, where, start, end))
        if b4.button("Unfreeze", key="spc_m_unfreeze", disabled=not editor):
            _write(lambda: clear_baseline(ctx.engine, user, item.chart_key, item.where))
        e1, e2, e3 = st.columns([3, 4, 1])
        subgroup = e1.selectbox("Subgroup", list(frame["subgroup"])[::-1], key="spc_m_x_point")
        reason = e2.text_input("Reason for leaving it out of the limits", key="spc_m_x_reason")
        if e3.button("Exclude", key="spc_m_exclude", disabled=not editor):
            _write(lambda: exclude_subgroup(ctx.engine, user, item.chart_key, item.where,
                                            subgroup, reason))  # fmt: skip
        stored = list_subgroup_exclusions(ctx.engine, item.chart_key, item.where)
        for i, (name, why) in enumerate(stored.items()):
            x1, x2 = st.columns([6, 1])
            x1.markdown(f"**{md(name)}** excluded: {md(why)}")
            if x2.button("Include", key=f"spc_m_incl_{i}", disabled=not editor):
                _write(lambda n=name: include_subgroup(ctx.engine, user, item.chart_key,
                                                       item.where, n))  # fmt: skip


def _write(action) -> None:
    try:
        action()
    except ValueError as exc:
        st.error(md(exc))
        return
    clear()
    st.rerun()
