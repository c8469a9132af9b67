"""The store: one SQLAlchemy engine per database URL, schema creation, ledger and audit helpers.

On the embedded DuckDB file, processes take turns (``kpi.lease``): each engine's
connections live inside this process's turn, so the app, the CLI and cron share the file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from kpi import dialect, migrate
from kpi.settings import Settings
from kpi.tables import FACT_TABLES, audit_log, batches

if TYPE_CHECKING:  # pandas and pyarrow are imported lazily: the CLI starts faster
    import pandas as pd

# DuckDB has one writer per process; serialise our own write transactions (loads, undos,
# summary rebuilds) so two sessions committing at once queue instead of failing.
WRITE_LOCK = threading.RLock()


class BatchStatus:
    """Ledger states of a batch (plain strings are what is stored)."""

    ACTIVE = "active"
    UNDONE = "undone"


def create_engine(settings: Settings, sandbox: list[Path] | None = None) -> sa.Engine:
    """Open (and create if needed) the database behind ``settings.db_url``, at the schema
    this code needs: upgraded in place if older, ``SchemaError`` if newer (kpi.migrate).

    ``sandbox`` limits DuckDB's file access to those folders (the app passes its upload
    temp folder and the database folder), so no SQL can read or write anything else.
    """
    engine = open_engine(settings, sandbox)
    try:
        init_schema(engine)
    except BaseException:
        engine.dispose()  # DuckDB: release the file, so the caller can report and move on
        raise
    dialect.track_writes(engine)  # the data_version table exists from here on
    from kpi import backup  # here: both import this module
    from kpi.ingest import intake

    intake.clean_leftovers(settings)  # copies of loads killed midway
    backup.clean_staged(settings)  # and of restores killed before their swap
    return engine


def open_engine(settings: Settings, sandbox: list[Path] | None = None) -> sa.Engine:
    """The engine alone, schema untouched: for ``db version`` and ``db upgrade``."""
    db_path = settings.duckdb_path
    if db_path is not None:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(settings.db_url, **dialect.engine_options(settings.db_url, db_path))
    if engine.dialect.name == dialect.Backend.POSTGRESQL:
        sa.event.listen(engine, "connect", lambda conn, _rec: dialect.configure_postgresql(conn))
    if engine.dialect.name == "duckdb":
        sa.event.listen(engine, "connect", lambda conn, _rec: dialect.configure_duckdb(conn))
        if sandbox:
            folders = [str(Path(f).resolve()) + os.sep for f in sandbox]
            sa.event.listen(engine, "connect", lambda conn, _rec: _sandbox(conn, folders))
    return engine


def _sandbox(dbapi_connection: Any, folders: list[str]) -> None:
    """Turn off DuckDB's file access outside ``folders`` (once per database instance)."""
    enabled = dbapi_connection.execute(
        "SELECT current_setting('enable_external_access')"
    ).fetchall()[0][0]
    if enabled:
        dbapi_connection.execute("SET allowed_directories = ?", [folders])
        dbapi_connection.execute("SET enable_external_access = false")


def init_schema(engine: sa.Engine) -> None:
    """Bring the schema to the current revision (one cheap query when it already is).

    Creates every table in an empty database, upgrades an older one unless
    ``KPI_AUTO_UPGRADE=0``, and raises ``kpi.migrate.SchemaError`` otherwise.
    """
    migrate.ensure_current(engine)


@contextlib.contextmanager
def any_row_order(conn: sa.Connection) -> Iterator[None]:
    """Let DuckDB store inserted rows in whatever order its threads finish, for this block.

    Why: with insertion order preserved, DuckDB rewrites a large insert's new row groups
    at the next checkpoint (about 0.3 s per million rows, paid at close); without it,
    each thread writes finished, compressed row groups once. Stored rows have no
    meaningful order (queries order explicitly). SESSION scope leaves other connections
    alone; other databases need nothing.

    Wrap a whole transaction, never a statement inside one: a failed statement aborts
    the transaction, and DuckDB then refuses every statement, the reset included, until
    the rollback. Settings are not transactional, so the reset after it always holds.
    """
    if not is_duckdb(conn):
        yield
        return
    duck = raw_duckdb(conn)
    duck.execute("SET SESSION preserve_insertion_order = false")
    try:
        yield
    finally:
        duck.execute("RESET SESSION preserve_insertion_order")


is_duckdb = dialect.is_duckdb


def raw_duckdb(conn: sa.Connection) -> Any:
    """The DuckDB connection under a SQLAlchemy connection, for Arrow registration."""
    return conn.connection.dbapi_connection


def next_id(conn: sa.Connection, column: sa.Column) -> int:
    """Next integer id; safe because writers exclude each other until they commit
    (``dialect.lock_writes``: advisory lock on PostgreSQL, turns on DuckDB)."""
    dialect.lock_writes(conn)
    current = conn.execute(sa.select(sa.func.max(column))).scalar()
    return int(current or 0) + 1


def now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def record_audit(
    conn: sa.Connection, user: str, action: str, subject: str, detail: str = ""
) -> None:
    """Append one line to the audit log inside the caller's transaction, chained to the
    line before it by its hash (``kpi.audit_chain``)."""
    from kpi import audit_chain

    entry = {
        "event_id": next_id(conn, audit_log.c.event_id),
        "occurred_at": now(),
        "user_name": user,
        "action": action,
        "subject": subject,
        "detail": detail,
    }
    previous = audit_chain.last_hash(conn)
    entry_hash = audit_chain.entry_hash(entry, previous)
    conn.execute(audit_log.insert().values(**entry, prev_hash=previous, entry_hash=entry_hash))


def list_batches(engine: sa.Engine) -> pd.DataFrame:
    """The load ledger, newest first."""
    import pandas as pd

    query = sa.select(batches).order_by(batches.c.batch_id.desc())
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in batches.columns])


def list_audit(engine: sa.Engine) -> pd.DataFrame:
    """The audit log, newest first."""
    import pandas as pd

    query = sa.select(audit_log).order_by(audit_log.c.event_id.desc())
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in audit_log.columns])


def is_empty(engine: sa.Engine) -> bool:
    """True when no batch was ever loaded (the app then seeds the demo data)."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(batches)).scalar() == 0


def current_row_counts(engine: sa.Engine) -> dict[str, int]:
    """Rows currently in force per kind; used by tests and the ledger consistency check."""
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for kind, table in FACT_TABLES.items():
            query = sa.select(sa.func.count()).where(table.c.replaced_by.is_(None))
            counts[kind.value] = int(conn.execute(query).scalar() or 0)
    return counts


def archive_path(settings: Settings, sha256: str) -> Path:
    return settings.archive_dir / sha256


def data_version(engine: sa.Engine) -> str:
    """Changes whenever committed data changes, in any process (cache keys in the app)."""
    path = Path(engine.url.database) if engine.url.database and is_duckdb(engine) else None
    if path is not None and str(path) == ":memory:":
        path = None
    return dialect.data_version(engine, path)


def audit_history(bind: sa.Engine | sa.Connection, actions: tuple[str, ...]) -> pd.DataFrame:
    """Every audit-log entry of these actions, newest first (a change history page or CLI)."""
    import pandas as pd

    from kpi.metrics import connected

    query = (
        sa.select(audit_log)
        .where(audit_log.c.action.in_(actions))
        .order_by(audit_log.c.event_id.desc())
    )
    with connected(bind) as conn:
        rows = conn.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in audit_log.columns])
