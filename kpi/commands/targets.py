"""CLI: ``targets list|set|import|delete|history`` manages quality objectives (ISO 9001 §6.2)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kpi import store
from kpi.catalogue import CATALOGUE
from kpi.cli import UsageError, add_db_option
from kpi.commands.report import write
from kpi.grains import parse_date
from kpi.settings import load_settings
from kpi.targets import (
    TargetError,
    TargetSpec,
    delete_target,
    import_targets,
    list_targets,
    parse_scope,
    parse_value,
    set_target,
    target_history,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "targets",
        help="list, set or import KPI targets",
        description="Targets by KPI, scope (all, plant=X, line=X, product=X) and validity "
        "window. The most specific scope wins; catalogue defaults apply otherwise. Every "
        "change is validated and written to the audit log.",
    )
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    p_list = sub.add_parser("list", help="stored targets and catalogue defaults")
    p_list.add_argument("--format", choices=("csv", "json", "table"), default="table")
    p_set = sub.add_parser("set", help="set one target (insert or update)")
    p_set.add_argument("kpi", help=", ".join(CATALOGUE))
    p_set.add_argument("value", help="e.g. 0.02 or 2%%")
    p_set.add_argument("--scope", default="all", help="all, plant=X, line=X or product=X")
    p_set.add_argument("--from", dest="valid_from", metavar="YYYY-MM-DD")
    p_set.add_argument("--to", dest="valid_to", metavar="YYYY-MM-DD")
    p_set.add_argument(
        "--near-band", dest="near_band", metavar="BAND", help="this target's near band, e.g. 5%%"
    )
    p_import = sub.add_parser(
        "import",
        help="import a CSV: kpi,scope,value[,valid_from,valid_to,near_band] (all or nothing)",
    )
    p_import.add_argument("file", type=Path)
    p_delete = sub.add_parser("delete", help="delete one stored target by id")
    p_delete.add_argument("target_id", type=int)
    p_hist = sub.add_parser("history", help="audited target changes, newest first")
    p_hist.add_argument("--format", choices=("csv", "json", "table"), default="table")
    for p in (p_list, p_set, p_import, p_delete, p_hist):
        add_db_option(p)
        p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.db)
    engine = store.create_engine(settings)
    try:
        return _dispatch(args, engine, settings)
    except TargetError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()


def _dispatch(args, engine, settings) -> int:
    if args.action == "list":
        write(list_targets(engine), args.format, sys.stdout)
    elif args.action == "history":
        write(target_history(engine), args.format, sys.stdout)
    elif args.action == "set":
        target_id = set_target(engine, settings, _spec(args))
        print(f"target {target_id} saved")
    elif args.action == "delete":
        delete_target(engine, settings, args.target_id)
        print(f"target {args.target_id} deleted")
    else:
        try:
            text = args.file.read_text(encoding="utf-8-sig")
        except OSError as exc:
            raise UsageError(f"cannot read {args.file}: {exc.strerror}") from None
        count = import_targets(engine, settings, text, args.file.name)
        print(f"{count} targets imported from {args.file.name}")
    return 0


def _spec(args: argparse.Namespace) -> TargetSpec:
    try:
        scope, scope_value = parse_scope(args.scope)
        return TargetSpec(
            args.kpi,
            scope,
            scope_value,
            parse_value(args.value),
            parse_date(args.valid_from) if args.valid_from else None,
            parse_date(args.valid_to) if args.valid_to else None,
            parse_value(args.near_band) if args.near_band else None,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
