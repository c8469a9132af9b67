"""The sign-in cookie: the browser keeps an opaque token so a refresh stays signed in.

The token is written by extra-streamlit-components' CookieManager (SameSite=Strict,
Secure over HTTPS). A cookie written from the page cannot be HttpOnly, so a script
injected into the page could read it: the README says so and recommends OIDC
(``st.login``) for exposed deployments. Reading needs no component: the browser sends
its cookies with the page request, which ``st.context.cookies`` exposes on the server.
Writes wait for the next full run of a page, so the component is drawn and not cut off
by an immediate rerun.
"""

from __future__ import annotations

import contextlib
import datetime as dt

import streamlit as st

from kpi import sign_in

COOKIE = "kpi_session"
_PENDING = "_kpi_cookie_pending"  # ("set", token, lifetime) or ("delete", "")


def browser_token() -> str | None:
    """The token the browser sent with this page, if any."""
    value = st.context.cookies.get(COOKIE)
    return value if isinstance(value, str) and value else None


def remember(token: str, lifetime: dt.timedelta = sign_in.TOKEN_LIFETIME) -> None:
    st.session_state[_PENDING] = ("set", token, lifetime)


def forget() -> None:
    st.session_state[_PENDING] = ("delete", "")


def write_pending() -> None:
    """Set or delete the cookie asked for by the last sign-in or sign-out."""
    pending = st.session_state.pop(_PENDING, None)
    if pending is None:
        return
    import extra_streamlit_components as stx  # draws a hidden component

    manager = stx.CookieManager(key="kpi_cookie_manager")
    if pending[0] == "set":
        secure = str(st.context.url or "").startswith("https://")
        expires = dt.datetime.now(dt.UTC) + pending[2]
        manager.set(
            COOKIE, pending[1], key="kpi_cookie_set", expires_at=expires,
            same_site="strict", secure=secure or None,
        )  # fmt: skip
        return
    with contextlib.suppress(KeyError):  # the component had not reported the cookies yet
        manager.delete(COOKIE, key="kpi_cookie_delete")
