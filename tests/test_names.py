"""Names that look alike are the same name; invisible characters are refused anywhere."""

from __future__ import annotations

import sqlalchemy as sa

from kpi.ingest import Outcome, ingest_bytes

HEADER = "date,shift,line,product,planned_minutes,units_produced,units_scrapped\n"


def _row(line: str, product: str = "P", day: int = 2) -> str:
    return f"2026-03-{day:02d},A,{line},{product},480,900,9\n"


def _lines(engine: sa.Engine) -> list[str]:
    with engine.connect() as conn:
        return (
            conn.execute(sa.text("SELECT DISTINCT line FROM production ORDER BY 1")).scalars().all()
        )


def test_look_alike_names_are_one_name(engine, settings) -> None:
    """Failed before: 'L1', 'l1 ', a full-width 'Ｌ１' and 'L1' with a no-break space were
    four lines."""
    rows = _row("L1", "A") + _row("l1 ", "B") + _row("Ｌ１", "C") + _row("\u00a0L1", "D")
    result = ingest_bytes(engine, settings, (HEADER + rows).encode(), "a.csv")
    assert result.outcome is Outcome.LOADED, result.summary()
    assert _lines(engine) == ["L1"]


def test_a_later_file_takes_the_stored_spelling(engine, settings) -> None:
    ingest_bytes(engine, settings, (HEADER + _row("Line 1")).encode(), "a.csv")
    later = ingest_bytes(engine, settings, (HEADER + _row("LINE 1", day=3)).encode(), "b.csv")
    assert later.outcome is Outcome.LOADED, later.summary()
    assert _lines(engine) == ["Line 1"]


def test_case_twins_with_the_same_key_are_a_repeated_key(engine, settings) -> None:
    result = ingest_bytes(engine, settings, (HEADER + _row("L1") + _row("l1")).encode(), "d.csv")
    assert result.outcome is Outcome.REJECTED
    assert "repeats line 2" in result.problems[0].problem


def test_ids_compare_exactly(engine, settings) -> None:
    header = "order_id,due_date,quantity_ordered\n"
    data = header + "so-1,2026-03-05,10\nSO-1,2026-03-05,20\n"
    assert ingest_bytes(engine, settings, data.encode(), "o.csv").outcome is Outcome.LOADED
    with engine.connect() as conn:
        ids = conn.execute(sa.text("SELECT order_id FROM deliveries ORDER BY 1")).scalars().all()
    assert ids == ["SO-1", "so-1"]


def test_a_nul_after_the_first_64_kb_is_refused_with_its_line(engine, settings) -> None:
    """Failed before: only the first 64 KB were searched, so 'Plant \\x001' was stored."""
    rows = "".join(_row("L1", f"P-{i}") for i in range(3000))
    data = HEADER + rows + _row("L\x001", "Q")
    assert len(HEADER + rows) > 65536
    result = ingest_bytes(engine, settings, data.encode(), "nul.csv")
    assert result.outcome is Outcome.REJECTED, result.summary()
    assert result.problems[0].line == 3002
    assert "U+0000" in result.problems[0].problem


def test_format_characters_are_refused(engine, settings) -> None:
    """Failed before: a zero-width space or a right-to-left override made another line."""
    for char, code in (("\u200b", "U+200B"), ("\u202e", "U+202E")):
        data = HEADER + _row("L1") + _row(f"L{char}1", "Q")
        result = ingest_bytes(engine, settings, data.encode(), "zw.csv")
        assert result.outcome is Outcome.REJECTED, result.summary()
        assert (result.problems[0].line, code in result.problems[0].problem) == (3, True)


def test_a_full_width_formula_is_a_formula(engine, settings) -> None:
    result = ingest_bytes(engine, settings, (HEADER + _row("＝1+1")).encode(), "f.csv")
    assert result.outcome is Outcome.REJECTED, result.summary()
    assert (result.problems[0].line, result.problems[0].column) == (2, "line")
    assert "formula" in result.problems[0].problem


def test_a_name_of_only_spaces_is_refused(engine, settings) -> None:
    result = ingest_bytes(engine, settings, (HEADER + _row("\u3000\u00a0")).encode(), "s.csv")
    assert result.outcome is Outcome.REJECTED, result.summary()
    problem = result.problems[0]
    assert (problem.line, problem.column, problem.problem) == (2, "line", "is required but empty")


def test_the_written_out_table_of_invisible_characters_is_this_pythons() -> None:
    from kpi.ingest.read import _INVISIBLE, invisible_ranges

    assert invisible_ranges() == _INVISIBLE
