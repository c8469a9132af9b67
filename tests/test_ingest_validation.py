"""Every validation rule, with the file line number asserted, and nothing stored on rejection."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kpi import store
from kpi.ingest import Outcome, ingest_bytes
from kpi.schema import Kind

PRODUCTION_HEADER = (
    "date,shift,plant,line,machine,product,planned_minutes,ideal_cycle_seconds,"
    "units_produced,units_scrapped,units_reworked\n"
)
GOOD_ROW = "2026-03-02,A,Plant 1,L1,M1,P-100,480,30,800,12,5\n"


def production(*rows: str) -> bytes:
    return (PRODUCTION_HEADER + "".join(rows)).encode()


def _reject(engine, settings, data: bytes, kind: Kind | None = None):  # noqa: ANN001, ANN202
    result = ingest_bytes(engine, settings, data, "test.csv", kind)
    assert result.outcome is Outcome.REJECTED, result.summary()
    assert store.is_empty(engine), "a rejected file must leave the store untouched"
    assert sum(store.current_row_counts(engine).values()) == 0
    return result


def _only(result, column: str | None = None):  # noqa: ANN001, ANN202
    found = [p for p in result.problems if column is None or p.column == column]
    assert len(found) == 1, [p.describe() for p in result.problems]
    return found[0]


@pytest.mark.parametrize(
    ("bad_row", "column", "words"),
    [
        ("2026-02-30,A,Plant 1,L1,M1,P-100,480,30,800,12,5\n", "date", "not a real calendar date"),
        ("02/03/2026,A,Plant 1,L1,M1,P-100,480,30,800,12,5\n", "date", "YYYY-MM-DD"),
        ("26-03-02,A,Plant 1,L1,M1,P-100,480,30,800,12,5\n", "date", "four digits"),
        ("epoch,A,Plant 1,L1,M1,P-100,480,30,800,12,5\n", "date", "YYYY-MM-DD"),
        ("1900-01-01,A,Plant 1,L1,M1,P-100,480,30,800,12,5\n", "date", "1970-2099"),
        ("2026-03-03,A,Plant 1,L1,M1,P-100,480,30,lots,12,5\n", "units_produced", "not a number"),
        ("2026-03-03,A,Plant 1,L1,M1,P-100,480,30,800.5,12,5\n", "units_produced", "whole number"),
        ("2026-03-03,A,Plant 1,L1,M1,P-100,480,30,800,-2,0\n", "units_scrapped", "negative"),
        ("2026-03-03,A,Plant 1,L1,M1,P-100,1500,30,800,1,0\n", "planned_minutes", "maximum"),
        ("2026-03-03,A,Plant 1,L1,M1,P-100,480,30,2000000000,1,0\n", "units_produced", "maximum"),
        ("2026-03-03,A,Plant 1,L1,M1,P-100,480,30,100,90,20\n", "units_scrapped", "exceed"),
        ("2026-03-03,,Plant 1,L1,M1,P-100,480,30,100,1,0\n", "shift", "required but empty"),
        ("2026-03-03,A,Plant 1,L1,M1,P-100,480,0,100,1,0\n", "ideal_cycle_seconds", "greater than"),
    ],
)
def test_value_rule_names_line_column_and_value(engine, settings, bad_row, column, words) -> None:
    result = _reject(
        engine, settings, production(GOOD_ROW, GOOD_ROW.replace("A,", "B,", 1), bad_row)
    )
    problem = _only(result, column)
    assert problem.line == 4
    assert words in problem.problem
    assert result.kind is Kind.PRODUCTION


def test_all_problems_are_collected_not_just_the_first(engine, settings) -> None:
    data = production(
        "2026-02-30,A,Plant 1,L1,M1,P-100,480,30,800,12,5\n",
        GOOD_ROW,
        "2026-03-02,B,Plant 1,L1,M1,P-100,480,30,abc,-1,0\n",
        GOOD_ROW,
    )
    result = _reject(engine, settings, data)
    found = {(p.line, p.column) for p in result.problems}
    assert found == {
        (2, "date"),
        (4, "units_produced"),
        (4, "units_scrapped"),
        (5, "date"),  # duplicate of line 3, reported on the first key column
    }
    duplicate = next(p for p in result.problems if p.line == 5)
    assert "repeats line 3" in duplicate.problem
    assert result.problem_count == 4


def test_duplicate_keys_for_deliveries_and_receipts(engine, settings) -> None:
    deliveries = (
        b"order_id,line_no,customer,due_date,ship_date,quantity_ordered,quantity_shipped\n"
        b"SO-1,1,Acme,2026-03-01,2026-03-01,10,10\n"
        b"SO-1,2,Acme,2026-03-01,,10,\n"
        b"SO-1,1,Acme,2026-03-02,2026-03-01,10,10\n"
    )
    assert _only(_reject(engine, settings, deliveries)).line == 4
    receipts = (
        b"po_id,line_no,supplier,due_date,received_date\n"
        b"PO-9,1,Steelco,2026-03-01,2026-03-03\n"
        b"po-9,1,Steelco,2026-03-01,2026-03-03\n"
        b"PO-9,1,Steelco,2026-03-01,2026-03-04\n"
    )
    assert _only(_reject(engine, settings, receipts)).line == 4


def test_downtime_rules(engine, settings) -> None:
    data = (
        b"date,shift,line,reason,minutes,planned,start\n"
        b"2026-03-02,A,L1,Jam,0,no,2026-03-02 07:00\n"
        b"2026-03-02,A,L1,Jam,1441,no,\n"
        b"2026-03-02,A,L1,Break,30,maybe,\n"
        b"2026-03-02,A,L1,Jam,5,no,yesterday\n"
        b"2026-03-02,A,L1,Jam,5,NO,2026-03-02T08:00:00\n"
    )
    result = _reject(engine, settings, data)
    found = [(p.line, p.column) for p in result.problems]
    assert found == [(2, "minutes"), (3, "minutes"), (4, "planned"), (5, "start")]


def test_defect_disposition_must_be_scrap_or_rework(engine, settings) -> None:
    data = (
        b"date,shift,line,defect,quantity,disposition\n"
        b"2026-03-02,A,L1,Burr,3,scrap\n"
        b"2026-03-02,A,L1,Burr,3,landfill\n"
    )
    problem = _only(_reject(engine, settings, data))
    assert (problem.line, problem.column, problem.value) == (3, "disposition", "landfill")


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"  \r\n\n", "empty"),
        (PRODUCTION_HEADER.encode(), "no data rows"),
        (b"\x1f\x8b\x08\x00\x00\x00\x00\x00", "gzip"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        ("date,shift,line,reason,minutes\n2026-03-02,A,Kälte,Jam,5\n".encode("latin-1"), "UTF-8"),
        (b"foo,bar\n1,2\n", "which kind"),
        (b"date,date,shift\n1,2,3\n", "appears twice"),
    ],
)
def test_file_level_problems(engine, settings, content: bytes, words: str) -> None:
    result = _reject(engine, settings, content)
    assert any(words in p.problem for p in result.problems), [p.describe() for p in result.problems]


def test_missing_required_column_and_wrong_kind(engine, settings) -> None:
    data = production(GOOD_ROW).replace(b",units_scrapped", b",scrap").replace(b"12,5", b"12,5")
    result = _reject(engine, settings, data)
    assert any(p.column == "units_scrapped" and "missing" in p.problem for p in result.problems)
    wrong = _reject(engine, settings, production(GOOD_ROW), Kind.DELIVERIES)
    assert "looks like a production file" in wrong.problems[0].problem


def test_ragged_row_is_reported_with_its_line(engine, settings) -> None:
    data = production(
        GOOD_ROW, "2026-03-02,B,Plant 1,L1,M1,P-100,480\n", GOOD_ROW.replace("A,", "N,", 1)
    )
    problem = _only(_reject(engine, settings, data))
    assert problem.line == 3
    assert "Expected 11 fields" in problem.problem


def test_line_numbers_survive_quotes_and_blank_lines(engine, settings) -> None:
    data = (
        b"date,shift,line,reason,minutes\n"
        b'2026-03-02,A,L1,"Jam, feeder",5\n'
        b"\n"
        b'2026-03-02,A,L1,"Two-line\nreason",5\n'
        b"2026-03-02,A,L1,Jam,-5\n"
    )
    found = [(p.line, p.column) for p in _reject(engine, settings, data).problems]
    assert found == [(4, "reason"), (6, "minutes")]  # a name is one line (#14)


def test_unknown_columns_are_a_warning(engine, settings) -> None:
    data = (
        PRODUCTION_HEADER.strip() + ",operator,comment\n" + GOOD_ROW.strip() + ",Ann,ok\n"
    ).encode()
    result = ingest_bytes(engine, settings, data, "extra.csv")
    assert result.outcome is Outcome.LOADED
    assert result.warnings == ["ignored unknown column(s): operator, comment"]
    assert "operator, comment" in result.summary()


@hypothesis_settings(max_examples=300, deadline=None)
@given(
    text=st.one_of(
        st.none(),
        st.text(max_size=6),
        st.sampled_from(
            [
                "=SUM(A1)",
                "+1",
                "-1",
                "+A",
                "-x",
                "- 5",
                "-.5",
                "@x",
                "\tx",
                "\rx",
                "+",
                "-",
                "=",
                "é=x",
            ]
        ),
    )
)
def test_formula_prefilter_gives_the_plain_regex_answer(text):
    """The byte-range prefilter only skips the regex where it could not match: a cell is
    formula-like when it starts with = + - @ tab LF or CR and is not a plain number."""
    import re

    import duckdb

    from kpi.ingest.validate import _PLAIN_NUMBER, formula_like

    con = duckdb.connect()
    fast = con.execute(f"SELECT coalesce({formula_like('$x')}, false)", {"x": text}).fetchone()[0]
    plain = (
        text is not None
        and text[:1] in ("=", "+", "-", "@", "\t", "\n", "\r")
        and not re.fullmatch(_PLAIN_NUMBER, text, flags=re.ASCII)
    )
    assert fast == bool(plain), repr(text)
