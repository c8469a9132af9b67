"""CLI: ``ingest``, ``batches`` and ``undo`` — the QA loading workflow from a shell."""

from __future__ import annotations

import argparse
import contextlib
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa
from tqdm import tqdm

from kpi import lease, profiles, store
from kpi.cli import UsageError, add_db_option
from kpi.encodings import ENCODINGS
from kpi.ingest import IngestResult, Outcome, UndoRefused, disk, intake, undo_batch, undo_preview
from kpi.ingest.imports import import_file
from kpi.ingest.load import Options
from kpi.ingest.problems import FileRejected
from kpi.schema import Kind
from kpi.settings import Settings, load_settings

_PROGRESS_BAR_BYTES = 5_000_000


def register(subparsers: argparse._SubParsersAction) -> None:
    ingest = subparsers.add_parser(
        "ingest",
        help="check and load CSV files",
        description="Check and load CSV or .xlsx files, each in one transaction. "
        "Exit code 1 if any file is rejected; 0 when loaded or already loaded. The KPI "
        "summary tables are rebuilt for the loaded dates by the next command that reads "
        "KPIs (report, spc, review) or at app start, so a bulk load pays for that once; "
        "until then KPIs are computed from the raw rows, never from stale summaries.",
    )
    ingest.add_argument("files", nargs="+", type=Path, metavar="FILE")
    ingest.add_argument("--kind", choices=[k.value for k in Kind], help="default: from header")
    ingest.add_argument("--user", help="who is loading (default: $KPI_USER or login name)")
    ingest.add_argument(
        "--profile", metavar="NAME|FILE", help="import profile: a saved name, or a .toml/.json file"
    )
    ingest.add_argument("--sheet", default="", help="for .xlsx: the sheet (default: the first)")
    ingest.add_argument(
        "--encoding",
        choices=["auto", *ENCODINGS],
        help="text encoding of files read without a profile (default utf-8; 'auto' uses "
        "the detected encoding when the detection is sure, else refuses the file)",
    )
    ingest.add_argument(
        "--lookup",
        type=Path,
        metavar="FILE",
        help="companion file for a profile with a lookup (e.g. batch dates)",
    )
    _correction_options(ingest)
    add_db_option(ingest)
    ingest.set_defaults(func=run_ingest)

    listing = subparsers.add_parser("batches", help="list the loads (the batch ledger)")
    add_db_option(listing)
    listing.set_defaults(func=run_batches)

    undo = subparsers.add_parser(
        "undo",
        help="revert a batch and restore what it replaced",
        description="Print what undoing the batch removes and restores (rows, dates) and "
        "ask for confirmation. Exit code 0 when undone, 1 when refused or declined, 2 "
        "without a terminal to ask and without --yes.",
    )
    undo.add_argument("batch_id", type=int, metavar="BATCH_ID")
    undo.add_argument("--yes", action="store_true", help="do not ask (for scripts)")
    undo.add_argument("--user", help="who is undoing (default: $KPI_USER or login name)")
    add_db_option(undo)
    undo.set_defaults(func=run_undo)


def _correction_options(ingest: argparse.ArgumentParser) -> None:
    ingest.add_argument(
        "--dry-run",
        action="store_true",
        help="check the files and show what each would replace; store nothing",
    )
    ingest.add_argument(
        "--replace-shift",
        action="store_true",
        help="replace every stored row of each (date, shift, plant, line) in the file, not "
        "only the rows with the same key (machine, product) that the file restates",
    )


def run_ingest(args: argparse.Namespace) -> int:
    settings = load_settings(args.db, args.user)
    kind = Kind(args.kind) if args.kind else None
    if args.encoding and args.profile:
        raise UsageError("--encoding is for files without a profile; the profile names its own")
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        raise UsageError("no such file: " + ", ".join(missing))
    rejected = False
    with ThreadPoolExecutor(max_workers=1) as copier:
        # each file is copied (and hashed as it is copied) in the background while the
        # store opens or the file before it loads; one ahead, so an error is not kept
        # waiting. Every later step reads that private copy, never the given path again.
        taking = copier.submit(intake.take, settings, args.files[0])
        try:
            engine = store.create_engine(settings)
            profile = _profile(engine, args.profile)
            for index, path in enumerate(args.files):
                taken = _taken(taking, path)
                if index + 1 < len(args.files):
                    taking = copier.submit(intake.take, settings, args.files[index + 1])
                if isinstance(taken, IngestResult):  # the private copy itself failed
                    _print_result(taken)
                    rejected = True
                    continue
                try:
                    with lease.turn(settings.duckdb_path):  # the app gets the file between files
                        result = _ingest_with_progress(
                            engine, settings, path, kind, profile, args, taken
                        )
                finally:
                    intake.discard(taken)
                _print_result(result)
                rejected = rejected or result.outcome is Outcome.REJECTED
        finally:
            with contextlib.suppress(Exception):  # a copy taken ahead but never loaded
                intake.discard(taking.result())
    return 1 if rejected else 0


