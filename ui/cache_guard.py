"""Only an admin may clear the server's caches.

Streamlit clears every cache of the process (the database engine included) for any
client that sends its "clear cache" message, signed in or not. The handler is replaced
once per process: the request is only noted in that session, and the session's next
run clears the caches if its user is an admin as stored now (``apply_request``).
"""

from __future__ import annotations

import logging

import streamlit as st
from streamlit.runtime.app_session import AppSession

from kpi import auth
from kpi.auth import Action, User

REQUEST_KEY = "_kpi_clear_cache_requested"
_LOG = logging.getLogger(__name__)


def _note_request(session: AppSession) -> None:
    """Replaces ``AppSession._handle_clear_cache_request``: note it, clear nothing."""
    session._session_state[REQUEST_KEY] = True
    _LOG.info("cache clear requested; it is done only for an admin")


def install() -> None:
    AppSession._handle_clear_cache_request = _note_request


def apply_request(user: User) -> None:
    """Clear the caches if this session asked for it and its user is an admin now."""
    if not st.session_state.pop(REQUEST_KEY, False):
        return
    if not auth.may(user, Action.MANAGE_SETTINGS):
        st.warning("Only an admin may clear the server's caches.")
        return
    st.cache_data.clear()
    st.cache_resource.clear()
    st.toast("Caches cleared.")


install()
