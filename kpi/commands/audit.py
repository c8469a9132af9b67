"""CLI: ``audit`` — the audit log as CSV, and ``audit verify`` — is its hash chain whole?"""

from __future__ import annotations

import argparse
import sys

from kpi import audit_chain, store
from kpi.cli import add_db_option
from kpi.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    audit = subparsers.add_parser(
        "audit",
        help="who changed what, when (CSV); 'audit verify' checks the log's hash chain",
        description="Print the audit log as CSV. 'audit verify' walks its hash chain and "
        "names the first entry whose link is broken (exit code 1), or says it is intact.",
    )
    audit.add_argument("action", nargs="?", choices=["verify"], help="check the hash chain")
    add_db_option(audit)
    audit.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    engine = store.create_engine(load_settings(args.db))
    if args.action == "verify":
        return _verify(engine)
    from kpi.exports import to_csv_bytes  # pandas is slow to import; only this command needs it

    sys.stdout.buffer.write(to_csv_bytes(store.list_audit(engine)))
    return 0


def _verify(engine) -> int:  # noqa: ANN001
    with engine.connect() as conn:
        verdict = audit_chain.verify(conn)
    legacy = (
        f" ({verdict.unchained} older entries predate the chain and cannot be checked)"
        if verdict.unchained
        else ""
    )
    if verdict.intact:
        print(f"audit log intact: {verdict.checked} chained entries{legacy}")
        return 0
    print(
        f"audit log broken at entry {verdict.broken_at}: {verdict.reason} "
        f"({verdict.checked} entries before it are intact){legacy}",
        file=sys.stderr,
    )
    return 1
