"""CLI: ``register`` — the KPI register (ISO 9001 §9.1.1); ``register owner`` sets an owner."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kpi import store
from kpi.cli import UsageError, add_db_option
from kpi.settings import load_settings

FORMATS = ("table", "csv", "json", "xlsx", "pdf")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "register",
        help="the KPI register: definitions, owners, targets, definition versions",
        description="Print or export the KPI register, generated from the catalogue. "
        "XLSX and PDF also hold the target/owner history and how the software is verified "
        "(§7.1.5). 'register owner KPI NAME' sets an owner (audited).",
    )
    parser.add_argument("action", nargs="?", choices=["owner"], help="set a KPI's owner")
    parser.add_argument("kpi", nargs="?", help="with 'owner': the KPI")
    parser.add_argument("owner", nargs="?", help="with 'owner': a person or role")
    parser.add_argument("--frequency", help="with 'owner': how often it is monitored")
    parser.add_argument(
        "--verification",
        action="store_true",
        help="instead: how the software is verified (§7.1.5): statement and reference tests",
    )
    parser.add_argument("--format", choices=FORMATS, default="table")
    parser.add_argument("--out", type=Path, help="write here (required for xlsx and pdf)")
    parser.add_argument("--user", help="who makes the change (default: $KPI_USER or login)")
    add_db_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kpi import register_export
    from kpi.register import RegisterError, set_owner

    settings = load_settings(args.db, user=args.user)
    engine = store.create_engine(settings)
    try:
        if args.action == "owner":
            if not args.kpi or not args.owner:
                raise UsageError("use: register owner KPI NAME [--frequency TEXT]")
            set_owner(engine, settings, args.kpi, args.owner, args.frequency)
            print(f"{args.kpi}: owner {args.owner}")
            return 0
        docs = register_export.collect(engine)
    except RegisterError as exc:
        raise UsageError(str(exc)) from None
    finally:
        engine.dispose()
    if args.verification:
        print(docs.statement)
        return _emit_frame(docs.tests, args.format)
    return _emit(docs, args.format, args.out)


def _emit_frame(frame, fmt: str) -> int:  # noqa: ANN001
    from kpi.commands.report import write
    from kpi.exports import neutralise

    if fmt in ("xlsx", "pdf"):
        raise UsageError("--verification prints table, csv or json; use --format xlsx or pdf "
                         "without it for the whole register")  # fmt: skip
    write(neutralise(frame) if fmt == "csv" else frame, fmt, sys.stdout)
    return 0


def _emit(docs, fmt: str, out: Path | None) -> int:  # noqa: ANN001
    from kpi import register_export
    from kpi.commands.report import write
    from kpi.exports import neutralise

    if fmt in ("xlsx", "pdf"):
        if out is None:
            raise UsageError(f"--format {fmt} needs --out FILE")
        data = register_export.to_xlsx(docs) if fmt == "xlsx" else register_export.to_pdf(docs)
        out.write_bytes(data)
        print(f"wrote {out} ({len(data)} bytes)")
        return 0
    if out is not None:
        with out.open("w", encoding="utf-8", newline="") as handle:
            write(neutralise(docs.register), fmt, handle)
        return 0
    write(neutralise(docs.register) if fmt == "csv" else docs.register, fmt, sys.stdout)
    return 0
