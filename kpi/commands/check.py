"""CLI: ``check`` lists data-quality problems already stored (see ``kpi.consistency``).

Exit code 1 when any (date, shift, plant, line, machine) has more stop minutes than
planned minutes (a contradiction the loader now refuses, but an older database may
hold); 0 otherwise, also when only downtime without production is listed.
"""

from __future__ import annotations

import argparse
import sys

from kpi import store
from kpi.cli import add_db_option, date_option
from kpi.commands.report import write
from kpi.consistency import PROBLEM, data_quality
from kpi.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "check",
        help="list stored data-quality problems (stops above planned minutes, ...)",
        description="Lists every stored (date, shift, plant, line, machine) whose stop minutes "
        "exceed its planned minutes, then downtime on shifts without production. Exit code 1 "
        "when stops exceed planned minutes anywhere, else 0.",
    )
    parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    parser.add_argument("--format", choices=("table", "csv", "json"), default="table")
    add_db_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    date_from = date_option(args.date_from, "--from")
    date_to = date_option(args.date_to, "--to")
    engine = store.create_engine(load_settings(args.db))
    try:
        found = data_quality(engine, date_from, date_to)
    finally:
        engine.dispose()
    write(found, args.format, sys.stdout)
    contradictions = int((found["problem"] == PROBLEM).sum())
    print(f"{contradictions} shift(s) with more stop than planned minutes, "
          f"{len(found) - contradictions} other warning(s)", file=sys.stderr)  # fmt: skip
    return 1 if contradictions else 0
