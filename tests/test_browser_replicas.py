"""Two app replicas on one PostgreSQL database, with a CLI loader beside them (issue 15 §3).

A file uploaded through replica A appears on replica B at its next rerun, and a load by
the CLI appears on both: each replica keys its cached results on the database's data
version, so nothing is stale although ``st.cache_data`` is per process.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import pg
from tests.test_browser import ARGS, CHROMIUM, ERROR, ROOT, _settle, running_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

SAMPLES = ROOT / "data" / "samples"
HEADER = (
    "date,shift,plant,line,machine,product,planned_minutes,ideal_cycle_seconds,"
    "units_produced,units_scrapped,units_reworked"
)


def _cli(*args: str, db: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "kpi", *args, "--db", db],
        text=True, cwd=ROOT, capture_output=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str, Path]]:
    """(replica A URL, replica B URL, database URL, folder)."""
    if pg.unreachable_reason():
        pytest.skip(pg.unreachable_reason())
    folder: Path = tmp_path_factory.mktemp("replicas")
    env = {**os.environ, "KPI_NO_DEMO": "1", "KPI_USER": "qa", "KPI_AS_OF": "2026-11-06"}
    env["KPI_ARCHIVE_DIR"] = str(folder / "archive")
    with pg.database() as db:
        env["KPI_DB_URL"] = db
        _cli("ingest", str(SAMPLES / "production.csv"), str(SAMPLES / "downtime.csv"), db=db)
        with (
            running_app(folder, env, name="a") as a,
            running_app(folder, env, name="b") as b,
        ):
            yield a, b, db, folder


@pytest.fixture(scope="module")
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium.new_context(viewport={"width": 1440, "height": 1000}).new_page()
        chromium.close()


def _scrap_tile(page, url: str) -> str:
    page.goto(f"{url}/overview", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Overview", level=1).wait_for(timeout=120_000)
    _settle(page)
    assert page.locator(ERROR).count() == 0
    tile = page.locator('[data-testid="stMetric"]').filter(has_text="Scrap rate")
    return tile.locator('[data-testid="stMetricValue"]').inner_text()


def test_a_load_through_one_replica_shows_on_the_other(replicas, browser_page) -> None:
    a, b, db, folder = replicas
    page = browser_page
    before = _scrap_tile(page, b)
    upload = folder / "more.csv"
    upload.write_text(f"{HEADER}\n2026-11-05,A,Plant 1,L9,Press 91,BRK-100,480,12,1000,400,0\n")
    page.goto(f"{a}/upload", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Upload", level=1).wait_for(timeout=120_000)
    page.locator('input[type="file"]').first.set_input_files(str(upload))
    page.get_by_role("button", name="Load 1 file(s)").click()
    loaded = page.locator('[data-testid="stAlert"]').filter(has_text="loaded 1 production rows")
    loaded.first.wait_for(timeout=60_000)
    after_upload = _scrap_tile(page, b)
    assert after_upload != before, "replica B shows replica A's load at its next rerun"

    beside = folder / "cli.csv"
    beside.write_text(f"{HEADER}\n2026-11-05,B,Plant 1,L9,Press 91,BRK-100,480,12,1000,0,0\n")
    _cli("ingest", str(beside), db=db)
    assert _scrap_tile(page, a) != after_upload, "replica A shows the CLI's load"
    assert _scrap_tile(page, b) == _scrap_tile(page, a), "both replicas show one figure"
