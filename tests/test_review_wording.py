"""Review periods, comparisons and the change sentence (direction, pp vs %)."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi.catalogue import Direction, Unit
from kpi.review.periods import (
    Compare,
    PeriodKind,
    comparison_period,
    last_year,
    parse_compare,
    parse_period,
    previous,
)
from kpi.review.wording import change_phrase, objective_phrase, sentence

D = dt.date


@pytest.mark.parametrize(
    ("text", "kind", "start", "end", "label"),
    [
        ("2026-03", PeriodKind.MONTH, D(2026, 3, 1), D(2026, 3, 31), "Mar 2026"),
        ("2024-02", PeriodKind.MONTH, D(2024, 2, 1), D(2024, 2, 29), "Feb 2024"),
        ("2026-Q1", PeriodKind.QUARTER, D(2026, 1, 1), D(2026, 3, 31), "Q1 2026"),
        ("2026q4", PeriodKind.QUARTER, D(2026, 10, 1), D(2026, 12, 31), "Q4 2026"),
        ("2026", PeriodKind.YEAR, D(2026, 1, 1), D(2026, 12, 31), "2026"),
        ("2026-01-15..2026-02-14", PeriodKind.CUSTOM, D(2026, 1, 15), D(2026, 2, 14),
         "2026-01-15 to 2026-02-14"),
    ],
)  # fmt: skip
def test_periods_parse(text, kind, start, end, label):
    period = parse_period(text)
    assert (period.kind, period.start, period.end, period.label) == (kind, start, end, label)
    assert parse_period(period.code) == period


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-Q5", "26", "1/3/2026", "2026-03-31..2026-01-01", "", "Q1"]
)
def test_bad_periods_name_the_accepted_forms(text):
    with pytest.raises(ValueError, match="2026-Q1|ends before it starts"):
        parse_period(text)


def test_previous_and_last_year():
    q1 = parse_period("2026-Q1")
    assert previous(q1).code == "2025-Q4"
    assert last_year(q1).code == "2025-Q1"
    assert previous(parse_period("2026-01")).code == "2025-12"
    assert previous(parse_period("2026")).code == "2025"
    custom = parse_period("2026-01-11..2026-01-20")  # ten days: the ten days before
    assert (previous(custom).start, previous(custom).end) == (D(2026, 1, 1), D(2026, 1, 10))
    leap = parse_period("2024-02-01..2024-02-29")
    assert last_year(leap).end == D(2023, 2, 28)


def test_comparisons():
    period = parse_period("2026-Q1")
    assert parse_compare(None) == (Compare.PREVIOUS, None)
    assert parse_compare("last-year") == (Compare.LAST_YEAR, None)
    compare, baseline = parse_compare("2025")
    assert (
        compare is Compare.BASELINE and comparison_period(period, compare, baseline).code == "2025"
    )
    with pytest.raises(ValueError, match="previous, last-year or a baseline"):
        parse_compare("last month")


def test_the_issue_example_reads_in_pp_and_relative_percent():
    text = sentence(
        "Scrap rate", 0.016, 0.0213, 0.02, "met", Unit.RATIO, Direction.LOWER, "Q1 2025"
    )
    assert text == (
        "Scrap rate 1.6 %, down 0.5 pp (25 % lower) vs Q1 2025 (2.1 %), better; "
        "objective ≤ 2.0 % met."
    )


def test_direction_decides_better_or_worse():
    up_good = change_phrase(0.95, 0.90, Unit.RATIO, Direction.HIGHER, "Q4 2025")
    up_bad = change_phrase(0.03, 0.02, Unit.RATIO, Direction.LOWER, "Q4 2025")
    assert up_good == "up 5.0 pp (6 % higher) vs Q4 2025 (90.0 %), better"
    assert up_bad == "up 1.0 pp (50 % higher) vs Q4 2025 (2.0 %), worse"


def test_units_other_than_ratios_change_in_their_own_unit():
    text = change_phrase(1200.0, 1500.0, Unit.MINUTES, Direction.LOWER, "Mar 2026")
    assert text == "down 300 min (20 % lower) vs Mar 2026 (1,500 min), better"
    assert "unchanged vs" in change_phrase(0.0201, 0.02004, Unit.RATIO, Direction.LOWER, "X")
    assert change_phrase(5.0, 0.0, Unit.COUNT, Direction.LOWER, "X") == "up 5 vs X (0), worse"
    assert change_phrase(0.5, float("nan"), Unit.RATIO, Direction.LOWER, "X").startswith("no comp")


def test_objective_phrases():
    assert objective_phrase(0.97, 0.98, "near", Unit.RATIO, Direction.HIGHER) == (
        "objective ≥ 98.0 % nearly met (1.0 pp short)"
    )
    assert objective_phrase(0.80, 0.85, "missed", Unit.RATIO, Direction.HIGHER) == (
        "objective ≥ 85.0 % missed by 5.0 pp"
    )
    assert objective_phrase(100.0, float("nan"), None, Unit.MINUTES, Direction.LOWER) == (
        "no objective set"
    )
