"""A measured characteristic end to end: readings, spec, stored baseline and exclusions in;
the variables chart and its capability out.

Why one module: the SPC page, ``python -m kpi spc --characteristic``, ``python -m kpi
capability``, the alerts and the review pack must show the same limits, the same signals
and the same Cpk. Each of them calls :func:`measured_chart`; none assembles its own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from kpi import capability as cap
from kpi.measurements import READINGS, spec_for, subgroups
from kpi.metrics import connected
from kpi.spc_readings import VariablesError
from kpi.spc_rules import RuleSet
from kpi.spc_store import get_baseline, scope_key
from kpi.spc_variables import VariablesChart, VariablesChartType, crop, suggest_chart
from kpi.spc_variables import variables_chart as compute_chart
from kpi.specs import DEFAULT_CPK_MIN, Spec
from kpi.variables_store import chart_key, list_subgroup_exclusions, split_key


@dataclass(frozen=True)
class Measured:
    """Which characteristic, of which product, on which plant and line (None: all)."""

    product: str
    characteristic: str
    plant: str | None = None
    line: str | None = None

    @property
    def chart_key(self) -> str:
        """The key baselines, exclusions, alerts and actions are stored under."""
        return chart_key(self.product, self.characteristic)

    @property
    def where(self) -> dict[str, str]:
        return {k: v for k, v in (("plant", self.plant), ("line", self.line)) if v}

    @property
    def scope(self) -> str:
        return scope_key(self.where)

    @property
    def label(self) -> str:
        return f"{self.product} · {self.characteristic}"


@dataclass(frozen=True)
class MeasuredChart:
    """The chart of the shown window, its readings, the spec in force and the capability."""

    item: Measured
    chart: VariablesChart
    readings: pd.DataFrame  # the window's readings (subgroup = the stable label)
    spec: Spec | None
    capability: cap.Capability | None
    capability_problem: str | None  # why there is no capability (no spec, too few readings)

    @property
    def empty(self) -> bool:
        return self.chart.empty

    @property
    def headline(self) -> tuple[str, float]:
        """Cpk, or the one-sided index the spec allows (NaN without a capability)."""
        for name in ("cpk", "cpu", "cpl"):
            value = getattr(self.capability, name, None)
            if value is not None:
                return name.capitalize(), float(value)
        return "Cpk", float("nan")

    @property
    def cpk_min(self) -> float:
        value = self.spec.cpk_min if self.spec else None
        return DEFAULT_CPK_MIN if value is None else float(value)


def measured_items(
    bind: sa.Engine | sa.Connection,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    plant: str | None = None,
) -> list[Measured]:
    """Every (product, characteristic, plant, line) with current readings in the window:
    a capability study is of one process, so lines are never pooled."""
    m = READINGS.c
    where = [m.replaced_by.is_(None)]
    where += [m.date >= date_from] if date_from else []
    where += [m.date <= date_to] if date_to else []
    where += [sa.func.lower(m.plant) == plant.strip().lower()] if plant else []
    query = sa.select(m.product, m.characteristic, m.plant, m.line).where(*where).distinct()
    with connected(bind) as conn:
        rows = sorted(conn.execute(query).all())
    return [Measured(p, c, pl, ln) for p, c, pl, ln in rows]


def subgroup_labels(readings: pd.DataFrame) -> pd.Series:
    """A subgroup's name that stays the same whatever window is read: exclusions use it."""
    machine = readings["machine"].fillna("").astype(str)
    where = readings["plant"].astype(str) + "/" + readings["line"].astype(str)
    where = where + machine.map(lambda m: f"/{m}" if m else "")
    return (
        readings["date"].astype(str) + " " + readings["shift"].astype(str) + " " + where
        + " #" + readings["subgroup_id"].astype(str)
    )  # fmt: skip


