"""The fast path: stream a file straight into the store inside the write transaction.

Most files are valid. For them, one streaming ``INSERT ... SELECT`` from ``read_csv``
parses every column with exactly the expressions and rules of the detailed checker,
and a guard raises on the first row that breaks any rule. Memory stays bounded and
the file is read once. Any doubt (a bad row, a ragged line, a repeated key) aborts the
transaction, and the caller runs the detailed checker to name every problem.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import sqlalchemy as sa

from kpi import store
from kpi.ingest import read, typed, validate
from kpi.schema import Kind, KindSpec

Progress = Callable[[str, float], None]
_LOAD_START, _LOAD_END = 0.2, 0.8


class NeedsDetailedCheck(Exception):
    """The fast path found something wrong; the detailed checker will say what."""


def stream_into_store(
    conn: sa.Connection,
    source: read.TextFile,
    spec: KindSpec,
    defaults: dict[str, str],
    batch_id: int,
    progress: Progress | None = None,
) -> int:
    """Insert every row of ``source`` as ``batch_id``; raise NeedsDetailedCheck on doubt."""
    present = validate.column_map(spec, source.headers)
    parts = typed.parse_parts(spec, present, defaults)
    rules = [f"coalesce({rule.bad_when}, false)" for rule in validate.build_rules(spec, present)]
    if spec.kind is Kind.PRODUCTION:
        rules.append(f"coalesce({typed.OVER_PRODUCED}, false)")
    any_bad = " OR ".join(rules) or "false"
    guard = f"CASE WHEN {any_bad} THEN error('row breaks a rule') ELSE {int(batch_id)} END"
    rejects = "rejects_" + uuid.uuid4().hex[:12]
    call, params = read.read_csv_call(source, rejects)
    names = [c.name for c in spec.columns]
    columns = ", ".join(f'"{n}"' for n in [*names, "batch_id"])
    sql = (
        f'INSERT INTO "{spec.kind.value}" ({columns}) '
        f"SELECT {', '.join(typed.final_casts(spec))}, {guard} AS batch_id "
        f"FROM (SELECT {', '.join(parts)} FROM {call})"
    )
    try:
        with _watch(store.raw_duckdb(conn), progress):
            inserted = conn.exec_driver_sql(sql, tuple(params)).rowcount
        ragged = conn.exec_driver_sql(f"SELECT count(*) FROM {rejects}_errors").scalar()
    except sa.exc.DBAPIError as exc:
        raise NeedsDetailedCheck(str(exc.orig)[:200]) from None
    if ragged or not inserted or _has_repeated_keys(conn, spec, batch_id):
        raise NeedsDetailedCheck("ragged rows, no rows or repeated keys")
    return int(inserted)


@contextlib.contextmanager
def _watch(duck: Any, progress: Progress | None) -> Iterator[None]:
    """Poll DuckDB's progress of the running statement from a side thread."""
    if progress is None:
        yield
        return
    done = threading.Event()

    def poll() -> None:
        while not done.wait(0.25):
            percent = duck.query_progress()
            if percent >= 0:
                progress("loading", _LOAD_START + (_LOAD_END - _LOAD_START) * percent / 100)

    watcher = threading.Thread(target=poll, daemon=True)
    watcher.start()
    try:
        yield
    finally:
        done.set()
        watcher.join()


def _has_repeated_keys(conn: sa.Connection, spec: KindSpec, batch_id: int) -> bool:
    """Whether the batch repeats a natural key.

    Distinct 64-bit key hashes are counted first: if every row's hash differs, no key can
    repeat. Only when hashes collide is the exact (much slower) grouping run.
    """
    if not spec.natural_key:
        return False
    key = ", ".join(f'"{name}"' for name in spec.natural_key)
    where = f'FROM "{spec.kind.value}" WHERE batch_id = {int(batch_id)}'
    hashed = conn.exec_driver_sql(f"SELECT count(*) - count(DISTINCT hash({key})) {where}").scalar()
    if not hashed:
        return False
    exact = conn.exec_driver_sql(
        f"SELECT count(*) FROM (SELECT 1 {where} GROUP BY {key} HAVING count(*) > 1)"
    ).scalar()
    return bool(exact)


def supports_fast_path(conn: sa.Connection) -> bool:
    """read_csv runs inside the store only on DuckDB; other stores use the checker's rows."""
    return store.is_duckdb(conn)
