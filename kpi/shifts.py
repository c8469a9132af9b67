"""The shift calendar: when each shift starts and ends, to check downtime ``start`` times.

Why: a stop's ``date`` is the date its shift *started* (a night shift from 22:00 on
31 December carries 31 December). A night-shift stop dated by calendar day (1 January)
would silently join the wrong shift, so a ``start`` outside its row's shift is refused.

``KPI_SHIFTS`` sets the calendar, e.g. ``A=06:00-14:00,B=14:00-22:00,N=22:00-06:00``
(the default, the demo plant's). A shift ending at or before its start time runs past
midnight. For a shift name not in the calendar, ``start`` must lie on the row's date or
the next day (before 24:00).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

DEFAULT_SHIFTS = "A=06:00-14:00,B=14:00-22:00,N=22:00-06:00"
SHIFTS_ENV = "KPI_SHIFTS"
_ITEM = re.compile(r"^\s*([^=]+?)\s*=\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
_DAY = 24 * 60


@dataclass(frozen=True)
class Shift:
    name: str
    start_minute: int  # minutes after midnight of the row's date
    end_minute: int  # may exceed 24 h: the shift ends the next day

    @property
    def window(self) -> str:
        def hhmm(m: int) -> str:
            return f"{m // 60 % 24:02d}:{m % 60:02d}"

        nxt = " the next day" if self.end_minute > _DAY else ""
        return f"{hhmm(self.start_minute)}-{hhmm(self.end_minute)}{nxt}"


def parse_calendar(text: str) -> tuple[Shift, ...]:
    """Parse ``A=06:00-14:00,...``; raises ValueError naming the bad item."""
    shifts = []
    for item in (t for t in text.split(",") if t.strip()):
        m = _ITEM.match(item)
        if not m:
            raise ValueError(f"bad shift {item.strip()!r} in {SHIFTS_ENV}; use e.g. N=22:00-06:00")
        h1, m1, h2, m2 = (int(g) for g in m.groups()[1:])
        if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59:
            raise ValueError(f"bad time in shift {item.strip()!r} of {SHIFTS_ENV}")
        start, end = h1 * 60 + m1, h2 * 60 + m2
        shifts.append(Shift(m.group(1), start, end if end > start else end + _DAY))
    return tuple(shifts)


def calendar() -> tuple[Shift, ...]:
    """The configured calendar (``KPI_SHIFTS``, else the default)."""
    return parse_calendar(os.environ.get(SHIFTS_ENV) or DEFAULT_SHIFTS)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _outside(low: int, high: int) -> str:
    """SQL: "start" is outside [date + low minutes, date + high minutes)."""
    day = 'CAST("date" AS TIMESTAMP)'
    return (
        f"(\"start\" < {day} + INTERVAL '{low} minutes' OR "
        f"\"start\" >= {day} + INTERVAL '{high} minutes')"
    )


def start_checks(shifts: tuple[Shift, ...]) -> list[tuple[str, str]]:
    """(SQL true for a bad row, message) per shift, plus one for shifts not in the calendar."""
    out = []
    for s in shifts:
        outside = _outside(s.start_minute, s.end_minute)
        bad = f'"shift" = {_quote(s.name)} AND "start" IS NOT NULL AND {outside}'
        night = "; a night shift belongs to the date it started" if s.end_minute > _DAY else ""
        out.append((bad, f"is not within shift {s.name} ({s.window}) of the row's date{night}"))
    known = ", ".join(_quote(s.name) for s in shifts) or "''"
    bad = f'"shift" NOT IN ({known}) AND "start" IS NOT NULL AND {_outside(0, 2 * _DAY)}'
    out.append((bad, "is neither on the row's date nor the next day"))
    return out
