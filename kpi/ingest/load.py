"""Loading checked rows into the store: one transaction, nothing lost, nothing doubled.

A file becomes a batch in the ledger. Shift-scoped kinds replace the stored rows of
every (date, shift, plant, line) the file contains; keyed kinds upsert by natural key.
Replaced rows stay as history (``replaced_by`` = the correcting batch), so an undo can
restore them exactly.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from pathlib import Path

import pyarrow as pa
import sqlalchemy as sa

from kpi import store, summary
from kpi.ingest.check import Checked, Progress, check_file
from kpi.ingest.problems import IngestResult, Outcome
from kpi.schema import KINDS, Kind, KindSpec, Replace
from kpi.settings import Settings
from kpi.tables import FACT_TABLES, batches

# DuckDB has one writer per process; serialise our own write transactions so two
# sessions committing at once queue instead of failing with a conflict.
WRITE_LOCK = threading.Lock()


def ingest_file(
    engine: sa.Engine,
    settings: Settings,
    path: Path,
    kind: Kind | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Check and load one file from disk."""
    data = Path(path).read_bytes()
    return _ingest(engine, settings, Path(path), data, Path(path).name, kind, progress)


def ingest_bytes(
    engine: sa.Engine,
    settings: Settings,
    data: bytes,
    file_name: str,
    kind: Kind | None = None,
    progress: Progress | None = None,
) -> IngestResult:
    """Check and load uploaded bytes; the file name is only a label, never a path."""
    with tempfile.TemporaryDirectory(prefix="kpi-upload-") as folder:
        path = Path(folder) / "upload.csv"
        path.write_bytes(data)
        return _ingest(engine, settings, path, data, file_name, kind, progress)


def _ingest(
    engine: sa.Engine,
    settings: Settings,
    path: Path,
    data: bytes,
    file_name: str,
    kind: Kind | None,
    progress: Progress | None,
) -> IngestResult:
    sha = hashlib.sha256(data).hexdigest()
    existing = active_batch_with_sha(engine, sha)
    if existing is not None:
        return IngestResult(
            file_name, Outcome.ALREADY_LOADED, kind=existing[1], batch_id=existing[0], sha256=sha
        )
    defaults = {"plant": settings.default_plant}
    checked = check_file(path, data, kind, defaults, progress)
    if checked.rows is None:
        return IngestResult(
            file_name,
            Outcome.REJECTED,
            kind=checked.kind,
            sha256=sha,
            problems=checked.problems,
            problem_count=checked.problem_count,
            warnings=checked.warnings,
        )
    if progress:
        progress("loading", 0.85)
    result = _store(engine, settings, checked, data, sha, file_name)
    if progress:
        progress("done", 1.0)
    return result


def active_batch_with_sha(
    engine_or_conn: sa.Engine | sa.Connection, sha: str
) -> tuple[int, Kind] | None:
    """The active batch that already holds exactly these bytes, if any."""
    query = sa.select(batches.c.batch_id, batches.c.kind).where(
        batches.c.sha256 == sha, batches.c.status == store.BatchStatus.ACTIVE
    )
    if isinstance(engine_or_conn, sa.Engine):
        with engine_or_conn.connect() as conn:
            row = conn.execute(query).first()
    else:
        row = engine_or_conn.execute(query).first()
    return (int(row[0]), Kind(row[1])) if row else None


def _store(
    engine: sa.Engine, settings: Settings, checked: Checked, data: bytes, sha: str, name: str
) -> IngestResult:
    spec = KINDS[checked.kind]
    with WRITE_LOCK, engine.begin() as conn:
        existing = active_batch_with_sha(conn, sha)
        if existing is not None:  # a double click, or a second session, got here first
            return IngestResult(
                name, Outcome.ALREADY_LOADED, kind=spec.kind, batch_id=existing[0], sha256=sha
            )
        batch_id = store.next_id(conn, batches.c.batch_id)
        store.insert_arrow(conn, FACT_TABLES[spec.kind], _with_lineage(checked.rows, batch_id))
        replaced = retire_replaced(conn, spec, batch_id)
        conn.execute(
            batches.insert().values(
                batch_id=batch_id,
                kind=spec.kind.value,
                file_name=name,
                sha256=sha,
                rows_loaded=checked.rows.num_rows,
                rows_replaced=replaced,
                warnings="; ".join(checked.warnings),
                status=store.BatchStatus.ACTIVE,
                loaded_at=store.now(),
                loaded_by=settings.user,
                size_bytes=len(data),
            )
        )
        store.record_audit(
            conn,
            settings.user,
            "upload",
            f"batch {batch_id}",
            f"{name} ({spec.kind.value}, {checked.rows.num_rows} rows, {sha[:12]})",
        )
        if checked.date_span:
            summary.refresh_dates(conn, spec.kind, *checked.date_span)
        archive(settings, sha, data)
    return IngestResult(
        name,
        Outcome.LOADED,
        kind=spec.kind,
        batch_id=batch_id,
        rows_loaded=checked.rows.num_rows,
        rows_replaced=replaced,
        sha256=sha,
        warnings=checked.warnings,
    )


def _with_lineage(rows: pa.Table, batch_id: int) -> pa.Table:
    """Add batch id, an empty replaced_by and the file line each row came from."""
    count = rows.num_rows
    source_line = pa.compute.add(rows.column("row_index"), 2).cast(pa.int32())
    rows = rows.drop_columns(["row_index"])
    rows = rows.append_column("batch_id", pa.array([batch_id] * count, pa.int32()))
    rows = rows.append_column("replaced_by", pa.nulls(count, pa.int32()))
    return rows.append_column("source_line", source_line)


def _scope_columns(spec: KindSpec) -> tuple[str, ...]:
    return spec.scope_key if spec.replace is Replace.BY_SHIFT_SCOPE else spec.natural_key


def retire_replaced(conn: sa.Connection, spec: KindSpec, batch_id: int) -> int:
    """Mark current rows that the new batch corrects as replaced by it; returns their count."""
    table = FACT_TABLES[spec.kind]
    new = table.alias("incoming")
    same_scope = [new.c[name] == table.c[name] for name in _scope_columns(spec)]
    statement = (
        sa.update(table)
        .where(
            table.c.replaced_by.is_(None),
            table.c.batch_id != batch_id,
            sa.exists().where(new.c.batch_id == batch_id, *same_scope),
        )
        .values(replaced_by=batch_id)
    )
    return int(conn.execute(statement).rowcount or 0)


def archive(settings: Settings, sha: str, data: bytes) -> None:
    """Keep the original bytes, content-addressed, so an auditor gets exactly what was loaded."""
    target = store.archive_path(settings, sha)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(temp, target)
