"""Turns on an embedded DuckDB file, so the app, the CLI, cron and a worker share it.

DuckDB lets one process open a database file for writing at a time, and a second
process gets a lock error. We chose short turns rather than read-only readers or
handing writes to the app: every process (app replicas, CLI, worker) is equal, a
reader sees committed data at once, and nothing has to be running for the CLI to
work. A process takes its turn with an exclusive ``flock`` on ``<db>.lock``, opens
the file, and closes it again when it has been idle for ``LINGER_SECONDS``.

A second lock, ``<db>.turnstile``, makes turns fair: a waiting process holds the
turnstile while it waits, and a holder that wants another turn first checks the
turnstile, so a busy app cannot starve a cron load (and the reverse).

A wait is bounded (``KPI_LOCK_WAIT`` seconds, default 60); past it ``DatabaseBusy``
is raised and nothing has changed. Waits longer than a second are announced.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

LINGER_SECONDS = 0.5
ANNOUNCE_AFTER_SECONDS = 1.0
_POLL_SECONDS = 0.02

Announce = Callable[[str], None]


class DatabaseBusy(RuntimeError):
    """Another process kept the database for longer than we may wait."""


def wait_limit() -> float:
    """Seconds a process waits for its turn (``KPI_LOCK_WAIT``, default 60)."""
    try:
        return max(0.0, float(os.environ.get("KPI_LOCK_WAIT", "60")))
    except ValueError:
        return 60.0


_announcer = threading.local()


@contextlib.contextmanager
def announcing(announce: Announce) -> Iterator[None]:
    """Tell ``announce`` (in this thread) when a turn takes more than a second."""
    previous = getattr(_announcer, "announce", None)
    _announcer.announce = announce
    try:
        yield
    finally:
        _announcer.announce = previous


def set_announcer(announce: Announce | None) -> None:
    """Like ``announcing`` for the rest of this thread's work (a Streamlit script run)."""
    _announcer.announce = announce


def _announce(text: str) -> None:
    announce = getattr(_announcer, "announce", None)
    if announce is not None:
        announce(text)


class Lease:
    """This process's turn on one database file, shared by all its threads and engines."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path
        self._mutex = threading.Condition(threading.RLock())
        self._users = 0
        self._lock_fd: int | None = None
        self._generation = 0
        self._pools: weakref.WeakSet[Any] = weakref.WeakSet()
        self._local = threading.local()

    def add_pool(self, pool: Any) -> None:
        """Pools whose idle connections must close when the turn ends."""
        self._pools.add(pool)

    @property
    def held(self) -> bool:
        return self._lock_fd is not None

    def acquire(self) -> None:
        """Take (or join) this process's turn; waits for other processes if needed.

        A thread already inside the turn just joins again (nested use). Otherwise, when
        another process queues, new users wait until the current ones finish and the
        turn is handed over, so a busy app cannot keep the file forever.
        """
        depth = getattr(self._local, "depth", 0)
        with self._mutex:
            if depth == 0 and self.held and self._someone_waits():
                while self._users > 0:
                    self._mutex.wait()
                if self.held:
                    self._end_turn()
            if not self.held:
                self._lock_fd = _take_turn(self.db_path)
            self._users += 1
            self._generation += 1
        self._local.depth = depth + 1

    def release(self) -> None:
        """Leave the turn; the file stays open for ``LINGER_SECONDS`` in case work follows."""
        self._local.depth = getattr(self._local, "depth", 1) - 1
        with self._mutex:
            self._users -= 1
            if self._users > 0:
                return
            self._mutex.notify_all()
            generation = self._generation
        timer = threading.Timer(LINGER_SECONDS, self._expire, args=(generation,))
        timer.daemon = True
        timer.start()

    def _expire(self, generation: int) -> None:
        with self._mutex:
            if self._users == 0 and generation == self._generation and self.held:
                self._end_turn()

    def end_now(self) -> None:
        """Close the file and give the turn away at once (exit, restore, tests)."""
        with self._mutex:
            if self._users == 0 and self.held:
                self._end_turn()

    def _someone_waits(self) -> bool:
        fd = os.open(_side_file(self.db_path, "turnstile"), os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # closing drops the lock if we took it
        return False

    def _end_turn(self) -> None:
        for pool in list(self._pools):
            pool.dispose()  # DuckDB closes the file when its last connection closes
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # closing the descriptor drops the flock
            self._lock_fd = None


def _side_file(db_path: Path, suffix: str) -> str:
    return f"{db_path}.{suffix}"


def _take_turn(db_path: Path) -> int:
    """Queue at the turnstile, then wait for the lock; returns the locked descriptor."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + wait_limit()
    gate = _wait_for(_side_file(db_path, "turnstile"), deadline)
    try:
        return _wait_for(_side_file(db_path, "lock"), deadline)
    finally:
        os.close(gate)


def _wait_for(file_name: str, deadline: float) -> int:
    """An exclusive flock on ``file_name``, polled until ``deadline``."""
    fd = os.open(file_name, os.O_RDWR | os.O_CREAT, 0o644)
    started = time.monotonic()
    announced = False
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return fd
        except BlockingIOError:
            pass
        now = time.monotonic()
        if now >= deadline:
            os.close(fd)
            raise DatabaseBusy(busy_message(now - started))
        if not announced and now - started >= ANNOUNCE_AFTER_SECONDS:
            _announce("Waiting for the database: another program (a load, a report) is using it…")
            announced = True
        time.sleep(_POLL_SECONDS)


def busy_message(waited: float) -> str:
    return (
        f"The database was busy for {waited:.0f} s (another program kept it), so nothing "
        "was changed. Try again in a moment, or raise KPI_LOCK_WAIT."
    )


_leases: dict[Path, Lease] = {}
_leases_guard = threading.Lock()


def lease_for(db_path: Path) -> Lease:
    """The one lease of this process for ``db_path``."""
    key = db_path.resolve()
    with _leases_guard:
        if key not in _leases:
            _leases[key] = Lease(key)
        return _leases[key]


@contextlib.contextmanager
def turn(db_path: Path | None) -> Iterator[None]:
    """Hold the turn on ``db_path`` for a whole block (a CLI command, one loaded file)."""
    if db_path is None:
        yield
        return
    lease = lease_for(db_path)
    lease.acquire()
    try:
        yield
    finally:
        lease.release()


def end_all_turns() -> None:
    """Give every turn back now (at exit, so a waiting process need not wait for linger)."""
    with _leases_guard:
        leases = list(_leases.values())
    for lease in leases:
        lease.end_now()


atexit.register(end_all_turns)
