"""Only an admin may clear the server's caches (issue 14, item 15)."""

from __future__ import annotations

import streamlit as st
from streamlit.runtime.app_session import AppSession, AppSessionState
from streamlit.runtime.state import SessionState

from kpi import auth
from kpi.auth import Role
from tests.test_access import _add, _as
from ui import cache_guard
from ui.registry import PageId

calls: list[int] = []


@st.cache_data
def _cached() -> int:
    calls.append(1)
    return len(calls)


def test_a_clear_cache_message_clears_nothing_by_itself() -> None:
    """Streamlit's own handler, called as its websocket message would call it."""
    _cached.clear()
    first = _cached()
    session = object.__new__(AppSession)  # only the state is needed by the handler
    session._session_state = SessionState()
    session._state = AppSessionState.SHUTDOWN_REQUESTED  # its __del__ then does nothing
    session._handle_clear_cache_request()
    assert _cached() == first, "the cache survived"
    assert session._session_state[cache_guard.REQUEST_KEY] is True


def test_the_request_is_carried_out_only_for_an_admin(demo_db: str) -> None:
    _add(demo_db, "root", Role.ADMIN)
    _add(demo_db, "val", Role.VIEWER)
    _cached.clear()
    first = _cached()
    at = _as(auth.User("val", Role.VIEWER), PageId.OVERVIEW)
    at.session_state[cache_guard.REQUEST_KEY] = True
    at.run()
    assert any("Only an admin" in w.value for w in at.warning)
    assert _cached() == first
    at = _as(auth.User("root", Role.ADMIN), PageId.OVERVIEW)
    at.session_state[cache_guard.REQUEST_KEY] = True
    at.run()
    assert _cached() != first, "an admin's request clears the caches"
