"""Signing in with a built-in account: throttling, even timing, audit, session tokens.

Why each rule: failures are counted per (client, name), per client and per name, so a
stranger cannot lock a real user out by guessing from elsewhere, and one client cannot
spray names; an unknown name costs one argon2 check like a known one, so timing does not
reveal which names exist; failure records are capped, so anonymous attempts cannot grow
the database; and a browser keeps its sign-in across refreshes through an opaque random
token of which the server stores only the SHA-256, with absolute and idle expiry.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets

import sqlalchemy as sa
from argon2.exceptions import InvalidHashError, VerificationError

from kpi import store
from kpi.auth import PASSWORD_HASHER, AuthError, Role, User
from kpi.tables import login_failures, sign_in_tokens, users

WINDOW = dt.timedelta(minutes=15)
MAX_PER_CLIENT_AND_NAME = 5
MAX_PER_CLIENT = 20
MAX_PER_NAME = 100  # from all clients together: slows a distributed guesser
MAX_FAILURE_ROWS = 10_000
TOKEN_BYTES = 32  # 256 bits
TOKEN_LIFETIME = dt.timedelta(days=14)
TOKEN_IDLE = dt.timedelta(days=3)
TOUCH_EVERY = dt.timedelta(minutes=10)
_NAME_CHARS = 200


@functools.cache
def _stand_in_hash() -> str:
    """A hash no password matches, checked for unknown names so they take as long."""
    return PASSWORD_HASHER.hash(secrets.token_hex(32))


def authenticate(engine: sa.Engine, name: str, password: str, client: str = "local") -> User:
    """The user for a correct password; AuthError otherwise (also while throttled)."""
    name, now = name.strip()[:_NAME_CHARS], store.now()
    with engine.begin() as conn:
        _refuse_when_throttled(conn, name, client, now)
        row = conn.execute(sa.select(users).where(users.c.name == name)).first()
        stored = row.password_hash if row is not None and row.password_hash else None
        if _verify(stored or _stand_in_hash(), password) and stored:
            conn.execute(
                login_failures.delete().where(
                    login_failures.c.name == name, login_failures.c.client == client
                )
            )
            store.record_audit(conn, row.name, "signed in", row.name, f"from {client}")
            return User(row.name, Role(row.role), row.email)
        conn.execute(login_failures.insert().values(name=name, failed_at=now, client=client))
        _cap_failures(conn)
        store.record_audit(conn, name or "(blank)", "sign-in refused", name, f"from {client}")
    raise AuthError("Unknown name or wrong password.")


def _refuse_when_throttled(conn: sa.Connection, name: str, client: str, now: dt.datetime) -> None:
    def counted(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

    same_name, same_client = login_failures.c.name == name, login_failures.c.client == client
    pair, per_client, per_name = conn.execute(
        sa.select(
            counted(sa.and_(same_name, same_client)), counted(same_client), counted(same_name)
        ).where(login_failures.c.failed_at > now - WINDOW)
    ).one()
    if pair >= MAX_PER_CLIENT_AND_NAME or per_client >= MAX_PER_CLIENT:
        raise AuthError("Too many failed sign-ins from this browser; try again in 15 minutes.")
    if per_name >= MAX_PER_NAME:
        raise AuthError("Too many failed sign-ins for this name; try again in 15 minutes.")


def _cap_failures(conn: sa.Connection) -> None:
    """Keep only the newest MAX_FAILURE_ROWS failure records (older ones count no more)."""
    cutoff = (
        sa.select(login_failures.c.failed_at)
        .order_by(login_failures.c.failed_at.desc())
        .offset(MAX_FAILURE_ROWS)
        .limit(1)
        .scalar_subquery()
    )
    conn.execute(login_failures.delete().where(login_failures.c.failed_at <= cutoff))


def _verify(hashed: str, password: str) -> bool:
    try:
        return PASSWORD_HASHER.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def issue_token(engine: sa.Engine, name: str) -> str:
    """A new random token for ``name``'s browser; only its hash is stored."""
    token, now = secrets.token_urlsafe(TOKEN_BYTES), store.now()
    with engine.begin() as conn:
        conn.execute(
            sign_in_tokens.delete().where(
                (sign_in_tokens.c.created_at < now - TOKEN_LIFETIME)
                | (sign_in_tokens.c.last_used_at < now - TOKEN_IDLE)
            )
        )
        conn.execute(
            sign_in_tokens.insert().values(
                token_hash=_digest(token), user_name=name, created_at=now, last_used_at=now
            )
        )
    return token


def user_for_token(engine: sa.Engine, token: str) -> User | None:
    """The account behind a live token, with its role as stored now; None otherwise."""
    if not token or len(token) > 100:
        return None
    now, digest = store.now(), _digest(token)
    query = (
        sa.select(sign_in_tokens, users.c.role, users.c.email)
        .join(users, users.c.name == sign_in_tokens.c.user_name)
        .where(sign_in_tokens.c.token_hash == digest)
    )
    with engine.connect() as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    if row.created_at < now - TOKEN_LIFETIME or row.last_used_at < now - TOKEN_IDLE:
        revoke_token(engine, token)
        return None
    if row.last_used_at < now - TOUCH_EVERY:
        with engine.begin() as conn:
            touch = sign_in_tokens.update().where(sign_in_tokens.c.token_hash == digest)
            conn.execute(touch.values(last_used_at=now))
    return User(row.user_name, Role(row.role), row.email)


def revoke_token(engine: sa.Engine, token: str) -> None:
    with engine.begin() as conn:
        conn.execute(sign_in_tokens.delete().where(sign_in_tokens.c.token_hash == _digest(token)))


def sign_out(engine: sa.Engine, name: str, token: str | None) -> None:
    """End a browser's sign-in: its token is revoked and the sign-out audited."""
    with engine.begin() as conn:
        if token:
            digest = _digest(token)
            conn.execute(sign_in_tokens.delete().where(sign_in_tokens.c.token_hash == digest))
        store.record_audit(conn, name, "signed out", name)
