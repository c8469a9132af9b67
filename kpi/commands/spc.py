"""CLI: ``spc`` prints a control chart of one KPI (period,value,n,center,ucl,lcl,signals),
or with ``--characteristic`` and ``--product`` the X̄-R, X̄-S or I-MR chart of a measured
characteristic (kpi.commands.spc_measured).

Stored exclusions apply, and so does a frozen baseline unless --baseline-from/--baseline-to
are given, so the CLI shows the same chart as the SPC page. A window without data prints
the header only (``[]`` in JSON), says so on stderr and exits 0, as ``report`` does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys

from kpi import store
from kpi.catalogue import CATALOGUE
from kpi.cli import UsageError, add_db_option, current_summaries, date_option
from kpi.commands.report import records, write_csv
from kpi.settings import load_settings
from kpi.spc import CSV_COLUMNS, SPC_GRAINS, ChartType, spc_chart
from kpi.spc_rules import RuleSet
from kpi.spc_store import get_baseline, list_exclusions
from kpi.spc_variables import VariablesChartType


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "spc",
        help="control chart of one KPI with Western Electric or Nelson rules",
        description="Shewhart control chart (p, np, c, u or I-MR) of a catalogue KPI (--kpi and "
        "--grain), or the X̄-R, X̄-S or I-MR chart of a measured characteristic (--product and "
        "--characteristic; one row per subgroup). KPIs: "
        + ", ".join(CATALOGUE)
        + ". Exit code 2 for an unknown KPI, grain, chart or dimension, or a bad date. "
        "A window without data prints only the header, says so on stderr and exits 0.",
    )
    parser.add_argument("--kpi", metavar="NAME")
    parser.add_argument("--grain", metavar="|".join(g.value for g in SPC_GRAINS))
    parser.add_argument("--product", metavar="CODE", help="with --characteristic")
    parser.add_argument("--characteristic", metavar="NAME", help="a measured characteristic")
    charts = [c.value for c in ChartType] + [c.value for c in VariablesChartType]
    parser.add_argument("--chart", metavar="|".join(charts))
    parser.add_argument("--where", action="append", default=[], metavar="DIM=VALUE")
    parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    parser.add_argument("--baseline-from", dest="baseline_from", metavar="YYYY-MM-DD")
    parser.add_argument("--baseline-to", dest="baseline_to", metavar="YYYY-MM-DD")
    parser.add_argument("--rules", default="we", metavar="we|nelson", help="default we")
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    add_db_option(parser)
    parser.set_defaults(func=run)


def _choice(enum: type, text: str | None, option: str):
    if text is None:
        return None
    try:
        return enum(text.strip().lower())
    except ValueError:
        choices = "|".join(e.value for e in enum)
        raise UsageError(f"{option} {text!r}: choose {choices}") from None


def _where(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        dim, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--where {item!r}: use DIM=VALUE")
        out[dim.strip().lower()] = value
    return out


def _baseline(args: argparse.Namespace) -> tuple[dt.date, dt.date] | None:
    start = date_option(args.baseline_from, "--baseline-from")
    end = date_option(args.baseline_to, "--baseline-to")
    if (start is None) != (end is None):
        raise UsageError("give both --baseline-from and --baseline-to")
    return (start, end) if start and end else None


def run(args: argparse.Namespace) -> int:
    if args.characteristic or args.product:
        from kpi.commands.capability import run_measured

        return run_measured(args)
    if not (args.kpi and args.grain):
        raise UsageError("give --kpi and --grain, or --product and --characteristic")
    chart = _choice(ChartType, args.chart, "--chart")
    rules = _choice(RuleSet, args.rules, "--rules")
    where, baseline = _where(args.where), _baseline(args)
    date_from, date_to = date_option(args.date_from, "--from"), date_option(args.date_to, "--to")
    engine = store.create_engine(load_settings(args.db))
    try:
        current_summaries(engine)
        baseline = baseline or get_baseline(engine, args.kpi, where)
        result = spc_chart(
            engine, args.kpi, args.grain, chart=chart, where=where, date_from=date_from,
            date_to=date_to, baseline=baseline, rules=rules,
            exclusions=_exclusions(engine, args.kpi, where, args.grain),
        )  # fmt: skip
    except (KeyError, ValueError) as exc:
        raise UsageError(str(exc.args[0])) from None
    finally:
        engine.dispose()
    if result.empty:  # not an error (exit 0): the header or [] still parses in scripts
        print(_empty_message(args.kpi, where, date_from, date_to), file=sys.stderr)
    write(result.frame[CSV_COLUMNS], args.format)
    return 0


def _empty_message(kpi: str, where: dict[str, str], date_from, date_to) -> str:
    scope = ", ".join(f"{k}={v}" for k, v in sorted(where.items())) or "all"
    window = f"{date_from or 'the first data'} to {date_to or 'the last data'}"
    return f"no {kpi} data for {scope} from {window}: the chart has no points"


def _exclusions(engine, kpi: str, where: dict[str, str], grain: str):
    try:
        return list_exclusions(engine, kpi, where, grain)
    except ValueError:
        return {}  # a bad grain is reported by spc_chart with the right message


def write(frame, fmt: str, out=None) -> None:
    out = out or sys.stdout
    rows = records(frame)
    if fmt == "json":
        json.dump(rows, out, indent=1)
        out.write("\n")
        return
    write_csv(out, CSV_COLUMNS, rows)
