"""CLI: ``users`` — built-in accounts and roles (and e-mail mapping for OIDC logins)."""

from __future__ import annotations

import argparse
import getpass
import sys

from kpi import auth, display_tokens, store
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
    _register_display_tokens(actions)


def _register_display_tokens(actions: argparse._SubParsersAction) -> None:
    display = actions.add_parser(
        "display-token",
        help="read-only tokens for wall screens (viewer rights)",
        description="Create, revoke or list the tokens wall screens open the app with: "
        "URL?kiosk=1&token=TOKEN. The token is printed once; only its hash is stored.",
    )
    steps = display.add_subparsers(dest="step", required=True, metavar="STEP")
    create = steps.add_parser("create", help="a new token for a named display")
    create.add_argument("name")
    revoke = steps.add_parser("revoke", help="end a display's token")
    revoke.add_argument("name")
    listing = steps.add_parser("list", help="displays, when created and last used")
    for sub in (create, revoke, listing):
        sub.add_argument("--user", help="who makes the change (default: login name)")
        add_db_option(sub)
        sub.set_defaults(func=run_display_token)


def run_display_token(args: argparse.Namespace) -> int:
    settings = load_settings(args.db, args.user)
    engine = store.create_engine(settings)
    try:
        if args.step == "create":
            token = display_tokens.create(engine, args.name, settings.user)
            print(f"display token for '{args.name}' (shown once; keep it like a password):")
            print(token)
            print(f"open on the screen: http://HOST:8501/overview?kiosk=1&token={token}")
        elif args.step == "revoke":
            display_tokens.revoke(engine, args.name, settings.user)
            print(f"revoked the display token of '{args.name}'")
        else:
            for t in display_tokens.list_tokens(engine):
                state = f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "live"
                used = f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "never"
                made = f"created {t.created_at:%Y-%m-%d} by {t.created_by}"
                print(f"{t.name}\t{state}\t{made}\tlast used {used}")
    except auth.AuthError as exc:
        raise UsageError(str(exc)) from None
    return 0


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
