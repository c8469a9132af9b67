"""The command line: ``python -m kpi COMMAND``; each ``kpi.commands`` module adds commands."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

import kpi.commands

if TYPE_CHECKING:
    import sqlalchemy as sa


# Exit code when the database stayed busy past KPI_LOCK_WAIT (EX_TEMPFAIL: cron may retry)
EXIT_BUSY = 75

# Commands that take turns on the database file per unit of work (a file, a run) instead
# of keeping one turn for the whole command, so the app gets the file between units.
TAKES_TURNS_ITSELF = frozenset({"ingest", "worker", "watch", "undo"})


class UsageError(Exception):
    """A bad argument value; reported on stderr with exit code 2."""


# command -> module in kpi.commands that registers it. Only that module is imported for
# a run, so a command does not pay for every other command's imports (pandas, plotly,
# python-pptx ...); ``--help`` and unknown commands import them all.
# tests/test_docs.py checks this map against what the modules really register.
COMMAND_MODULES: dict[str, str] = {
    "ingest": "ingest",
    "batches": "ingest",
    "undo": "ingest",
    "profiles": "profiles",
    "demo": "demo",
    "report": "report",
    "targets": "targets",
    "specs": "specs",
    "spc": "spc",
    "capability": "capability",
    "check": "check",
    "actions": "actions",
    "review": "review",
    "reviews": "reviews",
    "users": "users",
    "backup": "backup",
    "restore": "backup",
    "audit": "audit",
    "db": "db",
    "notify": "notify",
    "worker": "worker",
    "schedules": "schedules",
    "watch": "watch",
    "register": "register",
    "evidence": "evidence",
    "audits": "audits",
}


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """Register the command named in ``argv`` (or every command, for help)."""
    parser = argparse.ArgumentParser(
        prog="python -m kpi", description="Manufacturing quality KPI toolkit."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    first = next((a for a in argv or () if not a.startswith("-")), None)
    if first in COMMAND_MODULES:
        names = [COMMAND_MODULES[first]]
    else:
        names = sorted(m.name for m in pkgutil.iter_modules(kpi.commands.__path__))
    for name in names:
        importlib.import_module(f"kpi.commands.{name}").register(subparsers)
    return parser


def date_option(text: str | None, option: str) -> dt.date | None:
    """A strict YYYY-MM-DD option value; a bad one is a usage error naming the option."""
    if text is None:
        return None
    from kpi.grains import parse_date

    try:
        return parse_date(text)
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def current_summaries(engine: sa.Engine) -> None:
    """Rebuild KPI summaries that loads since the last reader left pending, saying so.

    Why here: ``ingest`` and ``undo`` defer the rebuild, so a bulk load of many files
    pays for it once, in the first command that reads KPIs.
    """
    from kpi.summary import ensure_current

    ensure_current(engine, lambda text: print(text + "…", file=sys.stderr, flush=True))


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """The shared ``--db`` option: beats KPI_DB_URL, which beats duckdb:///data/kpi.duckdb."""
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $KPI_DB_URL or duckdb:///data/kpi.duckdb)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, dispatch and turn expected failures into messages, never tracebacks."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    from kpi import lease

    try:
        with lease.announcing(_say_waiting), _command_turn(args):
            return int(args.func(args) or 0)
    except lease.DatabaseBusy as busy:
        print(f"error: {busy}", file=sys.stderr)
        return EXIT_BUSY
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was committed", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: a message, never a traceback
        if os.environ.get("KPI_DEBUG"):
            raise
        from kpi.migrate import SchemaError

        if isinstance(exc, SchemaError):  # the database's schema is newer, or not upgraded
            print(f"error: {exc}", file=sys.stderr)
            return 3
        print(f"error: {type(exc).__name__}: {exc} (set KPI_DEBUG=1 for details)", file=sys.stderr)
        return 3


def _say_waiting(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _command_turn(args: argparse.Namespace) -> contextlib.AbstractContextManager[None]:
    """One turn on the DuckDB file for the whole command: its reads see one state and
    it opens the file once. Loaders and daemons take turns per unit of work instead."""
    from kpi import lease
    from kpi.settings import load_settings

    if args.command in TAKES_TURNS_ITSELF:
        return contextlib.nullcontext()
    return lease.turn(load_settings(getattr(args, "db", None)).duckdb_path)
