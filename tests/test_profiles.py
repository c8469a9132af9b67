"""Import profiles: every feature, through the real loader into a real DuckDB file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa

from kpi import profiles, store
from kpi.ingest import Outcome
from kpi.ingest.imports import import_file
from kpi.profiles import Lookup, Profile, ProfileError, WideLayout
from kpi.schema import Kind
from kpi.tables import FACT_TABLES


def current(engine: sa.Engine, kind: Kind) -> pd.DataFrame:
    table = FACT_TABLES[kind]
    data_columns = [c for c in table.c if c.name not in ("batch_id", "replaced_by")]
    query = sa.select(*data_columns).where(table.c.replaced_by.is_(None)).order_by(*data_columns)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query).mappings().all())


ERP_PROFILE = Profile(
    name="erp-shifts",
    kind=Kind.PRODUCTION,
    columns={
        "date": "Datum",
        "shift": "Schicht",
        "line": "Linie",
        "product": "Artikel",
        "planned_minutes": "Planzeit",
        "units_produced": "Menge",
        "units_scrapped": "Ausschuss",
        "units_reworked": "Nacharbeit",
    },
    constants={"plant": "Werk Süd"},
    date_formats={"date": "%d.%m.%Y"},
    decimal=",",
    thousands=".",
    encoding="cp1252",
    delimiter=";",
    skip_lines=1,
    blank_values=("n/a",),
)
ERP_FILE = (
    "Export aus MES, Stand 03.03.2026\n"
    "Datum;Schicht;Linie;Artikel;Planzeit;Menge;Ausschuss;Nacharbeit;Bemerkung\n"
    "02.03.2026;Früh;L1;Zahnrad;480,0;1.250;12;3;ok\n"
    "02.03.2026;Nacht;L1;Zahnrad;450,5;980;7;n/a;Störung\n"
).encode("cp1252")


def test_profile_round_trips_through_toml_json_and_the_database(engine) -> None:
    for fmt in ("toml", "json"):
        assert profiles.loads(profiles.dumps(ERP_PROFILE, fmt), fmt) == ERP_PROFILE
    profiles.save(engine, ERP_PROFILE, "tester")
    assert profiles.load(engine, "erp-shifts") == ERP_PROFILE
    assert [p.name for p in profiles.list_profiles(engine)] == ["erp-shifts"]
    assert store.list_audit(engine).loc[0, "action"] == "profile saved"
    with pytest.raises(ProfileError, match="no import profile called 'nope'"):
        profiles.load(engine, "nope")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"columns": {"colour": "Farbe"}}, "Not columns of production"),
        ({"date_formats": {"shift": "%d"}}, "not a date column"),
        ({"encoding": "ebcdic"}, "Encoding must be one of"),
        ({"decimal": ";"}, "decimal separator"),
        ({"wide": WideLayout()}, "only for downtime"),
        ({"name": " "}, "needs a name"),
    ],
)
def test_invalid_profiles_are_refused_with_the_field_named(change: dict, message: str) -> None:
    fields = {**profiles.to_dict(ERP_PROFILE), "kind": Kind.PRODUCTION, **change}
    fields.pop("blank_values")
    with pytest.raises(ProfileError, match=message):
        Profile(**fields)


def test_profile_suggestion_matches_headers() -> None:
    headers = [
        "Datum",
        "Schicht",
        "Linie",
        "Artikel",
        "Planzeit",
        "Menge",
        "Ausschuss",
        "Nacharbeit",
        "Bemerkung",
    ]
    assert profiles.matching([ERP_PROFILE], headers) == [ERP_PROFILE]
    assert profiles.matching([ERP_PROFILE], [h.upper() for h in headers]) == [ERP_PROFILE]
    assert profiles.matching([ERP_PROFILE], headers[:-3]) == []


def test_latin1_decimal_comma_thousands_blanks_and_skipped_lines(
    engine, settings, write_csv
) -> None:
    result = import_file(engine, settings, write_csv("mes.csv", ERP_FILE), profile=ERP_PROFILE)
    assert result.outcome is Outcome.LOADED, [p.describe() for p in result.problems]
    assert result.warnings == []
    rows = current(engine, Kind.PRODUCTION)
    assert rows["shift"].tolist() == ["Früh", "Nacht"]
    assert rows["plant"].tolist() == ["Werk Süd", "Werk Süd"]
    assert rows["date"].tolist() == [dt.date(2026, 3, 2)] * 2
    assert rows["units_produced"].tolist() == [1250, 980]
    assert rows["planned_minutes"].tolist() == [480.0, 450.5]
    assert rows["units_reworked"].tolist() == [3, 0], "n/a is blank, so the default applies"


def test_problems_point_at_the_source_line_and_header(engine, settings, write_csv) -> None:
    bad = ERP_FILE.replace(b"980;7", b"980;x7")
    result = import_file(engine, settings, write_csv("bad.csv", bad), profile=ERP_PROFILE)
    assert result.outcome is Outcome.REJECTED
    problem = result.problems[0]
    assert (problem.line, problem.column) == (4, "Ausschuss → units_scrapped")
    assert problem.value == "x7"
    assert store.is_empty(engine)


def test_a_date_that_does_not_fit_the_format_is_rejected_not_guessed(
    engine, settings, write_csv
) -> None:
    bad = ERP_FILE.replace(b"02.03.2026;Nacht", b"2026-03-02;Nacht")
    result = import_file(engine, settings, write_csv("bad.csv", bad), profile=ERP_PROFILE)
    assert result.outcome is Outcome.REJECTED
    problem = result.problems[0]
    assert (problem.line, problem.column, problem.value) == (4, "Datum → date", "2026-03-02")
    assert problem.problem == "does not match the date format %d.%m.%Y set in the import profile"


def test_ambiguous_dates_without_a_format_are_refused(engine, settings, write_csv) -> None:
    text = "date,shift,line,reason,minutes\n03/01/2024,A,L1,Jam,5\n"
    result = import_file(engine, settings, write_csv("amb.csv", text))
    assert result.outcome is Outcome.REJECTED
    assert "never guessed" in result.problems[0].problem
    assert "date format" in result.problems[0].problem


WIDE = Profile(
    name="wide-downtime",
    kind=Kind.DOWNTIME,
    columns={"date": "Day", "shift": "Shift"},
    constants={"line": "L9"},
    delimiter="|",
    extra_header_lines=1,
    wide=WideLayout(reason_names={"1": "Jam", "2": "Changeover"}),
)
WIDE_FILE = (
    "Day|Shift|Factor 1|2|Spill\nDay|Shift|1.0|2.0|3.0\n2026-03-02|A|12.5||0\n2026-03-02|B||30|4\n"
)


def test_wide_downtime_is_unpivoted_with_reason_codes(engine, settings, write_csv) -> None:
    result = import_file(engine, settings, write_csv("wide.csv", WIDE_FILE), profile=WIDE)
    assert result.outcome is Outcome.LOADED, [p.describe() for p in result.problems]
    rows = current(engine, Kind.DOWNTIME)
    stops = sorted(zip(rows["shift"], rows["reason"], rows["minutes"], strict=True))
    assert stops == [("A", "Jam", 12.5), ("B", "Changeover", 30.0), ("B", "Spill", 4.0)]


def test_wide_problem_names_the_source_line(engine, settings, write_csv) -> None:
    bad = WIDE_FILE.replace("||0\n", "|-3|0\n")
    result = import_file(engine, settings, write_csv("wide.csv", bad), profile=WIDE)
    assert result.outcome is Outcome.REJECTED
    assert (result.problems[0].line, result.problems[0].value) == (3, "-3")


LOOKUP = Profile(
    name="batches",
    kind=Kind.DOWNTIME,
    constants={"line": "L1", "shift": "Day"},
    wide=WideLayout(),
    lookup=Lookup(key="Batch", lookup_key="Batch", columns={"date": "Date"}, unmatched="skip"),
)


def test_lookup_joins_dates_and_reports_orphans(engine, settings, write_csv) -> None:
    main = write_csv("dt.csv", "Batch,Jam,Spill\nb1,5,\nb2,,7\nb9,3,3\n")
    dates = write_csv("dates.csv", "Batch,Date\nb1,2026-03-02\nb2,2026-03-03\n")
    result = import_file(engine, settings, main, profile=LOOKUP, lookup=dates)
    assert result.outcome is Outcome.LOADED
    assert "skipped 1 row(s)" in result.warnings[0] and "b9" in result.warnings[0]
    rows = current(engine, Kind.DOWNTIME)
    assert sorted(zip(rows["date"].astype(str), rows["reason"], strict=True)) == [
        ("2026-03-02", "Jam"),
        ("2026-03-03", "Spill"),
    ]
    strict = Profile(
        **{
            **LOOKUP.__dict__,
            "name": "strict",
            "lookup": Lookup("Batch", "Batch", {"date": "Date"}),
        }
    )
    again = import_file(engine, settings, main, profile=LOOKUP, lookup=dates)
    assert again.outcome is Outcome.ALREADY_LOADED  # the same load is never stored twice
    stricter = import_file(engine, settings, main, profile=strict, lookup=dates)
    assert stricter.outcome is Outcome.REJECTED  # another profile: read again, b9 refused
    other = write_csv("dt2.csv", "Batch,Jam\nb9,3\n")
    refused = import_file(engine, settings, other, profile=strict, lookup=dates)
    assert refused.outcome is Outcome.REJECTED
    assert (refused.problems[0].line, refused.problems[0].value) == (2, "b9")


def _workbook(path: Path) -> Path:
    book = openpyxl.Workbook()
    notes = book.active
    notes.title = "Notes"
    notes.append(["exported by the MES"])
    sheet = book.create_sheet("Shifts")
    sheet.append(
        ["date", "shift", "line", "product", "planned_minutes", "units_produced", "units_scrapped"]
    )
    sheet.append([dt.datetime(2026, 3, 2), "A", "L1", "P-1", 480, 900, 9])
    sheet.append([46083, "N", "L1", "P-1", 480, 850, 4])  # Excel serial of 2026-03-02
    book.save(path)
    return path


def test_xlsx_with_two_sheets_and_a_serial_date(engine, settings, tmp_path) -> None:
    book = _workbook(tmp_path / "shifts.xlsx")
    result = import_file(engine, settings, book, sheet="Shifts")
    assert result.outcome is Outcome.LOADED, [p.describe() for p in result.problems]
    rows = current(engine, Kind.PRODUCTION)
    assert rows["date"].tolist() == [dt.date(2026, 3, 2)] * 2
    archived = store.archive_path(settings, result.sha256).read_bytes()
    assert archived == book.read_bytes(), "the workbook itself is archived"


def test_xlsx_problems_name_sheet_and_row(engine, settings, tmp_path) -> None:
    book = openpyxl.load_workbook(_workbook(tmp_path / "bad.xlsx"))
    book["Shifts"]["G3"] = 9000
    book.save(tmp_path / "bad.xlsx")
    result = import_file(engine, settings, tmp_path / "bad.xlsx", sheet="Shifts")
    assert result.outcome is Outcome.REJECTED
    assert result.problems[0].describe().startswith("sheet 'Shifts', row 3")
    missing = import_file(engine, settings, tmp_path / "bad.xlsx", sheet="Nope")
    assert "no sheet 'Nope'" in missing.problems[0].problem
