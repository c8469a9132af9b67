"""Numbers are never guessed: only plain numbers load; a locale-dependent one is refused."""

from __future__ import annotations

import sqlalchemy as sa

from kpi.ingest import Outcome, ingest_bytes
from kpi.ingest.imports import import_file
from kpi.profiles import Profile
from kpi.schema import Kind

HEADER = "date;shift;line;product;planned_minutes;units_produced;units_scrapped\n"


def test_a_digit_separator_is_refused_with_its_line(engine, settings) -> None:
    """Failed before: '1_5' was stored as 15 (both DuckDB and Python read '_' as a separator)."""
    data = HEADER.replace(";", ",") + "2026-03-02,A,L1,P,480,1_5,0\n"
    result = ingest_bytes(engine, settings, data.encode(), "sep.csv")
    assert result.outcome is Outcome.REJECTED, result.summary()
    problem = result.problems[0]
    assert (problem.line, problem.column, problem.value) == (2, "units_produced", "1_5")
    assert "'_'" in problem.problem


def test_locale_dependent_numbers_in_a_semicolon_file_are_refused(engine, settings) -> None:
    """Failed before: '12.000' units became 12 and '1.200' minutes became 1.2."""
    data = HEADER + "2026-03-02;A;L1;P;1.200;12.000;0\n2026-03-03;A;L1;P;7,5;12;0\n"
    result = ingest_bytes(engine, settings, data.encode(), "de.csv")
    assert result.outcome is Outcome.REJECTED, result.summary()
    found = {(p.line, p.column, p.value) for p in result.problems}
    assert found == {
        (2, "planned_minutes", "1.200"),
        (2, "units_produced", "12.000"),
        (3, "planned_minutes", "7,5"),
    }
    assert all("import profile" in p.problem for p in result.problems)


def test_plain_numbers_in_a_semicolon_file_load(engine, settings) -> None:
    data = HEADER + "2026-03-02;A;L1;P;7.5;12;0\n2026-03-03;A;L1;P;480;1200;3\n"
    result = ingest_bytes(engine, settings, data.encode(), "plain.csv")
    assert result.outcome is Outcome.LOADED, result.summary()


def test_a_profile_with_explicit_marks_reads_them(engine, settings, write_csv) -> None:
    """The way out the message names: a profile that says what '.' and ',' mean."""
    profile = Profile(
        name="de",
        kind=Kind.PRODUCTION,
        columns={name: name for name in HEADER.strip().split(";")},
        decimal=",",
        thousands=".",
    )
    path = write_csv("de.csv", HEADER + "2026-03-02;A;L1;P;7,5;12.000;0\n")
    result = import_file(engine, settings, path, profile=profile)
    assert result.outcome is Outcome.LOADED, result.summary()
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT planned_minutes, units_produced FROM production")).one()
    assert tuple(row) == (7.5, 12000)