def read_readings(bind, item: Measured, date_from=None, date_to=None) -> pd.DataFrame:
    """The item's current readings, one row per reading, subgroups named by their label."""
    df = subgroups(bind, item.product, item.characteristic, item.plant, item.line,
                   date_from, date_to)  # fmt: skip
    if df.empty:
        return df
    return df.assign(subgroup=subgroup_labels(df))


def measured_chart(
    bind: sa.Engine | sa.Connection,
    item: Measured,
    chart: VariablesChartType | str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    baseline: tuple[dt.date, dt.date] | None = None,
    rules: RuleSet | str = RuleSet.WE,
) -> MeasuredChart:
    """The same chart everywhere: stored baseline (unless one is given) and exclusions
    apply, limits come from the baseline (else every shown subgroup), rules run over
    baseline plus window, and only the window is shown."""
    baseline = baseline or get_baseline(bind, item.chart_key, item.where)
    first, last = date_from, date_to
    if baseline:  # the baseline's subgroups set the limits even outside the window
        first = min(date_from, baseline[0]) if date_from else None
        last = max(date_to, baseline[1]) if date_to else None
    readings = read_readings(bind, item, first, last)
    if readings.empty:
        raise VariablesError(f"no readings of {item.label} [{item.scope}] in the window")
    kind = VariablesChartType(chart) if chart else suggest_chart(readings)
    excluded = list_subgroup_exclusions(bind, item.chart_key, item.where)
    base = _as_window(baseline) if baseline else None
    full = compute_chart(readings, kind, rules=rules, baseline=base, exclusions=excluded)
    shown = crop(full, *_as_window((date_from, date_to)))
    window = readings[readings["subgroup"].isin(set(shown.frame["subgroup"]))]
    spec = spec_for(bind, item.product, item.characteristic, date_to or max(readings["date"]))
    capability, problem = _capability(window, shown, spec, own_limits=baseline is None)
    return MeasuredChart(item, shown, window, spec, capability, problem)


def _as_window(days: tuple[dt.date | None, dt.date | None]) -> tuple:
    """Inclusive days as timestamps: a subgroup taken at 22:00 on the last day is inside."""
    start, end = days
    start = pd.Timestamp(start) if start else None
    end = pd.Timestamp(end) + pd.Timedelta(days=1) - pd.Timedelta(microseconds=1) if end else None
    return start, end


def _capability(readings, chart: VariablesChart, spec: Spec | None, own_limits: bool):
    """The study of the shown window. When the limits come from the shown subgroups
    themselves, the chart's σ within is already the window's (no second computation)."""
    if spec is None:
        return None, "no spec in force: set one on the Specs page or with `python -m kpi specs set`"
    if chart.empty:
        return None, "no readings in the window"
    limits = cap.Spec(lsl=spec.lsl, usl=spec.usl, nominal=spec.nominal)
    try:
        if own_limits:
            used = readings[
                ~readings["subgroup"].isin(
                    set(chart.frame.loc[chart.frame["excluded"], "subgroup"])
                )
            ]
            stable = cap.window_stable(chart)
            return cap.capability(used["value"], limits, chart.sigma_within, stable=stable), None
        return cap.chart_capability(readings, chart, limits), None
    except VariablesError as exc:
        return None, str(exc)


def capability_effect(
    bind: sa.Engine | sa.Connection,
    key: str,
    where: dict[str, str],
    windows: dict[str, tuple[dt.date, dt.date | None]],
) -> pd.DataFrame:
    """A corrective action's effect on a characteristic: its Cpk before and after the change
    (numerator and denominator do not apply to an index)."""
    product, name = split_key(key)
    item = Measured(product, name, where.get("plant"), where.get("line"))
    rows = []
    for window, (lo, hi) in windows.items():
        try:
            value = measured_chart(bind, item, None, lo, hi).headline[1]
        except VariablesError:
            value = float("nan")
        rows.append({"window": window, "value": value, "numerator": float("nan"),
                     "denominator": float("nan")})  # fmt: skip
    return pd.DataFrame(rows)
