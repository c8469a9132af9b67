"""Who is using this session, decided on the server for every script run.

Three ways in, in this order: Streamlit's OIDC login (``[auth]`` in secrets) mapped to a
role by e-mail; the built-in accounts (name + password, argon2id, lockout after repeated
failures); or, when no account exists at all, open demo mode as the demo admin with a
visible banner. The signed-in user lives under a session-state key that no widget uses,
so a replayed widget event cannot set it.
"""

from __future__ import annotations

import sqlalchemy as sa
import streamlit as st

from kpi import auth
from kpi.auth import Action, User

USER_KEY = "_kpi_signed_in_user"


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets.toml at all
        return False


def current_user(engine: sa.Engine) -> User | None:
    """The signed-in user, the demo admin in open demo mode, or None (show the login)."""
    if oidc_configured():
        if not st.user.is_logged_in:
            return None
        return auth.user_for_email(engine, str(st.user.get("email", "")))
    if not auth.users_configured(engine):
        return auth.DEMO_USER
    return st.session_state.get(USER_KEY)


def may(action: Action) -> bool:
    """Server-side permission check for one action (commit, undo, save, ...)."""
    user = st.session_state.get("_kpi_effective_user")
    return auth.may(user, action)


def require(action: Action) -> None:
    """Stop the run with a message when the signed-in user may not do ``action``."""
    if not may(action):
        st.error("Your role does not allow this.")
        st.stop()


def remember(user: User) -> None:
    """Record the user this run acts as, for ``may`` and ``require``."""
    st.session_state["_kpi_effective_user"] = user


def login_form(engine: sa.Engine) -> None:
    """Sign-in for built-in accounts, or the OIDC button; stops the run until signed in."""
    st.title("Sign in")
    if oidc_configured():
        if st.user.is_logged_in:
            st.error("Your e-mail address has no account here; ask an admin to add it.")
            st.button("Log out", on_click=st.logout)
        else:
            st.button("Log in with your company account", on_click=st.login)
        st.stop()
    with st.form("login"):
        name = st.text_input("Name")
        password = st.text_input("Password", type="password")
        submitted = st.form_submit_button("Sign in")
    if submitted:
        try:
            st.session_state[USER_KEY] = auth.authenticate(engine, name.strip(), password)
        except auth.AuthError as refused:
            st.error(str(refused))
        else:
            st.rerun()
    st.stop()


def sign_out() -> None:
    st.session_state.pop(USER_KEY, None)
    st.session_state.pop("_kpi_effective_user", None)
    if oidc_configured() and st.user.is_logged_in:
        st.logout()
