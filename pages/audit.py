"""Audit log (QA and admin): who changed which quality record, and when (ISO 9001 §7.5)."""

from __future__ import annotations

import streamlit as st

from kpi import backup, clock, evidence, store
from kpi.auth import Action
from ui import evidence as ui_evidence
from ui import session, widgets
from ui.frame import frame
from ui.registry import PageId
from ui.safe import md

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
if session.may(Action.EXPORT_EVIDENCE):
    with st.expander("Evidence bundle for auditors", icon=":material/folder_zip:"):
        st.caption(
            "One zip: the KPI register, every figure of the window with the batches and "
            "original files behind it, the load ledger, this log, targets, corrective "
            "actions, internal audits and saved reviews, and a manifest with the SHA-256 of "
            "every file (`python -m kpi evidence verify FILE` re-checks it)."
        )
        today = clock.today(ctx.settings.timezone)
        e1, e2 = st.columns(2)
        ev_from = e1.date_input("From", today.replace(day=1), key="ev_from")
        ev_to = e2.date_input("To", today, key="ev_to")
        if st.button("Build evidence bundle", key="ev_build", icon=":material/folder_zip:"):
            session.require(Action.EXPORT_EVIDENCE)
            target = ui_evidence.bundle_path(ev_from, ev_to)
            try:
                evidence.build_bundle(ctx.engine, ctx.settings, ev_from, ev_to, target)
            except evidence.EvidenceError as exc:
                st.error(md(exc))
            else:
                st.session_state["ev_file"] = str(target)
        built = st.session_state.get("ev_file")
        if built:
            ui_evidence.download(built)
st.caption("Every upload, undo, target, profile, user and corrective-action change, newest first.")
log = store.list_audit(ctx.engine)
if log.empty:
    widgets.empty("Nothing has been changed yet.")
else:
    actions = sorted(log["action"].unique())
    chosen = st.multiselect("Actions", actions, default=actions, key="audit_actions")
    widgets.table(log[log["action"].isin(chosen)], "audit-log", key="audit_table")
