"""Internal audits (ISO 9001 §9.2): audits, findings, their actions and status.

Open and closed findings feed the management review's §9.3.2 c 6 section automatically.
"""

from __future__ import annotations

import streamlit as st

from kpi import audits
from kpi.auth import Action
from kpi.catalogue import CATALOGUE
from ui import data, session, widgets
from ui.frame import frame
from ui.registry import PageId
from ui.safe import md

ctx = frame(PageId.INTERNAL_AUDITS)
st.caption("Audits and their findings; the management review shows them under §9.3.2 c 6.")
register = data.get(data.Q.AUDITS)
findings = data.get(data.Q.FINDINGS)
may_record = session.may(Action.RECORD_AUDITS)


def _saved(message: str) -> None:
    """Show the tables with the change: clear the cache, rerun, say what was saved."""
    data.clear()
    st.session_state["ia_flash"] = message
    st.rerun()


if flash := st.session_state.pop("ia_flash", None):
    st.success(md(flash))


if may_record:
    with st.expander("Record an audit", icon=":material/add:"):
        a1, a2, a3 = st.columns([1, 3, 2])
        day = a1.date_input("Date", key="ia_date")
        title = a2.text_input("Title", key="ia_title", placeholder="e.g. Process audit L5")
        auditor = a3.text_input("Auditor", key="ia_auditor")
        s1, s2, s3, s4 = st.columns(4)
        fields = zip(("process", "plant", "line"), (s1, s2, s3), strict=True)
        scope = {f: box.text_input(f.capitalize(), key=f"ia_{f}") for f, box in fields}
        kpi = s4.selectbox("KPI", ["", *CATALOGUE], key="ia_kpi")
        if st.button("Save audit", key="ia_save", icon=":material/save:"):
            session.require(Action.RECORD_AUDITS)
            try:
                new = audits.NewAudit(day, title, auditor, kpi=kpi, **scope)
                audit_id = audits.add_audit(ctx.engine, ctx.settings, new)
            except audits.AuditError as exc:
                st.error(md(exc))
            else:
                _saved(f"Audit {audit_id} recorded.")

st.subheader("Audits")
if register.empty:
    widgets.empty("No internal audit has been recorded yet.")
else:
    widgets.table(register, "internal-audits", key="ia_table", height=220)

if may_record and not register.empty:
    with st.expander("Record a finding", icon=":material/report:"):
        f1, f2, f3 = st.columns([2, 4, 1])
        audit_id = f1.selectbox("Audit", list(register["audit_id"]), key="if_audit",
                                format_func=lambda i: f"#{i} " + str(
                                    register.set_index("audit_id").at[i, "title"]))  # fmt: skip
        text = f2.text_input("Finding", key="if_text")
        severity = f3.selectbox("Severity", [s.value for s in audits.Severity], key="if_sev")
        action = st.number_input("Corrective action id (0 = none)", min_value=0, step=1,
                                 key="if_action")  # fmt: skip
        if st.button("Save finding", key="if_save", icon=":material/save:"):
            session.require(Action.RECORD_AUDITS)
            try:
                fid = audits.add_finding(ctx.engine, ctx.settings, int(audit_id), text,
                                         severity, int(action) or None)  # fmt: skip
            except audits.AuditError as exc:
                st.error(md(exc))
            else:
                _saved(f"Finding {fid} recorded (open).")

st.subheader("Findings")
if findings.empty:
    st.caption("No findings yet.")
else:
    widgets.table(findings, "audit-findings", key="if_table", height=260)
    if may_record:
        u1, u2, u3 = st.columns([2, 1, 1], vertical_alignment="bottom")
        fid = u1.selectbox("Finding", list(findings["finding_id"]), key="iu_finding")
        status = u2.selectbox("Status", [s.value for s in audits.FindingStatus], key="iu_status")
        if u3.button("Update", key="iu_save", icon=":material/save:"):
            session.require(Action.RECORD_AUDITS)
            try:
                audits.update_finding(ctx.engine, ctx.settings, int(fid), status)
            except audits.AuditError as exc:
                st.error(md(exc))
            else:
                _saved(f"Finding {fid}: {status}.")
