"""Loading files into the store: one transaction, nothing lost, nothing doubled.

A file becomes a batch in the ledger. Shift-scoped kinds replace the stored rows of
every (date, shift, plant, line) the file contains; keyed kinds upsert by natural key.
Replaced rows stay as history (``replaced_by`` = the correcting batch), so an undo can
restore them exactly. Valid files stream straight in (``kpi.ingest.fast``); a file
with any problem is rolled back and handed to the detailed checker, which names them all.
"""

from __future__ import annotations

import dataclasses
import tempfile
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from kpi import dialect, store, summary
from kpi.ingest import corrections, disk, fast, intake, read, spec_check, validate
from kpi.ingest.check import Checked, Progress, check_file
from kpi.ingest.fast import NeedsDetailedCheck, NotPlain, Parse
from kpi.ingest.intake import Intake
from kpi.ingest.problems import FileRejected, IngestResult, Outcome, Problem
from kpi.schema import Kind, KindSpec, detect_kind
from kpi.settings import Settings
from kpi.tables import FACT_TABLES, batches


@dataclass(frozen=True)
class Recipe:
    """How the given bytes are read. With their hash and the kind, a load's identity:
    another sheet, profile, profile version or lookup file of the same bytes is other
    data, so it is loaded, never skipped as "already loaded"."""

    sheet: str = ""
    profile_name: str = ""
    profile_version: str = ""  # without a profile: "encoding:NAME" for non-UTF-8 text
    lookup_sha256: str = ""


@dataclass(frozen=True)
class Options:
    """How to load: ``whole_shift`` replaces every stored row of each (date, shift, plant,
    line) the file has, not only the rows it restates; ``dry_run`` checks the file and
    reports what it would replace, then rolls everything back."""

    whole_shift: bool = False
    dry_run: bool = False


PLAIN = Options()  # load, replacing only what the file restates


@dataclass(frozen=True)
class _FileInfo:
    path: Path  # what the loader reads: the private copy, or a conversion of it
    name: str  # a label only, never a path
    intake: Intake  # the private copy of the given file: what is hashed and archived
    recipe: Recipe
    options: Options

    @property
    def sha(self) -> str:
        return self.intake.sha


def ingest_file(
    engine: sa.Engine,
    settings: Settings,
    path: Path,
    kind: Kind | None = None,
    progress: Progress | None = None,
    file_name: str | None = None,
    taken: Intake | None = None,
    recipe: Recipe = Recipe(),
    options: Options = PLAIN,
) -> IngestResult:
    """Check and load one file from disk; the file is streamed, never read whole.

    ``taken`` is the private copy of the user's file (see ``kpi.ingest.intake``) when
    ``path`` is a conversion of it (an import profile or an Excel sheet); without it the
    file at ``path`` is copied first, and only that copy is read from then on.
    """
    report = progress or (lambda stage, fraction: None)
    if taken is None:
        with intake.private_copy(settings, Path(path)) as copy:
            name = file_name or Path(path).name
            return ingest_file(
                engine, settings, copy.path, kind, progress, name, copy, recipe, options
            )
    info = _FileInfo(Path(path), file_name or Path(path).name, taken, recipe, options)
    try:
        source = read.inspect(info.path)
        read.check_characters(info.path)
        detected = detect_kind(list(source.headers))
        spec = validate.require_kind(kind or detected)
    except FileRejected as rejected:
        return _rejected(info, Checked(kind, rejected.problems, len(rejected.problems)))
    with engine.connect() as conn:
        if (existing := active_batch(conn, info, spec.kind)) is not None:
            return _already_loaded(info, spec.kind, existing)
    report("loading", 0.2)
    defaults = {"plant": settings.default_plant}
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


def active_batch(conn: sa.Connection, info: _FileInfo, kind: Kind) -> int | None:
    """The active batch that already holds this load (same bytes, kind and recipe), if any."""
    recipe = info.recipe
    query = sa.select(batches.c.batch_id).where(
        batches.c.sha256 == info.sha,
        batches.c.kind == kind.value,
        batches.c.sheet == recipe.sheet,
        batches.c.profile_name == recipe.profile_name,
        batches.c.profile_version == recipe.profile_version,
        batches.c.lookup_sha256 == recipe.lookup_sha256,
        batches.c.status == store.BatchStatus.ACTIVE,
    )
    return conn.execute(query).scalar()


def _already_loaded(info: _FileInfo, kind: Kind, batch_id: int) -> IngestResult:
    return IngestResult(
        info.name, Outcome.ALREADY_LOADED, kind=kind, batch_id=batch_id, sha256=info.sha
    )


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
            if info.options.dry_run:
                transaction.rollback()
            else:
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
    existing = active_batch(conn, info, spec.kind)
    if existing is not None:  # a double click, or a second session, got here first
        return _already_loaded(info, spec.kind, existing)
    from kpi.consistency import refuse_overruns  # it imports kpi.ingest.problems

    batch_id = store.next_id(conn, batches.c.batch_id)
    with dialect.loading_into(conn, FACT_TABLES[spec.kind]) as target:
        rows = fast.stream_into_store(target, source, spec, defaults, batch_id, progress, parse)
    if progress:
        progress("replacing corrected rows", 0.8)
    key = corrections.replace_key(spec, info.options.whole_shift)
    replaced = corrections.retire_replaced(conn, spec, batch_id, key)
    # a file that leaves more stop than planned minutes is refused (not archived)
    refuse_overruns(conn, spec.kind, batch_id, source.path, source.delimiter, defaults["plant"])
    # a reading without a spec, or in another unit than its spec, is refused too
    spec_check.refuse_unspecified(conn, spec.kind, batch_id, source.path, source.delimiter)
    warnings = validate.extra_column_warning(spec, source.headers)
    _record_batch(conn, settings, spec, info, batch_id, (rows, replaced), warnings)
    summary.mark_pending(conn, spec.kind, batch_id)  # rebuilt by summary.ensure_current
    if not info.options.dry_run:  # last, just before the commit: a crash leaves at worst
        intake.keep(settings, info.intake)  # an archived file no batch names
    return IngestResult(
        info.name,
        Outcome.CHECKED if info.options.dry_run else Outcome.LOADED,
        kind=spec.kind,
        batch_id=batch_id,
        rows_loaded=rows,
        rows_replaced=replaced,
        sha256=info.sha,
        warnings=warnings,
        replaced=corrections.replaced_by_key(conn, spec, batch_id, key) if replaced else [],
    )


def _record_batch(
    conn: sa.Connection,
    settings: Settings,
    spec: KindSpec,
    info: _FileInfo,
    batch_id: int,
    counts: tuple[int, int],
    warnings: list[str],
) -> None:
    """The batch's ledger row (with its identity: hash, kind, recipe) and audit line."""
    rows, replaced = counts
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
            size_bytes=info.intake.size,
            **dataclasses.asdict(info.recipe),
        )
    )
    detail = f"{info.name} ({spec.kind.value}, {rows} rows, {info.sha[:12]})"
    store.record_audit(conn, settings.user, "upload", f"batch {batch_id}", detail)
