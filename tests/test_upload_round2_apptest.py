"""The Upload page, round 2: computed columns, encodings and remembered sheets (AppTest).

A QA technician maps the DataCo-style order-line export (Windows-1252, no due date
column) to deliveries with a computed due date, and the OTD equals the one computed
here from the raw bytes; a file's encoding is shown as detected and can be changed;
a profile saved from a workbook's sheet opens the next workbook on that sheet.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
from streamlit.testing.v1 import AppTest

from kpi import metrics, profiles, store
from kpi.schema import Kind
from tests.test_computed_columns import SAMPLE, independent_otd, rows_of
from tests.test_pages_apptest import open_page
from tests.test_upload_profiles_apptest import XLSX, engine_of, upload, widget
from ui.registry import PageId

MAPPED = {
    "order_id": "Order Id",
    "line_no": "Order Item Id",
    "product": "Product Name",
    "ship_date": "shipping date (DateOrders)",
    "quantity_ordered": "Order Item Quantity",
}
STAMP = "%m/%d/%Y %H:%M"


def first_due_dates(count: int) -> list[str]:
    """Order date + scheduled days of the sample's first rows, by the standard library."""
    rows = list(csv.DictReader(io.StringIO(SAMPLE.read_bytes().decode("cp1252"), newline="")))
    return [
        str(
            dt.datetime.strptime(r["order date (DateOrders)"], STAMP).date()
            + dt.timedelta(days=int(r["Days for shipment (scheduled)"]))
        )
        for r in rows[:count]
    ]


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def map_order_lines(at: AppTest) -> AppTest:
    """What a user does in the editor: kind, headers, formats, computed due date, names."""
    widget(at.selectbox, "_kind").select("deliveries").run()
    for canonical, header in MAPPED.items():
        widget(at.selectbox, f"_deliveries_{canonical}_src").select(header)
    widget(at.text_input, "_deliveries_ship_date_fmt").input(STAMP)
    widget(at.text_input, "_deliveries_plant_const").input("DataCo")
    widget(at.multiselect, "_deliveries_computed").select("due_date").select("customer")
    run(at)
    widget(at.selectbox, "_cmp_due_date_a").select("order date (DateOrders)")
    run(at)
    widget(at.selectbox, "_cmp_due_date_b").select("Days for shipment (scheduled)")
    run(at)
    widget(at.text_input, "_cmp_due_date_fmt").input(STAMP)
    widget(at.selectbox, "_cmp_customer_op").select("concat")
    run(at)
    widget(at.multiselect, "_cmp_customer_cols").select("Customer Fname").select("Customer Lname")
    run(at)
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_order_lines_map_to_deliveries_with_a_computed_due_date(empty_db: str) -> None:
    at = upload(open_page(PageId.UPLOAD), "DataCoSupplyChain.csv", SAMPLE.read_bytes())
    assert widget(at.selectbox, "prof_0").value == "editor"
    assert widget(at.selectbox, "_enc").value == "cp1252", "detected, no manual setting"
    assert any("Windows-1252 (cp1252)" in c.value for c in at.caption)
    map_order_lines(at)
    computed = next(d.value for d in at.dataframe if "→ due_date" in d.value.columns)
    assert computed["→ due_date"].tolist() == first_due_dates(len(computed))
    assert set(computed["problem"]) == {""}
    preview = at.dataframe[-1].value
    assert preview["due_date"].tolist() == first_due_dates(len(preview))
    assert "Renée O’Brien" in set(preview["customer"])
    at.button(key="commit").click().run()
    assert any("loaded 40 deliveries rows" in s.value for s in at.success), at.error
    engine = engine_of(empty_db)
    on_time, total, names = independent_otd()
    query = metrics.make_query(["otd"], as_of=dt.date(2026, 12, 31))
    otd = metrics.compute(engine, query)
    assert (otd["numerator"].sum(), otd["denominator"].sum()) == (on_time, total)
    assert set(rows_of(engine, Kind.DELIVERIES)["customer"]) == names


def test_a_computed_date_that_does_not_parse_is_shown_in_its_preview(empty_db: str) -> None:
    at = upload(open_page(PageId.UPLOAD), "orders.csv", SAMPLE.read_bytes())
    map_order_lines(at)
    widget(at.text_input, "_cmp_due_date_fmt").input("%d.%m.%Y").run()
    computed = next(d.value for d in at.dataframe if "→ due_date" in d.value.columns)
    assert computed["→ due_date"].tolist() == [""] * len(computed)
    assert "does not match the date format %d.%m.%Y" in computed["problem"].iloc[0]
    assert any("cannot compute due" in e.value and "line 2" in e.value for e in at.error)


