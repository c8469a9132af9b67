"""CLI: ``capability`` prints Cp, Cpk, Pp, Ppk with 95 % intervals, expected ppm and the
normality check of one measured characteristic over a window."""

from __future__ import annotations

import argparse

from kpi.cli import add_db_option


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
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    from kpi.commands.spc_measured import run_capability

    return run_capability(args)
