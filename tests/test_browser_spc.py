"""The SPC page in Debian's Chromium: L5's drift on a p chart, zones and signals drawn.

Reuses the server and browser fixtures of tests/test_browser.py (a fresh app with the
demo year). Skipped only when /usr/bin/chromium is missing; browsers are never downloaded.
"""

from __future__ import annotations

import pytest

from tests.test_browser import (  # noqa: F401
    CHROMIUM,
    ERROR,
    _open,
    _shot,
    browser,
    page,
    server,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]


def test_spc_page_shows_the_l5_drift(server: str, page):  # noqa: F811
    query = "kpi=scrap_rate&chart=p&line=L5&grain=week&from=2026-04-26&to=2026-10-25"
    _open(page, f"{server}/spc?{query}", "SPC")
    assert page.locator(ERROR).count() == 0
    page.get_by_role("heading", name="Signals").wait_for(timeout=30_000)
    page.wait_for_function(  # the rule text sits in the signals grid (cells may be hidden)
        "() => [...document.querySelectorAll('td')]"
        ".some(td => td.textContent.includes('one point beyond 3σ'))",
        timeout=30_000,
    )
    assert page.locator('[data-testid="stPlotlyChart"] .main-svg').count() >= 1
    path = _shot(page, "page-spc-l5")
    assert path.stat().st_size > 10_000


def test_capability_chart_of_the_worn_hob(server: str, page):  # noqa: F811
    """Issue 18: an alert's link opens the measured chart; the histogram shows the spec."""
    query = ("kpi=measure:gr-520/tooth%20thickness%20deviation&chart=xbar-r&plant=Plant%202"
             "&line=L5&grain=week&from=2026-09-05&to=2026-10-31&focus=1")  # fmt: skip
    _open(page, f"{server}/spc?{query}", "SPC")
    assert page.locator(ERROR).count() == 0
    page.get_by_role("heading", name="Capability").wait_for(timeout=60_000)
    page.wait_for_function(  # both figures drawn: the X̄-R chart and the histogram
        "() => document.querySelectorAll('[data-testid=\"stPlotlyChart\"] .main-svg').length >= 2",
        timeout=60_000,
    )
    text = page.locator('[data-testid="stPlotlyChart"]').last.inner_text()
    assert "USL" in text and "LSL" in text
    assert page.get_by_text("Cpk (within)").count() >= 1
    assert _shot(page, "page-spc-capability").stat().st_size > 10_000
