"""A click on a trend point fills the drill-down (issue 16 item 6), in Debian's Chromium.

The OEE page's "OEE by line" chart: clicking the first (oldest) point of one line's
series must set the drill-down's period to that period and its line to that line, and
the rows shown must be that line's. Browsers are never downloaded.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.test_browser import CHROMIUM, ERROR, ROOT, _open, _settle, running_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]

BOX = '[data-testid="stMain"] [data-testid="stSelectbox"]'


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("drill")


@pytest.fixture(scope="module")
def server(folder: Path) -> Iterator[str]:
    with running_app(folder, timeout=180) as url:
        yield url


@pytest.fixture
def browser_page(server):
    """A page of the given width in a fresh Chromium (844 px high, like a phone)."""
    from playwright.sync_api import sync_playwright

    from tests.test_browser import ARGS

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        yield lambda width: chromium.new_context(
            viewport={"width": width, "height": 844 if width < 600 else 1000}
        ).new_page()
        chromium.close()


@pytest.fixture
def page(browser_page):
    return browser_page(1440)


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
    # the drill-down rows: the last table shown (a collapsed Sources panel follows it)
    table = page.locator('[data-testid="stDataFrame"] >> visible=true').last
    assert table.is_visible() and plant and line


COVERED = """() => { const h = document.querySelector('h1'); const r = h.getBoundingClientRect();
    const top = document.elementFromPoint(r.left + 20, r.top + r.height / 2);
    return !!top.closest('[data-testid="stSidebar"]'); }"""
SIDEBAR_SHOWN = """() => { const r = document.querySelector('[data-testid="stSidebar"]')
    .getBoundingClientRect(); return r.right > 50 && r.width > 150; }"""


@pytest.mark.parametrize(("width", "shown"), [(390, False), (1440, True)])
def test_a_phone_opens_with_the_sidebar_collapsed(server: str, browser_page, width, shown):
    page = browser_page(width)
    _open(page, f"{server}/", "Overview")
    assert page.evaluate(SIDEBAR_SHOWN) is shown
    assert page.evaluate(COVERED) is False  # the title is readable, not under the sidebar


CUT_LABELS = """() => [...document.querySelectorAll(
    '[data-testid="stMain"] [data-testid="stPageLink"] p')]
    .filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.innerText)"""


@pytest.mark.parametrize("width", [1280, 1024])
def test_no_link_label_is_cut_on_the_overview(server: str, browser_page, width) -> None:
    page = browser_page(width)
    _open(page, f"{server}/", "Overview")
    page.get_by_text("Needs attention").scroll_into_view_if_needed()
    links = page.locator('[data-testid="stMain"] [data-testid="stPageLink"]')
    links.filter(has_text="Corrective action").first.wait_for(timeout=60_000)
    _settle(page)
    assert page.evaluate(CUT_LABELS) == []
    buttons = page.locator('[data-testid="stMain"] button').filter(has_text="Ackn")
    assert buttons.count() > 0
    assert buttons.first.evaluate("b => b.scrollWidth <= b.clientWidth + 1")


REPEATED_TICKS = """() => [...document.querySelectorAll('.js-plotly-plot')].flatMap(plot =>
    [...plot.querySelectorAll('g[class^="yaxislayer"], g.yaxislayer-above')].map(layer => {
      const labels = [...layer.querySelectorAll('.ytick text')].map(t => t.textContent);
      return labels.filter((t, i) => labels.indexOf(t) !== i); }).flat())"""
OVERLAP = """(plot) => { const a = plot.querySelector('.modebar').getBoundingClientRect();
    const b = plot.querySelector('.legend').getBoundingClientRect();
    return !(a.right <= b.left || b.right <= a.left || a.bottom <= b.top || b.bottom <= a.top); }"""


def test_charts_have_distinct_ticks_and_a_modebar_clear_of_the_legend(server: str, page):
    """Failed before: the modebar sat on the legend's last entries (top right)."""
    for path, title in (("oee", "OEE"), ("quality", "Quality"), ("downtime", "Downtime")):
        _open(page, f"{server}/{path}", title)
        assert page.evaluate(REPEATED_TICKS) == [], path
    _open(page, f"{server}/oee", "OEE")
    chart = page.locator('[data-testid="stPlotlyChart"]').nth(1)  # OEE by line: 6 lines
    chart.scroll_into_view_if_needed()
    chart.hover()
    plot = chart.locator(".js-plotly-plot")
    plot.locator(".modebar").wait_for(state="visible", timeout=10_000)
    assert plot.evaluate(OVERLAP) is False


def test_after_an_undo_the_batch_picker_says_undone(server: str, folder: Path, page) -> None:
    """Runs last in this module: it withdraws a batch (a sample loaded here, not demo data)."""
    db = f"duckdb:///{folder / 'kpi.duckdb'}"
    sample = ROOT / "data" / "samples" / "receipts.csv"
    loaded = subprocess.run([sys.executable, "-m", "kpi", "ingest", str(sample), "--db", db],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)  # fmt: skip
    assert loaded.returncode == 0, loaded.stderr
    _open(page, f"{server}/upload", "Upload")
    picker = page.locator(BOX).filter(has_text="Batch").first
    assert "receipts.csv" in picker.locator("input").input_value() + picker.inner_text()
    page.get_by_role("button", name="Undo batch").click()
    page.get_by_role("button", name="Yes, undo batch").click()
    page.get_by_text("undone: withdrew").wait_for(timeout=60_000)
    _settle(page)
    shown = picker.locator("input").input_value() + picker.inner_text()
    assert "undone" in shown and "active" not in shown
