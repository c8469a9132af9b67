"""Roles cannot be bypassed: sign-in, page access, navigation per role, open demo mode."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from kpi import auth, store
from kpi.auth import Role
from kpi.settings import load_settings
from tests.test_pages_apptest import APP
from ui.registry import PAGES, PageId
from ui.session import USER_KEY

PASSWORD = "a long password"


def _add(url: str, name: str, role: Role) -> None:
    engine = store.create_engine(load_settings(url))
    auth.add_user(engine, name, role, by="test", password=PASSWORD)
    engine.dispose()


def _as(user: auth.User | None, page: PageId) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    if user is not None:
        at.session_state[USER_KEY] = user
    at.run()
    if page is not PageId.OVERVIEW:
        at.switch_page(f"pages/{page.value}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_open_demo_mode_shows_a_banner_and_every_page(empty_db: str) -> None:
    at = _as(None, PageId.OVERVIEW)
    assert any("Open demo mode" in w.value for w in at.warning)
    assert len(at.sidebar.get("page_link")) == len(PAGES)


def test_sign_in_through_the_form(empty_db: str) -> None:
    _add(empty_db, "ann", Role.VIEWER)
    at = _as(None, PageId.OVERVIEW)
    assert at.title[0].value == "Sign in"
    assert not at.sidebar.get("page_link"), "nothing is shown before sign-in"
    at.text_input[0].input("ann")
    at.text_input[1].input("wrong password")
    at.button[0].click().run()
    assert "wrong password" in at.error[0].value
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert at.title[0].value == "Overview"
    assert not at.warning or not any("Open demo mode" in w.value for w in at.warning)


@pytest.mark.parametrize(
    ("role", "page", "allowed"),
    [
        (Role.VIEWER, PageId.UPLOAD, False),
        (Role.VIEWER, PageId.TARGETS, False),
        (Role.VIEWER, PageId.USERS, False),
        (Role.VIEWER, PageId.AUDIT, False),
        (Role.VIEWER, PageId.REVIEW, True),
        (Role.VIEWER, PageId.REGISTER, True),
        (Role.VIEWER, PageId.INTERNAL_AUDITS, True),
        (Role.QA, PageId.UPLOAD, True),
        (Role.QA, PageId.AUDIT, True),
        (Role.QA, PageId.TARGETS, False),
        (Role.QA, PageId.USERS, False),
        (Role.ADMIN, PageId.TARGETS, True),
        (Role.ADMIN, PageId.USERS, True),
    ],
)
def test_deep_links_respect_roles(
    demo_db: str,
    role: Role,
    page: PageId,
    allowed: bool,
) -> None:
    _add(demo_db, "someone", role)
    at = _as(auth.User("someone", role), page)
    denied = any("do not have access" in e.value for e in at.error)
    assert denied is not allowed
    if not allowed:  # the run stopped before the page drew anything of its own
        label = next(s.label for s in PAGES if s.page is page)
        assert [t.value for t in at.title] == []
        assert not at.get("file_uploader") and not at.get("data_editor") and not at.text_input
        assert label not in {link.label for link in at.sidebar.get("page_link")}


def test_navigation_lists_only_what_the_role_may_open(demo_db: str) -> None:
    _add(demo_db, "vera", Role.VIEWER)
    at = _as(auth.User("vera", Role.VIEWER), PageId.OVERVIEW)
    labels = {link.label for link in at.sidebar.get("page_link")}
    assert "Overview" in labels
    assert not labels & {"Upload", "Targets", "Users", "Audit log"}


def test_admin_adds_a_user_on_the_users_page_and_it_is_audited(demo_db: str) -> None:
    _add(demo_db, "root", Role.ADMIN)
    at = _as(auth.User("root", Role.ADMIN), PageId.USERS)
    inputs = at.text_input
    inputs[0].input("newqa")
    inputs[2].input(PASSWORD)
    at.selectbox[0].select("qa")
    at.button[0].click().run()
    assert not at.exception
    engine = store.create_engine(load_settings(demo_db))
    assert ("newqa", Role.QA) in [(u.name, u.role) for u in auth.list_users(engine)]
    assert store.list_audit(engine).loc[0, "user_name"] == "root"


@pytest.mark.duckdb_only  # DuckDB's file sandbox; a server reads no client files
def test_the_app_engine_cannot_touch_files_outside_its_folders(empty_db: str) -> None:
    import sqlalchemy as sa

    from ui import bootstrap

    engine = bootstrap.engine_for(empty_db)
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="Permission"):
        conn.exec_driver_sql("SELECT * FROM read_csv('/etc/hostname')").fetchall()
    with engine.connect() as conn, pytest.raises(sa.exc.DBAPIError, match="Permission"):
        conn.exec_driver_sql("COPY (SELECT 1) TO '/root/leak.csv'")


def test_a_demoted_user_loses_the_page_at_the_next_action(demo_db: str) -> None:
    _add(demo_db, "admin", Role.ADMIN)
    _add(demo_db, "quinn", Role.QA)
    at = _as(auth.User("quinn", Role.QA), PageId.UPLOAD)
    assert at.title[-1].value == "Upload"
    engine = store.create_engine(load_settings(demo_db))
    auth.add_user(engine, "quinn", Role.VIEWER, by="admin", password=PASSWORD)
    engine.dispose()
    at.run()
    assert any("do not have access" in e.value for e in at.error)


def test_a_deleted_user_is_signed_out_at_the_next_action(demo_db: str) -> None:
    _add(demo_db, "admin", Role.ADMIN)
    _add(demo_db, "quinn", Role.QA)
    at = _as(auth.User("quinn", Role.QA), PageId.UPLOAD)
    engine = store.create_engine(load_settings(demo_db))
    auth.remove_user(engine, "quinn", by="admin")
    engine.dispose()
    at.run()
    assert at.title[0].value == "Sign in"
    assert any("sign-in ended" in w.value for w in at.warning)
    assert USER_KEY not in at.session_state


def test_the_last_admin_can_be_neither_removed_nor_demoted(engine) -> None:  # noqa: ANN001
    auth.add_user(engine, "root", Role.ADMIN, by="cli", password=PASSWORD)
    auth.add_user(engine, "quinn", Role.QA, by="root", password=PASSWORD)
    with pytest.raises(auth.AuthError, match="last admin"):
        auth.remove_user(engine, "root", by="root")
    with pytest.raises(auth.AuthError, match="last admin"):
        auth.add_user(engine, "root", Role.VIEWER, by="root", password=PASSWORD)
    assert auth.current(engine, "root") == auth.User("root", Role.ADMIN)
    auth.add_user(engine, "ann", Role.ADMIN, by="root", password=PASSWORD)
    auth.remove_user(engine, "root", by="ann")  # another admin remains: allowed
