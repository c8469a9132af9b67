"""The loader reads one private copy of a file: a rewrite mid-load cannot mix two contents,
and the copies of killed loads are removed the next time the store is opened."""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import sqlalchemy as sa

from kpi import store
from kpi.settings import load_settings
from kpi.tables import batches
from tests.conftest import ROOT, run_cli

HEADER = (
    "date,shift,plant,line,machine,product,planned_minutes,ideal_cycle_seconds,"
    "units_produced,units_scrapped,units_reworked\n"
)
ROWS = 400_000


def _content(units: int) -> bytes:
    """Rows with distinct keys; 800 and 801 units give files of the same length."""
    rows = (f"2026-03-02,A,Plant 1,L1,M1,P-{i:07d},480,30,{units},12,5\n" for i in range(ROWS))
    return (HEADER + "".join(rows)).encode()


def _rewrite_in_place_until(path: Path, contents: list[bytes], stop: threading.Event) -> None:
    """Overwrite the file in place, again and again, alternating two equal-length contents."""
    with path.open("r+b") as handle:
        turn = 0
        while not stop.is_set():
            data = contents[turn % 2]
            for start in range(0, len(data), 1 << 20):
                handle.seek(start)
                handle.write(data[start : start + (1 << 20)])
                handle.flush()
            turn += 1


def test_a_file_rewritten_during_a_cli_load_is_stored_exactly_as_archived(
    tmp_path: Path,
) -> None:
    """Failed before: the loader hashed and copied the file, then parsed the path again,
    so rows of the new content were stored under the old content's hash and archive."""
    old, new = _content(800), _content(801)
    path = tmp_path / "export.csv"
    path.write_bytes(old)
    db_url = f"duckdb:///{tmp_path / 'kpi.duckdb'}"
    store.create_engine(load_settings(db_url)).dispose()
    stop = threading.Event()
    writer = threading.Thread(target=_rewrite_in_place_until, args=(path, [new, old], stop))
    process = subprocess.Popen(
        [sys.executable, "-m", "kpi", "ingest", "--db", db_url, str(path)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(0.3)
    writer.start()
    try:
        out, err = process.communicate(timeout=300)
    finally:
        stop.set()
        writer.join()
    assert process.returncode == 0, out + err
    settings = load_settings(db_url)
    engine = store.create_engine(settings)
    with engine.connect() as conn:
        sha = conn.execute(sa.select(batches.c.sha256)).scalar_one()
        stored = conn.execute(sa.text("SELECT sum(units_produced) FROM production")).scalar()
    engine.dispose()
    archived = store.archive_path(settings, sha).read_bytes()
    assert hashlib.sha256(archived).hexdigest() == sha
    expected = sum(int(line.split(b",")[8]) for line in archived.splitlines()[1:])
    assert stored == expected, "the stored rows are not the archived bytes"


def test_copies_left_by_a_killed_load_are_removed_at_the_next_open(tmp_path: Path) -> None:
    """Failed before: a kill -9 mid-load left a partial ``.incoming-*`` file forever."""
    path = tmp_path / "export.csv"
    path.write_bytes(_content(800))
    db_url = f"duckdb:///{tmp_path / 'kpi.duckdb'}"
    settings = load_settings(db_url)
    store.create_engine(settings).dispose()
    folder = settings.archive_dir
    folder.mkdir(parents=True, exist_ok=True)
    stale = folder / ".incoming-abc123"  # the form earlier versions left behind
    stale.write_bytes(b"partial")
    process = subprocess.Popen(
        [sys.executable, "-m", "kpi", "ingest", "--db", db_url, str(path)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not [p for p in folder.glob(".incoming-*") if p != stale]:
        assert time.monotonic() < deadline and process.poll() is None, "no copy was taken"
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=60)
    assert list(folder.glob(".incoming-*")), "the kill must leave a copy behind"
    result = run_cli("batches", "--db", db_url)
    assert result.returncode == 0, result.stderr
    assert list(folder.glob(".incoming-*")) == []


def test_a_live_process_copy_is_not_removed(tmp_path: Path) -> None:
    """Only copies whose process is gone are removed; ours stay while we load."""
    settings = load_settings(f"duckdb:///{tmp_path / 'kpi.duckdb'}")
    settings.archive_dir.mkdir(parents=True)
    ours = settings.archive_dir / f".incoming-{os.getpid()}-xyz"
    ours.write_bytes(b"in progress")
    store.create_engine(settings).dispose()
    assert ours.exists()
