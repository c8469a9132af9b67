"""Taking a file in: one private copy, hashed as it is copied, that every later step reads.

Why: a file the user names can be rewritten while it loads (an export still writing it).
Reading the path twice (once to hash, once to parse) could store rows of one content
under the hash and archive of another. The private copy is made once, in the archive
folder, and hashed byte for byte as it is written; the parser, the Excel and profile
conversions and the archive all use that copy, and the archive is a rename of it. The
stored rows, the hash and the archived bytes therefore always describe the same bytes.

A load killed midway leaves its copy behind as ``.incoming-<pid>-<random>``; the next
process that opens the store removes the copies whose process is gone.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from kpi.settings import Settings

_PREFIX = ".incoming-"
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Intake:
    """The private copy of one given file and the SHA-256 of its bytes."""

    path: Path
    sha: str
    size: int


def take(settings: Settings, source: Path) -> Intake:
    """Copy ``source`` to a private file beside the archive, hashing the bytes copied."""
    folder = settings.archive_dir
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(source).suffix.lower()  # .xlsx or .csv: the readers look at it
    suffix = suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ""
    handle, name = tempfile.mkstemp(dir=folder, prefix=f"{_PREFIX}{os.getpid()}-", suffix=suffix)
    digest, size = hashlib.sha256(), 0
    try:
        with Path(source).open("rb") as reader, os.fdopen(handle, "wb") as writer:
            for chunk in iter(lambda: reader.read(_CHUNK), b""):
                digest.update(chunk)
                writer.write(chunk)
                size += len(chunk)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Intake(Path(name), digest.hexdigest(), size)


def keep(settings: Settings, intake: Intake) -> None:
    """Put the copy in the archive under its hash: one rename (or nothing if already there)."""
    target = settings.archive_dir / intake.sha
    if target.exists():
        return
    os.replace(intake.path, target)


def discard(intake: Intake) -> None:
    """Remove the private copy (a no-op once :func:`keep` has renamed it)."""
    intake.path.unlink(missing_ok=True)


@contextlib.contextmanager
def private_copy(settings: Settings, source: Path) -> Iterator[Intake]:
    """A private copy of ``source`` for the duration of a load; removed afterwards."""
    intake = take(settings, source)
    try:
        yield intake
    finally:
        discard(intake)


def clean_leftovers(settings: Settings) -> list[Path]:
    """Remove the private copies left by loads whose process is gone; returns them.

    A copy carries its process id in its name; copies of a live process (another load in
    this process, or in another one sharing the archive) are left alone.
    """
    folder = settings.archive_dir
    if not folder.is_dir():
        return []
    removed = []
    for path in folder.glob(f"{_PREFIX}*"):
        if not _owner_alive(path.name):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _owner_alive(name: str) -> bool:
    pid_text = name[len(_PREFIX) :].split("-", 1)[0]
    if not pid_text.isdigit():  # the older unnamed form: its owner cannot be told
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
