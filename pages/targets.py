"""Targets (settings): quality objectives by KPI, scope and validity, with change history."""

from __future__ import annotations

import streamlit as st

from kpi import target_edits
from kpi.catalogue import CATALOGUE
from kpi.targets import Scope, TargetError, TargetSpec, parse_value, set_target
from ui import data, widgets
from ui.frame import frame
from ui.registry import PageId
from ui.safe import md

ctx = frame(PageId.TARGETS)
st.caption(
    "Ratios are fractions (0.95 = 95 %). The most specific scope wins "
    "(product > line > plant > all); rows without an id are catalogue defaults."
)

st.subheader("Set one target")
c1, c2, c3, c4 = st.columns([3, 2, 2, 2])
kpi = c1.selectbox("KPI", list(CATALOGUE), format_func=lambda k: CATALOGUE[k].label, key="t_kpi")
scope = c2.selectbox("Scope", [s.value for s in Scope], key="t_scope")
scope_value = c3.text_input(
    "Scope value", key="t_scope_value", placeholder="e.g. L1", disabled=scope == Scope.ALL
)
value_text = c4.text_input("Target", key="t_value", placeholder="e.g. 2% or 0.02")
if st.button("Save target", type="primary", icon=":material/save:", key="t_save"):
    try:
        spec = TargetSpec(
            kpi,
            Scope(scope),
            scope_value.strip() if scope != Scope.ALL else "",
            parse_value(value_text),
        )
        set_target(ctx.engine, ctx.settings, spec)
    except TargetError as error:
        for problem in error.problems:
            st.error(md(problem))
    except ValueError as error:
        st.error(md(error))
    else:
        data.clear()
        st.success(f"Saved: {md(spec.describe())} = {spec.value:g}")

st.subheader("All targets")
table = data.get(data.Q.TARGETS)[target_edits.EDIT_COLUMNS + ["updated_at", "updated_by"]]
edited = st.data_editor(
    table,
    key="t_editor",
    num_rows="dynamic",
    hide_index=True,
    width="stretch",
    disabled=["target_id", "updated_at", "updated_by"],
    column_config={
        "kpi": st.column_config.SelectboxColumn("kpi", options=list(CATALOGUE), required=True),
        "scope_dim": st.column_config.SelectboxColumn("scope", options=[s.value for s in Scope]),
        "value": st.column_config.NumberColumn("value", min_value=0.0, format="%.4g"),
        "valid_from": st.column_config.DateColumn("valid from", format="YYYY-MM-DD"),
        "valid_to": st.column_config.DateColumn("valid to", format="YYYY-MM-DD"),
        "near_band": st.column_config.NumberColumn(
            "near band", min_value=0.0, format="%.3g", help="empty: the global near band"
        ),
    },
)
changes = target_edits.diff(table, edited)
if st.button("Save changes", icon=":material/save:", disabled=changes.empty, key="t_save_all"):
    try:
        count = target_edits.save(ctx.engine, ctx.settings, changes)
    except TargetError as error:
        st.error("Nothing was saved:\n\n" + "\n".join(f"- {md(p)}" for p in error.problems))
    else:
        data.clear()
        st.success(f"Saved {count} change(s).")
        st.rerun()

st.subheader("Change history")
history = data.get(data.Q.TARGET_HISTORY)
if history.empty:
    st.info("No target has been changed yet.", icon=":material/history:")
else:
    widgets.table(history, "target_history", key="t_history", height=260)
