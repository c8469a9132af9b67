"""In Debian's Chromium: a new user maps the DataCo-style order-line export to deliveries.

The export (data/samples/dataco-order-lines.csv) is Windows-1252 and has no due date:
the user picks the columns, adds a computed due date (order date + scheduled days) and
the customer (first and last name joined), and loads. The OTD the app then reports for
that plant equals the one computed from the raw bytes (tests/test_computed_columns.py).
Own server (fresh demo database), browser fixtures from tests/test_browser.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from kpi import cli
from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    CHROMIUM,
    ERROR,
    _open,
    _settle,
    _shot,
    browser,
    page,
    running_app,
)
from tests.test_browser_xlsx import _fill, _pick
from tests.test_computed_columns import SAMPLE, independent_otd

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]
STAMP = "%m/%d/%Y %H:%M"
MAPPED = {
    "order_id": "Order Id",
    "line_no": "Order Item Id",
    "product": "Product Name",
    "ship_date": "shipping date (DateOrders)",
    "quantity_ordered": "Order Item Quantity",
}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("order-lines")
    with running_app(folder) as url:
        yield url, folder


def _choose_many(page, label: str, options: list[str]) -> None:
    """A multiselect, as a keyboard user fills it: type each option, Enter, then Escape."""
    box = page.get_by_label(label, exact=True).first
    for option in options:
        box.click()
        page.keyboard.type(option)
        page.keyboard.press("Enter")
        _settle(page)
    page.keyboard.press("Escape")
    _settle(page)


def test_map_the_order_line_export_to_deliveries(app, page, capsys) -> None:
    url, folder = app
    _open(page, f"{url}/upload", "Upload")
    page.locator('input[type="file"]').first.set_input_files(str(SAMPLE))
    page.get_by_label("Kind of data", exact=True).first.wait_for(timeout=30_000)
    _settle(page)
    page.get_by_text("Detected Windows-1252 (cp1252)").first.wait_for(timeout=30_000)
    _pick(page, "Kind of data", "deliveries")
    for canonical, header in MAPPED.items():
        _pick(page, f"Source header for {canonical}", header)
    _fill(page, "Date format for ship_date", STAMP)
    _fill(page, "Constant for plant", "DataCo")
    computed = "Computed columns (for a column your file does not hold as such)"
    _choose_many(page, computed, ["due_date", "customer"])
    _pick(page, "Date column", "order date (DateOrders)")
    _pick(page, "Days column", "Days for shipment (scheduled)")
    _fill(page, "Date format of the date column(s)", STAMP)
    _choose_many(page, "Columns, in order", ["Customer Fname", "Customer Lname"])
    page.get_by_text("Renée O’Brien").first.wait_for(state="attached", timeout=30_000)  # grid
    assert page.locator(ERROR).count() == 0
    _shot(page, "upload-order-lines-mapped")
    page.get_by_role("button", name="Load 1 file(s)").click()
    done = page.locator('[data-testid="stAlert"]').filter(has_text="loaded 40 deliveries rows")
    done.first.wait_for(timeout=60_000)
    _settle(page)
    assert page.locator(ERROR).count() == 0
    db = f"duckdb:///{folder / 'kpi.duckdb'}"
    report = ["report", "--db", db, "--kpi", "otd", "--grain", "total", "--where",
              "plant=DataCo", "--as-of", "2026-12-31", "--format", "json"]  # fmt: skip
    capsys.readouterr()
    assert cli.main(report) == 0
    (otd,) = json.loads(capsys.readouterr().out)
    on_time, total, _ = independent_otd()
    assert (otd["numerator"], otd["denominator"]) == (on_time, total)
