"""The plant's clock: its time zone, today's date there, and honest "current" periods.

Why one module: "today" decides the as-of date, which period is current, whether it is
partial and how old the newest data is. Read on a server in UTC, a plant in Chicago
would start its day six hours early. ``KPI_TIMEZONE`` (an IANA name such as
``Europe/Berlin``) sets the zone; without it, the machine's own zone is used.
"""

from __future__ import annotations

import datetime as dt
import os
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from kpi.catalogue import Grain
from kpi.grains import period_end, period_start

TIMEZONE_ENV = "KPI_TIMEZONE"
AS_OF_ENV = "KPI_AS_OF"  # pins "today" (demos, screenshots, tests), YYYY-MM-DD


def zone(name: str | None = None) -> dt.tzinfo:
    """The plant's zone: ``name``, else ``KPI_TIMEZONE``, else the machine's zone."""
    name = name if name is not None else os.environ.get(TIMEZONE_ENV, "")
    if not name.strip():
        return dt.datetime.now().astimezone().tzinfo or dt.UTC
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{TIMEZONE_ENV} {name!r} is not a known time zone; use e.g. Europe/Berlin"
        ) from None


def today(name: str | None = None) -> dt.date:
    """Today's date in the plant's zone: the default as-of date everywhere.

    ``KPI_AS_OF`` pins it, so a demo or a screenshot reads the same on any day.
    """
    pinned = os.environ.get(AS_OF_ENV, "").strip()
    if pinned:
        try:
            return dt.date.fromisoformat(pinned)
        except ValueError:
            raise ValueError(f"{AS_OF_ENV} {pinned!r} is not a date; use YYYY-MM-DD") from None
    return dt.datetime.now(zone(name)).date()


def current_period(grain: Grain, as_of: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the period containing ``as_of``."""
    start = period_start(grain, as_of) or as_of
    return start, period_end(grain, start)


def is_partial(grain: Grain, start: dt.date, as_of: dt.date, newest: dt.date | None) -> bool:
    """A period still running on the as-of date (today is not over), or whose data stop
    before its last day, holds partial data."""
    end = period_end(grain, start)
    return end >= as_of or newest is None or newest < end


def stale_notice(
    newest: dt.date | None, current_start: dt.date, as_of: dt.date, what: str = "production"
) -> str | None:
    """'newest production data 2026-10-31, 31 days old' when the current period has none."""
    if newest is None:
        return f"no {what} data loaded yet"
    if newest >= current_start:
        return None
    return f"newest {what} data {newest}, {(as_of - newest).days} days old"