CANONICAL = (
    "order_id,customer,plant,due_date,ship_date\n"
    "SO-1,Renée O’Brien,Plant 1,2026-11-02,2026-11-02\nSO-2,Zoë Müller,Plant 1,2026-11-03,\n"
)


def test_the_encoding_guess_is_shown_and_can_be_overridden(empty_db: str) -> None:
    at = upload(open_page(PageId.UPLOAD), "orders.csv", CANONICAL.encode("cp1252"))
    assert widget(at.selectbox, "prof_0").value == "canonical"
    encoding = widget(at.selectbox, "enc_0")
    assert encoding.value == "cp1252"
    assert any("Detected Windows-1252 (cp1252), 100% confidence" in c.value for c in at.caption)
    assert at.dataframe[0].value["customer"].tolist() == ["Renée O’Brien", "Zoë Müller"]
    encoding.select("utf-8").run()
    assert any("cannot be read as UTF-8" in w.value for w in at.warning)
    at.button(key="commit").click().run()
    assert any("rejected" in e.value for e in at.error)
    assert store.is_empty(engine_of(empty_db)), "undecodable bytes are never loaded"
    widget(at.selectbox, "enc_0").select("cp1252").run()
    at.button(key="commit").click().run()
    assert any("loaded 2 deliveries rows" in s.value for s in at.success), at.error
    names = rows_of(engine_of(empty_db), Kind.DELIVERIES)["customer"].tolist()
    assert names == ["Renée O’Brien", "Zoë Müller"]


def test_an_unsure_guess_asks_for_the_encoding(empty_db: str) -> None:
    data = CANONICAL.replace("Renée O’Brien", "Jürgen Müller").encode("cp850")
    at = upload(open_page(PageId.UPLOAD), "dos.csv", data)
    assert widget(at.selectbox, "prof_0").value == "editor", "no header read: the editor"
    assert widget(at.selectbox, "_enc").value is None, "not preselected: asked"
    assert any("Encoding not recognised: choose it" in c.value for c in at.caption)
    assert any("Choose the file's encoding" in i.value for i in at.info)
    at.button(key="commit").click().run()
    assert any("Choose the file's encoding" in v for v in at.dataframe[-1].value["problem"])
    assert store.is_empty(engine_of(empty_db))


def _workbook(week: int) -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["exported by the ERP"])
    sheet = book.create_sheet("Orders")
    sheet.append(["Auftrag", "Kunde", "Termin", "Versand"])
    day = dt.datetime(2026, 11, 2) + dt.timedelta(days=7 * week)
    sheet.append([f"A{week}1", "Weiß GmbH", day, day])
    sheet.append([f"A{week}2", "Núñez SA", day, day + dt.timedelta(days=2)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_saved_profile_repeats_the_sheet_choice(empty_db: str) -> None:
    at = upload(open_page(PageId.UPLOAD), "week1.xlsx", _workbook(1), XLSX)
    assert widget(at.selectbox, "sheet_0").value == "Notes"
    widget(at.selectbox, "sheet_0").select("Orders").run()
    widget(at.selectbox, "prof_0").select("editor").run()
    widget(at.selectbox, "_kind").select("deliveries").run()
    for canonical, header in {"order_id": "Auftrag", "customer": "Kunde", "due_date": "Termin",
                              "ship_date": "Versand"}.items():  # fmt: skip
        widget(at.selectbox, f"_deliveries_{canonical}_src").select(header)
    at.run()
    widget(at.text_input, "name_0").input("erp-orders")
    widget(at.button, "save_0").click().run()
    assert any("Saved profile 'erp-orders'" in s.value for s in at.success), at.error
    assert profiles.load(engine_of(empty_db), "erp-orders").sheet == "Orders"

    at = upload(open_page(PageId.UPLOAD), "week2.xlsx", _workbook(2), XLSX)
    assert widget(at.selectbox, "sheet_0").value == "Orders", "the profile's sheet"
    assert widget(at.selectbox, "prof_0").value == "profile:erp-orders", "suggested"
    assert any("sheet 'Orders'" in c.value for c in at.caption)
    at.button(key="commit").click().run()
    assert any("loaded 2 deliveries rows" in s.value for s in at.success), at.error
    assert rows_of(engine_of(empty_db), Kind.DELIVERIES)["order_id"].tolist() == ["A21", "A22"]
