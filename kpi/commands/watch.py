"""CLI: ``watch DIR`` — the drop folder; ``--once`` for cron."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from kpi.cli import UsageError, add_db_option
from kpi.ingest import Outcome
from kpi.settings import load_settings
from kpi.watch import Handled, Snapshot, watch_once


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "watch",
        help="load every finished file dropped into a folder",
        description="Load each CSV or .xlsx file that appears in DIR with the import profile "
        "the Upload page would suggest (else the file's own header). A file is taken once "
        "its size stays the same between two looks; names ending in .part, .tmp or ~ and "
        "hidden files wait until renamed. Loaded (or already loaded) files move to "
        "DIR/loaded/, refused ones to DIR/refused/ with NAME.problems.csv beside them. "
        "With --once: exit code 1 if a file was refused.",
    )
    parser.add_argument("folder", type=Path, metavar="DIR")
    parser.add_argument("--once", action="store_true", help="one look, then exit (for cron)")
    parser.add_argument(
        "--interval", type=float, default=5.0, metavar="SECONDS", help="between looks (default 5)"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=2.0,
        metavar="SECONDS",
        help="with --once: how long a size must stay the same (default 2)",
    )
    parser.add_argument("--user", help="who the loads are audited as (default: $KPI_USER or login)")
    add_db_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    folder: Path = args.folder
    if not folder.is_dir():
        raise UsageError(f"no such folder: {folder}")
    if args.interval <= 0 or args.settle < 0:
        raise UsageError("--interval must be positive and --settle not negative")
    settings = load_settings(args.db, args.user)
    if args.once:
        done, _ = watch_once(settings, folder, args.settle)
        _report(done)
        return 1 if any(h.result.outcome is Outcome.REJECTED for h in done) else 0
    print(f"watching {folder} as {settings.user}; Ctrl-C to stop", file=sys.stderr, flush=True)
    seen: Snapshot | None = None
    while True:
        try:
            done, seen = watch_once(settings, folder, 0, seen if seen is not None else {})
            _report(done)
        except Exception as exc:  # e.g. the database is busy: the files wait for the next look
            print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        time.sleep(args.interval)


def _report(done: list[Handled]) -> None:
    for item in done:
        via = f" (profile '{item.profile}')" if item.profile else ""
        print(f"{item.result.summary()}{via} -> {item.moved_to}", flush=True)
        for problem in item.result.problems[:20]:
            print("  " + problem.describe(), flush=True)
        if item.problems_csv:
            print(f"  problems: {item.problems_csv}", flush=True)
