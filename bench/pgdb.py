"""PostgreSQL databases for bench runs: created when missing, dropped when asked.

The server's maintenance database is used for CREATE and DROP DATABASE (they cannot run
inside a transaction, hence AUTOCOMMIT and no pool).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import sqlalchemy as sa

DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def is_postgresql(url: str) -> bool:
    return url.startswith("postgresql")


def _admin(url: str) -> sa.Engine:
    server = sa.make_url(url).set(database="postgres")
    return sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def ensure_database(url: str) -> bool:
    """Create the database ``url`` names unless it exists; True when it was created."""
    name = sa.make_url(url).database
    engine = _admin(url)
    try:
        with engine.connect() as conn:
            found = conn.execute(
                sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}
            ).first()
            if found is None:
                conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return found is None


def drop_database(url: str) -> None:
    engine = _admin(url)
    try:
        with engine.connect() as conn:
            name = sa.make_url(url).database
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        engine.dispose()


def url_of(server: str, database: str) -> str:
    return sa.make_url(server).set(database=database).render_as_string(hide_password=False)


@contextlib.contextmanager
def scratch_database(server: str, label: str) -> Iterator[str]:
    """A fresh, empty database on ``server`` for one run, dropped afterwards."""
    url = url_of(server, f"bench_{label}_{os.getpid()}")
    drop_database(url)
    ensure_database(url)
    try:
        yield url
    finally:
        drop_database(url)
