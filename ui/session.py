"""Who is using this session, decided on the server for every script run.

Three ways in, in this order: Streamlit's OIDC login (``[auth]`` in secrets) mapped to a
role by e-mail; the built-in accounts (name + password, argon2id, lockout after repeated
failures); or, when no account exists at all, open demo mode as the demo admin with a
visible banner. The signed-in user lives under a session-state key that no widget uses,
so a replayed widget event cannot set it.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import streamlit as st

from kpi import auth, display_tokens, sign_in, store
from kpi.auth import Action, User
from ui import sign_in_cookie
from ui.safe import md

USER_KEY = "_kpi_signed_in_user"
NOTICE_KEY = "_kpi_sign_in_notice"
TOKEN_KEY = "_kpi_sign_in_token"
DISPLAY_KEY = "_kpi_display_token"
DISPLAY_COOKIE_LIFETIME = dt.timedelta(days=400)  # a screen lives until its token is revoked


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets.toml at all
        return False


@st.cache_data(show_spinner=False, max_entries=64)
def _has_accounts(db_url: str, version: str) -> bool:
    """Whether any account exists; asked again whenever the data version moves, so a
    warm rerun in open demo mode does not open the database at all."""
    del version  # part of the cache key only
    from ui.bootstrap import engine_for

    return auth.users_configured(engine_for(db_url))


def _db_url(engine: sa.Engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def current_user(engine: sa.Engine) -> User | None:
    """The signed-in user as stored now, the demo admin in open demo mode, or None.

    The role is read from the accounts table on every call, never from a copy in the
    session: a demoted user loses rights at the next action, a deleted one is signed out.
    A wall screen's display token comes first: it works with any way of signing in.
    """
    display = _display_user(engine)
    if display is not None:
        return display
    if oidc_configured():
        if not st.user.is_logged_in:
            return None
        return auth.user_for_email(engine, str(st.user.get("email", "")))
    if not _has_accounts(_db_url(engine), store.data_version(engine)):
        return auth.DEMO_USER if client_is_local() else None
    token = st.session_state.get(TOKEN_KEY)
    if token is None and USER_KEY not in st.session_state:
        token = sign_in_cookie.browser_token()  # a refresh, a bookmark or a typed URL
        restored = sign_in.user_for_token(engine, token) if token else None
        if restored is not None:
            st.session_state[TOKEN_KEY], st.session_state[USER_KEY] = token, restored
        return restored
    if token is not None:  # the session's token: revoked at a password or role change
        user = sign_in.user_for_token(engine, token)
    else:
        user = auth.current(engine, st.session_state[USER_KEY].name)
    if user is None:
        _end_session("Your sign-in ended (the account was changed or removed); sign in again.")
    return user


def _display_user(engine: sa.Engine) -> User | None:
    """A wall screen's read-only user: from ``?token=`` (then taken out of the URL), from
    this session (checked again at every run, so a revoke ends it), or from the cookie
    the screen kept across a browser refresh. None: this is no display session."""
    url_token = st.query_params.get("token")
    if url_token:
        del st.query_params["token"]  # out of the address bar, history and screenshots
        return _open_display(engine, url_token)
    token = st.session_state.get(DISPLAY_KEY)
    if token is not None:
        user = display_tokens.user_for(engine, token)
        if user is None:
            _end_session("This screen's display token was revoked; ask an admin for a new one.")
        return user
    cookie = sign_in_cookie.browser_token()
    if USER_KEY not in st.session_state and display_tokens.is_display_token(cookie):
        return _open_display(engine, cookie)
    return None


def _open_display(engine: sa.Engine, token: str) -> User | None:
    user = display_tokens.opened(engine, token, client_id())
    if user is None:
        _end_session("This display token is unknown or was revoked; ask an admin for a new one.")
        return None
    st.session_state.pop(USER_KEY, None)
    st.session_state.pop(TOKEN_KEY, None)
    st.session_state[DISPLAY_KEY] = token
    sign_in_cookie.remember(token, DISPLAY_COOKIE_LIFETIME)
    return user


def _end_session(notice: str) -> None:
    st.session_state.pop(USER_KEY, None)
    st.session_state.pop(TOKEN_KEY, None)
    st.session_state.pop(DISPLAY_KEY, None)
    st.session_state[NOTICE_KEY] = notice
    sign_in_cookie.forget()


def client_id() -> str:
    """Who is signing in, for throttling: the peer address ("local" on this machine)."""
    peer = st.context.ip_address
    return peer if isinstance(peer, str) and peer else "local"


def client_is_local() -> bool:
    """True for a browser on this machine: a loopback peer, with no proxy in between.

    Open demo mode makes everyone an admin, so it serves only such clients. A request
    relayed by a proxy carries forwarding headers and is never taken as local.
    """
    peer = st.context.ip_address  # None for 127.0.0.1 and ::1
    if isinstance(peer, str) and peer:
        return False
    headers = {name.lower() for name in st.context.headers}
    return not headers & {"x-forwarded-for", "forwarded", "x-real-ip"}


def may(action: Action) -> bool:
    """Server-side permission check for one action (commit, undo, save, ...), read now."""
    from ui import bootstrap  # late: bootstrap opens the engine, session is imported early

    return auth.may(current_user(bootstrap.engine()), action)


def require(action: Action) -> None:
    """Stop the run with a message when the signed-in user may not do ``action``."""
    if not may(action):
        st.error("Your role does not allow this.")
        st.stop()


def login_form(engine: sa.Engine) -> None:
    """Sign-in for built-in accounts, or the OIDC button; stops the run until signed in."""
    st.title("Sign in")
    if not auth.users_configured(engine):  # open demo mode, asked from another machine
        st.error(
            "This app has no accounts yet, so it serves only the machine it runs on. "
            "Create the first admin there: `python -m kpi users add NAME --role admin`."
        )
        st.stop()
    sign_in_cookie.write_pending()
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        st.warning(md(notice))
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
            user = sign_in.authenticate(engine, name, password, client_id())
        except auth.AuthError as refused:
            st.error(md(refused))
        else:
            token = sign_in.issue_token(engine, user.name)
            st.session_state[USER_KEY], st.session_state[TOKEN_KEY] = user, token
            sign_in_cookie.remember(token)
            st.rerun()
    st.stop()


def sign_out() -> None:
    """Revoke this browser's token, audit the sign-out and clear its cookie."""
    from ui import bootstrap  # late: bootstrap opens the engine, session is imported early

    user, token = st.session_state.pop(USER_KEY, None), st.session_state.pop(TOKEN_KEY, None)
    display = st.session_state.pop(DISPLAY_KEY, None)
    if display is not None:  # a screen that leaves: its token stays valid for next time
        user = display_tokens.user_for(bootstrap.engine(), display)
    if user is not None:
        sign_in.sign_out(bootstrap.engine(), user.name, token)
    sign_in_cookie.forget()
    if oidc_configured() and st.user.is_logged_in:
        st.logout()
