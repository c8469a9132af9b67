"""The ingestion CLI in a subprocess against a real DuckDB file, as QA would use it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.conftest import ROOT, run_cli

SAMPLES = ROOT / "data" / "samples"


def test_help_for_every_command() -> None:
    top = run_cli("--help")
    assert top.returncode == 0
    for command in ("ingest", "batches", "undo", "demo", "report", "targets"):
        assert command in top.stdout
        sub = run_cli(command, "--help")
        assert sub.returncode == 0, sub.stderr
        assert "--db" in sub.stdout or "ACTION" in sub.stdout  # targets has sub-actions


def test_ingest_batches_undo_round_trip(db_url: str) -> None:
    loaded = run_cli("ingest", "--db", db_url, str(SAMPLES / "production.csv"))
    assert loaded.returncode == 0, loaded.stderr
    assert "loaded" in loaded.stdout and "as batch 1" in loaded.stdout

    again = run_cli("ingest", "--db", db_url, str(SAMPLES / "production.csv"))
    assert again.returncode == 0
    assert "already loaded as batch 1" in again.stdout

    ledger = run_cli("batches", "--db", db_url)
    assert ledger.returncode == 0
    assert "production.csv" in ledger.stdout and "active" in ledger.stdout

    undone = run_cli("undo", "1", "--yes", "--db", db_url)
    assert undone.returncode == 0 and "batch 1 undone" in undone.stdout
    twice = run_cli("undo", "1", "--yes", "--db", db_url)
    assert twice.returncode == 1 and "already undone" in twice.stderr


def test_broken_file_prints_every_problem_and_exits_1(db_url: str) -> None:
    broken = run_cli("ingest", "--db", db_url, str(SAMPLES / "production_broken.csv"))
    assert broken.returncode == 1
    assert "rejected" in broken.stdout and "nothing was loaded" in broken.stdout
    assert "line 3, column 'date': is not a real calendar date" in broken.stdout
    assert "Traceback" not in broken.stdout + broken.stderr
    assert "no batches loaded yet" in run_cli("batches", "--db", db_url).stdout


def test_mixed_files_load_the_good_and_report_the_bad(db_url: str) -> None:
    result = run_cli(
        "ingest",
        "--db",
        db_url,
        str(SAMPLES / "downtime.csv"),
        str(SAMPLES / "production_broken.csv"),
        str(SAMPLES / "deliveries.csv"),
    )
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("downtime.csv: loaded")
    assert any(line.startswith("deliveries.csv: loaded") for line in lines)


def test_kind_flag_and_environment_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"duckdb:///{tmp_path / 'env.duckdb'}"
    monkeypatch.setenv("KPI_DB_URL", url)
    wrong = run_cli("ingest", "--kind", "deliveries", str(SAMPLES / "production.csv"))
    assert wrong.returncode == 1
    assert "looks like a production file" in wrong.stdout
    right = run_cli("ingest", "--kind", "production", str(SAMPLES / "production.csv"))
    assert right.returncode == 0
    assert (tmp_path / "env.duckdb").exists()


def test_usage_errors_exit_2(db_url: str) -> None:
    missing = run_cli("ingest", "--db", db_url, "/no/such/file.csv")
    assert missing.returncode == 2 and "no such file" in missing.stderr
    bad_kind = run_cli("ingest", "--kind", "widgets", "x.csv")
    assert bad_kind.returncode == 2


def test_a_database_held_by_a_foreign_process_gets_a_plain_message(tmp_path: Path) -> None:
    """A process that does not take turns (the DuckDB shell, an older release) holds the
    file: the CLI waits its bounded time, then says so in words and changes nothing,
    instead of printing DuckDB's lock error."""
    path = tmp_path / "held.duckdb"
    with duckdb.connect(str(path)):
        result = run_cli(
            "ingest",
            "--db",
            f"duckdb:///{path}",
            str(SAMPLES / "production.csv"),
            env={"KPI_LOCK_WAIT": "1"},
        )
    assert result.returncode == 75, result.stderr
    assert "The database was busy" in result.stderr and "nothing was changed" in result.stderr
    assert "Traceback" not in result.stderr and "IO Error" not in result.stderr
