"""CLI: ``notify`` — one notification pass (``--dry-run`` prints what would be sent)."""

from __future__ import annotations

import argparse
import sys

from kpi import store
from kpi.cli import UsageError, add_db_option, current_summaries
from kpi.notify.config import ConfigError, load_outbound
from kpi.notify.run import Planned, notify
from kpi.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "notify",
        help="send new target misses, SPC signals and overdue actions to subscribers",
        description="Match current signals to subscriptions and send what is due: one "
        "message per new signal (immediate) or one daily digest. A signal is sent once per "
        "subscription. SMTP settings come from KPI_SMTP_* or [smtp] in "
        ".streamlit/secrets.toml. Exit code 1 if a message could not be sent.",
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be sent; send and store nothing"
    )
    add_db_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.db)
    try:
        outbound = load_outbound()
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    engine = store.create_engine(settings)
    try:
        current_summaries(engine)
        done = notify(
            engine, outbound, store.now(), dry_run=args.dry_run, near_band=settings.near_band
        )
    finally:
        engine.dispose()
    for item in done:
        print(describe(item, args.dry_run))
    if not done:
        print("nothing to send")
    return 1 if any(item.error for item in done) else 0


def describe(item: Planned, dry_run: bool) -> str:
    msg = item.message
    head = f"{msg.channel.value} to {msg.recipient}: {msg.subject}"
    if dry_run:
        body = "\n".join("    " + line for line in msg.text.splitlines())
        return f"would send {head}\n{body}"
    if item.error:
        print(f"failed {head}: {item.error}", file=sys.stderr)
        return f"not sent ({len(item.signal_ids)} signal(s) stay pending): {head}"
    return f"sent {head}"
