"""The drop folder: load every finished file that appears, then move it out of the way.

Why "finished": an export being copied in must not be loaded half-written. A file is
taken only when its size and modification time are the same on two looks a moment
apart, and names that writers use while writing (``.part``, ``.tmp``, ``~``, a leading
dot) are ignored until the writer renames them. Each file goes through the Upload page's
choice (the best-fitting saved import profile, else the file's own header) and the same
loader, so checks, ledger, archive, undo and the audit line (as the watcher's user)
are the ones an upload gets.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import sqlalchemy as sa

from kpi import profiles
from kpi.exports import to_csv_bytes
from kpi.ingest import IngestResult, Outcome
from kpi.ingest.imports import import_file
from kpi.profile_drafts import blocked_reasons, preview_draft, suggest
from kpi.settings import Settings
from kpi.uploads import Plan, blocked_result, problems_frame

ACCEPTED = (".csv", ".txt", ".tsv", ".xlsx")
WRITING = (".part", ".partial", ".tmp", ".temp", ".crdownload", ".filepart", "~")
LOADED, REFUSED = "loaded", "refused"

Snapshot = dict[Path, tuple[int, int]]  # file -> (size, mtime in ns)


class Moved(StrEnum):
    LOADED = LOADED
    REFUSED = REFUSED


@dataclass(frozen=True)
class Handled:
    result: IngestResult
    moved_to: Path
    problems_csv: Path | None = None
    profile: str = ""  # the import profile used; empty = the file's own header


def snapshot(folder: Path) -> Snapshot:
    """Size and mtime of every file in ``folder`` (not below) that may be loaded."""
    out: Snapshot = {}
    for path in folder.iterdir():
        name = path.name.lower()
        if name.startswith(".") or name.endswith(WRITING) or not name.endswith(ACCEPTED):
            continue
        try:
            if path.is_file():
                stat = path.stat()
                out[path] = (stat.st_size, stat.st_mtime_ns)
        except FileNotFoundError:  # renamed or removed meanwhile
            continue
    return out


def settled(before: Snapshot, after: Snapshot) -> list[Path]:
    """Files unchanged between two looks, oldest name first (a stable, testable order)."""
    return sorted(p for p, seen in after.items() if before.get(p) == seen)


def plan_for(engine: sa.Engine, path: Path) -> Plan:
    """What the Upload page would preselect: the best-fitting saved profile, else the header."""
    fits = suggest(profiles.list_profiles(engine), path)
    if not fits:
        return Plan()
    profile = fits[0]
    blocked = blocked_reasons(profile, preview_draft(path, profile), has_lookup=False)
    return Plan(profile.kind, profile.sheet, profile, None, blocked)


def handle(engine: sa.Engine, settings: Settings, path: Path) -> Handled:
    """Load one settled file and move it to loaded/ or refused/ (with its problems as CSV)."""
    plan = plan_for(engine, path)
    if plan.blocked:
        result = blocked_result(path.name, plan)
    else:
        result = import_file(engine, settings, path, kind=plan.kind, profile=plan.profile,
                             sheet=plan.sheet)  # fmt: skip
    name = plan.profile.name if plan.profile else ""
    if result.outcome is Outcome.REJECTED:
        target = _move(path, path.parent / REFUSED)
        report = target.with_name(target.name + ".problems.csv")
        report.write_bytes(to_csv_bytes(problems_frame(result)))  # formulas neutralised
        return Handled(result, target, report, name)
    return Handled(result, _move(path, path.parent / LOADED), None, name)


def _move(path: Path, folder: Path) -> Path:
    """Move without overwriting: a second file of the same name gets a time stamp."""
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    if target.exists():
        stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S-%f")
        target = folder / f"{path.stem}.{stamp}{path.suffix}"
    return path.replace(target)


def watch_once(
    settings: Settings, folder: Path, settle_seconds: float, before: Snapshot | None = None
) -> tuple[list[Handled], Snapshot]:
    """One look: load what is settled since ``before`` (or since a look ``settle`` ago).

    Returns what was handled and the snapshot to compare with next time. The store is
    opened only when there is a file to load, and closed again.
    """
    if before is None:
        before = snapshot(folder)
        time.sleep(settle_seconds)
    after = snapshot(folder)
    ready = settled(before, after)
    if not ready:
        return [], after
    from kpi import store

    engine = store.create_engine(settings)
    try:
        done = [handle(engine, settings, path) for path in ready if path.exists()]
    finally:
        engine.dispose()
    return done, snapshot(folder)
