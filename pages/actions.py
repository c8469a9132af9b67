"""Corrective actions (ISO 9001 §10.2): open from an alert or by hand, track to verified."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from kpi.actions import (
    TRANSITIONS,
    ActionError,
    NewAction,
    Status,
    action_history,
    create_action,
    effect_check,
    get_action,
    list_actions,
    update_action,
)
from kpi.catalogue import CATALOGUE
from kpi.variables_store import chart_key
from ui import widgets
from ui.alerts import follow_link, may_edit_actions, parse_day
from ui.data import Q, get
from ui.frame import frame
from ui.registry import PageId
from ui.safe import md

CREATED = "_ca_created"  # the confirmation, shown after the rerun that lists the action

wanted = follow_link()
ctx = frame(PageId.ACTIONS)
editor = may_edit_actions(ctx.role)
lines = sorted({ln for ls in get(Q.PLANTS_AND_LINES).values() for ln in ls})
plant_lines = [(p, ln) for p, ls in sorted(get(Q.PLANTS_AND_LINES).items()) for ln in ls]

if CREATED in st.session_state:
    st.success(st.session_state.pop(CREATED), icon=":material/check:")
f1, f2 = st.columns([3, 2])
show = f1.segmented_control("Show", ["All", "Open", "Overdue"], default="All", key="ca_show")
line = f2.selectbox("Line", ["All lines", *lines], key="ca_line")
table = list_actions(
    ctx.engine,
    open_only=show == "Open",
    overdue=show == "Overdue",
    line=None if line == "All lines" else line,
)
if table.empty:
    st.caption("No corrective actions match these filters.")
else:
    shown = table[["action_id", "kpi", "scope", "period", "description", "owner", "due_date",
                   "status", "overdue", "alert_id"]]  # fmt: skip
    widgets.table(shown, "corrective_actions", key="ca_table")

if editor:
    with st.expander("New corrective action", icon=":material/add:", expanded="alert" in wanted):
        specs = get(Q.SPECS)[["product", "characteristic"]].itertuples(index=False)
        measured = {chart_key(p, c): f"{p} · {c} (measured)" for p, c in specs}
        names = [*CATALOGUE, *measured]
        first = names.index(wanted["kpi"]) if wanted.get("kpi") in names else 0
        k = st.selectbox("KPI or measured characteristic", names, index=first, key="ca_kpi",
                         format_func=lambda n: measured.get(n) or CATALOGUE[n].label)  # fmt: skip
        pairs = [None, *plant_lines]  # a line is a line of a plant: scope both
        same_name = [pl for pl in plant_lines if pl[1] == wanted.get("line")]
        pick = (wanted.get("plant"), wanted.get("line"))
        if pick[0] is None and len(same_name) == 1:  # a link naming only the line
            pick = same_name[0]
        scope_line = st.selectbox(
            "Line", pairs, key="ca_new_line", index=pairs.index(pick) if pick in pairs else 0,
            format_func=lambda pl: "(plant-wide)" if pl is None else f"{pl[0]} · {pl[1]}",
        )  # fmt: skip
        period = st.date_input("Triggering period", value=parse_day(wanted.get("period")),
                               key="ca_period", format="YYYY-MM-DD")  # fmt: skip
        text = st.text_area("Description (the nonconformity and its extent)", key="ca_desc")
        owner = st.text_input("Owner", key="ca_owner")
        due = st.date_input("Due date", value=dt.date.today() + dt.timedelta(days=14),
                            key="ca_due", format="YYYY-MM-DD")  # fmt: skip
        if wanted.get("alert"):
            st.caption(f"From alert {md(wanted['alert'])}")
        if st.button("Open the corrective action", key="ca_create", type="primary"):
            scope = {} if scope_line is None else {"plant": scope_line[0], "line": scope_line[1]}
            new = NewAction(k, text, owner, due, scope, wanted.get("grain"), period,
                            wanted.get("alert"))  # fmt: skip
            try:
                new_id = create_action(ctx.engine, ctx.settings.user, new)
            except (ActionError, KeyError) as exc:
                st.error(md(exc.args[0]))
            else:  # rerun so the list above shows it (it was drawn before the click)
                st.session_state[CREATED] = f"Corrective action {new_id} opened."
                st.session_state["ca_pick"] = new_id
                st.rerun()
else:
    st.caption("Viewing only: QA or admin may open and update corrective actions.")

everything = list_actions(ctx.engine)
if everything.empty:
    st.stop()
st.subheader("Track an action")
labels = dict(zip(everything["action_id"], everything["description"], strict=True))
chosen = st.selectbox("Action", list(labels), key="ca_pick",
                      format_func=lambda i: f"#{i} · {labels[i]}")  # fmt: skip
act = get_action(ctx.engine, chosen)
status = Status(act["status"])
if "ca_flash" in st.session_state:
    st.success(st.session_state.pop("ca_flash"))
st.markdown(f"**Status:** {status.value} · owner {md(act['owner'])} · due {act['due_date']}")
if editor and status is not Status.VERIFIED_EFFECTIVE:
    options = [status, *sorted(TRANSITIONS[status])]
    new_status = st.selectbox("Move to", options, key=f"ca_status_{chosen}")
    root = st.text_area("Root cause (5 why, Pareto)", act["root_cause"], key=f"ca_root_{chosen}")
    taken = st.text_area("Action taken", act["action_taken"], key=f"ca_taken_{chosen}")
    check = st.text_area("Effectiveness check", act["effectiveness"], key=f"ca_eff_{chosen}")
    since = st.date_input("Change effective from", act["effective_from"], key=f"ca_from_{chosen}",
                          format="YYYY-MM-DD")  # fmt: skip
    if st.button("Save", key="ca_save", type="primary"):
        try:
            update_action(ctx.engine, ctx.settings.user, chosen, root_cause=root,
                          action_taken=taken, effectiveness=check, effective_from=since,
                          status=new_status)  # fmt: skip
            st.session_state["ca_flash"] = f"Corrective action {chosen} saved."
            st.rerun()
        except ActionError as exc:
            st.error(md(exc))
effect = effect_check(ctx.engine, chosen)
if not effect.empty:
    st.caption("The KPI before and after the change (same scope):")
    st.dataframe(effect, hide_index=True, key="ca_effect")
st.caption("Change history")
st.dataframe(action_history(ctx.engine, chosen), hide_index=True, width="stretch",
             key="ca_history")  # fmt: skip
