"""Loading files into the store: one transaction, nothing lost, nothing doubled.

A file becomes a batch in the ledger. Shift-scoped kinds replace the stored rows of
every (date, shift, plant, line) the file contains; keyed kinds upsert by natural key.
Replaced rows stay as history (``replaced_by`` = the correcting batch), so an undo can
restore them exactly. Valid files stream straight in (``kpi.ingest.fast``); a file
with any problem is rolled back and handed to the detailed checker, which names them all.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from kpi import dialect, store, summary
from kpi.ingest import disk, fast, read, validate
from kpi.ingest.check import Checked, Progress, check_file
from kpi.ingest.fast import NeedsDetailedCheck, NotPlain, Parse
from kpi.ingest.problems import FileRejected, IngestResult, Outcome, Problem
from kpi.schema import Kind, KindSpec, Replace, detect_kind
from kpi.settings import Settings
from kpi.tables import FACT_TABLES, batches


@dataclass(frozen=True)
class _FileInfo:
    path: Path  # what the loader reads
    name: str  # a label only, never a path
    sha: str
    original: Path  # what was given, hashed and archived


def ingest_file(
    engine: sa.Engine,
    settings: Settings,
    path: Path,
    kind: Kind | None = None,
    progress: Progress | None = None,
    file_name: str | None = None,
    original: Path | None = None,
    sha256: str | None = None,
) -> IngestResult:
    """Check and load one file from disk; the file is streamed, never read whole.

    ``original`` is the file the user gave when ``path`` is a canonical conversion of it
    (an import profile or an Excel sheet): its bytes are what is hashed and archived.
    ``sha256`` is its hash when the caller already computed it.
    """
    original = Path(original or path)
    report = progress or (lambda stage, fraction: None)
    report("hashing", 0.05)
    sha = sha256 or sha256_file(original)
    info = _FileInfo(Path(path), file_name or original.name, sha, original)
    existing = active_batch_with_sha(engine, info.sha)
    if existing is not None:
        return IngestResult(
            info.name,
            Outcome.ALREADY_LOADED,
            kind=existing[1],
            batch_id=existing[0],
            sha256=info.sha,
        )
    defaults = {"plant": settings.default_plant}
    try:
        source = read.inspect(info.path)
        detected = detect_kind(list(source.headers))
        spec = validate.require_kind(kind or detected)
    except FileRejected as rejected:
        return _rejected(info, Checked(kind, rejected.problems, len(rejected.problems)))
    report("loading", 0.2)
    if not validate.header_problems(spec, source.headers, detected):
        try:
            with disk.disk_full_refused():
                result = _store(engine, settings, source, spec, info, defaults, progress)
        except FileRejected as rejected:
            return _rejected(info, Checked(spec.kind, rejected.problems, len(rejected.problems)))
        if result is not None:
            report("done", 1.0)
            return result
    report("locating problems", 0.6)
    try:
        with disk.disk_full_refused():  # the checker's scratch database spills to disk
            checked = check_file(info.path, spec.kind, defaults, report)
    except FileRejected as rejected:
        checked = Checked(spec.kind, rejected.problems, len(rejected.problems))
    return _rejected(info, checked)


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
        return ingest_file(engine, settings, path, kind, progress, file_name=file_name)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _rejected(info: _FileInfo, checked: Checked) -> IngestResult:
    problems = checked.problems or [
        Problem("The file could not be loaded, but no single row could be blamed.")
    ]
    return IngestResult(
        info.name,
        Outcome.REJECTED,
        kind=checked.kind,
        sha256=info.sha,
        problems=problems,
        problem_count=max(checked.problem_count, 1),
        warnings=checked.warnings,
    )


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
    engine: sa.Engine,
    settings: Settings,
    source: read.TextFile,
    spec: KindSpec,
    info: _FileInfo,
    defaults: dict[str, str],
    progress: Progress | None = None,
) -> IngestResult | None:
    """Load in one transaction; None when the file must go to the detailed checker.

    The native path is tried first; a file it cannot take as it is (``NotPlain``: say,
    padded names or "2026-01-05 " with a blank) is loaded by the text path instead.
    """
    for parse in (Parse.NATIVE, Parse.TEXT):
        with store.WRITE_LOCK, engine.connect() as conn, store.any_row_order(conn):
            transaction = conn.begin()
            try:
                result = _load_batch(conn, settings, source, spec, info, defaults, progress, parse)
            except NotPlain:
                transaction.rollback()
                continue
            except NeedsDetailedCheck:
                transaction.rollback()
                return None
            except BaseException:
                transaction.rollback()
                raise
            transaction.commit()
        return result
    return None


def _load_batch(
    conn: sa.Connection,
    settings: Settings,
    source: read.TextFile,
    spec: KindSpec,
    info: _FileInfo,
    defaults: dict[str, str],
    progress: Progress | None,
    parse: Parse,
) -> IngestResult:
    existing = active_batch_with_sha(conn, info.sha)
    if existing is not None:  # a double click, or a second session, got here first
        return IngestResult(
            info.name, Outcome.ALREADY_LOADED, kind=spec.kind, batch_id=existing[0], sha256=info.sha
        )
    from kpi.consistency import refuse_overruns  # it imports kpi.ingest.problems

    batch_id = store.next_id(conn, batches.c.batch_id)
    with archiving(settings, info.sha, info.original) as keep_original:
        with dialect.loading_into(conn, FACT_TABLES[spec.kind]) as target:
            rows = fast.stream_into_store(target, source, spec, defaults, batch_id, progress, parse)
        if progress:
            progress("replacing corrected rows", 0.8)
        replaced = retire_replaced(conn, spec, batch_id)
        # a file that leaves more stop than planned minutes is refused (not archived)
        refuse_overruns(conn, spec.kind, batch_id, source.path, source.delimiter, defaults["plant"])
        keep_original()
    warnings = validate.extra_column_warning(spec, source.headers)
    conn.execute(
        batches.insert().values(
            batch_id=batch_id,
            kind=spec.kind.value,
            file_name=info.name,
            sha256=info.sha,
            rows_loaded=rows,
            rows_replaced=replaced,
            warnings="; ".join(warnings),
            status=store.BatchStatus.ACTIVE,
            loaded_at=store.now(),
            loaded_by=settings.user,
            size_bytes=info.original.stat().st_size,
        )
    )
    store.record_audit(
        conn,
        settings.user,
        "upload",
        f"batch {batch_id}",
        f"{info.name} ({spec.kind.value}, {rows} rows, {info.sha[:12]})",
    )
    summary.mark_pending(conn, spec.kind, batch_id)  # rebuilt by summary.ensure_current
    return IngestResult(
        info.name,
        Outcome.LOADED,
        kind=spec.kind,
        batch_id=batch_id,
        rows_loaded=rows,
        rows_replaced=replaced,
        sha256=info.sha,
        warnings=warnings,
    )


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


@contextlib.contextmanager
def archiving(settings: Settings, sha: str, source: Path) -> Iterator[Callable[[], None]]:
    """Copy the original bytes toward the archive in a background thread while rows load.

    The archive is content-addressed, so an auditor gets exactly what was loaded. Call
    the yielded ``keep`` before the commit: it waits for the copy and puts it in place,
    so a crash leaves at worst an unreferenced archive file, never a batch without its
    original. Without ``keep`` (a rejected load) the copy is removed. The copy runs in
    the kernel and the load in DuckDB's threads, so neither holds the GIL for long.
    """
    target = store.archive_path(settings, sha)
    if target.exists():
        yield lambda: None
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
    os.close(handle)
    kept = False
    with ThreadPoolExecutor(max_workers=1) as copier:
        copying = copier.submit(_copy_and_hash, source, Path(temp))

        def keep() -> None:
            nonlocal kept
            if copying.result() != sha:
                raise FileRejected([Problem(_CHANGED_WHILE_LOADING)])
            os.replace(temp, target)
            kept = True

        try:
            yield keep
        finally:
            if not kept:
                copying.exception()  # waits for the copy to finish
                Path(temp).unlink(missing_ok=True)


_CHANGED_WHILE_LOADING = (
    "The file changed while it was being loaded, so nothing was stored. "
    "Load it again once the export has finished writing it."
)


def _copy_and_hash(source: Path, target: Path) -> str:
    """Copy ``source`` to ``target`` and return the SHA-256 of the bytes copied.

    Why: the archive is named by the hash taken before the load; hashing the copy proves
    the archived bytes are those bytes, and catches a file rewritten during the load.
    """
    digest = hashlib.sha256()
    with source.open("rb") as reader, target.open("wb") as writer:
        for chunk in iter(lambda: reader.read(1 << 20), b""):
            digest.update(chunk)
            writer.write(chunk)
    return digest.hexdigest()
