"""Scheduled packs (admin): what is sent when, to whom; and every message sent."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from kpi.auth import Action
from kpi.notify.sent_log import list_sent
from kpi.review import Format
from kpi.schedules.book import (
    Report,
    ScheduleError,
    ScheduleSpec,
    add_schedule,
    list_schedules,
    remove_schedule,
    schedules_frame,
    split_recipients,
    update_schedule,
)
from kpi.schedules.rules import RULE_HELP, Window
from ui import session, widgets
from ui.data import Q, get
from ui.frame import frame
from ui.registry import PageId
from ui.safe import md

ctx = frame(PageId.SCHEDULES)
session.require(Action.MANAGE_SETTINGS)
st.caption(
    "The worker (`python -m kpi worker`) sends each schedule when it is due: the objectives "
    "of the period in the message, and for a review pack the PDF, XLSX or PPTX attached. "
    "After downtime it sends the latest missed run once. Recipients: e-mail addresses, "
    "chat webhook URLs, or role:admin / role:qa / role:viewer (accounts with an e-mail)."
)

current = schedules_frame(ctx.engine)
if current.empty:
    widgets.empty("No scheduled packs yet.")
else:
    widgets.table(current, "schedules", key="sch_table")

st.subheader("Add a schedule")
c1, c2 = st.columns(2)
name = c1.text_input("Name", placeholder="Weekly summary for plant managers", key="sch_name")
rule = c2.text_input("When", placeholder="weekly mon 07:00", help=RULE_HELP, key="sch_rule")
c3, c4, c5, c6 = st.columns(4)
report = c3.selectbox("What", list(Report), key="sch_report")
window = c4.selectbox("Period", list(Window), index=1, key="sch_window")
fmt = c5.selectbox("Attachment", [f.value for f in Format], key="sch_format",
                   disabled=report != Report.REVIEW_PACK)  # fmt: skip
plant = c6.selectbox("Plant", ["", *sorted(get(Q.PLANTS_AND_LINES))], key="sch_plant",
                     format_func=lambda p: p or "all plants")  # fmt: skip
to = st.text_area("Recipients", placeholder="role:admin, leader@example.com", key="sch_to")
if st.button("Save schedule", type="primary", icon=":material/save:", key="sch_add"):
    spec = ScheduleSpec(name, rule, split_recipients(to), Report(report), Window(window),
                        fmt if report == Report.REVIEW_PACK else "", plant)  # fmt: skip
    try:
        new_id = add_schedule(ctx.engine, ctx.user.name, spec)
    except ScheduleError as refused:
        st.error(md(refused))
    else:
        st.success(f"Schedule {new_id} saved.")
        st.rerun()

specs = {s.schedule_id: s for s in list_schedules(ctx.engine)}
if specs:
    st.subheader("Change a schedule")
    c1, c2, c3 = st.columns([3, 1, 1])
    labels = {i: f"#{i} · {s.name} · {s.rule}" for i, s in specs.items()}
    pick = c1.selectbox("Schedule", list(labels), format_func=labels.get, key="sch_pick")
    chosen = specs[pick]
    toggle = "Disable" if chosen.enabled else "Enable"
    try:
        if c2.button(toggle, key="sch_toggle"):
            update_schedule(ctx.engine, ctx.user.name, replace(chosen, enabled=not chosen.enabled))
            st.rerun()
        if c3.button("Remove", key="sch_remove"):
            remove_schedule(ctx.engine, ctx.user.name, pick)
            st.rerun()
    except ScheduleError as gone:  # changed meanwhile in another tab
        st.error(md(gone))

st.subheader("Messages sent")
sent = list_sent(ctx.engine)
if sent.empty:
    widgets.empty("Nothing has been sent yet.")
else:
    widgets.table(sent, "sent_messages", key="sch_sent")
