"""A load's identity is (file hash, kind, sheet, profile and its version): the same bytes
read another way are other data, never "already loaded"."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import openpyxl
import sqlalchemy as sa

from kpi.ingest import Outcome
from kpi.ingest.imports import import_file
from kpi.profiles import Profile
from kpi.schema import Kind
from kpi.tables import FACT_TABLES
from tests.conftest import run_cli


def _two_sheet_book(path: Path) -> Path:
    book = openpyxl.Workbook()
    production = book.active
    production.title = "Production"
    production.append(
        ["date", "shift", "line", "product", "planned_minutes", "units_produced", "units_scrapped"]
    )
    production.append([dt.datetime(2026, 3, 2), "A", "L1", "P-1", 480, 900, 9])
    downtime = book.create_sheet("Downtime")
    downtime.append(["date", "shift", "line", "reason", "minutes"])
    downtime.append([dt.datetime(2026, 3, 2), "A", "L1", "jam", 25])
    book.save(path)
    return path


def _current(engine: sa.Engine, kind: Kind, column: str) -> list:
    table = FACT_TABLES[kind]
    query = sa.select(table.c[column]).where(table.c.replaced_by.is_(None))
    with engine.connect() as conn:
        return sorted(conn.execute(query).scalars())


def test_another_sheet_of_a_loaded_workbook_is_loaded(tmp_path: Path) -> None:
    """Failed before: ``--sheet Downtime`` after ``Production`` said "already loaded"."""
    book = _two_sheet_book(tmp_path / "shift.xlsx")
    db = ["--db", f"duckdb:///{tmp_path / 'kpi.duckdb'}"]
    first = run_cli("ingest", *db, str(book))
    assert first.returncode == 0 and "loaded 1 production rows" in first.stdout, first.stdout
    second = run_cli("ingest", *db, "--sheet", "Downtime", str(book))
    assert second.returncode == 0 and "loaded 1 downtime rows" in second.stdout, second.stdout
    again = run_cli("ingest", *db, "--sheet", "Production", str(book))
    assert "already loaded as batch 1" in again.stdout, again.stdout


def test_a_corrected_profile_loads_the_same_file_again(engine, settings, write_csv) -> None:
    """Failed before: a file read through a wrong mapping could never be read again."""
    wrong = Profile(
        name="mes",
        kind=Kind.PRODUCTION,
        columns={
            "date": "Day", "shift": "Shift", "line": "Line", "product": "Item",
            "planned_minutes": "Plan", "units_produced": "Scrap", "units_scrapped": "Good",
        },
    )  # fmt: skip
    path = write_csv(
        "mes.csv", "Day,Shift,Line,Item,Plan,Good,Scrap\n2026-03-02,A,L1,P,480,900,9\n"
    )
    first = import_file(engine, settings, path, profile=wrong)
    assert first.outcome is Outcome.REJECTED  # 900 scrapped of 9 produced
    mixed_up = dataclasses.replace(
        wrong, columns={**wrong.columns, "units_produced": "Plan", "units_scrapped": "Scrap"}
    )
    assert import_file(engine, settings, path, profile=mixed_up).outcome is Outcome.LOADED
    fixed = dataclasses.replace(
        wrong, columns={**wrong.columns, "units_produced": "Good", "units_scrapped": "Scrap"}
    )
    result = import_file(engine, settings, path, profile=fixed)
    assert result.outcome is Outcome.LOADED, result.summary()
    assert result.rows_replaced == 1
    assert _current(engine, Kind.PRODUCTION, "units_produced") == [900]
    again = import_file(engine, settings, path, profile=fixed)
    assert again.outcome is Outcome.ALREADY_LOADED


def test_the_same_file_as_another_kind_is_loaded(engine, settings, write_csv) -> None:
    """Failed before: ``--kind defects`` on a file loaded as production was skipped."""
    path = write_csv(
        "both.csv",
        "date,shift,line,product,planned_minutes,units_produced,units_scrapped,defect,quantity\n"
        "2026-03-02,A,L1,P-1,480,900,9,burr,9\n",
    )
    assert import_file(engine, settings, path).kind is Kind.PRODUCTION
    result = import_file(engine, settings, path, kind=Kind.DEFECTS)
    assert result.outcome is Outcome.LOADED, result.summary()
    assert _current(engine, Kind.DEFECTS, "defect") == ["burr"]


def test_the_same_file_with_another_lookup_file_is_loaded(engine, settings, write_csv) -> None:
    """A profile's lookup file is part of what was read: new dates are other data."""
    from kpi.profiles import Lookup

    profile = Profile(
        name="by-batch",
        kind=Kind.PRODUCTION,
        columns={
            "shift": "Shift", "line": "Line", "product": "Item", "planned_minutes": "Plan",
            "units_produced": "Good", "units_scrapped": "Scrap",
        },
        lookup=Lookup(key="Batch", lookup_key="Batch", columns={"date": "Date"}),
    )  # fmt: skip
    main = write_csv("main.csv", "Batch,Shift,Line,Item,Plan,Good,Scrap\nb1,A,L1,P,480,900,9\n")
    first = write_csv("d1.csv", "Batch,Date\nb1,2026-03-02\n")
    fixed = write_csv("d2.csv", "Batch,Date\nb1,2026-03-03\n")
    assert import_file(engine, settings, main, profile=profile, lookup=first).ok
    same = import_file(engine, settings, main, profile=profile, lookup=first)
    assert same.outcome is Outcome.ALREADY_LOADED
    other = import_file(engine, settings, main, profile=profile, lookup=fixed)
    assert other.outcome is Outcome.LOADED, other.summary()
    assert [str(d) for d in _current(engine, Kind.PRODUCTION, "date")] == [
        "2026-03-02",
        "2026-03-03",
    ]
