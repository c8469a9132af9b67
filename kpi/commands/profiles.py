"""CLI: ``profiles`` — save, list, show and export import profiles."""

from __future__ import annotations

import argparse
from pathlib import Path

from kpi import profiles, store
from kpi.cli import UsageError, add_db_option
from kpi.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "profiles", help="import profiles (column mappings, date formats, wide layouts)"
    )
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="saved profiles")
    show = actions.add_parser("show", help="print a saved profile (TOML or JSON)")
    show.add_argument("name")
    show.add_argument("--format", choices=["toml", "json"], default="toml")
    imported = actions.add_parser("import", help="save a .toml or .json profile file")
    imported.add_argument("file", type=Path)
    imported.add_argument("--user", help="who saves it (default: $KPI_USER or login name)")
    for sub in (listing, show, imported):
        add_db_option(sub)
        sub.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.db, getattr(args, "user", None))
    engine = store.create_engine(settings)
    try:
        if args.action == "list":
            for profile in profiles.list_profiles(engine):
                print(
                    f"{profile.name}\t{profile.kind.value}\t{len(profile.columns)} mapped column(s)"
                )
        elif args.action == "show":
            print(profiles.dumps(profiles.load(engine, args.name), args.format), end="")
        else:
            if not args.file.is_file():
                raise UsageError(f"no such file: {args.file}")
            profile = profiles.read_file(args.file)
            profiles.save(engine, profile, settings.user)
            print(f"saved profile '{profile.name}' ({profile.kind.value})")
    except profiles.ProfileError as exc:
        raise UsageError(str(exc)) from None
    return 0
