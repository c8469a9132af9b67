"""Users (settings, admin only): built-in accounts, roles, and e-mail mapping for OIDC."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi import auth, display_tokens
from kpi.auth import Action, Role
from ui import session, widgets
from ui.frame import frame
from ui.registry import PageId
from ui.safe import md

NEW_TOKEN = "_display_token_made"  # shown once, after the rerun that lists it

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

st.subheader("Wall-screen display tokens")
st.caption(
    "A token opens any page read-only (viewer rights) on a screen nobody signs in on: "
    "open `/overview?kiosk=1&token=…` once there. It is shown once; only its hash is kept."
)
displays = display_tokens.list_tokens(ctx.engine)
if displays:
    widgets.table(pd.DataFrame([vars(d) for d in displays]), "display_tokens", key="display_table")
c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
screen = c1.text_input("Display name", key="display_name", placeholder="Hall 1")
if c2.button("Create token", key="display_create"):
    try:
        token = display_tokens.create(ctx.engine, screen, ctx.user.name)
    except auth.AuthError as refused:
        st.error(md(str(refused)))
    else:
        st.session_state[NEW_TOKEN] = (screen.strip(), token)
        st.rerun()
made = st.session_state.pop(NEW_TOKEN, None)
if made:
    st.success(f"Token for {md(made[0])} (copy it now, it is not shown again):")
    st.code(f"?kiosk=1&token={made[1]}", language=None)
live = [d.name for d in displays if d.revoked_at is None]
if live:
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    ended = c1.selectbox("Display", live, key="display_revoke_pick")
    if c2.button("Revoke", key="display_revoke") and ended:
        try:
            display_tokens.revoke(ctx.engine, ended, ctx.user.name)
        except auth.AuthError as refused:  # revoked meanwhile by someone else
            st.error(md(str(refused)))
        else:
            st.rerun()
