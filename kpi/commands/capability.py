"""CLI: ``capability`` prints the capability study of a measured characteristic over a
window, and ``spc --product P --characteristic NAME`` (handed over by kpi.commands.spc)
one row per subgroup of its X̄-R, X̄-S or I-MR chart.

Both read ``kpi.variables.measured_chart``, so the CLI shows the chart, the stored baseline
and exclusions, and the Cpk the SPC page and the review pack show.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from kpi import store
from kpi.cli import UsageError, add_db_option, date_option
from kpi.commands.report import records, write_csv
from kpi.settings import load_settings
from kpi.spc_readings import VariablesError
from kpi.spc_rules import RuleSet
from kpi.spc_variables import CSV_COLUMNS, VariablesChartType
from kpi.variables import Measured, MeasuredChart, measured_chart

SCOPE_DIMS = ("plant", "line")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "capability",
        help="process capability (Cp, Cpk, Pp, Ppk) of a measured characteristic",
        description="Capability of a measured characteristic against the spec in force at the "
        "window's end: Cp/Cpk (σ within the subgroups) and Pp/Ppk (overall σ) with 95 % "
        "intervals (one-sided specs give only Cpu or Cpl), expected ppm out of spec and the "
        "Anderson-Darling p-value. Warnings (not normal, unstable window) go to stderr. "
        "Exit code 2 when there is no spec or no readings.",
    )
    parser.add_argument("--product", required=True, metavar="CODE")
    parser.add_argument("--characteristic", required=True, metavar="NAME")
    parser.add_argument("--chart", metavar="xbar-r|xbar-s|imr", help="default: by subgroup size")
    parser.add_argument("--where", action="append", default=[], metavar="plant=|line=")
    parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    parser.add_argument("--baseline-from", dest="baseline_from", metavar="YYYY-MM-DD")
    parser.add_argument("--baseline-to", dest="baseline_to", metavar="YYYY-MM-DD")
    parser.add_argument("--rules", default="we", metavar="we|nelson")
    parser.add_argument("--format", choices=("csv", "json"), default="csv")
    add_db_option(parser)
    parser.set_defaults(func=run_capability)


def _item(args: argparse.Namespace) -> Measured:
    if not (args.product and args.characteristic):
        raise UsageError("give both --product and --characteristic")
    where = {}
    for text in args.where:
        dim, sep, value = text.partition("=")
        dim = dim.strip().lower()
        if not sep or dim not in SCOPE_DIMS:
            raise UsageError(f"--where {text!r}: use plant=NAME or line=NAME")
        if dim in where:
            raise UsageError(f"--where {dim} given twice")
        where[dim] = value.strip()
    if "line" in where and "plant" not in where:
        raise UsageError("a line is a line of a plant: give --where plant=NAME too")
    return Measured(args.product.strip(), args.characteristic.strip(), **where)


def _chart(args: argparse.Namespace) -> MeasuredChart:
    item = _item(args)
    try:
        chart = VariablesChartType(args.chart.strip().lower()) if args.chart else None
        rules = RuleSet(args.rules.strip().lower())
    except ValueError:
        choices = "|".join(c.value for c in VariablesChartType)
        raise UsageError(f"--chart {args.chart!r}: choose {choices} for a characteristic") from None
    date_from, date_to = date_option(args.date_from, "--from"), date_option(args.date_to, "--to")
    start, end = (
        date_option(args.baseline_from, "--baseline-from"),
        date_option(args.baseline_to, "--baseline-to"),
    )
    if (start is None) != (end is None):
        raise UsageError("give both --baseline-from and --baseline-to")
    engine = store.create_engine(load_settings(args.db))
    try:
        return measured_chart(engine, item, chart, date_from, date_to,
                              (start, end) if start else None, rules)  # fmt: skip
    except VariablesError as exc:
        raise UsageError(str(exc)) from None
    finally:
        engine.dispose()


def run_measured(args: argparse.Namespace) -> int:
    result = _chart(args)
    frame = result.chart.frame[CSV_COLUMNS]
    _write(frame, args.format)
    return 0


def capability_rows(result: MeasuredChart) -> pd.DataFrame:
    """index, value, ci_low, ci_high: the indices the spec allows, then ppm and checks."""
    c = result.capability
    rows = []
    for name in ("Cp", "Cpk", "Cpu", "Cpl", "Pp", "Ppk", "Ppu", "Ppl"):
        value = getattr(c, name.lower())
        if value is not None:
            low, high = c.intervals.get(name, (None, None))
            rows.append({"index": name, "value": value, "ci_low": low, "ci_high": high})
    extra = {
        "ppm_within": c.ppm_within, "ppm_overall": c.ppm_overall,
        "anderson_darling_p": c.ad_p_value, "n": float(c.n), "mean": c.mean,
        "sigma_within": c.sigma_within, "sigma_overall": c.sigma_overall,
        "cpk_min": result.cpk_min,
    }  # fmt: skip
    for name, value in extra.items():
        rows.append({"index": name, "value": value, "ci_low": None, "ci_high": None})
    return pd.DataFrame(rows)


def run_capability(args: argparse.Namespace) -> int:
    result = _chart(args)
    if result.capability is None:
        raise UsageError(f"no capability for {result.item.label}: {result.capability_problem}")
    for note in result.capability.notes:
        print(f"warning: {note}", file=sys.stderr)
    _write(capability_rows(result), args.format)
    return 0


def _write(frame: pd.DataFrame, fmt: str) -> None:
    if fmt == "json":
        import json

        json.dump(records(frame), sys.stdout, indent=1)
        sys.stdout.write("\n")
        return
    write_csv(sys.stdout, list(frame.columns), records(frame))
