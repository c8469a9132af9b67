"""Schema migrations: Alembic driven from code, its scripts shipped in ``kpi/migrations``.

No alembic.ini and no env.py: ``upgrade`` builds Alembic's MigrationContext on our own
connection, so the CLI, the app and the tests all upgrade the same way.

Opening the store calls ``ensure_current``. At the current revision that is one cheap
query and Alembic is not even imported (every CLI command opens the store). Otherwise
it upgrades in place, unless ``KPI_AUTO_UPGRADE=0``, and it refuses a database that a
newer release has already upgraded (``SchemaError``): this code cannot know its schema.

A database made before migrations existed (our tables, no ``alembic_version``) is adopted
at the baseline revision 0001, which creates only the tables it lacks, exactly as those
releases did whenever they opened a database; later revisions then run as usual.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

if TYPE_CHECKING:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

SCRIPTS = Path(__file__).resolve().parent / "migrations"
AUTO_UPGRADE_ENV = "KPI_AUTO_UPGRADE"
VERSION_TABLE = "alembic_version"
BASELINE = "0001"
# a table every release ever made: its presence marks a database from before migrations
_LEGACY_MARKER = "batches"
# any constant fits: transactions taking it queue, so two replicas never upgrade at once
_PG_UPGRADE_LOCK = 7_150_015

log = logging.getLogger(__name__)


class SchemaError(Exception):
    """The database's schema does not match this code and will not be changed here."""


@dataclass(frozen=True)
class SchemaState:
    """Where a database stands: its revision (None when unversioned) and what it holds."""

    revision: str | None
    has_tables: bool

    def describe(self) -> str:
        """Fits "the database is ...": at revision N, empty, or from before migrations."""
        if self.revision is not None:
            return f"at revision {self.revision}"
        if self.has_tables:
            return f"from a release before schema migrations (adopted as revision {BASELINE})"
        return "empty"


def revisions(scripts: Path = SCRIPTS) -> list[str]:
    """Revision ids in order: the ``NNNN`` prefixes of the files in ``versions/``.

    Why not ask Alembic: this runs on every open, and a directory listing is free.
    tests/test_migrations.py checks that Alembic sees the same linear history.
    """
    names = (p.name for p in (scripts / "versions").glob("[0-9]*_*.py"))
    return sorted(name.split("_", 1)[0] for name in names)


def head_revision(scripts: Path = SCRIPTS) -> str:
    return revisions(scripts)[-1]


def read_state(conn: sa.Connection) -> SchemaState:
    """Read the version row, in this database's current schema only (PostgreSQL too)."""
    tables_sql = sa.text(
        "SELECT table_name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_catalog = current_database()"
    )
    tables = set(conn.execute(tables_sql).scalars())
    if VERSION_TABLE not in tables:
        return SchemaState(None, _LEGACY_MARKER in tables)
    version_sql = sa.text(f"SELECT version_num FROM {VERSION_TABLE}")
    found = list(conn.execute(version_sql).scalars())
    return SchemaState(found[0] if found else None, True)


def _refuse_if_ahead(state: SchemaState, scripts: Path = SCRIPTS) -> None:
    if state.revision is not None and state.revision not in revisions(scripts):
        raise SchemaError(
            f"this database is at schema revision {state.revision}, made by a newer release "
            f"of this software; this version needs revision {head_revision(scripts)}. Install the "
            "newer release (or restore a backup made with this one); nothing was changed."
        )


def ensure_current(engine: sa.Engine) -> None:
    """Bring the database to the head revision when it is behind (see the module doc)."""
    with engine.connect() as conn:
        state = read_state(conn)
    if state.revision == head_revision():
        return
    _refuse_if_ahead(state)
    if os.environ.get(AUTO_UPGRADE_ENV, "1").strip().lower() in ("0", "false", "no"):
        raise SchemaError(
            f"the database is {state.describe()}; this version needs revision "
            f"{head_revision()}. Run `python -m kpi db upgrade` ({AUTO_UPGRADE_ENV}=0 turns "
            "off the automatic upgrade); nothing was changed."
        )
    before, after = upgrade(engine)
    if before.has_tables:  # creating a new database's tables is not news
        log.warning("upgraded the database to revision %s (it was %s)", after, before.describe())


def upgrade(
    engine: sa.Engine, target: str = "head", scripts: Path = SCRIPTS
) -> tuple[SchemaState, str]:
    """Run every revision up to ``target`` in one transaction: all of them or none.

    Returns the state before and the revision after. PostgreSQL: an advisory lock makes
    a second replica starting at the same moment wait, then find nothing left to do.
    """
    from alembic.operations import Operations

    script = _script(scripts)
    with engine.connect() as conn, _no_version_bump(conn), conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_UPGRADE_LOCK})
        before = read_state(conn)
        _refuse_if_ahead(before, scripts)

        def steps(rev: Any, _context: Any) -> Any:
            return script._upgrade_revs(target, rev)  # what `alembic upgrade` calls

        ctx = _context(conn, script, steps)
        with Operations.context(ctx):
            ctx.run_migrations()
        return before, read_state(conn).revision or ""


def differences(engine: sa.Engine, metadata: sa.MetaData | None = None) -> list[Any]:
    """What Alembic's autogenerate finds between kpi.tables (or ``metadata``) and this
    database's schema; empty when they match."""
    from alembic.autogenerate import compare_metadata

    from kpi import tables

    with engine.connect() as conn:
        return compare_metadata(_context(conn, _script()), metadata or tables.metadata)


def suggested_ops(engine: sa.Engine) -> str:
    """The Alembic operations (Python) that would bring this database to kpi.tables."""
    from alembic.autogenerate import produce_migrations, render_python_code

    from kpi.tables import metadata

    with engine.connect() as conn:
        ops = produce_migrations(_context(conn, _script()), metadata).upgrade_ops
    return "" if ops.is_empty() else render_python_code(ops)


def _script(scripts: Path = SCRIPTS) -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(scripts))


def _context(conn: sa.Connection, script: ScriptDirectory, fn: Any = None) -> MigrationContext:
    from alembic.runtime.migration import MigrationContext

    from kpi.migrations.duckdb_support import use_duckdb_inspector

    use_duckdb_inspector(conn)
    opts = {"script": script, "fn": fn, "version_table": VERSION_TABLE}
    return MigrationContext.configure(conn, opts=opts)


@contextlib.contextmanager
def _no_version_bump(conn: sa.Connection) -> Iterator[None]:
    """Revisions before the data version exists cannot bump it; a schema change is
    followed by a restart of the processes that cache anyway."""
    conn.info["migrating"] = True
    try:
        yield
    finally:
        conn.info.pop("migrating", None)
