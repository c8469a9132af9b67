"""Roles, accounts and login checks (ISO 9001 §7.5: who may change quality records).

Roles nest: a viewer sees every dashboard and export, QA may also load and undo data
and edit corrective actions and characteristic specs, an admin may also change targets,
users and settings.
Passwords are hashed with argon2id; signing in is in ``kpi.sign_in``. With no
account at all the app runs in open demo mode, so a fresh install just works.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa
from argon2 import PasswordHasher

from kpi import store
from kpi.tables import sign_in_tokens, users

PASSWORD_HASHER = PasswordHasher()


class Role(StrEnum):
    VIEWER = "viewer"
    QA = "qa"
    ADMIN = "admin"


class Action(StrEnum):
    """Everything a page or command may be asked to do, checked on the server side."""

    VIEW = "view"
    UPLOAD = "upload"
    UNDO = "undo"
    EDIT_ACTIONS = "edit_actions"
    RECORD_REVIEWS = "record_reviews"  # save management reviews, update their decisions
    EXPORT_EVIDENCE = "export_evidence"  # evidence bundles for auditors (files, logs)
    RECORD_AUDITS = "record_audits"  # internal audits and their findings (ISO 9001 §9.2)
    EDIT_TARGETS = "edit_targets"
    EDIT_SPECS = "edit_specs"  # characteristic specs: units and limits of measurements
    MANAGE_USERS = "manage_users"
    MANAGE_SETTINGS = "manage_settings"


PERMISSIONS: dict[Role, frozenset[Action]] = {
    Role.VIEWER: frozenset({Action.VIEW}),
    Role.QA: frozenset(
        {
            Action.VIEW,
            Action.UPLOAD,
            Action.UNDO,
            Action.EDIT_ACTIONS,
            Action.RECORD_REVIEWS,
            Action.EDIT_SPECS,
            Action.EXPORT_EVIDENCE,
            Action.RECORD_AUDITS,
        }
    ),
    Role.ADMIN: frozenset(Action),
}


class AuthError(Exception):
    """A refused login or account change, with a message fit for the user."""


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    email: str | None = None

    def may(self, action: Action) -> bool:
        return action in PERMISSIONS[self.role]


DEMO_USER = User(name="demo", role=Role.ADMIN)


def may(user: User | None, action: Action) -> bool:
    return user is not None and user.may(action)


def users_configured(engine: sa.Engine) -> bool:
    """False means open demo mode: no account exists, everyone acts as the demo admin."""
    with engine.connect() as conn:
        return bool(conn.execute(sa.select(sa.func.count()).select_from(users)).scalar())


def add_user(
    engine: sa.Engine,
    name: str,
    role: Role,
    by: str,
    password: str | None = None,
    email: str | None = None,
) -> None:
    """Create or replace an account; at least a password or an e-mail (for OIDC)."""
    name = name.strip()
    if not name or (not password and not email):
        raise AuthError("A user needs a name and a password or an e-mail address.")
    if password is not None and len(password) < 8:
        raise AuthError("Passwords must have at least 8 characters.")
    hashed = PASSWORD_HASHER.hash(password) if password else None
    with engine.begin() as conn:
        if Role(role) is not Role.ADMIN:
            _refuse_losing_the_last_admin(conn, name)
        conn.execute(users.delete().where(users.c.name == name))
        conn.execute(sign_in_tokens.delete().where(sign_in_tokens.c.user_name == name))
        conn.execute(
            users.insert().values(
                name=name,
                role=Role(role).value,
                email=email,
                password_hash=hashed,
                updated_at=store.now(),
            )
        )
        store.record_audit(conn, by, "user saved", name, f"role {Role(role).value}")


def remove_user(engine: sa.Engine, name: str, by: str) -> None:
    with engine.begin() as conn:
        _refuse_losing_the_last_admin(conn, name)
        gone = conn.execute(users.delete().where(users.c.name == name)).rowcount
        if not gone:
            raise AuthError(f"There is no user '{name}'.")
        conn.execute(sign_in_tokens.delete().where(sign_in_tokens.c.user_name == name))
        store.record_audit(conn, by, "user removed", name)


def _refuse_losing_the_last_admin(conn: sa.Connection, name: str) -> None:
    """Refuse removing or demoting ``name`` when it is the only admin.

    Why: without an admin nobody can manage users, and deleting every account would
    reopen the app to everyone in open demo mode.
    """
    admins = (
        conn.execute(sa.select(users.c.name).where(users.c.role == Role.ADMIN.value))
        .scalars()
        .all()
    )
    if admins == [name]:
        raise AuthError(f"'{name}' is the last admin; make another account an admin first.")


def current(engine: sa.Engine, name: str) -> User | None:
    """The account as stored now (None once deleted): roles are never taken from a session."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(users).where(users.c.name == name)).first()
    return User(row.name, Role(row.role), row.email) if row else None


def list_users(engine: sa.Engine) -> list[User]:
    with engine.connect() as conn:
        rows = conn.execute(sa.select(users).order_by(users.c.name)).all()
    return [User(r.name, Role(r.role), r.email) for r in rows]


def user_for_email(engine: sa.Engine, email: str) -> User | None:
    """OIDC login: map a verified e-mail address to its account and role."""
    with engine.connect() as conn:
        row = conn.execute(
            sa.select(users).where(sa.func.lower(users.c.email) == email.strip().lower())
        ).first()
    return User(row.name, Role(row.role), row.email) if row else None
