"""Shared fixtures: every test gets its own real DuckDB file in tmp_path."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from kpi import store
from kpi.settings import Settings, load_settings

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"duckdb:///{tmp_path / 'kpi.duckdb'}"


@pytest.fixture
def settings(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.delenv("KPI_ARCHIVE_DIR", raising=False)
    return load_settings(db_url, user="tester")


@pytest.fixture
def engine(settings: Settings) -> sa.Engine:
    engine = store.create_engine(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    """Write text (or bytes) to a file in tmp_path and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return _write


def run_cli(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kpi`` in a subprocess, as a user would from a shell."""
    return subprocess.run(
        [sys.executable, "-m", "kpi", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )
