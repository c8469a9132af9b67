"""Compute a review pack's figures with the KPI engine (the numbers the dashboard shows).

Every figure is a ``kpi.metrics.compute`` result over the review period at the total
grain, so a pack figure equals ``python -m kpi report --grain total --from .. --to ..``.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import sqlalchemy as sa

from kpi import clock
from kpi.audits import review_findings
from kpi.catalogue import CATALOGUE, Dim, Grain
from kpi.drilldown import defect_pareto
from kpi.lineage import figure_batches
from kpi.metrics import compute, make_query
from kpi.review import external
from kpi.review.measured import capability_table
from kpi.review.model import ALL_KPIS, Objective, Pack, ReviewRequest
from kpi.review.periods import Period, comparison_period
from kpi.review.wording import sentence
from kpi.store import now

TREND_MONTHS = 12
TOP_DEFECTS = 8


def resolve(request: ReviewRequest) -> tuple[Period, dt.date]:
    """The comparison period and the as-of date (default: today) of a request."""
    comparison = request.comparison
    if comparison is None or request.compare.value != "baseline":
        comparison = comparison_period(request.period, request.compare, request.comparison)
    return comparison, request.as_of or clock.today()


def _where(request: ReviewRequest) -> dict[str, str]:
    return {Dim.PLANT.value: request.plant} if request.plant else {}


def totals(
    bind: sa.Engine | sa.Connection,
    period: Period,
    request: ReviewRequest,
    as_of: dt.date,
    near_band: float,
    by: tuple[Dim, ...] = (),
    kpis: tuple[str, ...] = ALL_KPIS,
) -> pd.DataFrame:
    """KPI totals over one period (targets valid on its last day)."""
    query = make_query(kpis, Grain.TOTAL, by, period.start, period.end, _where(request), as_of)
    return compute(bind, query, near_band=near_band)


def trend_start(period: Period) -> dt.date:
    """First month shown on trend charts: twelve months up to the period's end, at least."""
    index = period.end.year * 12 + period.end.month - TREND_MONTHS
    year, month0 = divmod(index, 12)
    return min(period.start.replace(day=1), dt.date(year, month0 + 1, 1))


def trends(bind, request: ReviewRequest, as_of: dt.date, near_band: float) -> pd.DataFrame:
    """Monthly values with targets, for the small trend charts."""
    period = request.period
    query = make_query(
        ALL_KPIS, Grain.MONTH, (), trend_start(period), period.end, _where(request), as_of
    )
    return compute(bind, query, near_band=near_band)


def objectives(current: pd.DataFrame, before: pd.DataFrame, compare_label: str) -> list[Objective]:
    """One Objective per KPI, with its change sentence."""
    now_rows = current.set_index("kpi")
    old = before.set_index("kpi")["value"]
    out = []
    for kpi in ALL_KPIS:
        entry = CATALOGUE[kpi]
        row = now_rows.loc[kpi] if kpi in now_rows.index else None
        value = _num(row["value"]) if row is not None else math.nan
        target = _num(row["target"]) if row is not None else _num(entry.default_target)
        status = row["status"] if row is not None and isinstance(row["status"], str) else None
        base = _num(old.get(kpi))
        text = sentence(
            entry.label, value, base, target, status, entry.unit, entry.direction, compare_label
        )
        out.append(Objective(kpi, value, target, status, base, text))
    return out


def _num(value: object) -> float:
    if value is None:
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def suppliers(bind, request: ReviewRequest, comparison: Period, as_of, near_band) -> pd.DataFrame:
    """Supplier OTD (and OTIF beside it) by supplier in the period, with the comparison
    OTD; worst OTD first."""
    args = (request, as_of, near_band, (Dim.SUPPLIER,), ("supplier_otd", "supplier_otif"))
    both = totals(bind, request.period, *args)
    now_df = both[both["kpi"] == "supplier_otd"]
    otif = both.loc[both["kpi"] == "supplier_otif", ["supplier", "value"]]
    now_df = now_df.merge(otif.rename(columns={"value": "otif"}), on="supplier", how="left")
    old = totals(bind, comparison, *args)
    old = old.loc[old["kpi"] == "supplier_otd", ["supplier", "value"]]
    out = now_df.merge(old.rename(columns={"value": "compare_value"}), on="supplier", how="left")
    out = out.rename(columns={"denominator": "lines"})
    cols = ["supplier", "value", "otif", "target", "status", "compare_value", "lines"]
    return out[cols].sort_values(["value", "supplier"], kind="stable").reset_index(drop=True)


def defects(bind, request: ReviewRequest) -> pd.DataFrame:
    """The largest defect codes of the period (nonconformities by kind)."""
    period = request.period
    df = defect_pareto(bind, period.start, period.end, _where(request))
    return df.head(TOP_DEFECTS).reset_index(drop=True)


def build_pack(bind: sa.Engine, request: ReviewRequest, near_band: float = 0.10) -> Pack:
    """All figures of one review: objectives, trends, suppliers, defects, actions, SPC."""
    comparison, as_of = resolve(request)
    current = totals(bind, request.period, request, as_of, near_band)
    before = totals(bind, comparison, request, as_of, near_band)
    return Pack(
        request=request,
        comparison=comparison,
        as_of=as_of,
        generated_at=now(),
        objectives=objectives(current, before, comparison.label),
        trends=trends(bind, request, as_of, near_band),
        suppliers=suppliers(bind, request, comparison, as_of, near_band),
        defects=defects(bind, request),
        actions=external.corrective_actions(bind, request.period, as_of, request.plant),
        spc=external.spc_signals(bind, request.period, _where(request)),
        capability=capability_table(bind, request.period, comparison, as_of, request.plant),
        audit_findings=review_findings(
            bind, request.period.start, request.period.end, request.plant
        ),
        sources=sources(bind, request, as_of),
    )


def sources(bind, request: ReviewRequest, as_of: dt.date) -> pd.DataFrame:
    """Lineage of the period's figures: per KPI, the batches and files behind it."""
    period, where = request.period, _where(request)
    frames = [figure_batches(bind, kpi, period.start, period.end, where, as_of).assign(kpi=kpi)
              for kpi in ALL_KPIS]  # fmt: skip
    frame = pd.concat(frames, ignore_index=True)
    return frame[["kpi", *[c for c in frame.columns if c != "kpi"]]]
