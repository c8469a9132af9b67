"""The embedded DuckDB file shared with other processes while the app runs (issue 15 §2).

The app is played by AppTest in this process (it keeps its cached engine, as the real
server does); the CLI runs in subprocesses, as cron or a user at a shell would.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.settings import load_settings
from tests.conftest import ROOT, run_cli

SAMPLES = ROOT / "data" / "samples"
APP = str(ROOT / "app.py")


def _units(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def _db_path(url: str) -> Path:
    return Path(url.removeprefix("duckdb:///"))


def test_with_the_app_open_every_command_works_and_the_page_shows_new_data(
    empty_db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KPI_AS_OF", "2026-11-06")  # the samples' week
    first = run_cli("ingest", "--db", empty_db, str(SAMPLES / "production.csv"))
    assert first.returncode == 0, first.stderr
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    before = _units(at)
    more = tmp_path / "more.csv"
    more.write_text(
        "date,shift,plant,line,machine,product,planned_minutes,ideal_cycle_seconds,"
        "units_produced,units_scrapped,units_reworked\n"
        "2026-11-02,A,Plant 1,L9,Press 91,BRK-100,480,12,1000,400,0\n"
    )
    loaded = run_cli("ingest", "--db", empty_db, str(more), str(SAMPLES / "downtime.csv"))
    assert loaded.returncode == 0, loaded.stderr
    at.run()
    assert not at.exception
    assert _units(at) != before, "the open page shows the CLI's load at its next rerun"
    commands = [
        ("report", "--kpi", "scrap_rate,oee", "--grain", "week"),
        ("spc", "--kpi", "scrap_rate", "--grain", "week", "--where", "line=L1"),
        ("users", "add", "ops", "--role", "viewer", "--password-stdin"),
        ("backup", str(tmp_path / "copy.duckdb")),
        ("audit",),
    ]
    for command in commands:
        done = subprocess.run(
            [sys.executable, "-m", "kpi", *command, "--db", empty_db],
            cwd=ROOT,
            input="a-long-enough-password\n",
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, (command, done.stderr)
        assert "lock" not in done.stderr.lower(), (command, done.stderr)
        at.run()  # the app keeps working between the commands
        assert not at.exception


@pytest.mark.duckdb_only  # turns on the file; PostgreSQL writers wait on an advisory lock
def test_a_write_waits_its_turn_then_gives_up_cleanly(empty_db: str) -> None:
    """Another process keeps its turn for longer than we may wait: the CLI says so,
    exits 75 and changes nothing; with a longer wait it announces the wait and loads."""
    path = _db_path(empty_db)
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from pathlib import Path; from kpi import lease\n"
            "with lease.turn(Path(sys.argv[1])):\n"
            "    print('holding', flush=True); time.sleep(float(sys.argv[2]))",
            str(path),
            "10",
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        started = time.monotonic()
        refused = run_cli(
            "ingest", "--db", empty_db, str(SAMPLES / "production.csv"), env={"KPI_LOCK_WAIT": "1"}
        )
        assert refused.returncode == 75, refused.stderr
        assert "busy" in refused.stderr and "nothing was changed" in refused.stderr
        assert time.monotonic() - started < 30
        waited = run_cli("ingest", "--db", empty_db, str(SAMPLES / "production.csv"))
    finally:
        holder.wait(timeout=30)
    assert waited.returncode == 0, waited.stderr
    assert "Waiting for the database" in waited.stderr
    engine = store.create_engine(load_settings(empty_db))
    with engine.connect() as conn:
        loads = conn.execute(sa.text("SELECT count(*) FROM batches")).scalar()
    engine.dispose()
    assert loads == 1, "the refused attempt stored nothing; the patient one stored its batch"


@pytest.mark.parametrize("command", [["report", "--kpi", "scrap_rate"], ["batches"]])
def test_readers_in_parallel_processes_all_finish(empty_db: str, command: list[str]) -> None:
    assert run_cli("ingest", "--db", empty_db, str(SAMPLES / "production.csv")).returncode == 0
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "kpi", *command, "--db", empty_db],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    for run in runs:
        out, err = run.communicate(timeout=120)
        assert run.returncode == 0, err
        assert out.strip()
