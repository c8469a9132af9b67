"""CLI: ``ingest``, ``batches`` and ``undo`` — the QA loading workflow from a shell."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tqdm import tqdm

from kpi import store
from kpi.cli import UsageError, add_db_option
from kpi.ingest import IngestResult, Outcome, UndoRefused, ingest_file, undo_batch
from kpi.schema import Kind
from kpi.settings import load_settings

_PROGRESS_BAR_BYTES = 5_000_000


def register(subparsers: argparse._SubParsersAction) -> None:
    ingest = subparsers.add_parser(
        "ingest",
        help="check and load CSV files",
        description="Check and load CSV files. "
        "Exit code 1 if any file is rejected; 0 when loaded or already loaded.",
    )
    ingest.add_argument("files", nargs="+", type=Path, metavar="FILE")
    ingest.add_argument("--kind", choices=[k.value for k in Kind], help="default: from header")
    ingest.add_argument("--user", help="who is loading (default: $KPI_USER or login name)")
    add_db_option(ingest)
    ingest.set_defaults(func=run_ingest)

    listing = subparsers.add_parser("batches", help="list the loads (the batch ledger)")
    add_db_option(listing)
    listing.set_defaults(func=run_batches)

    undo = subparsers.add_parser("undo", help="revert a batch and restore what it replaced")
    undo.add_argument("batch_id", type=int, metavar="BATCH_ID")
    undo.add_argument("--user", help="who is undoing (default: $KPI_USER or login name)")
    add_db_option(undo)
    undo.set_defaults(func=run_undo)


def run_ingest(args: argparse.Namespace) -> int:
    settings = load_settings(args.db, args.user)
    kind = Kind(args.kind) if args.kind else None
    missing = [str(f) for f in args.files if not f.is_file()]
    if missing:
        raise UsageError("no such file: " + ", ".join(missing))
    engine = store.create_engine(settings)
    rejected = False
    for path in args.files:
        result = _ingest_with_progress(engine, settings, path, kind)
        print(result.summary())
        for problem in result.problems:
            print("  " + problem.describe())
        if result.problem_count > len(result.problems):
            print(f"  ... and {result.problem_count - len(result.problems)} more problem(s)")
        rejected = rejected or result.outcome is Outcome.REJECTED
    return 1 if rejected else 0


def _ingest_with_progress(engine, settings, path: Path, kind: Kind | None) -> IngestResult:  # noqa: ANN001
    """Large files get a stage progress bar on stderr; small ones stay quiet."""
    if path.stat().st_size < _PROGRESS_BAR_BYTES:
        return ingest_file(engine, settings, path, kind)
    with tqdm(total=100, desc=path.name, unit="%", file=sys.stderr, leave=False) as bar:

        def progress(stage: str, fraction: float) -> None:
            bar.set_postfix_str(stage)
            bar.update(max(0, int(fraction * 100) - bar.n))

        return ingest_file(engine, settings, path, kind, progress)


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
    settings = load_settings(args.db, args.user)
    engine = store.create_engine(settings)
    try:
        print(undo_batch(engine, settings, args.batch_id))
    except UndoRefused as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 1
    return 0
