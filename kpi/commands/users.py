"""CLI: ``users`` — built-in accounts and roles (and e-mail mapping for OIDC logins)."""

from __future__ import annotations

import argparse
import getpass
import sys

from kpi import auth, store
from kpi.cli import UsageError, add_db_option
from kpi.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("users", help="accounts and roles (viewer, qa, admin)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create or replace an account")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=[r.value for r in auth.Role])
    add.add_argument("--email", help="e-mail address mapped to this account for OIDC login")
    add.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input instead of a prompt",
    )
    add.add_argument("--no-password", action="store_true", help="OIDC-only account")
    remove = actions.add_parser("remove", help="delete an account")
    remove.add_argument("name")
    listing = actions.add_parser("list", help="accounts and their roles")
    for sub in (add, remove, listing):
        sub.add_argument("--user", help="who makes the change (default: login name)")
        add_db_option(sub)
        sub.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = load_settings(args.db, args.user)
    engine = store.create_engine(settings)
    try:
        if args.action == "add":
            password = None if args.no_password else _password(args.password_stdin)
            auth.add_user(
                engine, args.name, auth.Role(args.role), settings.user, password, args.email
            )
            print(f"saved user '{args.name}' with role {args.role}")
        elif args.action == "remove":
            auth.remove_user(engine, args.name, settings.user)
            print(f"removed user '{args.name}'")
        else:
            for user in auth.list_users(engine):
                print(f"{user.name}\t{user.role.value}\t{user.email or ''}")
    except auth.AuthError as exc:
        raise UsageError(str(exc)) from None
    return 0


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Repeat password: "):
        raise UsageError("the two passwords differ")
    return first
