"""Which day's target judges a figure: one rule for every surface.

The rule: a period, or a total over a window, is judged against the target in force on
the last day of that period, clipped to the window's end (``--to``) and the as-of date.
A total without ``--to`` ends on the as-of date. Why the last day: a target that tightens
on 16 March applies to March's figure, whatever grain or surface asks for it (a month
row, a total over 1-31 March, the Q1 review pack and its March trend row agree).
"""

from __future__ import annotations

import datetime as dt

from kpi.catalogue import Grain
from kpi.grains import period_end


def reference_date(
    grain: Grain, period: dt.date | None, date_to: dt.date | None, as_of: dt.date
) -> dt.date:
    """The day whose valid target applies to the row of ``period`` (None: the total)."""
    last = date_to or as_of
    if grain is not Grain.TOTAL and isinstance(period, dt.date):
        last = period_end(grain, period)
    candidates = [last, as_of] + ([date_to] if date_to else [])
    return min(candidates)
