"""CLI: ``backup`` and ``restore`` — keeping the quality record safe (``audit``: audit.py)."""

from __future__ import annotations

import argparse
from pathlib import Path

from kpi import backup, store
from kpi.cli import UsageError, add_db_option
from kpi.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    save = subparsers.add_parser("backup", help="consistent copy of the database and archive")
    save.add_argument("path", type=Path, metavar="PATH", help="new backup file to write")
    save.set_defaults(func=run_backup)
    back = subparsers.add_parser("restore", help="replace the database with a backup")
    back.add_argument("path", type=Path, metavar="PATH", help="backup file to restore")
    back.add_argument("--user", help="who restores, for the audit log (default: $KPI_USER)")
    back.set_defaults(func=run_restore)
    for parser in (save, back):
        add_db_option(parser)


def run_backup(args: argparse.Namespace) -> int:
    settings = load_settings(args.db)
    engine = store.create_engine(settings)
    try:
        written = backup.backup(engine, settings, args.path)
    except backup.BackupError as exc:
        raise UsageError(str(exc)) from None
    print(f"backup written to {written}")
    return 0


def run_restore(args: argparse.Namespace) -> int:
    try:
        kept = backup.restore(load_settings(args.db, args.user), args.path)
    except backup.BackupError as exc:
        raise UsageError(str(exc)) from None
    if kept == Path(args.path).resolve():  # a server: replaced in one transaction
        print(f"restored {args.path}; every table was replaced in one transaction")
    else:
        print(f"restored {args.path}; the previous database was kept as {kept}")
    return 0
