"""The fast path: stream a file straight into the store inside the write transaction.

Most files are valid. For them, one streaming ``INSERT ... SELECT`` from ``read_csv``
parses every column and a guard raises on the first row that breaks any rule. Memory
stays bounded and the file is read once. It is tried in two ways:

- **native** (first): DuckDB's typed reader parses dates and numbers itself, so a cell
  that does not parse stops the read; free text is stored as given and its shape
  (surrounding blanks, formulas, length) is checked once per distinct value. Whatever
  this path refuses for its own reasons goes to the text path (``NotPlain``).
- **text**: every cell is read as text, trimmed and parsed with exactly the expressions
  and rules of the detailed checker.

A property test (tests/test_ingest_native.py) checks that the native path stores the
same rows as the text path whenever it accepts a file, and calls a file bad only when
the text path does too. Any doubt (a bad row, a ragged line, a repeated key) aborts the
transaction, and the caller runs the detailed checker to name every problem.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Iterator
from enum import StrEnum
from typing import Any

import sqlalchemy as sa

from kpi import store
from kpi.ingest import disk, names, read, typed, validate
from kpi.ingest.validate import RuleRole
from kpi.schema import Kind, KindSpec

Progress = Callable[[str, float], None]
_LOAD_START, _LOAD_END = 0.2, 0.8
_POLL_SECONDS = 0.25
_RULE_BROKEN = "row breaks a rule"


class Parse(StrEnum):
    """How the fast path parses cells (see the module docstring)."""

    NATIVE = "native"
    TEXT = "text"


class NeedsDetailedCheck(Exception):
    """The fast path found something wrong; the detailed checker will say what."""


class NotPlain(Exception):
    """The native path cannot take this file as it is; the text path may."""


def stream_into_store(
    conn: sa.Connection,
    source: read.TextFile,
    spec: KindSpec,
    defaults: dict[str, str],
    batch_id: int,
    progress: Progress | None = None,
    parse: Parse = Parse.TEXT,
) -> int:
    """Insert every row of ``source`` as ``batch_id``; raise NeedsDetailedCheck on doubt."""
    present = validate.column_map(spec, source.headers)
    nonce = uuid.uuid4().hex[:12]
    rejects = None if parse is Parse.NATIVE else f"rejects_{nonce}"
    broken = f"{_RULE_BROKEN} {nonce}"  # DuckDB's own errors quote the file's lines and path
    sql, params = _insert_sql(source, spec, present, defaults, batch_id, parse, rejects, broken)
    try:
        with _watch(store.raw_duckdb(conn), progress, _STAGE[parse]):
            inserted = conn.exec_driver_sql(sql, tuple(params)).rowcount
        ragged = rejects and conn.exec_driver_sql(f"SELECT count(*) FROM {rejects}_errors").scalar()
    except sa.exc.DBAPIError as exc:
        if disk.is_disk_full(exc):
            raise disk.refusal() from None
        message = str(exc.orig)
        if parse is Parse.NATIVE and broken not in message:
            raise NotPlain(message[:200]) from None
        raise NeedsDetailedCheck(message[:200]) from None
    if parse is Parse.NATIVE and _free_text_needs_checker(conn, spec, present, batch_id):
        raise NotPlain("free text with surrounding blanks, a formula or too long")
    if _unify_names(conn, spec, present, batch_id):
        raise NeedsDetailedCheck("a name breaks a rule once normalised")
    if ragged or not inserted or _has_repeated_keys(conn, spec, batch_id):
        raise NeedsDetailedCheck("ragged rows, no rows or repeated keys")
    return int(inserted)


def _insert_sql(
    source: read.TextFile,
    spec: KindSpec,
    present: dict[str, str],
    defaults: dict[str, str],
    batch_id: int,
    parse: Parse,
    rejects: str | None,
    broken: str,
) -> tuple[str, list]:
    """The streaming INSERT for ``parse``; its guard raises ``broken`` on any broken rule."""
    rules = validate.build_rules(spec, present, source.delimiter)
    if parse is Parse.NATIVE:
        native = {c.name for c in spec.columns if typed.is_native(c, source.delimiter)}
        rules = [r for r in rules if not _reader_covers(r, native)]
        parts = typed.native_parts(spec, present, defaults, source.delimiter)
        call, params = read.read_csv_call(source, None, typed.native_types(spec, present))
    else:
        parts = typed.parse_parts(spec, present, defaults)
        call, params = read.read_csv_call(source, rejects)
    checks = [f"coalesce({rule.bad_when}, false)" for rule in rules]
    if spec.kind is Kind.PRODUCTION:
        checks.append(f"coalesce({typed.OVER_PRODUCED}, false)")
    any_bad = " OR ".join(checks) or "false"
    guard = f"CASE WHEN {any_bad} THEN error('{broken}') ELSE {int(batch_id)} END"
    names = [c.name for c in spec.columns]
    columns = ", ".join(f'"{n}"' for n in [*names, "batch_id"])
    sql = (
        f'INSERT INTO "{spec.kind.value}" ({columns}) '
        f"SELECT {', '.join(typed.final_casts(spec))}, {guard} AS batch_id "
        f"FROM (SELECT {', '.join(parts)} FROM {call})"
    )
    return sql, params


def _reader_covers(rule: validate.Rule, native: set[str]) -> bool:
    """Rules the native path leaves to the reader (parsing) or to the distinct-value check."""
    return rule.role is RuleRole.TEXT or (rule.role is RuleRole.PARSE and rule.column in native)


def _unify_names(
    conn: sa.Connection, spec: KindSpec, present: dict[str, str], batch_id: int
) -> bool:
    """Store names in their one normal form (``kpi.ingest.names``); True when a name,
    once normalised, breaks a text rule (a full-width '＝' is a formula, say)."""
    columns = {name: (name,) for name in typed.free_text(spec, present)}
    where = f"batch_id = {int(batch_id)}"
    table = f'"{spec.kind.value}"'
    if not names.unify(store.raw_duckdb(conn), table, columns, where, stored=True):
        return False
    return _free_text_needs_checker(conn, spec, present, batch_id)


def _free_text_needs_checker(
    conn: sa.Connection, spec: KindSpec, present: dict[str, str], batch_id: int
) -> bool:
    """Whether any distinct free-text value of the batch is not exactly what the checker
    would store (trimmed), or breaks a text rule. Distinct values are few, so this is
    far cheaper than checking every cell."""
    columns = typed.free_text(spec, present)
    if not columns:
        return False
    table = f'"{spec.kind.value}"'
    values = " UNION ".join(
        f'SELECT DISTINCT "{name}" AS v FROM {table} WHERE batch_id = {int(batch_id)}'
        for name in columns
    )
    shape = [rule.bad_when for rule in validate.text_rules("v", "v")]
    bad = " OR ".join(["v <> trim(v)", *shape])
    sql = f"SELECT count(*) FROM ({values}) WHERE v IS NOT NULL AND ({bad})"
    return bool(conn.exec_driver_sql(sql).scalar())


# what the progress bar says while each path loads (the text path is a second pass)
_STAGE = {Parse.NATIVE: "loading", Parse.TEXT: "loading again, reading every cell as text"}


@contextlib.contextmanager
def _watch(duck: Any, progress: Progress | None, stage: str) -> Iterator[None]:
    """Poll DuckDB's progress of the running statement from a side thread."""
    if progress is None:
        yield
        return
    done = threading.Event()

    def poll() -> None:
        while not done.wait(_POLL_SECONDS):
            percent = duck.query_progress()
            if percent >= 0:
                progress(stage, _LOAD_START + (_LOAD_END - _LOAD_START) * percent / 100)

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
    distinct = f"SELECT count(*) FROM (SELECT DISTINCT hash({key}) {where})"
    hashed = conn.exec_driver_sql(f"SELECT count(*) - ({distinct}) {where}").scalar()
    if not hashed:
        return False
    exact = conn.exec_driver_sql(
        f"SELECT count(*) FROM (SELECT 1 {where} GROUP BY {key} HAVING count(*) > 1)"
    ).scalar()
    return bool(exact)
