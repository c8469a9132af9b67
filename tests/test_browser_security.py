"""The real server attacked from the network: open demo mode refuses other machines.

The app listens on every interface (as ``streamlit run app.py`` does by default) with no
account. A browser coming from this machine's own network address, not loopback, must
get the refusal; the same page from 127.0.0.1 works. Skipped without Debian's Chromium
or without a non-loopback address.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_browser import ARGS, CHROMIUM, ROOT, running_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


def _network_address() -> str | None:
    """This machine's address on its network interface (never sends a packet)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.254", 9))
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


@pytest.fixture(scope="module")
def open_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    folder: Path = tmp_path_factory.mktemp("open")
    env = {**os.environ, "KPI_DB_URL": f"duckdb:///{folder / 'kpi.duckdb'}", "KPI_NO_DEMO": "1"}
    with running_app(folder, env, address="0.0.0.0") as url:
        yield int(url.rsplit(":", 1)[1])


@pytest.fixture(scope="module")
def page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium.new_page()
        chromium.close()


def test_open_demo_mode_refuses_another_machine(open_server: int, page) -> None:
    address = _network_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address")
    page.goto(f"http://{address}:{open_server}/users", wait_until="domcontentloaded")
    page.get_by_text("serves only the machine it runs on").wait_for(timeout=90_000)
    assert page.get_by_role("heading", name="Users", level=1).count() == 0
    assert page.get_by_text("Add or change an account").count() == 0


def test_open_demo_mode_serves_this_machine(open_server: int, page) -> None:
    page.goto(f"http://127.0.0.1:{open_server}/users", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Users", level=1).wait_for(timeout=90_000)
    assert page.get_by_text("serves only the machine it runs on").count() == 0


@pytest.fixture(scope="module")
def account_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app with one admin account, on loopback."""
    folder: Path = tmp_path_factory.mktemp("accounts")
    url = f"duckdb:///{folder / 'kpi.duckdb'}"
    subprocess.run(
        [sys.executable, "-m", "kpi", "users", "add", "root", "--role", "admin",
         "--password-stdin", "--db", url],
        input=f"{PASSWORD}\n", text=True, cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    env = {**os.environ, "KPI_DB_URL": url, "KPI_NO_DEMO": "1"}
    with running_app(folder, env) as address:
        yield address


PASSWORD = "a long password"


def test_a_refresh_keeps_the_sign_in_and_sign_out_ends_it(account_server: str, page) -> None:
    page.goto(f"{account_server}/", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Sign in", level=1).wait_for(timeout=90_000)
    page.get_by_role("textbox", name="Name").fill("root")
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Overview", level=1).wait_for(timeout=90_000)
    page.wait_for_function("() => document.cookie.includes('kpi_session=')", timeout=30_000)
    cookie = next(c for c in page.context.cookies() if c["name"] == "kpi_session")
    assert cookie["sameSite"] == "Strict" and len(cookie["value"]) >= 43
    page.reload(wait_until="domcontentloaded")
    page.get_by_role("heading", name="Overview", level=1).wait_for(timeout=90_000)
    page.goto(f"{account_server}/quality", wait_until="domcontentloaded")
    page.get_by_role("heading", name="Quality", level=1).wait_for(timeout=90_000)
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in", level=1).wait_for(timeout=90_000)
    page.reload(wait_until="domcontentloaded")
    page.get_by_role("heading", name="Sign in", level=1).wait_for(timeout=90_000)
