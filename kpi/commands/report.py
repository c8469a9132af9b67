"""CLI: ``report`` prints catalogue KPIs by grain and dimensions as CSV, JSON or a table.

This is a stable interface people script against: the CSV columns are
``period,<each --by dimension>,kpi,value,numerator,denominator,target,status``.
With ``--lineage`` each figure is followed to its sources instead: one row per figure and
batch, ``period,<dims>,kpi,value,kind,batch_id,rows,...,sha256,...,loaded_by,loaded_at``.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import sys
from typing import Any

import pandas as pd

from kpi import store
from kpi.catalogue import CATALOGUE, Dim, Grain
from kpi.cli import UsageError, add_db_option, current_summaries, date_option
from kpi.exports import neutralise_cell
from kpi.metrics import compute, make_query
from kpi.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "report",
        help="compute KPIs by period and dimension",
        description="Compute catalogue KPIs as ratios of sums. KPIs: "
        + ", ".join(CATALOGUE)
        + ". Dimensions: "
        + ", ".join(d.value for d in Dim)
        + ". Exit code 2 for an unknown KPI, grain or dimension, or a bad date.",
    )
    parser.add_argument("--kpi", action="append", required=True, metavar="NAME[,NAME...]")
    parser.add_argument(
        "--grain", default="total", metavar="|".join(g.value for g in Grain), help="default total"
    )
    parser.add_argument("--by", action="append", default=[], metavar="DIM[,DIM...]")
    parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    parser.add_argument("--where", action="append", default=[], metavar="DIM=VALUE")
    parser.add_argument(
        "--as-of", dest="as_of", metavar="YYYY-MM-DD", help="for delivery KPIs (default: today)"
    )
    parser.add_argument("--format", choices=("csv", "json", "table"), default="csv")
    parser.add_argument(
        "--lineage",
        action="store_true",
        help="instead: one row per figure and batch behind it (file, SHA-256, who, when)",
    )
    add_db_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    query = _build_query(args)
    settings = load_settings(args.db)
    engine = store.create_engine(settings)
    try:
        current_summaries(engine)
        df = compute(engine, query, near_band=settings.near_band)
        if args.lineage:
            from kpi.lineage import report_lineage

            df = report_lineage(engine, df, query)
    finally:
        engine.dispose()
    write(df, args.format, sys.stdout)
    return 0


def _split(values: list[str]) -> list[str]:
    return [p.strip() for v in values for p in v.split(",") if p.strip()]


def _build_query(args: argparse.Namespace):
    where = []
    for item in args.where:
        dim, sep, value = item.partition("=")
        if not sep:
            raise UsageError(f"--where {item!r}: use DIM=VALUE")
        if dim.strip() in {d for d, _ in where}:
            raise UsageError(
                f"--where names {dim.strip()!r} twice; filters on different dimensions "
                "are combined with AND, so give one value per dimension"
            )
        where.append((dim.strip(), value))
    try:
        return make_query(
            _split(args.kpi),
            args.grain,
            _split(args.by),
            date_option(args.date_from, "--from"),
            date_option(args.date_to, "--to"),
            where,
            date_option(args.as_of, "--as-of"),
        )
    except (KeyError, ValueError) as exc:
        raise UsageError(str(exc.args[0])) from None


def _cell(value: Any) -> Any:
    """Integral floats print as integers, others with repr (clean: kpi.numbers); NaN is empty."""
    if value is None:
        return None
    if isinstance(value, float):
        if math.isnan(value):
            return None
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _cell(v) for k, v in row.items()} for row in df.astype(object).to_dict("records")]


def write_csv(out, columns: list, rows: list[dict[str, Any]]) -> None:  # noqa: ANN001
    """CSV whose text cells cannot run as formulas in a spreadsheet (see kpi.exports)."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([neutralise_cell(str(c)) for c in columns])
    for row in rows:
        writer.writerow(
            ["" if v is None else repr(v) if isinstance(v, float) else neutralise_cell(v)
             for v in row.values()]
        )  # fmt: skip


def write(df: pd.DataFrame, fmt: str, out) -> None:
    rows = records(df)
    if fmt == "json":
        json.dump(rows, out, indent=1)
        out.write("\n")
    elif fmt == "table":
        shown = pd.DataFrame(rows, columns=list(df.columns)).fillna("")
        out.write(shown.to_string(index=False) + "\n" if rows else "(no data)\n")
    else:
        write_csv(out, list(df.columns), rows)
