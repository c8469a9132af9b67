"""A click on a trend point fills the drill-down (issue 16 item 6), in Debian's Chromium.

The OEE page's "OEE by line" chart: clicking the first (oldest) point of one line's
series must set the drill-down's period to that period and its line to that line, and
the rows shown must be that line's. Browsers are never downloaded.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from tests.test_browser import CHROMIUM, ERROR, _open, _settle, launch_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

BOX = '[data-testid="stMain"] [data-testid="stSelectbox"]'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    proc, url = launch_app(tmp_path_factory.mktemp("drill"), timeout=180)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def page(server):
    from playwright.sync_api import sync_playwright

    from tests.test_browser import ARGS

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield chromium.new_context(viewport={"width": 1440, "height": 1000}).new_page()
        chromium.close()


def _box(page, label: str) -> str:
    box = page.locator(BOX).filter(has_text=label).first
    return box.locator("input").input_value() or box.inner_text().splitlines()[-1].strip()


def test_clicking_a_point_of_a_line_fills_the_drill_down(server: str, page) -> None:
    _open(page, f"{server}/oee", "OEE")
    assert _box(page, "Line") == "All lines"
    newest = _box(page, "starting")
    chart = page.locator('[data-testid="stPlotlyChart"]').nth(1)  # OEE by line
    chart.scroll_into_view_if_needed()
    trace = chart.locator(".scatterlayer .trace").nth(4)
    name = chart.locator(".legend .traces .legendtext").nth(4).text_content().strip()
    box = trace.locator(".points path").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(x - 5, y)
    page.mouse.move(x, y)  # plotly picks the point under a hover, then takes the click
    page.wait_for_timeout(300)
    page.mouse.click(x, y)
    page.wait_for_timeout(1500)
    _settle(page)
    assert _box(page, "Line") == name
    assert _box(page, "starting") < newest  # the oldest period of the series
    assert page.locator(ERROR).count() == 0
    plant, line = name.split(" · ")
    table = page.locator('[data-testid="stDataFrame"]').last
    assert table.is_visible() and plant and line
