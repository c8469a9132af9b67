"""Shared fixtures: every test gets its own real database: a DuckDB file in tmp_path, and
(for tests using ``backend`` through ``db_url``, ``demo_db`` or ``empty_db``) a fresh
PostgreSQL database too. ``@pytest.mark.duckdb_only`` keeps a test on the file backend
(it reads the file itself, or tests the file's own locking)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import streamlit as st

from kpi import store
from kpi.demo import seed_demo
from kpi.settings import Settings, load_settings
from tests import pg

ROOT = Path(__file__).resolve().parent.parent


BACKENDS = ("duckdb", "postgresql")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "duckdb_only: runs on the DuckDB file backend only")


_OUTCOMES: dict[str, str] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Remember each test's outcome: golden and textbook results feed the register's
    verification statement (ISO 9001 §7.1.5, ``kpi.verification``)."""
    counts = report.when == "call" or report.outcome == "failed"
    if counts and _OUTCOMES.get(report.nodeid) != "failed":
        _OUTCOMES[report.nodeid] = report.outcome


def pytest_sessionfinish(session: pytest.Session) -> None:
    import datetime as dt

    from kpi import verification

    if _OUTCOMES:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        verification.record_runs(_OUTCOMES, stamp)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        only = metafunc.definition.get_closest_marker("duckdb_only")
        metafunc.parametrize("backend", BACKENDS[:1] if only else BACKENDS, indirect=True)


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql" and pg.unreachable_reason():
        pytest.skip(pg.unreachable_reason())
    return request.param


@pytest.fixture
def db_url(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if backend == "duckdb":
        yield f"duckdb:///{tmp_path / 'kpi.duckdb'}"
        return
    monkeypatch.setenv("KPI_ARCHIVE_DIR", str(tmp_path / "archive"))
    with pg.database() as url:
        yield url


@pytest.fixture
def settings(db_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Settings:
    if db_url.startswith("duckdb"):
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


def run_cli(
    *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m kpi`` in a subprocess, as a user would from a shell."""
    return subprocess.run(
        [sys.executable, "-m", "kpi", *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
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


@pytest.fixture(scope="session")
def demo_template_pg(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The demo year seeded once into a PostgreSQL database, copied per test."""
    if pg.unreachable_reason():
        pytest.skip(pg.unreachable_reason())
    archive = tmp_path_factory.mktemp("demo-pg") / "archive"
    name = pg.create_database()
    previous = os.environ.get("KPI_ARCHIVE_DIR")
    os.environ["KPI_ARCHIVE_DIR"] = str(archive)
    try:
        settings = load_settings(pg.url_of(name), user="demo")
        engine = store.create_engine(settings)
        seed_demo(engine, settings)
        engine.dispose()
    finally:
        if previous is None:
            os.environ.pop("KPI_ARCHIVE_DIR", None)
        else:
            os.environ["KPI_ARCHIVE_DIR"] = previous
    yield name, archive
    pg.drop_database(name)


def _use_db(monkeypatch: pytest.MonkeyPatch, db: Path | str, archive: Path | None = None) -> str:
    url = db if isinstance(db, str) else f"duckdb:///{db}"
    monkeypatch.setenv("KPI_DB_URL", url)
    monkeypatch.setenv("KPI_NO_DEMO", "1")
    monkeypatch.setenv("KPI_USER", "tester")
    monkeypatch.setenv("KPI_AS_OF", "2026-10-31")  # the demo calendar's last day
    if archive is None:
        monkeypatch.delenv("KPI_ARCHIVE_DIR", raising=False)
    else:
        monkeypatch.setenv("KPI_ARCHIVE_DIR", str(archive))
    st.cache_data.clear()
    st.cache_resource.clear()
    return url


@pytest.fixture
def demo_db(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A copy of the seeded demo year, as KPI_DB_URL (the app and the CLI read it)."""
    if backend == "duckdb":
        template: Path = request.getfixturevalue("demo_template")
        for item in template.iterdir():
            copy = shutil.copytree if item.is_dir() else shutil.copy
            copy(item, tmp_path / item.name)
        yield _use_db(monkeypatch, tmp_path / "kpi.duckdb")
        return
    name, archive = request.getfixturevalue("demo_template_pg")
    with pg.database(template=name) as url:
        yield _use_db(monkeypatch, url, archive)
        st.cache_resource.clear()  # the app's engine holds connections to the database


@pytest.fixture
def empty_db(backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    if backend == "duckdb":
        yield _use_db(monkeypatch, tmp_path / "kpi.duckdb")
        return
    with pg.database() as url:
        yield _use_db(monkeypatch, url, tmp_path / "archive")
        st.cache_resource.clear()
