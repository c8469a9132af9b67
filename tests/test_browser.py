"""The real app in Debian's Chromium through Playwright: deep link, every page, an upload.

A module-scoped fixture starts ``streamlit run app.py`` on a free loopback port against a
fresh database in a temp folder (the app seeds the demo year itself). Screenshots go to
test-artifacts/ (git-ignored). Skipped only when /usr/bin/chromium is missing; browsers are
never downloaded.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ui.registry import PAGES

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ERROR = '[data-testid="stException"]'
LINKS = '[data-testid="stSidebar"] [data-testid="stPageLink"]'
PLOTS_DRAWN = """() => !document.querySelector('[data-testid="stSkeleton"]') &&
    [...document.querySelectorAll('[data-testid="stPlotlyChart"]')]
    .every(el => el.querySelector('.main-svg'))"""
MAIN_HEIGHT = """() => {
    const main = document.querySelector('[data-testid="stMain"]') || document.body;
    return Math.max(main.scrollHeight, document.body.scrollHeight) + 40; }"""

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError("streamlit did not become healthy")


def app_env(folder: Path, **extra: str) -> dict[str, str]:
    """The environment of an app under test: its database in ``folder``, the demo seeded."""
    env = {**os.environ, "KPI_DB_URL": f"duckdb:///{folder / 'kpi.duckdb'}", "KPI_USER": "qa"}
    env.pop("KPI_NO_DEMO", None)
    env.pop("KPI_ARCHIVE_DIR", None)
    return {**env, **extra}


@contextlib.contextmanager
def running_app(
    folder: Path,
    env: dict[str, str] | None = None,
    timeout: float = 90,
    address: str = "127.0.0.1",
    name: str = "streamlit",
) -> Iterator[str]:
    """``streamlit run app.py`` on a free port, healthy, stopped afterwards; yields its URL."""
    port = _free_port()
    with (folder / f"{name}.log").open("w") as log:  # the child keeps its own handle
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", address],
            cwd=ROOT, env=env or app_env(folder), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(url, proc, timeout)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with running_app(tmp_path_factory.mktemp("browser")) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    yield context.new_page()
    context.close()


def _open(page, url: str, title: str) -> None:
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_role("heading", name=title, level=1).wait_for(timeout=90_000)
    _settle(page)


def _settle(page) -> None:
    """Wait until Streamlit has finished the script run (no running indicator)."""
    page.wait_for_timeout(500)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=90_000
    )
    page.wait_for_function(PLOTS_DRAWN, timeout=60_000)
    page.wait_for_timeout(700)


def _shot(page, name: str) -> Path:
    """Full page: Streamlit scrolls inside its main block, so grow the viewport to fit it."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    height = page.evaluate(MAIN_HEIGHT)
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": min(max(height, 800), 8000)})
    page.wait_for_timeout(800)
    page.wait_for_function(PLOTS_DRAWN, timeout=60_000)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    return path


def test_deep_link_first_on_a_fresh_server(server: str, page):
    """Streamlit 1.67 serves this without app.py; the page must still be whole."""
    _open(page, f"{server}/upload", "Upload")
    assert page.locator(ERROR).count() == 0
    labels = [t.strip().splitlines()[-1] for t in page.locator(LINKS).all_inner_texts()]
    assert labels == [s.label for s in PAGES]
    _shot(page, "deep-link-upload")


@pytest.mark.parametrize("spec", PAGES, ids=[s.page.value for s in PAGES])
def test_every_page_without_error(server: str, page, spec):
    _open(page, f"{server}/{spec.page.value}", spec.label)
    assert page.locator(ERROR).count() == 0
    assert page.locator(LINKS).count() == len(PAGES)
    _shot(page, f"page-{spec.page.value}")


def test_navigation_by_sidebar_links_keeps_the_view(server: str, page):
    _open(page, f"{server}/?grain=month", "Overview")
    for spec in PAGES[1:]:
        page.locator(LINKS).filter(has_text=spec.label).first.click()
        page.get_by_role("heading", name=spec.label, level=1).wait_for(timeout=60_000)
        _settle(page)
        assert page.locator(ERROR).count() == 0
    assert "grain=month" in page.url


def test_upload_through_the_file_input(server: str, page):
    _open(page, f"{server}/upload", "Upload")
    sample = ROOT / "data" / "samples" / "receipts.csv"
    page.locator('input[type="file"]').set_input_files(str(sample))
    button = page.get_by_role("button", name="Load 1 file(s)")
    button.wait_for(timeout=30_000)
    button.click()
    done = page.locator('[data-testid="stAlert"]').filter(has_text="loaded 9 receipts rows")
    done.first.wait_for(timeout=60_000)
    _settle(page)
    assert page.locator(ERROR).count() == 0
    _shot(page, "upload-done")
