"""Everything that differs between the embedded DuckDB file and a PostgreSQL server.

The rest of ``kpi/`` speaks SQLAlchemy Core and asks this module when an engine needs
something of its own: how connections are pooled and set up, how a bulk load reaches
the table, how writers exclude each other, how a data version is read.
"""

from __future__ import annotations

import contextlib
import contextvars
import io
import os
import re
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import QueuePool

from kpi import lease as leases


class Backend:
    """Names of the supported engines (``engine.dialect.name``)."""

    DUCKDB = "duckdb"
    POSTGRESQL = "postgresql"


class TurnPool(QueuePool):
    """A pool whose checkouts run inside this process's turn on a DuckDB file.

    Every checkout joins the turn (``kpi.lease``); when the last connection comes
    back and the file has been idle for a moment, the lease closes the pooled
    connections so another process can open the file.
    """

    lease: leases.Lease

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lease.add_pool(self)

    def _do_get(self) -> Any:
        self.lease.acquire()
        try:
            return _opened_despite_foreign_locks(super()._do_get)
        except BaseException:
            self.lease.release()
            raise

    def _do_return_conn(self, record: Any) -> None:
        try:
            super()._do_return_conn(record)
        finally:
            self.lease.release()


def _opened_despite_foreign_locks(open_connection: Any) -> Any:
    """Retry while a process that does not take turns (an older release, the DuckDB
    shell) holds the file, up to the same bounded wait; then say the database is busy."""
    deadline = time.monotonic() + leases.wait_limit()
    while True:
        try:
            return open_connection()
        except Exception as error:  # DuckDB raises its own IOException here
            if "Could not set lock" not in str(error):
                raise
            if time.monotonic() >= deadline:
                raise leases.DatabaseBusy(leases.busy_message(leases.wait_limit())) from None
            time.sleep(0.05)


def engine_options(url: str, duckdb_path: Path | None) -> dict[str, Any]:
    """Keyword arguments for ``sa.create_engine`` on this backend."""
    if url.startswith("postgresql"):
        return {"pool_pre_ping": True, "pool_size": 5, "max_overflow": 10}
    if duckdb_path is None:
        return {}
    lease = leases.lease_for(duckdb_path)
    pool_class = type("TurnPool", (TurnPool,), {"lease": lease})
    return {"poolclass": pool_class, "pool_size": 8, "max_overflow": 16}


def configure_postgresql(dbapi_connection: Any) -> None:
    """Planner settings for our queries: the summaries' and reports' joins over whole
    date ranges are hash joins; nested loops chosen on stale estimates took minutes,
    and JIT compilation costs more than it saves on queries of this size."""
    with dbapi_connection.cursor() as cursor:
        cursor.execute("SET enable_nestloop = off")
        cursor.execute("SET jit = off")
    dbapi_connection.commit()


def configure_duckdb(dbapi_connection: Any) -> None:
    """Track query progress without printing it, and cap memory so big loads spill.

    The cap (``KPI_DUCKDB_MEMORY``, default 640MB) keeps a 10M-row load under 1 GB of
    process memory; DuckDB spills joins and sorts to its temp directory beyond it.
    """
    dbapi_connection.execute("SET enable_progress_bar = true")
    dbapi_connection.execute("SET enable_progress_bar_print = false")
    limit = os.environ.get("KPI_DUCKDB_MEMORY", "640MB")
    dbapi_connection.execute("SET memory_limit = ?", [limit])


def is_duckdb(conn: sa.Connection | sa.Engine) -> bool:
    return conn.dialect.name == Backend.DUCKDB


@contextlib.contextmanager
def loading_into(conn: sa.Connection, table: sa.Table) -> Iterator[sa.Connection]:
    """Where the loader's streaming INSERT runs for ``table``.

    DuckDB: the store's own connection, inside its transaction. PostgreSQL: a scratch
    in-memory DuckDB with the same table, so the file is parsed and checked by the very
    same SQL rules (and the same messages); when the block ends without error, its rows
    go to the server with ``COPY ... FROM STDIN`` inside the caller's transaction.
    """
    if is_duckdb(conn):
        yield conn
        return
    token = STORE_CONNECTION.set(conn)  # rules that compare with stored rows ask the server
    try:
        with _scratch(conn, table) as staged:
            yield staged
    finally:
        STORE_CONNECTION.reset(token)


@contextlib.contextmanager
def _scratch(conn: sa.Connection, table: sa.Table) -> Iterator[sa.Connection]:
    with tempfile.TemporaryDirectory(prefix="kpi-load-") as spill:
        scratch = sa.create_engine("duckdb:///:memory:", poolclass=sa.pool.StaticPool)
        try:
            with scratch.begin() as staged:
                configure_duckdb(staged.connection.dbapi_connection)
                staged.exec_driver_sql(f"SET temp_directory = '{spill}'")
                table.to_metadata(sa.MetaData()).create(staged)
                yield staged
                copy_rows(staged, conn, table)
        finally:
            scratch.dispose()


