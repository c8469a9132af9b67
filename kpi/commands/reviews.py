"""CLI: ``reviews list|show|decision`` — saved management reviews and their decisions.

A separate command from ``review`` (which writes a pack and needs --period, --format and
--out) so that ``python -m kpi review --period ...`` stays exactly as it was.
"""

from __future__ import annotations

import argparse
import sys

import pandas as pd

from kpi import store
from kpi.cli import UsageError, add_db_option
from kpi.commands.report import write
from kpi.exports import neutralise
from kpi.review import DecisionStatus, ReviewError, list_reviews, review_by_id
from kpi.review import set_decision_status as set_status
from kpi.settings import load_settings

FORMATS = ("table", "csv", "json")
REVIEW_COLUMNS = ["review_id", "period", "plant", "comparison", "as_of", "saved_at", "saved_by",
                  "decisions", "open"]  # fmt: skip
DECISION_COLUMNS = ["item_no", "kind", "text", "owner", "due_date", "status"]
STILL_OPEN = (DecisionStatus.OPEN.value, DecisionStatus.IN_PROGRESS.value)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reviews", help="saved management reviews: list, show, update a decision's status",
        description="Saved management reviews (ISO 9001 §9.3) and the status of their "
        "decisions and actions. Status: " + ", ".join(s.value for s in DecisionStatus)
        + ". An unknown review, item or status exits with code 2.",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="reviews_command", required=True, metavar="SUBCOMMAND")
    ls = sub.add_parser("list", help="every saved review, newest first")
    show = sub.add_parser("show", help="one saved review's decisions and actions")
    show.add_argument("review_id", type=int)
    upd = sub.add_parser("decision", help="set the status of one decision or action")
    upd.add_argument("review_id", type=int)
    upd.add_argument("item_no", type=int, help="the item number shown by 'reviews show'")
    upd.add_argument("--status", required=True, choices=[s.value for s in DecisionStatus])
    upd.add_argument("--user", help="who makes the change (default: $KPI_USER or login)")
    for p in (ls, show):
        p.add_argument("--format", choices=FORMATS, default="table")
    for p in (ls, show, upd):
        add_db_option(p)
        p.set_defaults(func=run)


def reviews_frame(reviews: list[dict]) -> pd.DataFrame:
    """One row per review; 'open' counts decisions still open or in progress."""
    rows = [
        {**{k: r[k] for k in REVIEW_COLUMNS[:7]}, "plant": r["plant"] or "all plants",
         "decisions": len(r["decisions"]),
         "open": sum(d.status in STILL_OPEN for d in r["decisions"])}
        for r in reviews
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=REVIEW_COLUMNS)


def decisions_frame(review: dict) -> pd.DataFrame:
    rows = [{k: v for k, v in d.to_dict().items() if k in DECISION_COLUMNS}
            for d in review["decisions"]]  # fmt: skip
    return pd.DataFrame(rows, columns=DECISION_COLUMNS)


def _out(df: pd.DataFrame, fmt: str) -> None:
    write(neutralise(df) if fmt == "csv" else df, fmt, sys.stdout)  # user text: no formulas


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.db, user=getattr(args, "user", None))
    engine = store.create_engine(settings)
    try:
        if args.reviews_command == "list":
            _out(reviews_frame(list_reviews(engine)), args.format)
        elif args.reviews_command == "show":
            review = review_by_id(engine, args.review_id)
            if args.format == "table":
                print(f"Review {review['review_id']} of {review['period_label']}, saved "
                      f"{review['saved_at']} by {review['saved_by']}")  # fmt: skip
            _out(decisions_frame(review), args.format)
        else:
            d = set_status(engine, settings, args.review_id, args.item_no, args.status)
            print(f"review {args.review_id} item {args.item_no} ({d.text}): {d.status}")
    except ReviewError as exc:
        raise UsageError(str(exc)) from None
    finally:
        engine.dispose()
    return 0
