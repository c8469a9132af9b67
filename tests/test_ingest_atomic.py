"""A loader killed mid-load leaves no partial batch: the ledger always matches the rows."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from kpi import store
from kpi.settings import load_settings
from kpi.synthetic import write_production_csv
from kpi.tables import FACT_TABLES, batches
from tests.conftest import ROOT

ROWS = 600_000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_production_csv(tmp_path_factory.mktemp("big") / "production.csv", ROWS)


def _start_ingest(db_url: str, path: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "kpi", "ingest", "--db", db_url, str(path)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def assert_ledger_matches_rows(db_url: str) -> int:
    """Every stored row belongs to a ledger batch, and each batch has exactly its rows."""
    engine = store.create_engine(load_settings(db_url))
    table = FACT_TABLES[next(iter(FACT_TABLES))]
    with engine.connect() as conn:
        ledger = dict(conn.execute(sa.select(batches.c.batch_id, batches.c.rows_loaded)).all())
        stored = dict(
            conn.execute(
                sa.select(table.c.batch_id, sa.func.count()).group_by(table.c.batch_id)
            ).all()
        )
    engine.dispose()
    assert stored == ledger, "a partial or orphaned batch survived the kill"
    return len(ledger)


def _uninterrupted_load_seconds(tmp_path: Path, big_file: Path) -> float:
    db_url = f"duckdb:///{tmp_path / 'timed.duckdb'}"
    store.create_engine(load_settings(db_url)).dispose()
    started = time.perf_counter()
    assert _start_ingest(db_url, big_file).wait(timeout=300) == 0
    return time.perf_counter() - started


def test_kill_minus_nine_at_20_random_points_never_leaves_a_partial_batch(
    tmp_path: Path, big_file: Path
) -> None:
    """Twenty kills at seeded random moments of a large load, each on a fresh database.

    The moments are fractions of one uninterrupted load timed first, so they stay inside
    the load however fast this machine (or the loader) is.
    """
    duration = _uninterrupted_load_seconds(tmp_path, big_file)
    fractions = random.Random(20261125).sample([x / 40 for x in range(2, 38)], 20)
    moments = [duration * f for f in fractions]
    killed_mid_load = 0
    for attempt, moment in enumerate(moments):
        db_url = f"duckdb:///{tmp_path / f'kpi-{attempt}.duckdb'}"
        store.create_engine(load_settings(db_url)).dispose()
        process = _start_ingest(db_url, big_file)
        time.sleep(moment)
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed_mid_load += 1
        process.wait(timeout=60)
        assert assert_ledger_matches_rows(db_url) in (0, 1)
    assert killed_mid_load >= 10, "most kills must land while the loader is running"

    retry = _start_ingest(db_url, big_file)
    assert retry.wait(timeout=300) == 0
    assert assert_ledger_matches_rows(db_url) == 1, "the retry loads once, never twice"
