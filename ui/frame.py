"""The frame every page draws first: page config, bootstrap, permission check, sidebar.

Every page calls ``frame(PageId.X)`` itself, because Streamlit 1.67 runs a page
without app.py when a deep link is the first request on a fresh server. The sidebar is
drawn with ``st.page_link`` from ``ui.registry`` so it looks the same in both modes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import sqlalchemy as sa
import streamlit as st

from kpi import clock, lease
from kpi.auth import DEMO_USER, Role, User
from kpi.settings import Settings
from kpi.views import Filters
from ui import bootstrap, cache_guard, filters, kiosk, session, sign_in_cookie
from ui.data import Q, get
from ui.registry import BY_ID, PageId, PageSpec, Section, allowed, visible
from ui.safe import md

APP_TITLE = "Quality KPIs"


@dataclass(frozen=True)
class Context:
    """What a page needs: the engine, settings, the shared filters and its own spec."""

    spec: PageSpec
    settings: Settings
    engine: sa.Engine
    filters: Filters
    user: User

    @property
    def role(self) -> Role:
        return self.user.role


def frame(page: PageId) -> Context:
    """Set up the page; stops the script with a message when the user may not see it."""
    spec = BY_ID[page]
    wall = kiosk.active()
    st.set_page_config(
        page_title=f"{spec.label} · {APP_TITLE}",
        page_icon=":material/factory:",
        layout="wide",
        initial_sidebar_state="collapsed" if wall else "auto",  # collapsed on a phone
    )
    if wall:
        kiosk.style()
    lease.set_announcer(lambda text: st.toast(text, icon=":material/hourglass_top:"))
    try:
        engine = bootstrap.engine()
        bootstrap.keep_summaries_current(engine)
        user = session.current_user(engine)
    except lease.DatabaseBusy as busy:  # another program kept the file past KPI_LOCK_WAIT
        st.warning(md(busy), icon=":material/hourglass_top:")
        st.stop()
    if user is None:
        session.login_form(engine)
    sign_in_cookie.write_pending()
    cache_guard.apply_request(user)
    if not allowed(spec, user.role):
        st.error("You do not have access to this page.")
        _navigation(st.sidebar.container(), user, None)
        st.stop()
    conf = (
        replace(bootstrap.settings(), user=user.name) if user != DEMO_USER else bootstrap.settings()
    )
    if wall:
        return _wall_screen(spec, conf, engine, user)
    nav = st.sidebar.container()
    view = _filters(spec)
    _navigation(nav, user, view)
    _freshness_note()
    if user == DEMO_USER:
        st.warning(
            "Open demo mode: no accounts exist, so everyone acts as an admin. Create one "
            "with `python -m kpi users add NAME --role admin` to require sign-in.",
            icon=":material/lock_open:",
        )
    st.title(spec.label)
    return Context(spec, conf, engine, view, user)


def _wall_screen(spec: PageSpec, conf: Settings, engine: sa.Engine, user: User) -> Context:
    """Kiosk mode: filters from the URL, a large title and the auto-refresh stamp."""
    view = kiosk.view(get(Q.DEFAULT_FILTERS), get(Q.PLANTS_AND_LINES))
    left, right = st.columns([5, 1], vertical_alignment="bottom")
    left.title(md(kiosk.title(spec.label, view)))
    with right:
        kiosk.auto_refresh(engine)
    return Context(spec, conf, engine, view, user)


def _filters(spec: PageSpec) -> Filters:
    """The shared filters; the as-of date (today in the plant's zone) is passed explicitly."""
    default = get(Q.DEFAULT_FILTERS, today=clock.today(bootstrap.settings().timezone))
    if not spec.filters:
        return st.session_state.get(filters.STATE, default)
    return filters.sidebar(default, get(Q.PLANTS_AND_LINES))


def _navigation(box, user: User, view: Filters | None) -> None:
    params = filters.to_params(view) if view is not None else {}
    box.markdown(f"### :material/factory: {APP_TITLE}")
    if user != DEMO_USER:
        box.caption(f"Signed in as **{md(user.name)}** ({user.role.value})")
        box.button("Sign out", on_click=session.sign_out, key="_sign_out")
    pages = visible(user.role)
    for section in Section:
        specs = [s for s in pages if s.section is section]
        if not specs:
            continue
        box.caption(section.value)
        for s in specs:
            box.page_link(s.path, label=s.label, icon=s.icon, query_params=params)
    box.divider()


def _freshness_note() -> None:
    newest = get(Q.NEWEST_DATE)
    text = f"Newest shop-floor data: **{newest}**" if newest else "No shop-floor data loaded yet."
    st.sidebar.caption(text)
