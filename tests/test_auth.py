"""Accounts, roles, argon2 hashes, lockout after repeated failures, and the users CLI."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kpi import auth, sign_in, store
from kpi.auth import Action, AuthError, Role
from kpi.tables import users
from tests.conftest import run_cli


def test_roles_nest_and_permissions_are_declared() -> None:
    viewer, qa, admin = (
        auth.User("v", Role.VIEWER),
        auth.User("q", Role.QA),
        auth.User("a", Role.ADMIN),
    )
    assert viewer.may(Action.VIEW) and not viewer.may(Action.UPLOAD)
    assert qa.may(Action.UPLOAD) and qa.may(Action.UNDO) and qa.may(Action.EDIT_ACTIONS)
    assert not qa.may(Action.EDIT_TARGETS) and not qa.may(Action.MANAGE_USERS)
    assert all(admin.may(action) for action in Action)
    assert not auth.may(None, Action.VIEW)


def test_open_demo_mode_until_a_user_exists(engine) -> None:
    assert not auth.users_configured(engine)
    auth.add_user(engine, "ann", Role.QA, by="admin", password="correct horse")
    assert auth.users_configured(engine)


def test_passwords_are_hashed_and_checked(engine) -> None:
    auth.add_user(engine, "ann", Role.QA, by="admin", password="correct horse")
    with engine.connect() as conn:
        stored = conn.execute(sa.select(users.c.password_hash)).scalar()
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert sign_in.authenticate(engine, "ann", "correct horse") == auth.User("ann", Role.QA)
    with pytest.raises(AuthError, match="wrong password"):
        sign_in.authenticate(engine, "ann", "wrong horse")
    with pytest.raises(AuthError, match="wrong password"):
        sign_in.authenticate(engine, "nobody", "correct horse")


def test_repeated_failures_lock_the_name(engine) -> None:
    auth.add_user(engine, "ann", Role.QA, by="admin", password="correct horse")
    for _ in range(sign_in.MAX_PER_CLIENT_AND_NAME):
        with pytest.raises(AuthError, match="wrong password"):
            sign_in.authenticate(engine, "ann", "guess")
    with pytest.raises(AuthError, match="Too many failed sign-ins"):
        sign_in.authenticate(engine, "ann", "correct horse")


def test_oidc_email_maps_to_role_and_changes_are_audited(engine) -> None:
    auth.add_user(engine, "bob", Role.ADMIN, by="root", email="Bob@Plant.example")
    assert auth.user_for_email(engine, "bob@plant.example") == auth.User(
        "bob", Role.ADMIN, "Bob@Plant.example"
    )
    assert auth.user_for_email(engine, "eve@plant.example") is None
    auth.add_user(engine, "root", Role.ADMIN, by="root", email="root@plant.example")
    auth.remove_user(engine, "bob", by="root")
    actions = store.list_audit(engine)["action"].tolist()
    assert actions == ["user removed", "user saved", "user saved"]
    with pytest.raises(AuthError, match="no user"):
        auth.remove_user(engine, "bob", by="root")


def test_weak_or_empty_accounts_are_refused(engine) -> None:
    with pytest.raises(AuthError, match="8 characters"):
        auth.add_user(engine, "ann", Role.QA, by="x", password="short")
    with pytest.raises(AuthError, match="password or an e-mail"):
        auth.add_user(engine, "ann", Role.QA, by="x")


def test_users_cli(db_url: str) -> None:
    import subprocess
    import sys

    from tests.conftest import ROOT

    added = subprocess.run(
        [
            sys.executable,
            "-m",
            "kpi",
            "users",
            "add",
            "qa1",
            "--role",
            "qa",
            "--password-stdin",
            "--db",
            db_url,
        ],
        input="a long password\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert added.returncode == 0, added.stderr
    listed = run_cli("users", "list", "--db", db_url)
    assert "qa1\tqa" in listed.stdout
    bad = run_cli("users", "add", "x", "--role", "boss", "--db", db_url)
    assert bad.returncode == 2
    assert run_cli("users", "remove", "qa1", "--db", db_url).returncode == 0
    assert run_cli("users", "remove", "qa1", "--db", db_url).returncode == 2
