"""A full disk named as such, instead of the engine's error or "no row could be blamed".

Why: when the database, the archive copy or a scratch file cannot grow, the loader's
own checks find nothing wrong with the file, so the user was told a puzzle. The errno
(or DuckDB's wording of it) says what happened; nothing is stored either way, since the
load's transaction is rolled back.
"""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator

from kpi.ingest.problems import FileRejected, Problem

_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
_WORDS = ("no space left on device", "disk quota exceeded", "file too large")

DISK_FULL = (
    "The server ran out of disk space (or reached its file-size limit) while storing this "
    "file, so nothing was stored. Free space on the server, then load the file again."
)


def is_disk_full(exc: BaseException | None) -> bool:
    """True when ``exc``, or an error it wraps, is a write refused for lack of space."""
    seen = 0
    while exc is not None and seen < 8:
        if isinstance(exc, OSError) and exc.errno in _ERRNOS:
            return True
        if any(word in str(exc).lower() for word in _WORDS):
            return True
        exc = getattr(exc, "orig", None) or exc.__cause__ or exc.__context__
        seen += 1
    return False


def refusal() -> FileRejected:
    return FileRejected([Problem(DISK_FULL)])


@contextlib.contextmanager
def disk_full_refused() -> Iterator[None]:
    """Turn a disk-full error raised inside the block into the plain refusal."""
    try:
        yield
    except FileRejected:
        raise
    except Exception as exc:
        if is_disk_full(exc):
            raise refusal() from None
        raise
