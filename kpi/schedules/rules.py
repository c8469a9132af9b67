"""When a schedule is due, and which period its pack covers.

Why a small rule language rather than cron: admins type it on a page, and "weekly mon
07:00" reads as what it does. Times are the server's local wall-clock time. Windows are
relative to the due date, so a run caught up after downtime covers the period it was
due for, not the one the worker woke up in.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

from kpi.review.periods import Period, parse_period

RULE_HELP = "daily 06:30 · weekly mon 07:00 · monthly 1 07:00 · quarterly 1 07:00 (day 1-28)"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RULE = re.compile(r"^(daily|weekly|monthly|quarterly)(?:\s+(\w+))?\s+(\d{1,2}):(\d{2})$")


class Every(StrEnum):
    DAY = "daily"
    WEEK = "weekly"
    MONTH = "monthly"
    QUARTER = "quarterly"


class Window(StrEnum):
    """The period a run reports on, relative to its due date."""

    LAST_DAY = "last-day"
    LAST_WEEK = "last-week"
    LAST_MONTH = "last-month"
    LAST_QUARTER = "last-quarter"
    LAST_YEAR = "last-year"


@dataclass(frozen=True)
class Rule:
    every: Every
    day: int  # weekday 0-6 (weekly) or day of month 1-28 (monthly, quarterly); 0 otherwise
    time: dt.time

    @property
    def text(self) -> str:
        day = {Every.WEEK: f" {WEEKDAYS[self.day]}", Every.DAY: ""}.get(self.every, f" {self.day}")
        return f"{self.every.value}{day} {self.time:%H:%M}"

    def on(self, day: dt.date) -> bool:
        if self.every is Every.DAY:
            return True
        if self.every is Every.WEEK:
            return day.weekday() == self.day
        quarter_month = self.every is Every.MONTH or day.month in (1, 4, 7, 10)
        return quarter_month and day.day == self.day

    def due_between(self, after: dt.datetime, until: dt.datetime) -> list[dt.datetime]:
        """Due times in (after, until], oldest first."""
        out, day = [], after.date()
        while day <= until.date():
            at = dt.datetime.combine(day, self.time)
            if after < at <= until and self.on(day):
                out.append(at)
            day += dt.timedelta(days=1)
        return out


def parse_rule(text: str) -> Rule:
    """Parse a rule; ValueError names the accepted forms."""
    raw = " ".join((text or "").lower().split())
    m = _RULE.match(raw)
    if not m:
        raise ValueError(f"bad schedule {text!r}; use {RULE_HELP}")
    every, day_text, hour, minute = Every(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
    if hour > 23 or minute > 59:
        raise ValueError(f"bad time in {text!r}: use HH:MM, 00:00 to 23:59")
    if every is Every.DAY:
        if day_text:
            raise ValueError(f"bad schedule {text!r}: daily takes only a time")
        return Rule(every, 0, dt.time(hour, minute))
    if every is Every.WEEK:
        if day_text not in WEEKDAYS:
            raise ValueError(f"bad weekday in {text!r}: use one of {', '.join(WEEKDAYS)}")
        return Rule(every, WEEKDAYS.index(day_text), dt.time(hour, minute))
    if not (day_text and day_text.isdigit() and 1 <= int(day_text) <= 28):
        raise ValueError(f"bad day in {text!r}: use a day of the month from 1 to 28")
    return Rule(every, int(day_text), dt.time(hour, minute))


def window_period(window: Window, due: dt.date) -> Period:
    """The complete period before ``due``: last-week on Monday 2026-11-02 is Oct 26 - Nov 1."""
    if window is Window.LAST_DAY:
        day = due - dt.timedelta(days=1)
        return parse_period(f"{day}..{day}")
    if window is Window.LAST_WEEK:
        start = due - dt.timedelta(days=due.weekday() + 7)
        return parse_period(f"{start}..{start + dt.timedelta(days=6)}")
    if window is Window.LAST_MONTH:
        last = due.replace(day=1) - dt.timedelta(days=1)
        return parse_period(f"{last.year}-{last.month:02d}")
    if window is Window.LAST_QUARTER:
        quarter = (due.month - 1) // 3  # 0-3: the quarter the due date is in
        year, previous = (due.year, quarter) if quarter else (due.year - 1, 4)
        return parse_period(f"{year}-Q{previous}")
    return parse_period(str(due.year - 1))
