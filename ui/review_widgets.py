"""Streamlit pieces of the management review page: objective blocks, notes and decisions.

Notes and decisions live in ``st.session_state`` (keyed by period) so typing survives
reruns; they are loaded once from the saved review of the same period, if any. The warm
chart renderer for the PDF lives here too: caching is the UI layer's business.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from kpi.review import layout as L
from kpi.review import plots
from kpi.review.images import WarmRenderer, WarmState
from kpi.review.model import Decision, ItemKind, Pack, Section
from ui.widgets import BADGE, MISSED_BADGE

DECISIONS = "rv_decisions"
LOADED = "rv_loaded_for"


@st.cache_resource(show_spinner=False, on_release=lambda renderer: renderer.stop())
def _warm_renderer() -> WarmRenderer:
    return WarmRenderer().start()


def chart_renderer() -> WarmRenderer:
    """One Chromium per server process, started in the background when the review page
    first loads, so a PDF download does not pay its start-up (seconds)."""
    renderer = _warm_renderer()
    if renderer.state is WarmState.STOPPED:  # broke during a render: start a fresh one
        _warm_renderer.clear()
        renderer = _warm_renderer()
    return renderer


def note_key(section: Section) -> str:
    return f"rv_note_{section.value}"


def load_state(pack: Pack) -> None:
    """Prefill notes and decisions from the saved review, once per period and plant."""
    marker = (pack.period.code, pack.request.plant)
    if st.session_state.get(LOADED) == marker:
        return
    st.session_state[LOADED] = marker
    for section in Section:
        st.session_state[note_key(section)] = pack.notes.get(section.value, "")
    st.session_state[DECISIONS] = [d.to_dict() for d in pack.decisions]


def current_notes() -> dict[str, str]:
    return {s.value: st.session_state.get(note_key(s), "") for s in Section}


def current_decisions() -> list[Decision]:
    return [
        Decision(d["text"], d["owner"], ItemKind(d["kind"]),
                 dt.date.fromisoformat(d["due_date"]) if d["due_date"] else None, d["status"])
        for d in st.session_state.get(DECISIONS, [])
    ]  # fmt: skip


def objective_table(pack: Pack) -> None:
    rows = pd.DataFrame(L.objective_rows(pack.targeted), columns=L.OBJECTIVE_HEADER)
    st.dataframe(rows, hide_index=True, width="stretch")


def objectives_block(pack: Pack, kpis: tuple[str, ...]) -> None:
    """Per KPI: value, target and status badge, the change sentence, a small trend chart."""
    for kpi in kpis:
        o = pack.objective(kpi)
        left, right = st.columns([2, 3])
        with left:
            better_up = o.direction.value == "higher"
            st.metric(o.label, L.fmt(o.value, o.unit), delta=L.change_text(o),
                      delta_color="normal" if better_up else "inverse")  # fmt: skip
            if o.has_target:
                color, icon = BADGE.get(o.status or "", MISSED_BADGE)
                st.badge(f"{L.STATUS_TEXT.get(o.status)} · target {L.target_text(o)}",
                         color=color, icon=icon)  # fmt: skip
            st.caption(o.sentence)
        if not pack.trends[pack.trends["kpi"] == kpi].empty:
            right.plotly_chart(plots.trend(pack, kpi, 200), key=f"rv_trend_{kpi}",
                               config={"displaylogo": False})  # fmt: skip


def previous_decisions(pack: Pack) -> None:
    st.caption(L.previous_caption(pack))
    items = L.previous_decisions(pack)
    if items:
        rows = pd.DataFrame(L.decision_rows(items), columns=L.DECISION_HEADER)
        st.dataframe(rows, hide_index=True, width="stretch", key="rv_previous")


def nonconformities(pack: Pack) -> None:
    if not pack.defects.empty:
        rows = pd.DataFrame(L.defect_rows(pack), columns=L.DEFECT_HEADER)
        st.dataframe(rows, hide_index=True, width="stretch")
    st.markdown("**Corrective actions.** " + " ".join(L.actions_lines(pack)))
    items = L.action_items(pack)
    if items:
        rows = pd.DataFrame(L.decision_rows(items), columns=L.DECISION_HEADER)
        st.dataframe(rows, hide_index=True, width="stretch")


def monitoring(pack: Pack) -> None:
    for line in L.spc_lines(pack):
        st.markdown(line)
    summary = L.spc_summary(pack)
    if not summary.empty:
        st.dataframe(summary, hide_index=True, width="stretch")


def suppliers(pack: Pack, fig) -> None:
    if pack.suppliers.empty:
        st.caption("No supplier receipts in the period.")
        return
    rows = pd.DataFrame(L.supplier_rows(pack), columns=L.SUPPLIER_HEADER)
    st.dataframe(rows, hide_index=True, width="stretch")
    if fig is not None:
        st.plotly_chart(fig, key="rv_suppliers", config={"displaylogo": False})


def decisions_editor() -> None:
    """The decisions so far, and a small form to add one (or remove the last)."""
    items = st.session_state.setdefault(DECISIONS, [])
    if items:
        shown = pd.DataFrame(L.decision_rows(current_decisions()), columns=L.DECISION_HEADER)
        st.dataframe(shown, hide_index=True, width="stretch", key="rv_items")
    c1, c2, c3, c4 = st.columns([4, 2, 1, 1])
    text = c1.text_input("Decision or action", key="rv_new_text")
    owner = c2.text_input("Owner", key="rv_new_owner")
    kind = c3.selectbox("Type", [k.value for k in ItemKind], key="rv_new_kind")
    due = c4.date_input("Due", value=None, key="rv_new_due")
    b1, b2, _ = st.columns([1, 1, 4])
    if b1.button("Add", key="rv_add", icon=":material/add:") and text.strip():
        items.append(Decision(text.strip(), owner.strip(), ItemKind(kind), due).to_dict())
        st.rerun()
    if items and b2.button("Remove last", key="rv_remove"):
        items.pop()
        st.rerun()
