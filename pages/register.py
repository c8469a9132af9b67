"""KPI register (ISO 9001 §9.1.1, §7.1.5): generated from the catalogue, with owners,
targets in force, definition versions and how the software itself is verified."""

from __future__ import annotations

import streamlit as st

from kpi import register_export
from kpi.auth import Action
from kpi.catalogue import CATALOGUE
from kpi.register import RegisterError, set_owner
from ui import data, session, widgets
from ui.frame import frame
from ui.registry import PageId
from ui.safe import md

ctx = frame(PageId.REGISTER)
docs: register_export.RegisterDocs = data.get(data.Q.REGISTER)
st.caption(
    "Generated from the KPI catalogue, never typed by hand. The definition version is a "
    "hash of the catalogue entry and the code that computes it: it changes whenever the "
    "definition does."
)
widgets.table(docs.register, "kpi-register", key="reg_table")
c1, c2, _ = st.columns([2, 2, 5])  # wide enough for the labels ("Registe…" was cut)
c1.download_button("Register PDF", data=lambda: register_export.to_pdf(docs),
                   file_name="kpi-register.pdf", mime="application/pdf", key="reg_pdf",
                   icon=":material/download:", on_click="ignore")  # fmt: skip
c2.download_button("Register XLSX", data=lambda: register_export.to_xlsx(docs),
                   file_name="kpi-register.xlsx", key="reg_xlsx", icon=":material/download:",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                   on_click="ignore")  # fmt: skip

if session.may(Action.EDIT_TARGETS):
    with st.expander("Set an owner", icon=":material/person:"):
        o1, o2, o3 = st.columns([2, 2, 3])
        kpi = o1.selectbox("KPI", list(CATALOGUE), format_func=lambda k: CATALOGUE[k].label,
                           key="reg_kpi")  # fmt: skip
        owner = o2.text_input("Owner", key="reg_owner", placeholder="e.g. Quality manager")
        frequency = o3.text_input("Monitoring frequency", key="reg_freq",
                                  placeholder="empty: keep the current one")  # fmt: skip
        if st.button("Save owner", key="reg_save", icon=":material/save:"):
            session.require(Action.EDIT_TARGETS)
            try:
                set_owner(ctx.engine, ctx.settings, kpi, owner, frequency)
            except RegisterError as exc:
                st.error(md(exc))
            else:
                data.clear()
                st.success(f"{md(CATALOGUE[kpi].label)}: owner {md(owner.strip())}")

st.subheader("Changes to targets and owners")
if docs.history.empty:
    st.info("No target or owner has been changed yet.", icon=":material/history:")
else:
    widgets.table(docs.history, "register-history", key="reg_history", height=240)

st.subheader("Measuring the measuring system (§7.1.5)")
st.markdown(md(docs.statement))
st.caption("Golden and textbook tests, read from the test suite itself; the last pass is "
           "recorded by the suite at the end of every run.")  # fmt: skip
widgets.table(docs.tests, "reference-tests", key="reg_tests", height=240)
st.caption("Validation rules applied to every file at load, from the loader's rule compiler.")
widgets.table(docs.rules, "validation-rules", key="reg_rules", height=240)
