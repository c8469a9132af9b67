"""Figures from the SPC and corrective-action modules, when those modules exist.

Why an adapter: the review pack must not break (or wait) while ``kpi.spc`` and
``kpi.actions`` are being built. ``None`` means "no data yet", and every export then
shows a clearly labelled placeholder instead of the section's figures.
"""

from __future__ import annotations

import datetime as dt
import importlib

import pandas as pd
import sqlalchemy as sa

from kpi.review.periods import Period

NO_ACTIONS = "No corrective-action data yet."
NO_SPC = "No SPC signal data yet."


SPC_HISTORY_DAYS = 182  # points before the period that also enter the control limits
SPC_COLUMNS = ["kpi", "label", "where", "period", "rule", "meaning"]


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def corrective_actions(
    bind: sa.Engine | sa.Connection, period: Period, as_of: dt.date, plant: str | None = None
) -> dict | None:
    """Open, overdue, awaiting verification and verified actions on the as-of date.

    None until kpi.actions exists. ``raised`` counts actions created in the period.
    """
    actions = _module("kpi.actions")
    if actions is None:
        return None
    df = actions.list_actions(bind, today=as_of)
    if plant:
        scopes = [actions.parse_scope(s) for s in df["scope"]]
        # an explicit boolean mask: a plain empty list would select no *columns*
        df = df[pd.Series([sc.get("plant") in (None, plant) for sc in scopes], dtype=bool,
                          index=df.index)]  # fmt: skip
    status = df["status"]
    created = pd.to_datetime(df["created_at"]).dt.date
    active = status.isin([s.value for s in actions.ACTIVE])
    cols = ["action_id", "kpi", "scope", "description", "owner", "due_date", "status", "overdue"]
    return {
        "raised": int(((created >= period.start) & (created <= period.end)).sum()),
        "open": int(active.sum()),
        "overdue": int(df["overdue"].sum()),
        "done": int((status == actions.Status.DONE.value).sum()),
        "verified_effective": int((status == actions.Status.VERIFIED_EFFECTIVE.value).sum()),
        "verified_not_effective": int(
            (status == actions.Status.VERIFIED_NOT_EFFECTIVE.value).sum()
        ),
        "items": df.loc[active, cols].reset_index(drop=True),
    }


def spc_signals(
    bind: sa.Engine | sa.Connection, period: Period, where: dict[str, str]
) -> pd.DataFrame | None:
    """Western Electric signals firing inside the period on the weekly per-line charts the
    alerts watch (stored baselines and exclusions apply); None until kpi.spc exists."""
    spc, alerts = _module("kpi.spc"), _module("kpi.alerts")
    if spc is None or alerts is None:
        return None
    from kpi.catalogue import CATALOGUE, Grain
    from kpi.spc_store import get_baseline, list_exclusions
    from kpi.views import plants_and_lines

    plants = plants_and_lines(bind)
    lines = sorted({(p, ln) for p, ls in plants.items() for ln in ls
                    if not where.get("plant") or p == where["plant"]})  # fmt: skip
    rows = []
    for kpi in alerts.SPC_WATCH:
        for plant, line in lines:
            scope = {"plant": plant, "line": line}
            try:
                chart = spc.spc_chart(
                    bind, kpi, Grain.WEEK, where=scope,
                    date_from=period.start - dt.timedelta(days=SPC_HISTORY_DAYS),
                    date_to=period.end, baseline=get_baseline(bind, kpi, scope),
                    exclusions=list_exclusions(bind, kpi, scope, Grain.WEEK),
                    laney_if_overdispersed=True,
                )  # fmt: skip
            except spc.SpcError:  # a stored baseline with no data in it, as alerts skip it
                continue
            for r in chart.explain().itertuples(index=False):
                if period.start <= r.period <= period.end:
                    label = CATALOGUE[kpi].label
                    rows.append([kpi, label, f"{plant} {line}", r.period, r.rule, r.meaning])
    return pd.DataFrame(rows, columns=SPC_COLUMNS)
