"""The Upload page in Debian's Chromium: an .xlsx through the file input, and the editor.

Reuses the server, browser and page fixtures of tests/test_browser.py (a fresh
``streamlit run app.py`` per module). Screenshots go to test-artifacts/; the mapping
editor's screenshot is also kept for the docs in docs/screenshots/mapping-editor.png.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import openpyxl
import pytest

from tests.test_browser import (  # noqa: F401  (fixtures are used by name)
    ARTIFACTS,
    CHROMIUM,
    ERROR,
    MAIN_HEIGHT,
    ROOT,
    _open,
    _settle,
    _shot,
    browser,
    page,
    server,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed"),
]
DOC_SHOT = ROOT / "docs" / "screenshots" / "mapping-editor.png"
GERMAN = (
    "Datum;Schicht;Linie;Artikel;Planzeit;Menge;Ausschuss\n"
    "02.03.2026;Früh;L1;Zahnrad;480,5;1.250;12\n"
    "03.03.2026;Spät;L1;Zahnrad;450;980;7\n"
)
MAPPING = {
    "date": "Datum",
    "shift": "Schicht",
    "line": "Linie",
    "product": "Artikel",
    "planned_minutes": "Planzeit",
    "units_produced": "Menge",
    "units_scrapped": "Ausschuss",
}


def _workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["exported by the MES"])
    sheet = book.create_sheet("Shifts")
    sheet.append(
        ["date", "shift", "line", "product", "planned_minutes", "units_produced", "units_scrapped"]
    )
    sheet.append([dt.datetime(2026, 3, 2), "XA", "L9", "P-X", 480, 900, 9])
    sheet.append([46083, "XN", "L9", "P-X", 480, 850, 4])  # Excel serial of 2026-03-02
    book.save(path)
    return path


def _pick(page, label: str, option: str) -> None:
    """Choose in a Streamlit select box the way a keyboard user does: type, Enter."""
    page.get_by_label(label, exact=True).first.click()
    page.keyboard.type(option)
    page.keyboard.press("Enter")
    _settle(page)


def _fill(page, label: str, text: str) -> None:
    box = page.get_by_label(label, exact=True).first
    box.fill(text)
    box.press("Enter")
    _settle(page)


def test_xlsx_upload_choose_the_sheet_and_load(server: str, page, tmp_path: Path):
    _open(page, f"{server}/upload", "Upload")
    book = _workbook(tmp_path / "shifts.xlsx")
    page.locator('input[type="file"]').first.set_input_files(str(book))
    page.get_by_label("Sheet", exact=True).first.wait_for(timeout=30_000)
    _settle(page)
    _pick(page, "Sheet", "Shifts")
    page.get_by_text("sheet 'Shifts'").first.wait_for(timeout=30_000)
    page.get_by_role("button", name="Load 1 file(s)").click()
    done = page.locator('[data-testid="stAlert"]').filter(has_text="loaded 2 production rows")
    done.first.wait_for(timeout=60_000)
    _settle(page)
    assert page.locator(ERROR).count() == 0
    _shot(page, "upload-xlsx-done")


def test_mapping_editor_preview(server: str, page, tmp_path: Path):
    _open(page, f"{server}/upload", "Upload")
    source = tmp_path / "mes-export.csv"
    source.write_text(GERMAN, encoding="utf-8")
    page.locator('input[type="file"]').first.set_input_files(str(source))
    page.get_by_label("Kind of data", exact=True).first.wait_for(timeout=30_000)
    _settle(page)
    _pick(page, "Kind of data", "production")
    for canonical, header in MAPPING.items():
        _pick(page, f"Source header for {canonical}", header)
    _fill(page, "Date format for date", "%d.%m.%Y")
    _pick(page, "Decimal separator", "comma")
    _pick(page, "Thousands separator", "point")
    _fill(page, "Profile name", "mes-shifts")
    preview = page.locator('[data-testid="stDataFrame"]').nth(1)
    preview.wait_for(timeout=30_000)
    assert page.locator(ERROR).count() == 0
    _shot(page, "upload-mapping-editor")
    assert _editor_shot(page).stat().st_size < 300_000


def _editor_shot(page) -> Path:
    """The file's expander alone (the editor and its preview): the docs' picture when
    KPI_UPDATE_SCREENSHOTS=1, else a test artifact (a test run never edits tracked files)."""
    shot = DOC_SHOT if os.environ.get("KPI_UPDATE_SCREENSHOTS") else ARTIFACTS / DOC_SHOT.name
    size = page.viewport_size
    page.set_viewport_size({"width": 1200, "height": min(page.evaluate(MAIN_HEIGHT), 8000)})
    page.wait_for_timeout(800)
    shot.parent.mkdir(parents=True, exist_ok=True)
    page.locator('[data-testid="stExpander"]').nth(1).screenshot(path=str(shot))
    page.set_viewport_size(size)
    return shot
