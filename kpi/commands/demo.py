"""CLI: ``demo`` seeds the database with one reproducible year of demo data."""

from __future__ import annotations

import argparse

from kpi import store
from kpi.cli import UsageError, add_db_option
from kpi.demo import DEFAULT_SEED, seed_demo
from kpi.demo_actions import seed_demo_actions
from kpi.ingest import Outcome
from kpi.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="seed the database with demo data",
        description="Load one year (2025-11-01..2026-10-31) of realistic demo data for two "
        "plants and six lines through the normal loader, one batch per kind. "
        "Loading the same seed twice is a no-op. A database without corrective actions "
        "also gets three demo actions on the L5 scrap drift. Exit code 1 if any demo file "
        "is rejected.",
    )
    parser.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        metavar="N",
        help=f"random seed; the same seed always gives the same data (default: {DEFAULT_SEED})",
    )
    add_db_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Seed and print the loader's one-line summary per kind."""
    if args.seed < 0:
        raise UsageError("--seed must be zero or a positive whole number")
    settings = load_settings(args.db)
    engine = store.create_engine(settings)
    try:
        results = seed_demo(engine, settings, args.seed)
        actions = seed_demo_actions(engine)
    finally:
        engine.dispose()
    for result in results:
        print(result.summary())
        for problem in result.problems[:10]:
            print("  " + problem.describe())
    if actions:
        print(f"opened {len(actions)} demo corrective actions (the L5 scrap drift)")
    return 1 if any(r.outcome is Outcome.REJECTED for r in results) else 0
