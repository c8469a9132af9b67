"""Notifications (every user): subscribe to target misses, SPC signals and overdue actions."""

from __future__ import annotations

import streamlit as st

from kpi.auth import Action
from kpi.catalogue import CATALOGUE
from kpi.notify.signals import EVENT_LABELS, Event
from kpi.notify.subscriptions import (
    CADENCE_LABELS,
    Cadence,
    Subscription,
    SubscriptionError,
    add_subscription,
    remove_subscription,
    subscriptions_frame,
)
from ui import session, widgets
from ui.data import Q, get
from ui.frame import frame
from ui.registry import PageId
from ui.safe import md

ctx = frame(PageId.SUBSCRIPTIONS)
me = ctx.user.name
st.caption(
    "Get a message when a KPI misses its target, a control chart signals, or a corrective "
    "action is overdue: by e-mail, or in a chat channel through a webhook URL (Slack, or "
    "Teams through Workflows). Each new signal is sent once, with a link to its chart. "
    "Leave a filter empty for all. The worker (`python -m kpi worker`) sends them."
)

mine = subscriptions_frame(ctx.engine, me)
if mine.empty:
    widgets.empty("You have no subscriptions yet.")
else:
    widgets.table(mine, "subscriptions", key="sub_table")

st.subheader("Subscribe")
places = get(Q.PLANTS_AND_LINES)
address = st.text_input("E-mail address or webhook URL", value=ctx.user.email or "",
                        key="sub_address")  # fmt: skip
events = st.multiselect("Signals", list(Event), default=list(Event),
                        format_func=EVENT_LABELS.get, key="sub_events")  # fmt: skip
c1, c2, c3 = st.columns(3)
kpis = c1.multiselect("KPIs", list(CATALOGUE), format_func=lambda k: CATALOGUE[k].label,
                      key="sub_kpis")  # fmt: skip
plants = c2.multiselect("Plants", sorted(places), key="sub_plants")
lines = c3.multiselect("Lines", sorted({ln for ls in places.values() for ln in ls}),
                       key="sub_lines")  # fmt: skip
c4, c5 = st.columns(2)
cadence = c4.radio(
    "How often", list(Cadence), horizontal=True, key="sub_cadence", format_func=CADENCE_LABELS.get
)
hour = c5.number_input("Digest hour", 0, 23, 7, key="sub_hour", disabled=cadence != Cadence.DAILY)
if st.button("Subscribe", type="primary", icon=":material/notifications_active:", key="sub_add"):
    wanted = Subscription(me, address, tuple(events), Cadence(cadence), tuple(kpis),
                          tuple(plants), tuple(lines), int(hour))  # fmt: skip
    try:
        may_hook = session.may(Action.MANAGE_SETTINGS)
        new_id = add_subscription(ctx.engine, me, wanted, allow_webhook=may_hook)
    except SubscriptionError as refused:
        st.error(md(refused))
    else:
        st.success(f"Subscription {new_id} saved.")
        st.rerun()

if not mine.empty:
    st.subheader("Unsubscribe")
    c1, c2 = st.columns([3, 1])
    labels = {i: f"#{i} · {a}" for i, a in zip(mine["id"], mine["address"], strict=True)}
    gone = c1.selectbox("Subscription", list(labels), format_func=labels.get, key="sub_remove")
    if c2.button("Remove", key="sub_remove_button"):
        try:
            remove_subscription(ctx.engine, me, int(gone), owner=me)
        except SubscriptionError as refused:  # removed meanwhile in another tab
            st.error(md(refused))
        else:
            st.rerun()
