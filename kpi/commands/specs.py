"""CLI: ``specs list|set|end|import|history`` manages characteristic specs (units, limits)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kpi import store
from kpi.cli import UsageError, add_db_option, date_option
from kpi.commands.report import write
from kpi.settings import load_settings
from kpi.specs import (
    IMPORT_COLUMNS,
    SpecError,
    end_spec,
    import_specs,
    list_specs,
    set_spec,
    spec_from_text,
    spec_history,
)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "specs",
        help="list, set, end or import characteristic specs",
        description="Specs of measured characteristics by product and validity window: the "
        "unit readings must be in, nominal, lower and upper limits (one may be blank) and "
        "the subgroup size. Measurements without a spec are refused at load. Every change "
        "is validated and written to the audit log.",
    )
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    p_list = sub.add_parser("list", help="stored specs, every window")
    p_list.add_argument("--product", help="only this product")
    p_set = sub.add_parser("set", help="set one spec (insert, or update the same window)")
    p_set.add_argument("product")
    p_set.add_argument("characteristic")
    p_set.add_argument("--unit", required=True, help="e.g. mm; readings must use it")
    p_set.add_argument("--nominal", help="the target value")
    p_set.add_argument("--lsl", help="lower spec limit (blank: one-sided)")
    p_set.add_argument("--usl", help="upper spec limit (blank: one-sided)")
    p_set.add_argument("--n", dest="subgroup_size", default="5", help="subgroup size (5)")
    p_set.add_argument("--cpk-min", dest="cpk_min", help="required minimum Cpk (1.33)")
    p_set.add_argument("--from", dest="valid_from", metavar="YYYY-MM-DD")
    p_set.add_argument("--to", dest="valid_to", metavar="YYYY-MM-DD")
    p_end = sub.add_parser("end", help="end a spec's validity on a day (inclusive)")
    p_end.add_argument("spec_id", type=int)
    p_end.add_argument("--on", dest="last_day", required=True, metavar="YYYY-MM-DD")
    p_import = sub.add_parser(
        "import", help=f"import a CSV: {','.join(IMPORT_COLUMNS)} (all or nothing)"
    )
    p_import.add_argument("file", type=Path)
    p_hist = sub.add_parser("history", help="audited spec changes, newest first")
    for p in (p_list, p_hist):
        p.add_argument("--format", choices=("csv", "json", "table"), default="table")
    for p in (p_list, p_set, p_end, p_import, p_hist):
        add_db_option(p)
        p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.db)
    engine = store.create_engine(settings)
    try:
        return _dispatch(args, engine, settings)
    except SpecError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()


def _dispatch(args, engine, settings) -> int:
    if args.action == "list":
        write(list_specs(engine, args.product), args.format, sys.stdout)
    elif args.action == "history":
        write(spec_history(engine), args.format, sys.stdout)
    elif args.action == "set":
        spec_id = set_spec(engine, settings, _spec(args))
        print(f"spec {spec_id} saved")
    elif args.action == "end":
        end_spec(engine, settings, args.spec_id, date_option(args.last_day, "--on"))
        print(f"spec {args.spec_id} ends on {args.last_day}")
    else:
        try:
            text = args.file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            raise UsageError(f"cannot read {args.file}: {exc}") from None
        count = import_specs(engine, settings, text, args.file.name)
        print(f"{count} specs imported from {args.file.name}")
    return 0


def _spec(args: argparse.Namespace):
    fields = ("product", "characteristic", "unit", "nominal", "lsl", "usl", "subgroup_size",
              "cpk_min")  # fmt: skip
    row = {name: getattr(args, name) or "" for name in fields}
    row |= {"valid_from": args.valid_from or "", "valid_to": args.valid_to or ""}
    try:
        return spec_from_text(row)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
