"""The command line: ``python -m kpi COMMAND``; each ``kpi.commands`` module adds commands."""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from collections.abc import Sequence

import kpi.commands


class UsageError(Exception):
    """A bad argument value; reported on stderr with exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    """Collect every ``register(subparsers)`` found under ``kpi.commands``."""
    parser = argparse.ArgumentParser(
        prog="python -m kpi", description="Manufacturing quality KPI toolkit."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_info in sorted(pkgutil.iter_modules(kpi.commands.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"kpi.commands.{module_info.name}")
        module.register(subparsers)
    return parser


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """The shared ``--db`` option: beats KPI_DB_URL, which beats duckdb:///data/kpi.duckdb."""
    parser.add_argument(
        "--db",
        metavar="URL",
        help="database URL (default: $KPI_DB_URL or duckdb:///data/kpi.duckdb)",
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, dispatch and turn expected failures into messages, never tracebacks."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was committed", file=sys.stderr)
        return 130
    except Exception as exc:  # the last line of defence: a message, never a traceback
        if os.environ.get("KPI_DEBUG"):
            raise
        print(f"error: {type(exc).__name__}: {exc} (set KPI_DEBUG=1 for details)", file=sys.stderr)
        return 3
