"""CLI: ``audits`` — internal audits and their findings (ISO 9001 §9.2)."""

from __future__ import annotations

import argparse
import sys

from kpi import store
from kpi.cli import UsageError, add_db_option, date_option
from kpi.settings import load_settings

FORMATS = ("table", "csv", "json")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "audits",
        help="internal audits and findings: list, add, findings, finding, update",
        description="Internal audits (ISO 9001 §9.2) and their findings; open and closed "
        "findings feed the management review's §9.3.2 c 6 section. Severity: major, minor, "
        "observation, improvement. A bad value exits with code 2.",
    )
    sub = parser.add_subparsers(dest="audits_command", required=True, metavar="SUBCOMMAND")
    ls = sub.add_parser("list", help="every audit with its open and closed findings")
    add = sub.add_parser("add", help="record an audit")
    add.add_argument("--date", required=True, metavar="YYYY-MM-DD")
    add.add_argument("--title", required=True)
    for name in ("auditor", "process", "plant", "line", "kpi"):
        add.add_argument(f"--{name}", default="")
    found = sub.add_parser("findings", help="findings with their audit and action status")
    found.add_argument("--status", choices=("open", "closed"))
    new = sub.add_parser("finding", help="record a finding of an audit")
    new.add_argument("audit_id", type=int)
    new.add_argument("--text", required=True)
    new.add_argument("--severity", required=True)
    new.add_argument("--action", type=int, help="the corrective action that answers it")
    upd = sub.add_parser("update", help="close or reopen a finding, or link an action")
    upd.add_argument("finding_id", type=int)
    upd.add_argument("--status", choices=("open", "closed"))
    upd.add_argument("--action", type=int)
    for p in (ls, found):
        p.add_argument("--format", choices=FORMATS, default="table")
    for p in (ls, add, found, new, upd):
        p.add_argument("--user", help="who records it (default: $KPI_USER or login)")
        add_db_option(p)
        p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kpi import audits

    settings = load_settings(args.db, user=args.user)
    engine = store.create_engine(settings)
    try:
        _dispatch(args, engine, settings, audits)
    except audits.AuditError as exc:
        raise UsageError(str(exc)) from None
    finally:
        engine.dispose()
    return 0


def _dispatch(args, engine, settings, audits) -> None:  # noqa: ANN001
    from kpi.commands.report import write
    from kpi.exports import neutralise

    command = args.audits_command
    if command in ("list", "findings"):
        frame = audits.list_audits(engine) if command == "list" else (
            audits.list_findings(engine, args.status))  # fmt: skip
        write(neutralise(frame) if args.format == "csv" else frame, args.format, sys.stdout)
    elif command == "add":
        day = date_option(args.date, "--date")
        new = audits.NewAudit(day, args.title, args.auditor, args.process, args.plant,
                              args.line, args.kpi)  # fmt: skip
        print(f"audit {audits.add_audit(engine, settings, new)} recorded")
    elif command == "finding":
        fid = audits.add_finding(engine, settings, args.audit_id, args.text, args.severity,
                                 args.action)  # fmt: skip
        print(f"finding {fid} recorded (open)")
    else:
        if args.status is None and args.action is None:
            raise UsageError("give --status and/or --action")
        audits.update_finding(engine, settings, args.finding_id, args.status, args.action)
        print(f"finding {args.finding_id} updated")
