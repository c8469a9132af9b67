"""CLI: ``db upgrade``, ``db version`` and ``db diff`` — the database's schema revision."""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import sqlalchemy as sa

from kpi import migrate, store
from kpi.cli import add_db_option
from kpi.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="schema revision: upgrade, version")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    upgrade = actions.add_parser(
        "upgrade",
        help="bring the database to the schema this version needs, in place",
        description="Runs every schema revision the database lacks, in one transaction. "
        "A database from a newer release is refused (exit code 3); nothing is changed.",
    )
    upgrade.set_defaults(func=run_upgrade)
    version = actions.add_parser(
        "version", help="the database's schema revision and the one this code needs"
    )
    version.set_defaults(func=run_version)
    diff = actions.add_parser(
        "diff",
        help="for developers: the Alembic operations a new revision needs for kpi/tables.py",
    )
    diff.add_argument(
        "--write",
        metavar="SLUG",
        help="write the new revision to kpi/migrations/versions/NNNN_SLUG.py instead",
    )
    diff.set_defaults(func=run_diff)
    for sub in (upgrade, version):
        add_db_option(sub)
    copy = actions.add_parser(
        "copy",
        help="copy a whole database to another backend (DuckDB file -> PostgreSQL), verified",
        description="Copies every table into an empty database at the current schema, then "
        "checks row counts and every KPI report on both sides. Exit code 1 when the copy "
        "does not verify, 2 for a bad argument.",
    )
    copy.add_argument("--from", dest="source", required=True, metavar="URL")
    copy.add_argument("--to", dest="target", required=True, metavar="URL")
    copy.add_argument(
        "--archive-to", type=Path, metavar="DIR", help="copy the archived originals here too"
    )
    copy.add_argument("--user", help="who is copying (default: $KPI_USER or login name)")
    copy.set_defaults(func=run_copy)


def run_upgrade(args: argparse.Namespace) -> int:
    engine = store.open_engine(load_settings(args.db))
    try:
        before, after = migrate.upgrade(engine)
    finally:
        engine.dispose()
    if before.revision == after:
        print(f"the database is already at revision {after}; nothing to do")
    else:
        print(f"upgraded the database to revision {after} (it was {before.describe()})")
    return 0


def run_version(args: argparse.Namespace) -> int:
    engine = store.open_engine(load_settings(args.db))
    try:
        with engine.connect() as conn:
            state = migrate.read_state(conn)
    finally:
        engine.dispose()
    head = migrate.head_revision()
    print(f"current: {state.revision or 'none'} ({_status(state, head)})")
    print(f"head: {head}")
    return 0


def _status(state: migrate.SchemaState, head: str) -> str:
    if state.revision == head:
        return "up to date"
    if state.revision is not None and state.revision not in migrate.revisions():
        return "ahead of this version: install the newer release"
    return f"the database is {state.describe()}; run `python -m kpi db upgrade`"


_REVISION = '''"""TODO: say what changed in kpi/tables.py and why.

Revision ID: {revision}
Revises: {previous}
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "{revision}"
down_revision = "{previous}"


def upgrade() -> None:
{ops}
'''


def run_diff(args: argparse.Namespace) -> int:
    """Print (or write) a new revision for what kpi/tables.py has beyond the head revision.

    The operations come from comparing kpi/tables.py with a scratch in-memory DuckDB
    database at the head revision.
    """
    engine = sa.create_engine("duckdb:///:memory:")
    try:
        migrate.upgrade(engine)
        ops = migrate.suggested_ops(engine)
    finally:
        engine.dispose()
    head = migrate.head_revision()
    if not ops:
        print(f"kpi/tables.py matches the head revision {head}: no new revision needed")
        return 0
    revision = f"{int(head) + 1:04d}"
    body = "\n".join(line for line in ops.splitlines() if "# ###" not in line)
    text = _REVISION.format(revision=revision, previous=head, ops=body)
    if not args.write:
        print(text, end="")
        return 0
    slug = re.sub(r"[^a-z0-9]+", "_", args.write.lower()).strip("_") or "change"
    path = migrate.SCRIPTS / "versions" / f"{revision}_{slug}.py"
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path}; check it, then run tests/test_migrations.py")
    return 0


def run_copy(args: argparse.Namespace) -> int:
    from kpi import dbcopy

    source = load_settings(args.source, args.user)
    target = load_settings(args.target, args.user)
    try:
        done = dbcopy.copy_database(source, target, lambda text: print(text, file=sys.stderr))
        if args.archive_to:
            dbcopy.copy_archive(source, args.archive_to, lambda t: print(t, file=sys.stderr))
    except dbcopy.CopyRefused as refused:
        print(f"error: {refused}", file=sys.stderr)
        return 1
    rows = sum(done.tables.values())
    print(
        f"copied {len(done.tables)} tables ({rows} rows); row counts and "
        f"{done.reports_compared} KPI reports are identical on both databases"
    )
    return 0
