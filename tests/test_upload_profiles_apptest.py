"""The Upload page with an unfamiliar export: map it once, save the profile, reuse it.

Driven through Streamlit's AppTest like a QA technician would: a German MES export
(semicolons, dd.mm.yyyy dates, decimal commas, thousands points) is mapped in the
editor, previewed, saved and loaded; next week's file is read with the suggested profile
in one click; an ambiguous date column without a format loads nothing; an .xlsx with
two sheets loads from the chosen sheet.
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest

from kpi import profiles, store
from kpi.profiles import Profile
from kpi.schema import Kind
from kpi.settings import load_settings
from tests.test_pages_apptest import open_page
from ui.registry import PageId

ROOT = Path(__file__).resolve().parent.parent
HEADER = "Datum;Schicht;Linie;Artikel;Planzeit;Menge;Ausschuss\n"
WEEK_1 = (
    HEADER + "02.03.2026;Früh;L1;Zahnrad;480,5;1.250;12\n03.03.2026;Spät;L1;Zahnrad;450;980;7\n"
)
WEEK_2 = HEADER + "09.03.2026;Früh;L1;Zahnrad;470;1.100;5\n"
MAPPING = {
    "date": "Datum",
    "shift": "Schicht",
    "line": "Linie",
    "product": "Artikel",
    "planned_minutes": "Planzeit",
    "units_produced": "Menge",
    "units_scrapped": "Ausschuss",
}


def engine_of(url: str):
    return store.create_engine(load_settings(url))


def upload(at: AppTest, name: str, data: bytes, mime: str = "text/csv") -> AppTest:
    """Drop one file on the uploader (the helper of test_pages_apptest, any bytes)."""
    at.get("file_uploader")[0].set_value([(name, data, mime)])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def widget(elements, part: str):
    """The one widget whose key starts ``part_`` or ends with ``part`` (keys carry the file)."""
    found = [
        w for w in elements if w.key and (w.key.endswith(part) or w.key.startswith(part + "_"))
    ]
    assert len(found) == 1, (part, [w.key for w in elements])
    return found[0]


def map_columns(at: AppTest, mapping: dict[str, str], date_format: str) -> AppTest:
    widget(at.selectbox, "_kind").select("production").run()
    for canonical, header in mapping.items():
        widget(at.selectbox, f"_production_{canonical}_src").select(header)
    widget(at.text_input, "_production_date_fmt").input(date_format)
    widget(at.selectbox, "_dec").select(",")
    widget(at.selectbox, "_thou").select(".")
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_map_save_load_and_reuse_next_week(empty_db: str) -> None:
    at = upload(open_page(PageId.UPLOAD), "mes-week-1.csv", WEEK_1.encode())
    assert widget(at.selectbox, "prof_0").value == "editor", "no kind, no profile: the editor"
    map_columns(at, MAPPING, "%d.%m.%Y")
    preview = at.dataframe[-1].value
    assert preview["date"].tolist() == ["2026-03-02", "2026-03-03"]
    assert preview["planned_minutes"].tolist() == ["480.5", "450"]
    assert preview["units_produced"].tolist() == ["1250", "980"]
    widget(at.text_input, "name_0").input("mes-shifts")
    widget(at.button, "save_0").click().run()
    assert any("Saved profile 'mes-shifts'" in s.value for s in at.success)
    engine = engine_of(empty_db)
    saved = profiles.load(engine, "mes-shifts")
    assert saved.columns == MAPPING and saved.date_formats == {"date": "%d.%m.%Y"}
    assert "profile saved" in set(store.list_audit(engine)["action"])
    at.button(key="commit").click().run()
    assert any("loaded 2 production rows" in s.value for s in at.success), at.error
    assert store.current_row_counts(engine)["production"] == 2

    at = upload(open_page(PageId.UPLOAD), "mes-week-2.csv", WEEK_2.encode())
    assert widget(at.selectbox, "prof_0").value == "profile:mes-shifts", "suggested"
    assert at.dataframe[0].value["date"].tolist() == ["2026-03-09"]
    at.button(key="commit").click().run()  # one click
    assert any("loaded 1 production rows" in s.value for s in at.success), at.error
    assert store.current_row_counts(engine)["production"] == 3


def test_an_ambiguous_date_without_a_format_is_refused(empty_db: str) -> None:
    text = WEEK_1.replace("02.03.2026", "03/01/2026").replace("03.03.2026", "04/01/2026")
    at = upload(open_page(PageId.UPLOAD), "ambiguous.csv", text.encode())
    map_columns(at, MAPPING, "")
    required = [e.value for e in at.error if "date format is required" in e.value]
    assert required and "'03/01/2026' could be day/month or month/day" in required[0]
    widget(at.text_input, "name_0").input("guessing")
    widget(at.button, "save_0").click().run()
    assert any("missing date format" in e.value for e in at.error)
    at.button(key="commit").click().run()
    assert any("rejected" in e.value for e in at.error)
    assert store.is_empty(engine_of(empty_db))
    assert profiles.list_profiles(engine_of(empty_db)) == []


def _workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active.title = "Notes"
    book.active.append(["exported by the MES"])
    sheet = book.create_sheet("Shifts")
    sheet.append(
        ["date", "shift", "line", "product", "planned_minutes", "units_produced", "units_scrapped"]
    )
    sheet.append([dt.datetime(2026, 3, 2), "A", "L1", "P-1", 480, 900, 9])
    sheet.append([46083, "N", "L1", "P-1", 480, 850, 4])  # Excel serial of 2026-03-02
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_xlsx_loads_from_the_chosen_sheet(empty_db: str) -> None:
    at = upload(open_page(PageId.UPLOAD), "shifts.xlsx", _workbook(), XLSX)
    sheet = widget(at.selectbox, "sheet_0")
    assert sheet.options == ["Notes", "Shifts"] and sheet.value == "Notes"
    sheet.select("Shifts").run()
    assert not at.exception
    assert widget(at.selectbox, "prof_0").value == "canonical"
    assert widget(at.selectbox, "kind_0").value == "production"
    assert at.dataframe[0].value["date"].tolist() == ["2026-03-02", "2026-03-02"]
    at.button(key="commit").click().run()
    assert any("loaded 2 production rows" in s.value for s in at.success), at.error
    assert store.current_row_counts(engine_of(empty_db))["production"] == 2


def test_xlsx_problems_name_the_sheet_and_row(empty_db: str) -> None:
    book = openpyxl.load_workbook(io.BytesIO(_workbook()))
    book["Shifts"]["G3"] = 9000
    out = io.BytesIO()
    book.save(out)
    at = upload(open_page(PageId.UPLOAD), "bad.xlsx", out.getvalue(), XLSX)
    widget(at.selectbox, "sheet_0").select("Shifts").run()
    at.button(key="commit").click().run()
    table = at.dataframe[-1].value
    assert list(table.columns[:2]) == ["sheet", "row"]
    assert (table.loc[0, "sheet"], table.loc[0, "row"]) == ("Shifts", 3)


@pytest.mark.parametrize("fmt", ["toml", "json"])
def test_an_imported_profile_file_seeds_the_editor(empty_db: str, fmt: str) -> None:
    profile = Profile(
        name="from-file",
        kind=Kind.PRODUCTION,
        columns=MAPPING,
        date_formats={"date": "%d.%m.%Y"},
        decimal=",",
        thousands=".",
    )
    at = upload(open_page(PageId.UPLOAD), "mes.csv", WEEK_1.encode())
    body = profiles.dumps(profile, fmt).encode()
    widget(at.get("file_uploader"), "imp_0").set_value((f"p.{fmt}", body, "text/plain"))
    at.run()
    assert not at.exception
    assert widget(at.selectbox, "_production_units_produced_src").value == "Menge"
    assert at.dataframe[-1].value["units_produced"].tolist() == ["1250", "980"]
    assert widget(at.text_input, "name_0").value == "from-file"


def test_wide_downtime_in_the_editor(empty_db: str) -> None:
    wide = "Day|Shift|Jam|Spill\n2026-03-02|A|5|\n2026-03-02|B||7,5\n"
    at = upload(open_page(PageId.UPLOAD), "wide.csv", wide.encode())
    widget(at.selectbox, "_kind").select("downtime").run()
    widget(at.checkbox, "_wide").check().run()
    widget(at.selectbox, "_downtime_date_src").select("Day")
    widget(at.selectbox, "_downtime_shift_src").select("Shift")
    widget(at.text_input, "_downtime_line_const").input("L1")
    widget(at.selectbox, "_dec").select(",")
    at.run()
    assert not at.exception
    preview = at.dataframe[-1].value
    assert list(zip(preview["reason"], preview["minutes"], strict=True)) == [
        ("Jam", "5"),
        ("Spill", "7.5"),
    ]
    at.button(key="commit").click().run()
    assert any("loaded 2 downtime rows" in s.value for s in at.success), at.error
    assert store.current_row_counts(engine_of(empty_db))["downtime"] == 2


def test_a_suggested_profile_with_a_lookup_asks_for_its_file(empty_db: str) -> None:
    engine = engine_of(empty_db)
    example = profiles.read_file(ROOT / "data" / "profiles" / "maven-line-downtime.toml")
    profiles.save(engine, example, "tester")
    main = "Batch|1|2|7\nBatch|Emergency stop|Batch change|Machine failure\nb1|5||\nb2||10|3\n"
    at = upload(open_page(PageId.UPLOAD), "line-downtime.csv", main.encode())
    assert widget(at.selectbox, "prof_0").value == "profile:maven-line-downtime"
    at.button(key="commit").click().run()
    assert any("Upload the lookup file" in v for v in at.dataframe[-1].value["problem"])
    dates = b"Batch,Date\nb1,2026-03-02\nb2,2026-03-03\n"
    widget(at.get("file_uploader"), "lk_0").set_value(("dates.csv", dates, "text/csv"))
    at.run()
    preview = at.dataframe[0].value
    assert preview["reason"].tolist() == ["Emergency stop", "Batch change", "Machine failure"]
    assert preview["date"].tolist() == ["2026-03-02", "2026-03-03", "2026-03-03"]
    at.button(key="commit").click().run()
    assert any("loaded 3 downtime rows" in s.value for s in at.success), at.error


def test_edit_a_copy_of_a_suggested_profile(empty_db: str) -> None:
    saved = Profile(
        name="mes-shifts",
        kind=Kind.PRODUCTION,
        columns=MAPPING,
        date_formats={"date": "%d.%m.%Y"},
        decimal=",",
        thousands=".",
    )
    profiles.save(engine_of(empty_db), saved, "tester")
    at = upload(open_page(PageId.UPLOAD), "mes-week-2.csv", WEEK_2.encode())
    widget(at.button, "edit_0").click().run()
    assert not at.exception
    assert widget(at.selectbox, "prof_0").value == "editor"
    assert widget(at.selectbox, "_production_units_produced_src").value == "Menge"
    assert widget(at.text_input, "_production_date_fmt").value == "%d.%m.%Y"
    assert widget(at.text_input, "name_0").value == "mes-shifts"
    assert at.dataframe[-1].value["units_produced"].tolist() == ["1100"]


def test_wide_measurements_in_the_editor(empty_db: str) -> None:
    """Issue 18: a gauge export with one row per subgroup and one column per reading."""
    from kpi.specs import Spec, set_spec

    engine = engine_of(empty_db)
    set_spec(engine, load_settings(empty_db, user="qa"),
             Spec("GR-520", "tooth", "µm", 0.0, -20.0, 20.0, 3))  # fmt: skip
    wide = ("Day,Shift,Line,Part,Feature,Time,Unit,x1,x2,x3\n"
            "2026-03-02,A,L5,GR-520,tooth,07:00,µm,1.5,0,-2\n")  # fmt: skip
    at = upload(open_page(PageId.UPLOAD), "gauge.csv", wide.encode())
    widget(at.selectbox, "_kind").select("measurements").run()
    widget(at.checkbox, "_wide").check().run()
    for canonical, header in {"date": "Day", "shift": "Shift", "line": "Line", "product": "Part",
                              "characteristic": "Feature", "subgroup": "Time",
                              "unit": "Unit"}.items():  # fmt: skip
        widget(at.selectbox, f"_measurements_{canonical}_src").select(header)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    preview = at.dataframe[-1].value
    assert list(preview["value"]) == ["1.5", "0", "-2"]
    at.button(key="commit").click().run()
    assert any("loaded 3 measurements rows" in s.value for s in at.success), at.error
    assert store.current_row_counts(engine)["measurements"] == 3
