"""CLI: ``worker`` — send notifications and scheduled packs; ``--once`` for cron."""

from __future__ import annotations

import argparse
import sys
import time

from kpi.cli import UsageError, add_db_option
from kpi.notify.config import ConfigError, load_outbound
from kpi.settings import load_settings
from kpi.worker import run_pass


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "worker",
        help="send notifications and due scheduled packs (loop, or --once for cron)",
        description="Each pass opens the database, sends new notifications, runs every "
        "schedule that is due (after downtime: the latest missed run once; older ones are "
        "recorded as missed) and closes the database. Exit code 1 if a message failed "
        "(with --once); a failed pass in the loop is reported and the loop goes on.",
    )
    parser.add_argument("--once", action="store_true", help="one pass, then exit (for cron)")
    parser.add_argument(
        "--interval", type=int, default=60, metavar="SECONDS", help="between passes (default 60)"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be sent; send and store nothing"
    )
    add_db_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.interval < 1:
        raise UsageError("--interval: at least 1 second")
    settings = load_settings(args.db, "worker")
    try:
        outbound = load_outbound()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if args.once:
        return _one(settings, outbound, args.dry_run)
    while True:  # ended by Ctrl-C or SIGTERM; every transaction of a pass is short
        try:
            _one(settings, outbound, args.dry_run)
        except Exception as exc:  # a locked or unreachable database: try again next pass
            print(f"error: pass failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        time.sleep(args.interval)


def _one(settings, outbound, dry_run: bool) -> int:
    report = run_pass(settings, outbound, dry_run=dry_run, say=_say)
    for line in report.lines(dry_run):
        print(f"{report.at:%Y-%m-%d %H:%M:%S} {line}", flush=True)
    return 1 if report.failed else 0


def _say(text: str) -> None:
    print(text + "…", file=sys.stderr, flush=True)