# The store's own connection while a load runs in a scratch database (PostgreSQL), for the
# few rules that compare a file with what is already stored (a name's stored spelling).
STORE_CONNECTION: contextvars.ContextVar[sa.Connection | None] = contextvars.ContextVar(
    "kpi_store_connection", default=None
)


def copy_rows(source: sa.Connection, target: sa.Connection, table: sa.Table) -> int:
    """Send every row of ``table`` in DuckDB ``source`` to PostgreSQL ``target`` by COPY.

    Rows travel as CSV made by Arrow, chunk by chunk, so memory stays bounded; an empty
    unquoted field is NULL and a quoted one an empty string, as Arrow writes them.
    """
    import pyarrow.csv as pacsv

    columns = [c.name for c in table.columns]
    quoted = ", ".join(f'"{name}"' for name in columns)
    duck = source.connection.dbapi_connection
    duck.complete()  # DuckDB 2.0 refuses a new query while an earlier result is unfinished
    reader = duck.sql(f'SELECT {quoted} FROM "{table.name}"').to_arrow_reader(200_000)
    sent = 0
    cursor = target.connection.dbapi_connection.cursor()
    copy_sql = f'COPY "{table.name}" ({quoted}) FROM STDIN WITH (FORMAT csv)'
    with cursor.copy(copy_sql) as copy:
        for batch in reader:
            sink = io.BytesIO()
            pacsv.write_csv(batch, sink, pacsv.WriteOptions(include_header=False))
            copy.write(sink.getvalue())
            sent += batch.num_rows
    return sent


_WRITES = re.compile(
    r"\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|CREATE|DROP|ALTER)\s+(?:TABLE\s+)?\"?(\w+)",
    re.IGNORECASE,
)
# bookkeeping that no cached result reads: a sign-in touching its token is not new data
_NOT_DATA = frozenset({"sign_in_tokens", "login_failures", "display_tokens"})
_BUMP = "UPDATE data_version SET version = version + 1"
_WRITE_LOCK_KEY = 7_305_001  # any fixed number; PostgreSQL advisory locks are per database


def track_writes(engine: sa.Engine) -> None:
    """Bump ``data_version`` in every transaction that wrote, just before it commits.

    Why at commit and in the same transaction: a reader that sees the new version also
    sees the new rows, so it can never cache old rows under a new version.
    """

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _mark(conn: sa.Connection, _cursor: Any, statement: str, *_: Any) -> None:
        write = _WRITES.match(statement)
        if write and write.group(1) not in _NOT_DATA and not statement.startswith(_BUMP):
            conn.info["wrote"] = True

    @sa.event.listens_for(engine, "commit")
    def _bump(conn: sa.Connection) -> None:
        if conn.info.pop("wrote", False) and not conn.info.get("migrating"):
            conn.connection.dbapi_connection.cursor().execute(_BUMP)

    @sa.event.listens_for(engine, "rollback")
    def _forget(conn: sa.Connection) -> None:
        conn.info.pop("wrote", None)


def lock_writes(conn: sa.Connection) -> None:
    """Make writers of every process wait for each other until this transaction ends.

    PostgreSQL: a transaction-scoped advisory lock (replicas, the CLI, the worker).
    DuckDB: processes already take turns on the file, and threads use ``WRITE_LOCK``.
    """
    if conn.dialect.name == Backend.POSTGRESQL:
        conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _WRITE_LOCK_KEY})


def data_version(engine: sa.Engine, duckdb_path: Path | None) -> str:
    """A token that changes whenever committed data changes.

    DuckDB: the database and WAL files' sizes and times, read without opening the file
    (so a rerun costs no turn). PostgreSQL: the ``data_version`` row, one cheap query.
    """
    if is_duckdb(engine):
        if duckdb_path is None:
            return "memory"
        stats = []
        for name in (str(duckdb_path), f"{duckdb_path}.wal"):
            with contextlib.suppress(FileNotFoundError):
                info = os.stat(name)
                stats.append(f"{info.st_mtime_ns}:{info.st_size}")
        return "|".join(stats)
    with engine.connect() as conn:
        return str(conn.execute(sa.text("SELECT version FROM data_version")).scalar())


_BIND = re.compile(r"(?<![:\w]):(\w+)")


def read_frame(conn: sa.Connection, sql: str, params: dict[str, object]) -> Any:
    """Run a query with ``:name`` parameters into a DataFrame: on DuckDB through Arrow
    (far faster than rows), elsewhere through the driver's rows."""
    import pandas as pd

    if not is_duckdb(conn):
        result = conn.execute(sa.text(sql), params)
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    duck = conn.connection.dbapi_connection
    table = duck.sql(_BIND.sub(r"$\1", sql), params=params).to_arrow_table()
    return table.to_pandas(date_as_object=True)
