"""The management review page in a real browser against ``streamlit run app.py``: the last
review's decision status is updated, and the PDF download comes from the warm Chromium the
page started on load. Skipped only when /usr/bin/chromium is missing."""

from __future__ import annotations

import datetime as dt
import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from kpi import store
from kpi.demo import seed_demo
from kpi.review import Decision, ItemKind, make_request, prepare, save_review
from kpi.settings import load_settings
from tests import test_browser as tb
from ui.registry import BY_ID, PageId

browser, page = tb.browser, tb.page
pytestmark = tb.pytestmark
AS_OF = dt.date(2026, 11, 15)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo year with a saved Q2 2026 review of two items, served by Streamlit."""
    folder = tmp_path_factory.mktemp("browser_review")
    url = f"duckdb:///{folder / 'kpi.duckdb'}"
    engine = store.create_engine(load_settings(url, user="demo"))
    seed_demo(engine, load_settings(url, user="demo"))
    q2 = prepare(engine, make_request("2026-Q2", None, AS_OF))
    items = [Decision("Scrap task force on L3", "J. Weber", ItemKind.ACTION),
             Decision("Keep the OEE objective at 85 %", "Plant manager")]  # fmt: skip
    save_review(engine, load_settings(url, user="qa"), q2, {}, items)
    engine.dispose()
    with tb.running_app(folder) as address:
        yield address


def test_status_update_and_pdf_from_the_warm_browser(server, page, tmp_path: Path):
    address = server
    label = BY_ID[PageId.REVIEW].label
    tb._open(page, f"{address}/{PageId.REVIEW.value}", label)
    assert page.locator(tb.ERROR).count() == 0
    page.get_by_role("button", name="Update status").click()  # item 1 -> done (the default)
    page.get_by_text("is now done").wait_for(timeout=60_000)
    tb._settle(page)
    tb._shot(page, "review-decision-status")
    assert page.locator(tb.ERROR).count() == 0

    page.wait_for_timeout(6_000)  # time for the warm browser to start, as a reader would
    started = time.monotonic()
    with page.expect_download(timeout=120_000) as download:
        page.get_by_role("button", name="PDF", exact=True).click()  # not "Saved PDF"
    data = Path(download.value.path()).read_bytes()
    seconds = time.monotonic() - started
    print(f"PDF download from the page: {seconds:.2f} s, {len(data):,} bytes")
    reader = PdfReader(io.BytesIO(data))
    assert sum(len(p.images) for p in reader.pages) >= 4
    assert "drawn natively" not in "\n".join(p.extract_text() for p in reader.pages)
