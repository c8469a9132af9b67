"""Wall-screen mode and display tokens (issue 16 item 1) through AppTest and the CLI.

The browser side (auto-refresh without a reload, new data after a CLI load, 1920x1080)
is in tests/test_browser_kiosk.py.
"""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from kpi import auth, display_tokens, store, tables
from kpi.settings import load_settings
from tests.conftest import ROOT, run_cli

APP = str(ROOT / "app.py")
PASSWORD = "a long password"


def _kiosk(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"kiosk": "1", **params})
    return at.run()


def _with_admin(url: str) -> None:
    engine = store.create_engine(load_settings(url))
    auth.add_user(engine, "root", auth.Role.ADMIN, "test", PASSWORD)
    engine.dispose()


def _rows(url: str, query: sa.Select) -> list[tuple]:
    engine = store.create_engine(load_settings(url))
    with engine.connect() as conn:
        rows = [tuple(r) for r in conn.execute(query)]
    engine.dispose()
    return rows


def _audit(url: str) -> list[tuple[str, str, str]]:
    log = tables.audit_log
    return _rows(
        url, sa.select(log.c.user_name, log.c.action, log.c.subject).order_by(log.c.event_id)
    )


def test_kiosk_has_no_sidebar_a_scoped_title_and_a_stamp(demo_db: str) -> None:
    at = _kiosk(plant="Plant 2", line="L5", refresh="5")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Overview · Plant 2 · L5"
    assert not at.sidebar.children  # no filters, no navigation
    assert any(m.value.startswith("Updated ") for m in at.markdown)
    assert len(at.metric) >= 4  # the tiles


def test_kiosk_ignores_an_unknown_line_and_bad_refresh(demo_db: str) -> None:
    at = _kiosk(line="<b>nope</b>", refresh="soon")
    assert not at.exception
    assert at.title[0].value == "Overview"


def test_display_token_cli_create_list_revoke_is_audited_and_hashed(db_url: str) -> None:
    made = run_cli("users", "display-token", "create", "Lobby", "--db", db_url, "--user", "ann")
    assert made.returncode == 0, made.stderr
    token = next(w for w in made.stdout.split() if w.startswith(display_tokens.PREFIX))
    again = run_cli("users", "display-token", "create", "Lobby", "--db", db_url)
    assert again.returncode == 2 and "revoke it first" in again.stderr
    listed = run_cli("users", "display-token", "list", "--db", db_url)
    assert "Lobby\tlive" in listed.stdout and token not in listed.stdout
    stored = _rows(db_url, sa.select(tables.display_tokens.c.token_hash))
    assert stored == [(hashlib.sha256(token.encode()).hexdigest(),)]
    gone = run_cli("users", "display-token", "revoke", "Lobby", "--db", db_url, "--user", "ann")
    assert gone.returncode == 0, gone.stderr
    assert run_cli("users", "display-token", "revoke", "Lobby", "--db", db_url).returncode == 2
    assert "Lobby\trevoked" in run_cli("users", "display-token", "list", "--db", db_url).stdout
    actions = [(u, a, s) for u, a, s in _audit(db_url) if "display" in a]
    assert actions == [
        ("ann", "display token created", "Lobby"),
        ("ann", "display token revoked", "Lobby"),
    ]


def test_a_display_token_opens_a_read_only_screen_until_revoked(demo_db: str) -> None:
    _with_admin(demo_db)
    made = run_cli("users", "display-token", "create", "Hall 2", "--db", demo_db)
    token = next(w for w in made.stdout.split() if w.startswith(display_tokens.PREFIX))
    at = _kiosk(token=token, plant="Plant 1")
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Overview · Plant 1"
    assert "token" not in at.query_params  # taken out of the URL
    assert ("display:Hall 2", "display opened", "Hall 2") in _audit(demo_db)
    at.switch_page("pages/users.py").run()  # viewer rights only
    assert any("do not have access" in e.value for e in at.error)
    at.switch_page("pages/overview.py").run()
    assert at.title[0].value.startswith("Overview")
    engine = store.create_engine(load_settings(demo_db))
    display_tokens.revoke(engine, "Hall 2", "root")
    engine.dispose()
    at.run()  # the next refresh of the screen
    assert [t.value for t in at.title] == ["Sign in"]


@pytest.mark.parametrize("token", ["kd_forged", "not-a-display-token"])
def test_a_wrong_token_gets_the_sign_in_form(demo_db: str, token: str) -> None:
    _with_admin(demo_db)
    at = _kiosk(token=token)
    assert not at.exception
    assert [t.value for t in at.title] == ["Sign in"]
    assert any("unknown or was revoked" in w.value for w in at.warning)


def test_an_admin_creates_and_revokes_a_display_token_on_the_users_page(demo_db: str) -> None:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/users.py").run()
    at.text_input(key="display_name").input("Canteen")
    at.button(key="display_create").click().run()
    assert not at.exception, [e.value for e in at.exception]
    shown = at.code[0].value
    token = shown.split("token=")[1]
    assert shown.startswith("?kiosk=1&token=kd_")
    assert display_tokens.user_for(store.create_engine(load_settings(demo_db)), token)
    assert at.selectbox(key="display_revoke_pick").options == ["Canteen"]
    at.button(key="display_revoke").click().run()
    assert not at.exception
    assert "display_revoke" not in [b.key for b in at.button]
    assert ("demo", "display token revoked", "Canteen") in _audit(demo_db)
