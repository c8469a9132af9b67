"""Restore is atomic (a restore killed or out of disk leaves the live database as it was)
and audited (the live audit log is kept, with who restored what and when)."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from kpi import backup, store
from kpi.ingest import ingest_bytes
from kpi.settings import load_settings
from kpi.synthetic import write_production_csv
from tests.conftest import ROOT, run_cli

HEADER = "date,shift,line,product,planned_minutes,units_produced,units_scrapped\n"


def _small(day: int) -> bytes:
    return f"{HEADER}2026-03-{day:02d},A,L1,P,480,900,9\n".encode()


def _limited_restore(db_url: str, source: Path, limit: int) -> subprocess.CompletedProcess:
    """The real CLI, allowed to write files of at most ``limit`` bytes: a full disk."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "kpi", "restore", str(source), "--db", db_url],
        cwd=ROOT, capture_output=True, text=True, timeout=300, preexec_fn=cap,
    )  # fmt: skip


def test_a_restore_that_runs_out_of_disk_leaves_the_live_database_intact(tmp_path: Path) -> None:
    """Failed before: the backup was copied over the live file, which a full disk (or a
    kill) left truncated and unopenable."""
    big_url = f"duckdb:///{tmp_path / 'big.duckdb'}"
    big_settings = load_settings(big_url, "tester")
    engine = store.create_engine(big_settings)
    data = write_production_csv(tmp_path / "big.csv", 300_000).read_bytes()
    ingest_bytes(engine, big_settings, data, "big.csv")
    copy = backup.backup(engine, big_settings, tmp_path / "big-backup.duckdb")
    engine.dispose()
    live = tmp_path / "kpi.duckdb"
    settings = load_settings(f"duckdb:///{live}", "tester")
    engine = store.create_engine(settings)
    ingest_bytes(engine, settings, _small(2), "small.csv")
    engine.dispose()
    assert live.stat().st_size < copy.stat().st_size
    limit = (live.stat().st_size + copy.stat().st_size) // 2
    result = _limited_restore(settings.db_url, copy, limit)
    assert result.returncode != 0
    engine = store.create_engine(settings)
    assert store.current_row_counts(engine)["production"] == 1, "the live data is unchanged"
    engine.dispose()
    assert not list(tmp_path.glob("kpi.duckdb.restoring-*")), "the staged copy is cleaned"


def test_restore_keeps_the_live_audit_log_and_records_itself(tmp_path: Path) -> None:
    """Failed before: a restore rewound the audit log to the backup's and logged nothing."""
    db_url = f"duckdb:///{tmp_path / 'kpi.duckdb'}"
    settings = load_settings(db_url, "tester")
    engine = store.create_engine(settings)
    ingest_bytes(engine, settings, _small(2), "one.csv")
    saved = backup.backup(engine, settings, tmp_path / "monday.duckdb")
    ingest_bytes(engine, settings, _small(3), "two.csv")
    before = store.list_audit(engine)
    engine.dispose()
    done = run_cli("restore", str(saved), "--db", db_url, "--user", "alice")
    assert done.returncode == 0, done.stderr
    engine = store.create_engine(settings)
    after = store.list_audit(engine)
    assert store.current_row_counts(engine)["production"] == 1  # the data is the backup's
    engine.dispose()
    assert len(after) == len(before) + 1
    assert after.iloc[1:]["detail"].tolist() == before["detail"].tolist()
    newest = after.iloc[0]
    assert (newest["action"], newest["user_name"]) == ("restore", "alice")
    assert str(saved) in newest["detail"]


def test_an_admin_backs_up_from_the_app(demo_db: str) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/audit.py").run()
    at.button(key="backup_now").click().run()
    assert not at.exception
    said = [s.value for s in at.success if "Backup written to" in s.value]
    assert said, [e.value for e in at.error]
    name, folder = said[0].removeprefix("Backup written to ").rstrip(".").split(" in ", 1)
    written = list(Path(folder).glob("*.duckdb"))
    assert [w.name for w in written] == [name]
    engine = store.create_engine(load_settings(demo_db))
    with engine.connect() as conn:
        actions = conn.execute(sa.text("SELECT action FROM audit_log")).scalars().all()
    engine.dispose()
    assert "backup" in actions
