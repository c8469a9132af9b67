"""Audit log (QA and admin): who changed which quality record, and when (ISO 9001 §7.5)."""

from __future__ import annotations

import streamlit as st

from kpi import store
from ui import widgets
from ui.frame import frame
from ui.registry import PageId

ctx = frame(PageId.AUDIT)
st.caption("Every upload, undo, target, profile, user and corrective-action change, newest first.")
log = store.list_audit(ctx.engine)
if log.empty:
    widgets.empty("Nothing has been changed yet.")
else:
    actions = sorted(log["action"].unique())
    chosen = st.multiselect("Actions", actions, default=actions, key="audit_actions")
    widgets.table(log[log["action"].isin(chosen)], "audit-log", key="audit_table")
