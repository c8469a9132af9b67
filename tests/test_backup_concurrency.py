"""Backup/restore round trip, and concurrent loads serialised without loss or doubling."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kpi import backup, store
from kpi.ingest import Outcome, ingest_bytes
from kpi.settings import load_settings
from tests.conftest import run_cli

HEADER = (
    "date,shift,plant,line,machine,product,planned_minutes,ideal_cycle_seconds,"
    "units_produced,units_scrapped,units_reworked\n"
)


def _file(day: int, rows: int = 200) -> bytes:
    body = "".join(
        f"2026-03-{day:02d},A,Plant 1,L{i % 7},M{i},P-{i},480,30,800,12,5\n" for i in range(rows)
    )
    return (HEADER + body).encode()


def test_backup_and_restore_round_trip_through_the_cli(tmp_path: Path, db_url: str) -> None:
    path = tmp_path / "one.csv"
    path.write_bytes(_file(2))
    assert run_cli("ingest", "--db", db_url, str(path)).returncode == 0
    target = tmp_path / "backups" / "monday.duckdb"
    made = run_cli("backup", str(target), "--db", db_url)
    assert made.returncode == 0, made.stderr
    assert (target.parent / "monday.duckdb.archive").is_dir()
    assert run_cli("backup", str(target), "--db", db_url).returncode == 2  # never overwrite
    assert run_cli("undo", "1", "--yes", "--db", db_url).returncode == 0
    restored = run_cli("restore", str(target), "--db", db_url)
    assert restored.returncode == 0, restored.stderr
    settings = load_settings(db_url)
    engine = store.create_engine(settings)
    assert store.list_batches(engine)["status"].tolist() == ["active"]
    assert store.current_row_counts(engine)["production"] == 200


@pytest.mark.duckdb_only  # a file that another process holds; a server restores in a transaction
def test_restore_refuses_a_foreign_file_and_a_database_in_use(
    tmp_path: Path, settings, engine
) -> None:
    foreign = tmp_path / "foreign.duckdb"
    foreign.write_bytes(b"not a database")
    with pytest.raises(backup.BackupError, match="not a backup"):
        backup.restore(settings, foreign)
    good = backup.backup(engine, settings, tmp_path / "good.duckdb")
    engine.dispose()
    holder = subprocess.Popen(  # another process holding the database, as a running app does
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('open', flush=True); time.sleep(60)",
            str(settings.duckdb_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(backup.BackupError, match="in use"):
            backup.restore(settings, good)
    finally:
        holder.kill()
        holder.wait()
    backup.restore(settings, good)


def test_concurrent_commits_are_serialised_and_none_is_lost(engine, settings) -> None:
    files = [_file(day) for day in range(2, 10)]
    results: list = []
    errors: list = []

    def commit(data: bytes, name: str) -> None:
        try:
            results.append(ingest_bytes(engine, settings, data, name))
        except Exception as exc:  # noqa: BLE001 - any error here is the failure we test for
            errors.append(exc)

    threads = [
        threading.Thread(target=commit, args=(data, f"f{i}.csv")) for i, data in enumerate(files)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(r.outcome for r in results) == [Outcome.LOADED] * len(files)
    assert sorted(r.batch_id for r in results) == list(range(1, len(files) + 1))
    assert store.current_row_counts(engine)["production"] == 200 * len(files)


def test_double_click_commit_loads_once(engine, settings) -> None:
    data = _file(3)
    results: list = []
    threads = [
        threading.Thread(
            target=lambda: results.append(ingest_bytes(engine, settings, data, "same.csv"))
        )
        for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    outcomes = sorted(r.outcome.value for r in results)
    assert outcomes == ["already_loaded"] * 3 + ["loaded"]
    assert {r.batch_id for r in results} == {1}
    assert len(store.list_batches(engine)) == 1
