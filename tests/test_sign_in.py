"""Sign-in rules (issue 14, item 14) and the audit log's hash chain (item 13)."""

from __future__ import annotations

import statistics
import time

import pytest
import sqlalchemy as sa

from kpi import auth, sign_in, store
from kpi.auth import AuthError, Role
from kpi.tables import audit_log, login_failures, sign_in_tokens
from tests.conftest import run_cli

PASSWORD = "correct horse"


@pytest.fixture
def ann(engine) -> sa.Engine:  # noqa: ANN001
    auth.add_user(engine, "ann", Role.ADMIN, by="cli", password=PASSWORD)
    return engine


def _fail(engine, name: str, client: str, times: int) -> None:  # noqa: ANN001
    for _ in range(times):
        with pytest.raises(AuthError):
            sign_in.authenticate(engine, name, "guess", client)


def test_a_stranger_cannot_lock_a_real_user_out(ann) -> None:  # noqa: ANN001
    _fail(ann, "ann", "203.0.113.9", sign_in.MAX_PER_CLIENT_AND_NAME)
    with pytest.raises(AuthError, match="Too many failed sign-ins from this browser"):
        sign_in.authenticate(ann, "ann", PASSWORD, "203.0.113.9")
    assert sign_in.authenticate(ann, "ann", PASSWORD, "198.51.100.4").name == "ann"


def test_one_client_cannot_spray_many_names(ann) -> None:  # noqa: ANN001
    for i in range(sign_in.MAX_PER_CLIENT):
        _fail(ann, f"name{i}", "203.0.113.9", 1)
    with pytest.raises(AuthError, match="Too many failed sign-ins from this browser"):
        sign_in.authenticate(ann, "ann", PASSWORD, "203.0.113.9")


def test_unknown_names_take_as_long_as_known_ones(ann) -> None:  # noqa: ANN001
    def seconds(name: str, client: str) -> float:
        start = time.perf_counter()
        with pytest.raises(AuthError):
            sign_in.authenticate(ann, name, "wrong password", client)
        return time.perf_counter() - start

    known = statistics.median(seconds("ann", f"10.0.0.{i}") for i in range(3))
    unknown = statistics.median(seconds(f"ghost{i}", f"10.0.1.{i}") for i in range(3))
    assert unknown > 0.5 * known, (known, unknown)


def test_failure_records_are_capped(ann) -> None:  # noqa: ANN001
    old = store.now().replace(year=2020)
    rows = [{"name": f"n{i}", "failed_at": old, "client": "x"} for i in range(10_050)]
    with ann.begin() as conn:
        conn.execute(login_failures.insert(), rows)
    _fail(ann, "nobody", "203.0.113.9", 1)
    with ann.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(login_failures)).scalar()
    assert count <= sign_in.MAX_FAILURE_ROWS


def test_tokens_are_random_stored_hashed_and_revoked(ann) -> None:  # noqa: ANN001
    token = sign_in.issue_token(ann, "ann")
    assert len(token) >= 43 and token != sign_in.issue_token(ann, "ann")  # 256 bits
    with ann.connect() as conn:
        stored = conn.execute(sa.select(sign_in_tokens.c.token_hash)).scalars().all()
    assert token not in stored and len(stored) == 2
    assert sign_in.user_for_token(ann, token) == auth.User("ann", Role.ADMIN)
    auth.add_user(ann, "ann", Role.ADMIN, by="ann", password="a new password")
    assert sign_in.user_for_token(ann, token) is None, "a password change revokes it"
    token = sign_in.issue_token(ann, "ann")
    auth.add_user(ann, "bob", Role.ADMIN, by="ann", password=PASSWORD)
    auth.remove_user(ann, "ann", by="bob")
    assert sign_in.user_for_token(ann, token) is None, "deleting the user revokes it"


def test_tokens_expire_when_idle_or_old(ann) -> None:  # noqa: ANN001
    idle, old = sign_in.issue_token(ann, "ann"), sign_in.issue_token(ann, "ann")
    now = store.now()
    with ann.begin() as conn:
        table = sign_in_tokens
        conn.execute(table.update().where(table.c.token_hash == sign_in._digest(idle)).values(
            last_used_at=now - sign_in.TOKEN_IDLE - sign_in.TOUCH_EVERY))  # fmt: skip
        conn.execute(table.update().where(table.c.token_hash == sign_in._digest(old)).values(
            created_at=now - sign_in.TOKEN_LIFETIME - sign_in.TOUCH_EVERY))  # fmt: skip
    assert sign_in.user_for_token(ann, idle) is None
    assert sign_in.user_for_token(ann, old) is None


def test_sign_ins_and_sign_outs_are_audited(ann) -> None:  # noqa: ANN001
    _fail(ann, "ann", "203.0.113.9", 1)
    sign_in.authenticate(ann, "ann", PASSWORD, "198.51.100.4")
    sign_in.sign_out(ann, "ann", None)
    actions = store.list_audit(ann)["action"].tolist()[:3]
    assert actions == ["signed out", "signed in", "sign-in refused"]


def test_audit_verify_names_the_first_broken_link(ann, db_url: str) -> None:  # noqa: ANN001
    for name in ("bob", "cy", "dee"):
        auth.add_user(ann, name, Role.QA, by="ann", password=PASSWORD)
    ann.dispose()
    done = run_cli("audit", "verify", "--db", db_url)
    assert done.returncode == 0 and "intact: 4 chained entries" in done.stdout, done
    with ann.begin() as conn:
        conn.execute(audit_log.update().where(audit_log.c.event_id == 3).values(detail="qa"))
    ann.dispose()
    done = run_cli("audit", "verify", "--db", db_url)
    assert done.returncode == 1 and "broken at entry 3" in done.stderr, done
    assert "changed" in done.stderr


def test_audit_verify_sees_a_deleted_entry(ann, db_url: str) -> None:  # noqa: ANN001
    for name in ("bob", "cy"):
        auth.add_user(ann, name, Role.QA, by="ann", password=PASSWORD)
    with ann.begin() as conn:
        conn.execute(audit_log.delete().where(audit_log.c.event_id == 2))
    ann.dispose()
    done = run_cli("audit", "verify", "--db", db_url)
    assert done.returncode == 1 and "broken at entry 3" in done.stderr, done
