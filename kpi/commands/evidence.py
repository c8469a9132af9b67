"""CLI: ``evidence --from --to --out FILE.zip`` and ``evidence verify FILE.zip``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kpi import store
from kpi.cli import UsageError, add_db_option, current_summaries, date_option
from kpi.settings import load_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "evidence",
        help="one zip for auditors: register, figures with lineage, ledger, originals, logs",
        description="Write an evidence bundle for a window (ISO 9001 §7.5, §9.1-§9.3), or "
        "'evidence verify FILE' to re-check every file against its manifest (exit code 1 "
        "when any file is missing, extra or changed).",
    )
    parser.add_argument("action", nargs="?", choices=["verify"], help="check a bundle")
    parser.add_argument("bundle", nargs="?", type=Path, help="with 'verify': the zip")
    parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD")
    parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD")
    parser.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD", help="default: today")
    parser.add_argument("--out", type=Path, help="the zip to write")
    parser.add_argument(
        "--max-file-mb", type=float, default=50, help="larger originals: hash only (default 50)"
    )
    parser.add_argument("--user", help="who exports (default: $KPI_USER or login)")
    add_db_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kpi import evidence

    if args.action == "verify":
        if args.bundle is None:
            raise UsageError("use: evidence verify FILE.zip")
        try:
            result = evidence.verify_bundle(args.bundle)
        except evidence.EvidenceError as exc:
            raise UsageError(f"{args.bundle}: {exc}") from None
        for problem in result.problems:
            print(f"changed: {problem}", file=sys.stderr)
        if result.ok:
            print(f"{args.bundle}: intact, {result.checked} files match the manifest "
                  f"(manifest sha256 {result.manifest_sha256}: the audit log's "
                  "evidence.export line names the same)")  # fmt: skip
        return 0 if result.ok else 1
    date_from = date_option(args.date_from, "--from")
    date_to = date_option(args.date_to, "--to")
    if date_from is None or date_to is None or args.out is None:
        raise UsageError("use: evidence --from YYYY-MM-DD --to YYYY-MM-DD --out FILE.zip")
    settings = load_settings(args.db, user=args.user)
    engine = store.create_engine(settings)
    try:
        current_summaries(engine)
        written = evidence.build_bundle(engine, settings, date_from, date_to, args.out,
                                        int(args.max_file_mb * 1024 * 1024),
                                        date_option(args.as_of, "--as-of"))  # fmt: skip
    except evidence.EvidenceError as exc:
        raise UsageError(str(exc)) from None
    finally:
        engine.dispose()
    print(f"wrote {written.path}: {written.files} files, {written.originals_copied} originals "
          f"copied, {written.originals_listed_only} listed by hash only")  # fmt: skip
    return 0
