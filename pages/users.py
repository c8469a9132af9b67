"""Users (settings, admin only): built-in accounts, roles, and e-mail mapping for OIDC."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi import auth
from kpi.auth import Action, Role
from ui import session, widgets
from ui.frame import frame
from ui.registry import PageId
from ui.safe import md

ctx = frame(PageId.USERS)
session.require(Action.MANAGE_USERS)
st.caption(
    "viewer: every dashboard and export · qa: also upload, undo and corrective actions · "
    "admin: also targets, users and settings. With no account at all the app runs in open "
    "demo mode."
)

accounts = auth.list_users(ctx.engine)
frame_rows = pd.DataFrame(
    [{"name": u.name, "role": u.role.value, "email": u.email or ""} for u in accounts],
    columns=["name", "role", "email"],
)
widgets.table(frame_rows, "users", key="users_table")

st.subheader("Add or change an account")
with st.form("user_form", clear_on_submit=True):
    c1, c2, c3 = st.columns(3)
    name = c1.text_input("Name")
    role = c2.selectbox("Role", [r.value for r in Role])
    email = c3.text_input("E-mail (for company login)")
    password = st.text_input("Password (at least 8 characters)", type="password")
    saved = st.form_submit_button("Save account", type="primary")
if saved:
    try:
        auth.add_user(
            ctx.engine, name, Role(role), ctx.user.name, password or None, email.strip() or None
        )
    except auth.AuthError as refused:
        st.error(md(refused))
    else:
        st.success(f"Saved {md(name.strip())} as {role}.")
        st.rerun()

if accounts:
    st.subheader("Remove an account")
    c1, c2 = st.columns([3, 1])
    gone = c1.selectbox("Account", [u.name for u in accounts], key="user_remove")
    if c2.button("Remove", key="user_remove_button") and gone:
        if gone == ctx.user.name:
            st.error("You cannot remove the account you are signed in with.")
        else:
            auth.remove_user(ctx.engine, gone, ctx.user.name)
            st.rerun()
