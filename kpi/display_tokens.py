"""Read-only display tokens for wall screens: named, revocable, viewer rights only.

A wall screen has nobody to type a password, so an admin creates a token for it by
name and opens ``?kiosk=1&token=…`` once on the screen. Why a separate kind of token:
it belongs to no account (removing a person never blanks a screen), it can never carry
more than viewer rights, and it lives until revoked, where a sign-in token expires when
idle. As for sign-in tokens, only the SHA-256 is stored. Creating, revoking and every
screen that opens with one are written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

import sqlalchemy as sa

from kpi import store
from kpi.auth import AuthError, Role, User
from kpi.tables import display_tokens

PREFIX = "kd_"  # tells a display token from a sign-in token in the same cookie
TOKEN_BYTES = 32
TOUCH_EVERY = dt.timedelta(minutes=10)
USER_PREFIX = "display:"
_MAX_NAME = 60


@dataclass(frozen=True)
class DisplayToken:
    """One display as listed for admins (never the token itself)."""

    name: str
    created_at: dt.datetime
    created_by: str
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


def is_display_token(token: str | None) -> bool:
    return bool(token) and token.startswith(PREFIX)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _clean(name: str) -> str:
    name = name.strip()
    if not name or len(name) > _MAX_NAME or not name.isprintable():
        raise AuthError(f"A display needs a name of 1 to {_MAX_NAME} printable characters.")
    return name


def create(engine: sa.Engine, name: str, by: str) -> str:
    """A new token for display ``name``; shown once, only its hash is stored."""
    name, token = _clean(name), PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    with engine.begin() as conn:
        old = conn.execute(sa.select(display_tokens).where(display_tokens.c.name == name)).first()
        if old is not None and old.revoked_at is None:
            raise AuthError(f"Display '{name}' already has a token; revoke it first.")
        conn.execute(display_tokens.delete().where(display_tokens.c.name == name))
        conn.execute(
            display_tokens.insert().values(
                name=name, token_hash=_digest(token), created_at=store.now(), created_by=by
            )
        )
        store.record_audit(conn, by, "display token created", name, "viewer rights")
    return token


def revoke(engine: sa.Engine, name: str, by: str) -> None:
    """End display ``name``'s token: the screen shows the sign-in form at its next refresh."""
    live = (display_tokens.c.name == name.strip()) & display_tokens.c.revoked_at.is_(None)
    with engine.begin() as conn:
        done = conn.execute(
            display_tokens.update().where(live).values(revoked_at=store.now(), revoked_by=by)
        ).rowcount
        if not done:
            raise AuthError(f"There is no live display token named '{name.strip()}'.")
        store.record_audit(conn, by, "display token revoked", name.strip())


def list_tokens(engine: sa.Engine) -> list[DisplayToken]:
    columns = [display_tokens.c[f] for f in DisplayToken.__dataclass_fields__]
    with engine.connect() as conn:
        rows = conn.execute(sa.select(*columns).order_by(display_tokens.c.name)).all()
    return [DisplayToken(*row) for row in rows]


def user_for(engine: sa.Engine, token: str | None) -> User | None:
    """The display's read-only user for a live token, checked at every run; else None."""
    if not is_display_token(token) or len(token) > 100:
        return None
    digest, now = _digest(token), store.now()
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(display_tokens).where(
                display_tokens.c.token_hash == digest, display_tokens.c.revoked_at.is_(None)
            )
        ).first()
    if row is None:
        return None
    if row.last_used_at is None or row.last_used_at < now - TOUCH_EVERY:
        with engine.begin() as conn:
            touch = display_tokens.update().where(display_tokens.c.token_hash == digest)
            conn.execute(touch.values(last_used_at=now))
    return User(USER_PREFIX + row.name, Role.VIEWER)


def opened(engine: sa.Engine, token: str | None, client: str) -> User | None:
    """``user_for``, and an audit line: a screen opened a session with this token."""
    user = user_for(engine, token)
    with engine.begin() as conn:
        if user is None:
            store.record_audit(conn, "(display)", "display token refused", "", f"from {client}")
        else:
            name = user.name.removeprefix(USER_PREFIX)
            store.record_audit(conn, user.name, "display opened", name, f"from {client}")
    return user
