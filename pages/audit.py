"""Audit log (QA and admin): who changed which quality record, and when (ISO 9001 §7.5)."""

from __future__ import annotations

import streamlit as st

from kpi import backup, store
from kpi.auth import Action
from ui import session, widgets
from ui.frame import frame
from ui.registry import PageId

ctx = frame(PageId.AUDIT)
if session.may(Action.MANAGE_SETTINGS):
    with st.expander("Back up the database", icon=":material/backup:"):
        st.caption(
            "Writes a consistent copy of the database and its archive of original files "
            "into the backups folder beside the database (for a server database: beside "
            "the archive folder). Restore it with `python -m kpi restore FILE`."
        )
        if st.button("Back up now", key="backup_now", icon=":material/save:"):
            session.require(Action.MANAGE_SETTINGS)
            try:
                written = backup.backup_now(ctx.engine, ctx.settings)
            except backup.BackupError as exc:
                st.error(str(exc))
            else:
                st.success(f"Backup written to {written.name} in {written.parent}.")
st.caption("Every upload, undo, target, profile, user and corrective-action change, newest first.")
log = store.list_audit(ctx.engine)
if log.empty:
    widgets.empty("Nothing has been changed yet.")
else:
    actions = sorted(log["action"].unique())
    chosen = st.multiselect("Actions", actions, default=actions, key="audit_actions")
    widgets.table(log[log["action"].isin(chosen)], "audit-log", key="audit_table")
