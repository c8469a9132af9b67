"""Shared fixtures: every test gets its own real DuckDB file in tmp_path."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st

from kpi import store
from kpi.demo import seed_demo
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


# --- page tests: the demo year seeded once per session into a template database ---


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    settings = load_settings(f"duckdb:///{folder / 'kpi.duckdb'}", user="demo")
    engine = store.create_engine(settings)
    seed_demo(engine, settings)
    engine.dispose()
    return folder


def _use_db(monkeypatch: pytest.MonkeyPatch, db: Path) -> str:
    url = f"duckdb:///{db}"
    monkeypatch.setenv("KPI_DB_URL", url)
    monkeypatch.setenv("KPI_NO_DEMO", "1")
    monkeypatch.setenv("KPI_USER", "tester")
    monkeypatch.setenv("KPI_AS_OF", "2026-10-31")  # the demo calendar's last day
    monkeypatch.delenv("KPI_ARCHIVE_DIR", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    return url


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for item in demo_template.iterdir():
        copy = shutil.copytree if item.is_dir() else shutil.copy
        copy(item, tmp_path / item.name)
    return _use_db(monkeypatch, tmp_path / "kpi.duckdb")


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return _use_db(monkeypatch, tmp_path / "kpi.duckdb")
