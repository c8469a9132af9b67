"""'No data', never a value: a KPI is empty in a period its input kinds do not cover.

Why: availability needs production *and* downtime. With production loaded for a week but
no downtime file (yet), the stop minutes sum to 0 and availability reads 100 % "met".

A kind covers a period when the span of its loaded rows (first to last date, for the
plant filtered on, if any) overlaps the period. Inside that span a day without stops or
defects is a real zero (a line with no stops has availability 100 %); outside it, the
data are simply not there. Only KPIs built from several input kinds need the check: for
one kind, a group exists only where that kind has rows.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import sqlalchemy as sa

from kpi.catalogue import CATALOGUE, Dim, Grain
from kpi.grains import period_end
from kpi.schema import Kind

DATED_KINDS = (Kind.PRODUCTION, Kind.DOWNTIME, Kind.DEFECTS)
DATED_NAMES = frozenset(k.value for k in DATED_KINDS)  # the line-day summary's inputs
Span = tuple[dt.date, dt.date] | None


# the line-day summary counts each kind's rows: far smaller than the raw tables
_SUMMARY_COUNT = {Kind.PRODUCTION: "prod_rows", Kind.DOWNTIME: "dt_rows",
                  Kind.DEFECTS: "defect_rows"}  # fmt: skip


def _span(conn: sa.Connection, kind: Kind, plant: str | None, summary: bool) -> Span:
    """First and last date of the kind's current rows (None when it has none)."""
    sql = f"SELECT MIN(date), MAX(date) FROM {kind.value} WHERE replaced_by IS NULL"
    if summary:
        sql = f"SELECT MIN(date), MAX(date) FROM summary_line_day WHERE {_SUMMARY_COUNT[kind]} > 0"
    params = {}
    if plant is not None:
        sql += " AND plant = :plant"
        params["plant"] = plant
    first, last = conn.execute(sa.text(sql), params).one()
    return None if first is None else (first, last)


def _covered(span: Span, grain: Grain, period: object, query) -> bool:
    if span is None:
        return False
    if grain is Grain.TOTAL or not isinstance(period, dt.date):
        start, end = query.date_from or dt.date.min, query.date_to or dt.date.max
    else:
        start, end = period, period_end(grain, period)
    return span[0] <= end and span[1] >= start


def blank_uncovered(conn: sa.Connection, df: pd.DataFrame, query) -> pd.DataFrame:
    """Empty value, numerator and denominator of rows whose period an input kind misses."""
    from kpi.summary import stale_kinds  # summary imports sources; keep this module light

    plant = dict(query.where).get(Dim.PLANT)
    spans: dict[Kind, Span] = {}
    stale: frozenset[str] | None = None
    periods = df["period"].to_numpy(dtype=object)
    for name in query.kpis:
        kinds = [k for k in CATALOGUE[name].inputs if k in DATED_KINDS]
        if len(kinds) < 2:
            continue
        rows = (df["kpi"] == name).to_numpy()
        for kind in kinds:
            if kind not in spans:
                stale = stale_kinds(conn) if stale is None else stale
                spans[kind] = _span(conn, kind, plant, summary=not stale & DATED_NAMES)
            covered = {p: _covered(spans[kind], query.grain, p, query) for p in set(periods)}
            ok = np.array([covered[p] for p in periods], dtype=bool)
            df.loc[rows & ~ok, ["value", "numerator", "denominator"]] = np.nan
    return df
