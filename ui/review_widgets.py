"""Streamlit pieces of the management review page: objective blocks, notes and decisions.

Notes and decisions live in ``st.session_state`` (keyed by period) so typing survives
reruns; they are loaded once from the saved review of the same period, if any. The warm
chart renderer for the PDF lives here too: caching is the UI layer's business.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from kpi.auth import Action
from kpi.review import ReviewError, plots, set_decision_status
from kpi.review import layout as L
from kpi.review.images import WarmRenderer, WarmState
from kpi.review.model import Decision, DecisionStatus, ItemKind, Pack, Section
from kpi.review.pdf_export import ChartMode
from kpi.settings import Settings
from ui import session
from ui.safe import md
from ui.widgets import BADGE, MISSED_BADGE

DECISIONS = "rv_decisions"
LOADED = "rv_loaded_for"
ITEM_KEY, STATUS_KEY = "rv_prev_item", "rv_prev_status"
STATUS_DONE, STATUS_FAILED = "rv_prev_done", "rv_prev_failed"
# "native": this server never starts Chromium; PDF charts are drawn by fpdf2 (with a note)
PDF_CHARTS_ENV = "KPI_PDF_CHARTS"


@st.cache_resource(show_spinner=False, on_release=lambda renderer: renderer.stop())
def _warm_renderer() -> WarmRenderer:
    return WarmRenderer().start()


def pdf_options() -> dict[str, Any]:
    """How this server builds the PDF's charts: a warm Chromium (the default), or native
    drawings when ``KPI_PDF_CHARTS=native`` (a server that must not run a browser)."""
    if os.environ.get(PDF_CHARTS_ENV, "").strip().lower() == ChartMode.NATIVE.value:
        return {"charts": ChartMode.NATIVE}
    return {"warm": chart_renderer()}


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


def _delta(o) -> dict:
    """st.metric's delta: it reads only an ASCII '-' as a fall (the pack's typographic
    '−' showed a fall green and up), and a change that rounds to zero gets no colour."""
    change = L.change_text(o).replace("\u2212", "-")
    if change.startswith("±"):
        return {"delta": change, "delta_color": "off", "delta_arrow": "off"}
    better_up = o.direction.value == "higher"
    return {"delta": change, "delta_color": "normal" if better_up else "inverse"}


def objectives_block(pack: Pack, kpis: tuple[str, ...]) -> None:
    """Per KPI: value, target and status badge, the change sentence, a small trend chart."""
    for kpi in kpis:
        o = pack.objective(kpi)
        left, right = st.columns([2, 3])
        with left:
            st.metric(o.label, L.fmt(o.value, o.unit), **_delta(o))
            if o.has_target:
                color, icon = BADGE.get(o.status or "", MISSED_BADGE)
                st.badge(f"{L.STATUS_TEXT.get(o.status)} · target {L.target_text(o)}",
                         color=color, icon=icon)  # fmt: skip
            st.caption(md(o.sentence))
        if not pack.trends[pack.trends["kpi"] == kpi].empty:
            right.plotly_chart(plots.trend(pack, kpi, 200), key=f"rv_trend_{kpi}",
                               config={"displaylogo": False})  # fmt: skip


def previous_decisions(
    pack: Pack, engine: sa.Engine | None = None, settings: Settings | None = None
) -> None:
    """Last review's decisions; with an engine (roles that record reviews) a control to
    update their status."""
    st.caption(md(L.previous_caption(pack)))
    items = L.previous_decisions(pack)
    if items:
        rows = pd.DataFrame(L.decision_rows(items), columns=L.DECISION_HEADER)
        st.dataframe(rows, hide_index=True, width="stretch", key="rv_previous")
    if items and engine is not None and settings is not None:
        _status_control(pack.previous_review["review_id"], items, engine, settings)


def _status_control(
    review_id: int, items: list[Decision], engine: sa.Engine, settings: Settings
) -> None:
    # no status in the label: the table above shows it, and a changed label goes stale
    labels = {d.item_no: f"{d.item_no}. {d.text}" for d in items}
    c1, c2, c3 = st.columns([5, 2, 2], vertical_alignment="bottom")
    c1.selectbox("Decision or action of the last review", list(labels), format_func=labels.get,
                 key=ITEM_KEY)  # fmt: skip
    statuses = [s.value for s in DecisionStatus]
    c2.selectbox("New status", statuses, index=statuses.index(DecisionStatus.DONE), key=STATUS_KEY)
    c3.button("Update status", key="rv_prev_update", icon=":material/task_alt:",
              on_click=_update_status, args=(engine, settings, review_id))  # fmt: skip
    if message := st.session_state.pop(STATUS_DONE, None):
        st.success(md(message))
    if message := st.session_state.pop(STATUS_FAILED, None):
        st.error(md(message))


def _update_status(engine: sa.Engine, settings: Settings, review_id: int) -> None:
    """Runs before the rerun draws the table, so the table shows the new status."""
    if not session.may(Action.RECORD_REVIEWS):  # checked again on the server at the click
        st.session_state[STATUS_FAILED] = "Your role does not allow this."
        return
    item, status = st.session_state.get(ITEM_KEY), st.session_state.get(STATUS_KEY)
    try:
        d = set_decision_status(engine, settings, review_id, item, status)
    except ReviewError as exc:
        st.session_state[STATUS_FAILED] = str(exc)
        return
    st.session_state[STATUS_DONE] = f"Item {item} of review {review_id} ({d.text}) is now {status}."


def nonconformities(pack: Pack) -> None:
    if not pack.defects.empty:
        rows = pd.DataFrame(L.defect_rows(pack), columns=L.DEFECT_HEADER)
        st.dataframe(rows, hide_index=True, width="stretch")
    st.markdown("**Corrective actions.** " + " ".join(L.actions_lines(pack)))
    items = L.action_items(pack)
    if items:
        rows = pd.DataFrame(L.decision_rows(items), columns=L.DECISION_HEADER)
        st.dataframe(rows, hide_index=True, width="stretch")


def capability(pack: Pack) -> None:
    """Cpk per measured characteristic against its required minimum (§9.3.2 c 3)."""
    for line in L.capability_lines(pack):
        st.markdown(md(line))
    rows = L.capability_rows(pack)
    if rows:
        frame = pd.DataFrame(rows, columns=L.CAPABILITY_HEADER)
        st.dataframe(frame, hide_index=True, width="stretch", key="rv_capability")


def audits(pack: Pack) -> None:
    """§9.3.2 c 6 from the internal-audit register (Internal audits page)."""
    for line in L.audit_lines(pack):
        st.markdown(md(line))
    rows = L.audit_rows(pack)
    if rows:
        st.dataframe(pd.DataFrame(rows, columns=L.AUDIT_HEADER), hide_index=True, width="stretch")


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
