"""CLI: ``schedules`` — list, add, remove, enable and disable scheduled packs."""

from __future__ import annotations

import argparse
from dataclasses import replace

from kpi import store
from kpi.cli import UsageError, add_db_option
from kpi.review import Format
from kpi.schedules.book import (
    Report,
    ScheduleError,
    ScheduleSpec,
    add_schedule,
    list_schedules,
    remove_schedule,
    schedules_frame,
    split_recipients,
    update_schedule,
)
from kpi.schedules.rules import RULE_HELP, Window
from kpi.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("schedules", help="scheduled packs: list, add, remove")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="every schedule with its last run")
    add = actions.add_parser("add", help="a new schedule (exit code 2 for a bad field)")
    add.add_argument("--name", required=True)
    add.add_argument("--when", required=True, help=RULE_HELP)
    add.add_argument(
        "--to",
        required=True,
        metavar="LIST",
        help="e-mail addresses, webhook URLs or role:NAME, comma-separated",
    )
    add.add_argument("--report", choices=[r.value for r in Report], default=Report.SUMMARY.value)
    add.add_argument("--period", choices=[w.value for w in Window], default=Window.LAST_WEEK.value)
    add.add_argument(
        "--format",
        choices=[f.value for f in Format],
        default="",
        help="attachment of a review-pack",
    )
    add.add_argument("--plant", default="", help="one plant only (default: all plants)")
    subs = [listing, add]
    for name in ("remove", "enable", "disable"):
        sub = actions.add_parser(name, help=f"{name} a schedule")
        sub.add_argument("schedule_id", type=int, metavar="ID")
        subs.append(sub)
    for sub in subs:
        sub.add_argument("--user", help="who makes the change (default: login name)")
        add_db_option(sub)
        sub.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.db, args.user)
    engine = store.create_engine(settings)
    try:
        if args.action == "list":
            frame = schedules_frame(engine)
            print(frame.to_string(index=False) if len(frame) else "no schedules")
        elif args.action == "add":
            spec = ScheduleSpec(
                args.name,
                args.when,
                split_recipients(args.to),
                Report(args.report),
                Window(args.period),
                args.format,
                args.plant,
            )
            print(f"saved schedule {add_schedule(engine, settings.user, spec)}")
        elif args.action == "remove":
            remove_schedule(engine, settings.user, args.schedule_id)
            print(f"removed schedule {args.schedule_id}")
        else:
            _enable(engine, settings.user, args.schedule_id, args.action == "enable")
    except ScheduleError as exc:
        raise UsageError(str(exc)) from None
    finally:
        engine.dispose()
    return 0


def _enable(engine, user: str, schedule_id: int, on: bool) -> None:
    found = [s for s in list_schedules(engine) if s.schedule_id == schedule_id]
    if not found:
        raise ScheduleError(f"there is no schedule {schedule_id}")
    update_schedule(engine, user, replace(found[0], enabled=on))
    print(f"schedule {schedule_id} {'enabled' if on else 'disabled'}")
