"""CLI: ``actions list|add|update|history`` manages corrective actions (ISO 9001 §10.2)."""

from __future__ import annotations

import argparse
import sys

from kpi import store
from kpi.actions import (
    EDITABLE,
    ActionError,
    NewAction,
    Status,
    action_history,
    create_action,
    list_actions,
    update_action,
)
from kpi.cli import UsageError, add_db_option
from kpi.commands.report import write
from kpi.grains import parse_date
from kpi.settings import load_settings

LIST_COLUMNS = ["action_id", "kpi", "scope", "period", "description", "owner", "due_date",
                "status", "overdue"]  # fmt: skip


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "actions", help="corrective actions: list, add, update, history",
        description="Corrective actions (ISO 9001 §10.2). Status: "
        + " -> ".join(s.value for s in Status) + ". Invalid moves exit with code 2.",
    )  # fmt: skip
    sub = parser.add_subparsers(dest="actions_command", required=True, metavar="SUBCOMMAND")
    ls = sub.add_parser("list", help="list actions (newest first)")
    ls.add_argument("--open", action="store_true", help="open or in progress only")
    ls.add_argument("--overdue", action="store_true", help="past due and not done")
    ls.add_argument("--line", metavar="LINE")
    ls.add_argument("--format", choices=("csv", "json", "table"), default="table")
    add = sub.add_parser("add", help="open a corrective action")
    add.add_argument("--kpi", required=True)
    add.add_argument("--description", required=True)
    add.add_argument("--owner", required=True)
    add.add_argument("--due", required=True, metavar="YYYY-MM-DD")
    add.add_argument("--where", action="append", default=[], metavar="DIM=VALUE")
    add.add_argument("--grain", metavar="day|week|month")
    add.add_argument("--period", metavar="YYYY-MM-DD", help="the period that triggered it")
    add.add_argument("--alert", metavar="ALERT_ID")
    upd = sub.add_parser("update", help="change fields or the status of an action")
    upd.add_argument("action_id", type=int)
    upd.add_argument("--status", choices=[s.value for s in Status])
    for name in EDITABLE:
        upd.add_argument(f"--{name.replace('_', '-')}", dest=name)
    hist = sub.add_parser("history", help="every change of one action")
    hist.add_argument("action_id", type=int)
    for p in (ls, add, upd, hist):
        p.add_argument("--user", help="who makes the change (default: $KPI_USER or login)")
        add_db_option(p)
        p.set_defaults(func=run)


def _date(text: str | None, option: str):
    try:
        return parse_date(text) if text else None
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def _where(items: list[str]) -> dict[str, str]:
    pairs = [item.partition("=") for item in items]
    if any(not sep for _, sep, _ in pairs):
        raise UsageError("--where: use DIM=VALUE")
    return {k.strip().lower(): v for k, _, v in pairs}


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.db, user=args.user)
    engine = store.create_engine(settings)
    try:
        return _dispatch(engine, settings.user, args)
    except (ActionError, KeyError, ValueError) as exc:
        raise UsageError(str(exc.args[0])) from None
    finally:
        engine.dispose()


def _dispatch(engine, user: str, args: argparse.Namespace) -> int:
    command = args.actions_command
    if command == "list":
        df = list_actions(engine, open_only=args.open, overdue=args.overdue, line=args.line)
        write(df[LIST_COLUMNS], args.format, sys.stdout)
    elif command == "add":
        new = NewAction(
            args.kpi, args.description, args.owner, _date(args.due, "--due"),
            _where(args.where), args.grain, _date(args.period, "--period"), args.alert,
        )  # fmt: skip
        print(f"corrective action {create_action(engine, user, new)} opened")
    elif command == "update":
        changes = {k: getattr(args, k) for k in (*EDITABLE, "status") if getattr(args, k)}
        for key in ("due_date", "effective_from"):
            if key in changes:
                changes[key] = _date(changes[key], f"--{key.replace('_', '-')}")
        if not changes:
            raise UsageError("nothing to change; give --status or a field")
        update_action(engine, user, args.action_id, **changes)
        print(f"corrective action {args.action_id} updated")
    else:
        write(action_history(engine, args.action_id), "table", sys.stdout)
    return 0
