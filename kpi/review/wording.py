"""Numbers in words: the change sentence a management review reads aloud.

Why here: "down 25 %" of a ratio is ambiguous (25 percentage points, or a quarter
lower?), so ratio KPIs always say the change in percentage points (pp) and the relative
change in brackets; minutes and counts say the change in their unit. Better or worse
follows the KPI's direction, never the sign alone.
"""

from __future__ import annotations

import math

from kpi.catalogue import Direction, Unit
from kpi.status import Status
from kpi.views import DELTA_STYLES, NumberStyle, format_value

NO_VALUE = "—"


def is_missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt(value: float | None, unit: Unit) -> str:
    """A KPI value as the dashboard shows it (ratios as percentages)."""
    return NO_VALUE if is_missing(value) else format_value(float(value), unit)


# unsigned differences in a spoken sentence ("down 0.4 pp", "up 2.0 days")
_DIFF_STYLES = {
    **DELTA_STYLES,
    Unit.DAYS: NumberStyle(decimals=1, thousands=False, suffix=" days"),
    Unit.PER_UNIT: NumberStyle(decimals=4, thousands=False, suffix=" per unit"),
}


def fmt_diff(diff: float, unit: Unit) -> str:
    """An unsigned difference: percentage points for ratios, else the KPI's own unit."""
    return _DIFF_STYLES.get(unit, NumberStyle()).write(abs(diff))


def fmt_relative(value: float, base: float) -> str | None:
    """'25 % lower' / '3 % higher'; None when the base is zero or missing."""
    if is_missing(base) or base == 0:
        return None
    rel = (value - base) / abs(base)
    return f"{abs(rel) * 100:.0f} % {'higher' if rel > 0 else 'lower'}"


_DECIMALS = {Unit.RATIO: 3, Unit.DAYS: 1, Unit.PER_UNIT: 4}  # ratio: 0.1 pp = 0.001


def shown_zero(diff: float, unit: Unit) -> bool:
    """True when the change rounds to nothing at the precision the sentence shows."""
    return round(abs(diff), _DECIMALS.get(unit, 0)) == 0


def change_phrase(value: float, base: float, unit: Unit, direction: Direction, label: str) -> str:
    """'down 0.5 pp (25 % lower) vs Q1 2025 (2.1 %), better' and its variants."""
    if is_missing(value):
        return "no data"
    if is_missing(base):
        return f"no comparison figure for {label}"
    diff = value - base
    if shown_zero(diff, unit):
        return f"unchanged vs {label} ({fmt(base, unit)})"
    words = f"{'up' if diff > 0 else 'down'} {fmt_diff(diff, unit)}"
    rel = fmt_relative(value, base)
    if rel and not rel.startswith("0 %"):
        words += f" ({rel})"
    better = (diff > 0) == (direction is Direction.HIGHER)
    return f"{words} vs {label} ({fmt(base, unit)}), {'better' if better else 'worse'}"


def objective_phrase(
    value: float, target: float | None, status: str | None, unit: Unit, direction: Direction
) -> str:
    """'objective ≤ 2.0 % met' / 'nearly met, 0.1 pp short' / 'missed by 0.8 pp'."""
    if is_missing(target):
        return "no objective set"
    sign = "≥" if direction is Direction.HIGHER else "≤"
    head = f"objective {sign} {fmt(target, unit)}"
    if is_missing(value) or status is None:
        return f"{head}: no data"
    gap = fmt_diff(float(value) - float(target), unit)
    if status == Status.MET:
        return f"{head} met"
    if status == Status.NEAR:
        return f"{head} nearly met ({gap} short)"
    return f"{head} missed by {gap}"


def sentence(
    label: str,
    value: float,
    base: float,
    target: float | None,
    status: str | None,
    unit: Unit,
    direction: Direction,
    compare_label: str,
) -> str:
    """The one line per objective: value, change vs the comparison, objective status."""
    if is_missing(value):
        objective = objective_phrase(value, target, None, unit, direction)
        return f"{label}: no data for this period; {objective}."
    change = change_phrase(value, base, unit, direction, compare_label)
    objective = objective_phrase(value, target, status, unit, direction)
    return f"{label} {fmt(value, unit)}, {change}; {objective}."
