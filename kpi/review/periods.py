"""Review periods and what they are compared with.

A management review looks at a calendar month (``2026-03``), quarter (``2026-Q1``), year
(``2026``) or a custom range (``2026-01-01..2026-03-31``), against the previous period of
the same length, the same period a year earlier, or a named baseline period. Parsing is
strict (never guesses day/month order) and errors are user-facing messages.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from kpi.grains import parse_date

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-?[Qq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")
PERIOD_HELP = "2026-03 (month), 2026-Q1 (quarter), 2026 (year) or 2026-01-01..2026-03-31"


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    CUSTOM = "custom"


class Compare(StrEnum):
    """What the review period is compared with (a baseline is given as a period text)."""

    PREVIOUS = "previous"
    LAST_YEAR = "last-year"
    BASELINE = "baseline"


@dataclass(frozen=True)
class Period:
    """A closed date range with a kind, so labels and 'previous' mean what people expect."""

    kind: PeriodKind
    start: dt.date
    end: dt.date

    @property
    def label(self) -> str:
        """How the period is written in sentences: Mar 2026, Q1 2026, 2026, or a range."""
        if self.kind is PeriodKind.MONTH:
            return f"{_MONTHS[self.start.month - 1]} {self.start.year}"
        if self.kind is PeriodKind.QUARTER:
            return f"Q{(self.start.month - 1) // 3 + 1} {self.start.year}"
        if self.kind is PeriodKind.YEAR:
            return str(self.start.year)
        return f"{self.start.isoformat()} to {self.end.isoformat()}"

    @property
    def code(self) -> str:
        """The canonical text form, which parses back to the same period."""
        if self.kind is PeriodKind.MONTH:
            return f"{self.start.year}-{self.start.month:02d}"
        if self.kind is PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind is PeriodKind.YEAR:
            return str(self.start.year)
        return f"{self.start.isoformat()}..{self.end.isoformat()}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _month_end(year: int, month: int) -> dt.date:
    nxt = dt.date(year + month // 12, month % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def _months(kind: PeriodKind, year: int, first_month: int) -> Period:
    span = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[kind]
    last = first_month + span - 1
    return Period(kind, dt.date(year, first_month, 1), _month_end(year, last))


def parse_period(text: str) -> Period:
    """Parse a period; raises ValueError naming the accepted forms."""
    raw = (text or "").strip()
    if m := _MONTH.match(raw):
        year, month = int(m.group(1)), int(m.group(2))
        if 1 <= month <= 12:
            return _months(PeriodKind.MONTH, year, month)
    elif m := _QUARTER.match(raw):
        return _months(PeriodKind.QUARTER, int(m.group(1)), (int(m.group(2)) - 1) * 3 + 1)
    elif m := _YEAR.match(raw):
        return _months(PeriodKind.YEAR, int(m.group(1)), 1)
    elif ".." in raw:
        left, _, right = raw.partition("..")
        start, end = parse_date(left.strip()), parse_date(right.strip())
        if start > end:
            raise ValueError(f"period {raw!r} ends before it starts")
        return Period(PeriodKind.CUSTOM, start, end)
    raise ValueError(f"bad period {text!r}; use {PERIOD_HELP}")


def _shift_months(day: dt.date, months: int) -> dt.date:
    """Move by whole months, clamping the day (31 March - 1 month = 28/29 February)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    return dt.date(year, month0 + 1, min(day.day, _month_end(year, month0 + 1).day))


def previous(period: Period) -> Period:
    """The period of the same kind and length just before (custom: same number of days)."""
    if period.kind is PeriodKind.CUSTOM:
        end = period.start - dt.timedelta(days=1)
        return Period(period.kind, end - dt.timedelta(days=period.days - 1), end)
    span = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.YEAR: 12}[period.kind]
    start = _shift_months(period.start, -span)
    return _months(period.kind, start.year, start.month)


def last_year(period: Period) -> Period:
    """The same period one year earlier (29 February becomes 28 February)."""
    start, end = _shift_months(period.start, -12), _shift_months(period.end, -12)
    if period.kind is not PeriodKind.CUSTOM:
        return _months(period.kind, start.year, start.month)
    return Period(period.kind, start, end)


def parse_compare(text: str | None) -> tuple[Compare, Period | None]:
    """``previous``, ``last-year`` or a baseline period text (e.g. ``2025``)."""
    raw = (text or Compare.PREVIOUS.value).strip().lower()
    if raw in (Compare.PREVIOUS.value, Compare.LAST_YEAR.value):
        return Compare(raw), None
    if raw in ("last_year", "lastyear", "yoy"):
        return Compare.LAST_YEAR, None
    try:
        return Compare.BASELINE, parse_period(raw)
    except ValueError:
        raise ValueError(
            f"bad comparison {text!r}; use previous, last-year or a baseline period ({PERIOD_HELP})"
        ) from None


def comparison_period(period: Period, compare: Compare, baseline: Period | None = None) -> Period:
    """The period the review is compared with."""
    if compare is Compare.PREVIOUS:
        return previous(period)
    if compare is Compare.LAST_YEAR:
        return last_year(period)
    if baseline is None:
        raise ValueError("a baseline comparison needs a baseline period")
    return baseline


def default_period(newest: dt.date | None, today: dt.date | None = None) -> Period:
    """The last complete quarter of the data (the quarter just closed, for a new review)."""
    day = newest or today or dt.date.today()
    quarter = _months(PeriodKind.QUARTER, day.year, (day.month - 1) // 3 * 3 + 1)
    return quarter if day >= quarter.end else previous(quarter)
