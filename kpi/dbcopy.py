"""Moving a plant between backends: ``python -m kpi db copy --from URL --to URL``.

Every table is copied as it is (facts with their history, the batch ledger, targets,
users, the audit log, summaries), then checked: equal row counts per table, and every
catalogue KPI report (each grain, each dimension it has) equal on both sides, to the
relative precision of 1e-9, with equal targets and statuses. The archived originals are files
named by their hash; the ledger's references stay valid when the archive folder moves
with them (``--archive-to``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa

from kpi import dialect, store
from kpi.catalogue import CATALOGUE, Grain
from kpi.metrics import compute, make_query
from kpi.settings import Settings
from kpi.tables import batches, data_version, metadata

Say = Callable[[str], None]
_CHUNK = 50_000
_FIGURES = ("value", "numerator", "denominator", "target")
_SKIPPED = {data_version.name}  # each database keeps its own


class CopyRefused(Exception):
    """The copy cannot start or did not verify; the message says why."""


@dataclass(frozen=True)
class CopyReport:
    tables: dict[str, int]
    reports_compared: int


def copy_database(source: Settings, target: Settings, say: Say = print) -> CopyReport:
    """Copy ``source`` into an empty ``target`` (created at the current schema), verify."""
    if source.db_url == target.db_url:
        raise CopyRefused("--from and --to are the same database.")
    src, dst = store.create_engine(source), store.create_engine(target)
    try:
        if not store.is_empty(dst) or _has_rows(dst):
            raise CopyRefused(f"{target.db_url} is not empty; copy into a new database.")
        counts = _copy_tables(src, dst, say)
        say("checking every KPI report on both databases")
        compared = verify(src, dst)
        with dst.begin() as conn:
            store.record_audit(
                conn, target.user, "db.copy", "database", f"from {_safe(source.db_url)}"
            )
    finally:
        src.dispose()
        dst.dispose()
    return CopyReport(counts, compared)


def _safe(url: str) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


def _has_rows(engine: sa.Engine) -> bool:
    with engine.connect() as conn:
        return any(
            conn.execute(sa.select(sa.func.count()).select_from(t)).scalar()
            for t in metadata.sorted_tables
            if t.name not in _SKIPPED and t.name != "alembic_version"
        )


def _copy_tables(src: sa.Engine, dst: sa.Engine, say: Say) -> dict[str, int]:
    with src.connect() as reader, dst.begin() as writer:
        dialect.lock_writes(writer)
        return copy_tables(reader, writer, _SKIPPED, say)


def copy_tables(
    reader: sa.Connection, writer: sa.Connection, skip: Collection[str], say: Say | None = None
) -> dict[str, int]:
    """Copy every table but ``skip``, parents first; rows copied per table.

    Shared by ``db copy`` and the server backup and restore (``kpi.backup_server``).
    """
    counts: dict[str, int] = {}
    for table in metadata.sorted_tables:
        if table.name in skip:
            continue
        counts[table.name] = _copy_table(reader, writer, table)
        if say is not None:
            say(f"copied {table.name}: {counts[table.name]} rows")
    return counts


def _copy_table(reader: sa.Connection, writer: sa.Connection, table: sa.Table) -> int:
    if dialect.is_duckdb(reader) and not dialect.is_duckdb(writer):
        return dialect.copy_rows(reader, writer, table)  # COPY FROM STDIN
    copied = 0
    for rows in _chunks(reader, table):
        writer.execute(table.insert(), rows)
        copied += len(rows)
    return copied


def _chunks(conn: sa.Connection, table: sa.Table) -> Iterator[list[dict]]:
    result = conn.execution_options(yield_per=_CHUNK).execute(sa.select(table))
    for part in result.mappings().partitions():
        yield [dict(row) for row in part]


def verify(src: sa.Engine, dst: sa.Engine) -> int:
    """Raise ``CopyRefused`` unless every table and every KPI report is the same."""
    for table in metadata.sorted_tables:
        if table.name in _SKIPPED:
            continue
        a, b = (_count(e, table) for e in (src, dst))
        if a != b:
            raise CopyRefused(f"table {table.name}: {a} rows in the source, {b} in the copy")
    compared = 0
    for query in _every_report():
        if not _same_report(compute(src, query), compute(dst, query)):
            raise CopyRefused(f"the report {query.kpis} by {query.by} differs after the copy")
        compared += 1
    return compared


def _same_report(left: pd.DataFrame, right: pd.DataFrame) -> bool:
    """Same rows, targets and statuses; figures equal to 1e-9 relative (the engines sum
    floats in different orders, so the 10th printed digit may differ)."""
    if left.shape != right.shape or list(left.columns) != list(right.columns):
        return False
    for column in left.columns:
        a, b = left[column].reset_index(drop=True), right[column].reset_index(drop=True)
        if column in _FIGURES:
            x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
            if not np.allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True):
                return False
        elif (
            not a.astype(object)
            .where(a.notna(), None)
            .equals(b.astype(object).where(b.notna(), None))
        ):
            return False
    return True


def _count(engine: sa.Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() or 0)


def _every_report() -> Iterator:
    for kpi in CATALOGUE.values():
        for grain in (Grain.TOTAL, Grain.MONTH):
            yield make_query([kpi.name], grain)
            for dim in kpi.dims:
                yield make_query([kpi.name], grain, [dim])


def copy_archive(source: Settings, target_dir: Path, say: Say = print) -> int:
    """Copy archived originals the ledger refers to; returns how many were copied."""
    engine = store.create_engine(source)
    try:
        with engine.connect() as conn:
            hashes = set(conn.execute(sa.select(batches.c.sha256).distinct()).scalars())
    finally:
        engine.dispose()
    target_dir.mkdir(parents=True, exist_ok=True)
    copied = 0
    for sha in sorted(hashes):
        original = store.archive_path(source, sha)
        if original.is_file() and not (target_dir / sha).exists():
            shutil.copy2(original, target_dir / sha)
            copied += 1
    say(f"copied {copied} archived originals to {target_dir}")
    return copied
