"""Time grains: the SQL that buckets a date, and the matching Python arithmetic.

A period is labelled by its first day. ISO weeks start on Monday, so the week of
2025-01-01 (a Wednesday) is labelled 2024-12-30 and spans the new year.
"""

from __future__ import annotations

import datetime as dt
import re

from kpi.catalogue import Grain

_TRUNC = {
    Grain.WEEK: "week",
    Grain.MONTH: "month",
    Grain.QUARTER: "quarter",
    Grain.YEAR: "year",
}


def period_sql(grain: Grain, column: str) -> str | None:
    """SQL giving the period start of ``column`` (portable: DuckDB and PostgreSQL); None = total."""
    if grain is Grain.TOTAL:
        return None
    if grain is Grain.DAY:
        return f"CAST({column} AS DATE)"
    return f"CAST(date_trunc('{_TRUNC[grain]}', {column}) AS DATE)"


def period_start(grain: Grain, day: dt.date) -> dt.date | None:
    """The first day of the period holding ``day`` (None for the total grain)."""
    if grain is Grain.TOTAL:
        return None
    if grain is Grain.DAY:
        return day
    if grain is Grain.WEEK:
        return day - dt.timedelta(days=day.weekday())
    if grain is Grain.MONTH:
        return day.replace(day=1)
    if grain is Grain.QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(month=1, day=1)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def period_end(grain: Grain, start: dt.date) -> dt.date:
    """The last day of the period that starts on ``start``."""
    if grain is Grain.DAY:
        return start
    if grain is Grain.WEEK:
        return start + dt.timedelta(days=6)
    months = {Grain.MONTH: 1, Grain.QUARTER: 3, Grain.YEAR: 12}.get(grain)
    if months is None:
        raise ValueError(f"no period end for grain {grain}")
    month = start.month - 1 + months
    return dt.date(start.year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)


def parse_date(text: str) -> dt.date:
    """Strict ISO dates only (YYYY-MM-DD): never guess day/month order."""
    try:
        if not _ISO_DATE.fullmatch(text):  # fromisoformat also takes 20260105, 2026-W02-1
            raise ValueError
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"bad date {text!r}; use YYYY-MM-DD") from None