def _print_result(result: IngestResult) -> None:
    print(result.summary())
    if result.replaced:
        verb = "would replace" if result.outcome is Outcome.CHECKED else "replaced"
        print(f"  {verb}:")
        for line in result.replaced:
            print("    " + line)
    for problem in result.problems:
        print("  " + problem.describe())
    if result.problem_count > len(result.problems):
        print(f"  ... and {result.problem_count - len(result.problems)} more problem(s)")


def _taken(taking: Future, path: Path) -> intake.Intake | IngestResult:
    """The private copy, or a refusal naming a full disk (nothing was stored)."""
    try:
        with disk.disk_full_refused():
            return taking.result()
    except FileRejected as refused:
        problems = refused.problems
        return IngestResult(path.name, Outcome.REJECTED, problems=problems, problem_count=1)


def _profile(engine: sa.Engine, reference: str | None) -> profiles.Profile | None:
    """A profile from a .toml/.json file path, or saved in the database under that name."""
    if not reference:
        return None
    try:
        if Path(reference).is_file():
            return profiles.read_file(Path(reference))
        return profiles.load(engine, reference)
    except profiles.ProfileError as exc:
        raise UsageError(str(exc)) from None


def _ingest_with_progress(
    engine: sa.Engine,
    settings: Settings,
    path: Path,
    kind: Kind | None,
    profile: profiles.Profile | None,
    args: argparse.Namespace,
    taken: intake.Intake,
) -> IngestResult:
    """Large files get a progress bar on stderr; small ones stay quiet."""
    options = {
        "kind": kind,
        "profile": profile,
        "sheet": args.sheet,
        "lookup": args.lookup,
        "taken": taken,
        "encoding": args.encoding or "utf-8",
        "options": Options(whole_shift=args.replace_shift, dry_run=args.dry_run),
    }
    if path.stat().st_size < _PROGRESS_BAR_BYTES:
        return import_file(engine, settings, path, **options)
    with tqdm(total=100, desc=path.name, unit="%", file=sys.stderr, leave=False) as bar:

        def progress(stage: str, fraction: float) -> None:
            bar.set_postfix_str(stage)
            bar.update(max(0, int(fraction * 100) - bar.n))

        return import_file(engine, settings, path, progress=progress, **options)


def run_batches(args: argparse.Namespace) -> int:
    engine = store.create_engine(load_settings(args.db))
    ledger = store.list_batches(engine)
    if ledger.empty:
        print("no batches loaded yet")
        return 0
    shown = ledger[
        [
            "batch_id",
            "kind",
            "file_name",
            "rows_loaded",
            "rows_replaced",
            "status",
            "loaded_at",
            "loaded_by",
        ]
    ].copy()
    shown["sha256"] = ledger["sha256"].str[:12]
    print(shown.to_string(index=False))
    return 0


def run_undo(args: argparse.Namespace) -> int:
    """Preview, ask, undo. The question is asked outside any turn on the database file,
    so the app and cron keep working while the terminal waits for an answer."""
    settings = load_settings(args.db, args.user)
    engine = store.create_engine(settings)
    with lease.turn(settings.duckdb_path):
        preview = undo_preview(engine, args.batch_id)
    if preview.refused:
        print(f"error: {preview.refused}", file=sys.stderr)
        return 1
    print("\n".join(preview.lines()))
    if not args.yes:
        if not sys.stdin.isatty():
            raise UsageError(
                "not undone: no terminal to confirm on; add --yes to undo from a script"
            )
        if not _confirmed(f"Undo batch {args.batch_id}? [y/N] "):
            print("not undone; nothing changed")
            return 1
    try:
        with lease.turn(settings.duckdb_path):
            print(undo_batch(engine, settings, args.batch_id))
    except UndoRefused as refused:  # changed between the preview and the answer
        print(f"error: {refused}", file=sys.stderr)
        return 1
    return 0


def _confirmed(question: str) -> bool:
    """A yes on the terminal; anything else, or end of input, is a no."""
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False
