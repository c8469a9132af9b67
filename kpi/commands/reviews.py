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
from kpi.review.snapshot import SnapshotError, figures_frame, open_saved
from kpi.settings import load_settings

FORMATS = ("table", "csv", "json")
REVIEW_COLUMNS = ["review_id", "period", "plant", "comparison", "as_of", "saved_at", "saved_by",
                  "decisions", "open"]  # fmt: skip
DECISION_COLUMNS = ["item_no", "kind", "text", "owner", "due_date", "status"]
STILL_OPEN = (DecisionStatus.OPEN.value, DecisionStatus.IN_PROGRESS.value)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "reviews", help="saved management reviews: list, show, figures, update a decision",
        description="Saved management reviews (ISO 9001 §9.3) and the status of their "
        "decisions and actions. Status: " + ", ".join(s.value for s in DecisionStatus)
        + ". An unknown review, item or status exits with code 2.",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="reviews_command", required=True, metavar="SUBCOMMAND")
    ls = sub.add_parser("list", help="every saved review, newest first")
    show = sub.add_parser("show", help="one saved review's decisions and actions")
    show.add_argument("review_id", type=int)
    figs = sub.add_parser("figures", help="the figures frozen when the review was saved")
    figs.add_argument("review_id", type=int)
    figs.add_argument(
        "--changes",
        action="store_true",
        help="only the figures a later correction changed: saved vs now",
    )
    upd = sub.add_parser("decision", help="set the status of one decision or action")
    upd.add_argument("review_id", type=int)
    upd.add_argument("item_no", type=int, help="the item number shown by 'reviews show'")
    upd.add_argument("--status", required=True, choices=[s.value for s in DecisionStatus])
    upd.add_argument("--user", help="who makes the change (default: $KPI_USER or login)")
    for p in (ls, show, figs):
        p.add_argument("--format", choices=FORMATS, default="table")
    for p in (ls, show, figs, upd):
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


def _say_snapshot(engine, review_id: int) -> None:  # noqa: ANN001
    """The frozen record's cut-off, exported files and whether figures changed since."""
    saved = open_saved(engine, review_id)
    body = saved["snapshot"]
    if body is None:
        print("(saved before frozen snapshots existed: no cut-off or file hashes)")
        return
    cut = body["cut_off"]
    print(f"Data cut-off: batch {cut['last_batch_id']} loaded {cut['loaded_at']}")
    for _, entry in sorted(body["exports"].items()):
        print(f"  {entry['file_name']}: sha256 {entry['sha256']}")
    if saved["changed"]:
        kpis = ", ".join(dict.fromkeys(saved["changes"]["kpi"]))
        print(f"FIGURES CHANGED SINCE THIS REVIEW: {len(saved['changes'])} figure(s) ({kpis}); "
              f"see 'reviews figures {review_id} --changes'")  # fmt: skip
    else:
        print("Figures unchanged since this review.")


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
                _say_snapshot(engine, args.review_id)
            _out(decisions_frame(review), args.format)
        elif args.reviews_command == "figures":
            saved = open_saved(engine, args.review_id)
            if saved["snapshot"] is None:
                raise UsageError(f"review {args.review_id} was saved before snapshots existed")
            frame = saved["changes"] if args.changes else figures_frame(saved["snapshot"])
            _out(frame, args.format)
        else:
            d = set_status(engine, settings, args.review_id, args.item_no, args.status)
            print(f"review {args.review_id} item {args.item_no} ({d.text}): {d.status}")
    except (ReviewError, SnapshotError) as exc:
        raise UsageError(str(exc)) from None
    finally:
        engine.dispose()
    return 0
