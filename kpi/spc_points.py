"""Which periods are points of a control chart: quiet periods count, idle ones do not.

Why: a c chart of defects or stops (and an I-MR chart of downtime minutes) built only
from periods that had events drops every quiet period, which inflates the centre line
and hides real signals. A period in which the line ran (it has production rows) and had
no events is a zero point; a period without production is no point at all. And a period
cut by the window's start (a week that began before ``--from``) would enter the limits
unseen, so it is left out of both the points and the limits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import numpy as np
import pandas as pd
import sqlalchemy as sa

from kpi.catalogue import CATALOGUE, PRODUCTION_DIMS, Dim, Formula, Grain, Source
from kpi.lines import one_plant
from kpi.metrics import compute, make_query

EVENT_SOURCES = (Source.DOWNTIME, Source.DEFECTS)


def counts_quiet_periods(kpi: str) -> bool:
    """Event sums (defects, stops, downtime minutes): a running period without events is 0."""
    entry = CATALOGUE[kpi]
    return entry.source in EVENT_SOURCES and entry.formula is Formula.SUM


def add_quiet_periods(
    bind: sa.Engine | sa.Connection,
    kpi: str,
    grain: Grain,
    where: Mapping[str, str],
    window: tuple[dt.date | None, dt.date | None],
    points: pd.DataFrame,
) -> pd.DataFrame:
    """``points`` plus a zero point for every period with production and no event row."""
    if not counts_quiet_periods(kpi):
        return points
    # filters on event-only dimensions (reason, defect code, ...) do not restrict production
    prod_where = {d: v for d, v in where.items() if Dim(d) in PRODUCTION_DIMS}
    query = make_query(["units_produced"], grain, (), window[0], window[1], prod_where)
    ran = compute(bind, query, with_targets=False)["period"]
    ran = {pd.Timestamp(p).date() for p in ran}
    quiet = sorted(ran - set(points["period"]))
    if not quiet:
        return points
    zeros = pd.DataFrame(
        {"period": quiet, "value": 0.0, "count": 0.0, "n": np.full(len(quiet), np.nan)}
    )
    out = pd.concat([points, zeros], ignore_index=True) if len(points) else zeros
    return out.sort_values("period", kind="stable").reset_index(drop=True)


def drop_partial_first(points: pd.DataFrame, first_day: dt.date | None) -> pd.DataFrame:
    """Leave out a period that starts before the first fetched day (it is only partly in)."""
    if first_day is None or points.empty:
        return points
    keep = np.array([p >= first_day for p in points["period"]], dtype=bool)
    return points[keep].reset_index(drop=True)


def fetch_points(
    bind: sa.Engine | sa.Connection,
    kpi: str,
    grain: Grain,
    where: Mapping[str, str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> pd.DataFrame:
    """period, value, count (Σnumerator) and n (Σdenominator) of one KPI per period."""
    query = make_query([kpi], grain, (), date_from, date_to, dict(where or {}))
    df = compute(bind, query, with_targets=False).dropna(subset=["value"])
    one_plant(df, dict(where or {}))  # a line is a line of a plant: never pool two
    points = pd.DataFrame(
        {
            "period": [pd.Timestamp(p).date() for p in df["period"]],
            "value": df["value"].astype(float).to_numpy(),
            "count": df["numerator"].astype(float).to_numpy(),
            "n": df["denominator"].astype(float).to_numpy(),
        }
    )
    points = add_quiet_periods(bind, kpi, grain, dict(where or {}), (date_from, date_to), points)
    return drop_partial_first(points, date_from)
