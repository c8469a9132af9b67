"""Throwaway PostgreSQL databases for tests: one per test, copied from seeded templates.

The server comes from ``KPI_TEST_PG_URL`` (default: the local server with trust auth);
``.ci/run`` starts one when none is reachable. Without a server, PostgreSQL variants
skip with the reason.
"""

from __future__ import annotations

import contextlib
import functools
import os
import uuid
from collections.abc import Iterator

import sqlalchemy as sa

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


def server_url() -> str:
    return os.environ.get("KPI_TEST_PG_URL", DEFAULT_URL)


@functools.cache
def unreachable_reason() -> str | None:
    """Why PostgreSQL tests cannot run here, or None when the server answers."""
    try:
        engine = sa.create_engine(server_url(), connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any failure means: skip with the reason
        name = type(exc).__name__
        return f"PostgreSQL not reachable at {server_url()} ({name}); set KPI_TEST_PG_URL"
    return None


def _admin() -> sa.Engine:
    return sa.create_engine(server_url(), isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def url_of(database: str) -> str:
    return str(
        sa.make_url(server_url()).set(database=database).render_as_string(hide_password=False)
    )


def create_database(template: str | None = None) -> str:
    """A new empty database (or a copy of ``template``); returns its name."""
    name = f"kpi_t_{uuid.uuid4().hex[:12]}"
    clause = f' TEMPLATE "{template}"' if template else ""
    engine = _admin()
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"{clause}'))
    engine.dispose()
    return name


def drop_database(name: str) -> None:
    engine = _admin()
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@contextlib.contextmanager
def database(template: str | None = None) -> Iterator[str]:
    """The URL of a fresh database for one test, dropped afterwards."""
    name = create_database(template)
    try:
        yield url_of(name)
    finally:
        drop_database(name)
