"""CLI: ``review`` writes the management review pack (ISO 9001 §9.3) as PPTX, PDF or XLSX."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kpi import store
from kpi.cli import UsageError, add_db_option, current_summaries
from kpi.grains import parse_date
from kpi.review import Format, Pack, ReviewRequest, export, make_request, prepare
from kpi.review.images import WarmRenderer
from kpi.review.pdf_export import ChartMode
from kpi.review.periods import PERIOD_HELP
from kpi.settings import Settings, load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "review",
        help="write the management review pack (PPTX, PDF or XLSX)",
        description="The ISO 9001 §9.3 management review pack for one period: objectives "
        "met or missed with the change vs the comparison, sections by §9.3.2 input, and "
        "the decisions of the last saved review. Exit code 2 for a bad period, comparison, "
        "format or date.",
    )
    parser.add_argument("--period", required=True, help=PERIOD_HELP)
    parser.add_argument(
        "--compare", default="previous", metavar="previous|last-year|BASELINE",
        help="comparison: the previous period (default), the same period last year, or a "
        "baseline period such as 2025",
    )  # fmt: skip
    parser.add_argument("--format", required=True, choices=[f.value for f in Format])
    parser.add_argument("--out", required=True, metavar="FILE", help="file to write")
    parser.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD", help="default: today")
    parser.add_argument("--plant", help="one plant only (default: all plants)")
    parser.add_argument(
        "--pdf-charts", choices=[m.value for m in ChartMode], default=ChartMode.AUTO.value,
        help="auto: plotly images when Chromium is available; native: drawn without a browser",
    )  # fmt: skip
    add_db_option(parser)
    parser.set_defaults(func=run)


def _start_charts(args: argparse.Namespace) -> WarmRenderer | None:
    """For a PDF with images, start Chromium now: its start-up overlaps the queries."""
    if args.format != Format.PDF or ChartMode(args.pdf_charts) is not ChartMode.AUTO:
        return None
    return WarmRenderer().start()


def _prepare(settings: Settings, request: ReviewRequest) -> Pack:
    engine = store.create_engine(settings)
    try:
        current_summaries(engine)
        return prepare(engine, request, settings.near_band)
    finally:
        engine.dispose()


def run(args: argparse.Namespace) -> int:
    try:
        as_of = parse_date(args.as_of) if args.as_of else None
        request = make_request(args.period, args.compare, as_of, args.plant)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    settings = load_settings(args.db)
    warm = _start_charts(args)
    try:
        pack = _prepare(settings, request)
        pdf = args.format == Format.PDF
        options = {"charts": ChartMode(args.pdf_charts), "warm": warm} if pdf else {}
        data = export(pack, args.format, **options)
    finally:
        if warm:
            warm.stop()
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(data)
    counts = pack.status_counts()
    print(
        f"{out}: {pack.title} vs {pack.comparison.label}, {len(data):,} bytes; objectives "
        f"{counts['met']} met, {counts['near']} nearly met, {counts['missed']} missed",
        file=sys.stdout,
    )
    return 0
