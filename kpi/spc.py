"""Statistical process control (ISO 9001 §9.1.3): p, np, c, u and I-MR charts of any KPI.

Why here and not in a page: the chart is computed from the same Σnumerator / Σdenominator
per period as every report (``kpi.metrics.compute``), so a point on a control chart is
always the number the report shows. The chart maths below are pure functions of a frame
(period, count, n, value), which is what the textbook tests check.

Limits come from all shown points, or from a baseline window (phase I) applied to later
points (phase II). Excluded points stay on the chart but do not enter the limits.
Negative lower limits are clamped to 0 for p, np, c and u. A window with no data points
gives an empty chart (no rows, no signals), not an error.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np
import pandas as pd
import sqlalchemy as sa

from kpi.catalogue import CATALOGUE, Formula, Grain, Unit, get_kpi
from kpi.laney import laney_limits, laney_note, overdispersed, sigma_z
from kpi.lines import AmbiguousLine
from kpi.spc_points import fetch_points
from kpi.spc_rules import RULE_TEXT, Rule, RuleSet, Signal, detect, inside, rules_at

D2 = 1.128  # d2 for moving ranges of two points
D4 = 3.267  # D4 for moving ranges of two points
SPC_GRAINS = (Grain.DAY, Grain.WEEK, Grain.MONTH)
COUNT_DENOMINATORS = {"units_produced", "eligible_lines"}  # binomial denominators


class ChartType(StrEnum):
    P = "p"
    NP = "np"
    C = "c"
    U = "u"
    IMR = "imr"
    LANEY = "laney"  # Laney p′ (fractions) or u′ (per-unit rates): limits widened by σz


CLAMPED = {ChartType.P, ChartType.NP, ChartType.C, ChartType.U, ChartType.LANEY}
CHART_LABELS = {
    ChartType.P: "p chart (fraction, per-point limits)",
    ChartType.NP: "np chart (count of defectives, constant n)",
    ChartType.C: "c chart (count of defects)",
    ChartType.U: "u chart (defects per unit, variable n)",
    ChartType.IMR: "I-MR chart (individual values and moving range)",
    ChartType.LANEY: "Laney p′/u′ chart (p or u limits widened by σz, for large subgroups)",
}


class SpcError(ValueError):
    """A chart that cannot be drawn for this KPI (message fit for the user)."""


def default_chart(kpi: str) -> ChartType:
    """p for fractions of units or lines, u for counts per unit, c for counts, else I-MR."""
    entry = get_kpi(kpi)
    if entry.unit is Unit.RATIO and entry.denominator in COUNT_DENOMINATORS:
        return ChartType.P
    if entry.unit is Unit.PER_UNIT and entry.denominator in COUNT_DENOMINATORS:
        return ChartType.U
    if entry.unit is Unit.COUNT:
        return ChartType.C
    return ChartType.IMR


def allowed_charts(kpi: str) -> list[ChartType]:
    """Charts that make sense for a KPI: attribute charts need counts and a count base.

    p and np need a fraction (at most one nonconforming per unit); a per-unit rate such as
    defects per unit can exceed 1, so it gets u and I-MR only.
    """
    entry = get_kpi(kpi)
    out = [default_chart(kpi)]
    if out[0] in (ChartType.P, ChartType.U):
        out.append(ChartType.LANEY)
    if entry.unit is Unit.RATIO and entry.denominator in COUNT_DENOMINATORS:
        out += [ChartType.NP, ChartType.U]
    if entry.formula is Formula.SUM and entry.unit in (Unit.COUNT, Unit.UNITS):
        out += [ChartType.C]
    out.append(ChartType.IMR)
    return list(dict.fromkeys(out))


@dataclass(frozen=True)
class Chart:
    """A computed chart: one row per shown period, the signals and the settings used."""

    kpi: str
    chart: ChartType
    rules: RuleSet
    frame: pd.DataFrame  # period, value, n, count, center, sigma, ucl, lcl, z, excluded, ...
    signals: list[Signal] = field(default_factory=list)
    baseline: tuple[dt.date, dt.date] | None = None
    sigma_z: float = math.nan  # Laney's σz (computed for p, u and Laney charts)
    note: str = ""  # why this chart type was chosen, shown with the chart

    @property
    def label(self) -> str:
        """The chart's name as shown: Laney charts say whether they are p′ or u′."""
        if self.chart is ChartType.LANEY:
            prime = "u′" if _per_unit(self.kpi) else "p′"
            return f"Laney {prime} chart (limits widened by σz = {self.sigma_z:.2f})"
        return CHART_LABELS[self.chart]

    @property
    def empty(self) -> bool:
        """No point in the shown window: a well-formed chart with no rows and no signals."""
        return self.frame.empty

    def explain(self) -> pd.DataFrame:
        """One row per signal: period it fired at, rule id, what the rule means, its points."""
        periods = list(self.frame["period"])
        rows = [
            {
                "period": periods[s.index],
                "rule": s.rule.value,
                "meaning": RULE_TEXT[s.rule],
                "points": ", ".join(str(periods[i]) for i in s.points),
            }
            for s in self.signals
        ]
        return pd.DataFrame(rows, columns=["period", "rule", "meaning", "points"])


def plotted_values(points: pd.DataFrame, chart: ChartType) -> np.ndarray:
    """What the chart plots: a fraction (p), a count (np, c), a rate (u) or the value."""
    count = points["count"].to_numpy(dtype=float)
    n = points["n"].to_numpy(dtype=float)
    if chart in (ChartType.P, ChartType.U, ChartType.LANEY):
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(n > 0, count / n, np.nan)
    if chart in (ChartType.NP, ChartType.C):
        return count
    return points["value"].to_numpy(dtype=float)


def limits(
    points: pd.DataFrame, chart: ChartType, base: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Centre line and sigma per point, estimated from the rows where ``base`` is True."""
    count = points["count"].to_numpy(dtype=float)
    n = points["n"].to_numpy(dtype=float)
    size = len(points)
    if chart is ChartType.IMR:
        x = points["value"].to_numpy(dtype=float)
        center, mr_bar = _imr_estimates(x, base)
        return np.full(size, center), np.full(size, mr_bar / D2)
    if chart is ChartType.C:
        c_bar = float(np.nanmean(count[base])) if base.any() else math.nan
        return np.full(size, c_bar), np.full(size, math.sqrt(c_bar))
    total_n = float(np.nansum(n[base]))
    rate = float(np.nansum(count[base])) / total_n if total_n > 0 else math.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        if chart is ChartType.P:
            return np.full(size, rate), np.sqrt(rate * (1 - rate) / n)
        if chart is ChartType.NP:
            return n * rate, np.sqrt(n * rate * (1 - rate))
        return np.full(size, rate), np.sqrt(rate / n)  # u chart


def _imr_estimates(x: np.ndarray, base: np.ndarray) -> tuple[float, float]:
    """Mean of the base points, and the mean moving range of consecutive base points."""
    ok = base & np.isfinite(x)
    center = float(np.mean(x[ok])) if ok.any() else math.nan
    pairs = ok[1:] & ok[:-1]
    ranges = np.abs(np.diff(x))[pairs]
    return center, float(np.mean(ranges)) if len(ranges) else math.nan


def control_chart(
    points: pd.DataFrame,
    chart: ChartType | str,
    *,
    rules: RuleSet | str = RuleSet.WE,
    base: Iterable[bool] | None = None,
    excluded: Iterable[bool] | None = None,
    kpi: str = "",
) -> Chart:
    """The pure chart: ``points`` has period, count, n and value; ``base`` marks phase I.

    Limits use the points that are in the base and not excluded; rules run on all points.
    """
    chart, rules = ChartType(chart), RuleSet(rules)
    pts = points.reset_index(drop=True)
    size = len(pts)
    in_base = np.ones(size, bool) if base is None else np.asarray(list(base), bool)
    out_mask = np.zeros(size, bool) if excluded is None else np.asarray(list(excluded), bool)
    values = plotted_values(pts, chart)
    use = in_base & ~out_mask & np.isfinite(values)
    count, n = pts["count"].to_numpy(dtype=float), pts["n"].to_numpy(dtype=float)
    sz = sigma_z(count, n, use, _per_unit(kpi)) if chart in _LANEY_BASES else math.nan
    if chart is ChartType.LANEY:
        center, sigma, sz = laney_limits(count, n, use, _per_unit(kpi))
    else:
        center, sigma = limits(pts, chart, use)
    frame = _frame(pts, chart, values, center, sigma, in_base, out_mask)
    signals = detect(frame["z"].to_numpy(dtype=float), rules)
    per_point = rules_at(signals, size)
    frame["signals"] = [";".join(r.value for r in rs) for rs in per_point]
    return Chart(kpi, chart, rules, frame, signals, sigma_z=sz)


_LANEY_BASES = (ChartType.P, ChartType.U, ChartType.LANEY)


def _per_unit(kpi: str) -> bool:
    """u′ for per-unit rates (defects per unit), p′ for fractions."""
    return kpi in CATALOGUE and default_chart(kpi) is ChartType.U


def _frame(pts, chart, values, center, sigma, in_base, out_mask) -> pd.DataFrame:
    lcl = center - 3 * sigma
    if chart in CLAMPED:
        lcl = np.maximum(lcl, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sigma > 0, (values - center) / sigma, np.nan)
    frame = pd.DataFrame(
        {
            "period": pts["period"].to_numpy(dtype=object),
            "value": values,
            "n": pts["n"].to_numpy(dtype=float),
            "count": pts["count"].to_numpy(dtype=float),
            "center": center,
            "sigma": sigma,
            "ucl": center + 3 * sigma,
            "lcl": lcl,
            "z": z,
            "in_baseline": in_base,
            "excluded": out_mask,
        }
    )
    if chart is ChartType.IMR:
        mr = np.concatenate([[np.nan], np.abs(np.diff(values))])[: len(values)]  # 0 points: 0
        mr_bar = float(sigma[0] * D2) if len(sigma) else math.nan
        frame["mr"], frame["mr_center"], frame["mr_ucl"] = mr, mr_bar, D4 * mr_bar
    return frame


def _check_grain(grain: Grain | str) -> Grain:
    grain = Grain(grain)
    if grain not in SPC_GRAINS:
        raise SpcError(f"grain {grain.value!r} has no control chart; use day, week or month")
    return grain


def check_chart(kpi: str, chart: ChartType) -> None:
    """Attribute charts need a count and (for p, np, u) a count base such as units."""
    entry = CATALOGUE[kpi]
    if chart in (ChartType.P, ChartType.NP, ChartType.U, ChartType.LANEY) and (
        entry.denominator is None
    ):
        raise SpcError(f"a {chart.value} chart needs a denominator; {kpi} is a plain sum")
    if chart is ChartType.C and entry.formula is not Formula.SUM:
        raise SpcError(f"a c chart needs a count; {kpi} is a ratio (use p, u or imr)")
    if chart in (ChartType.P, ChartType.NP) and entry.unit is Unit.PER_UNIT:
        raise SpcError(f"a {chart.value} chart needs a fraction; {kpi} is a rate (use u or imr)")
    if chart is ChartType.LANEY and default_chart(kpi) not in (ChartType.P, ChartType.U):
        raise SpcError(f"a Laney chart needs a fraction or a per-unit rate; {kpi} is neither")


def spc_chart(
    bind: sa.Engine | sa.Connection,
    kpi: str,
    grain: Grain | str,
    *,
    chart: ChartType | str | None = None,
    where: Mapping[str, str] | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    baseline: tuple[dt.date, dt.date] | None = None,
    exclusions: Mapping[dt.date, str] | None = None,
    rules: RuleSet | str = RuleSet.WE,
    laney_if_overdispersed: bool = False,
) -> Chart:
    """Fetch a KPI and chart it; a baseline outside the shown window is fetched as well.

    A window without data gives an empty chart (``chart.empty``), never an error, so
    callers that sweep lines or periods need no special case. With
    ``laney_if_overdispersed`` (alerts, review pack) and no chart asked for, a p or u
    chart whose σz shows overdispersion becomes a Laney chart, and ``note`` says so.
    """
    auto = laney_if_overdispersed and not chart
    chart, grain = ChartType(chart) if chart else default_chart(kpi), _check_grain(grain)
    check_chart(kpi, chart)
    if baseline and baseline[0] > baseline[1]:
        raise SpcError(f"baseline starts {baseline[0]} after it ends {baseline[1]}")
    lo, hi = date_from, date_to
    if baseline:
        lo = min(lo, baseline[0]) if lo else None
        hi = max(hi, baseline[1]) if hi else None
    try:
        pts = fetch_points(bind, kpi, grain, where, lo, hi)
    except AmbiguousLine as exc:
        raise SpcError(str(exc)) from None
    if baseline:
        base = np.array([baseline[0] <= p <= baseline[1] for p in pts["period"]], bool)
        if len(pts) and not base.any():  # no data at all is an empty chart, not an error
            raise SpcError(f"no {kpi} data in the baseline {baseline[0]} to {baseline[1]}")
    else:
        base = None
    excluded = [p in (exclusions or {}) for p in pts["period"]]
    full = control_chart(pts, chart, rules=rules, base=base, excluded=excluded, kpi=kpi)
    if auto and chart in (ChartType.P, ChartType.U) and overdispersed(full.sigma_z):
        full = control_chart(pts, ChartType.LANEY, rules=rules, base=base,
                             excluded=excluded, kpi=kpi)  # fmt: skip
        full = replace(full, note=laney_note(chart.value, full.sigma_z))
    return _window(full, date_from, date_to, baseline)


def _window(full: Chart, date_from, date_to, baseline) -> Chart:
    """Show only the requested window. The rules ran over every fetched point (baseline
    and window), so a pattern that starts before the window is found; only signals that
    complete inside the window are reported, with the points of theirs that are shown."""
    periods = full.frame["period"]
    keep = np.array(
        [(not date_from or p >= date_from) and (not date_to or p <= date_to) for p in periods],
        dtype=bool,
    )
    signals = inside(full.signals, keep)
    frame = full.frame[keep].reset_index(drop=True)
    frame["signals"] = [";".join(r.value for r in rs) for rs in rules_at(signals, len(frame))]
    return replace(full, frame=frame, signals=signals, baseline=baseline)


def signal_rules(chart: Chart, last: int) -> list[Rule]:
    """The rules that fired in the last ``last`` shown points (for alerts)."""
    start = len(chart.frame) - last
    return list(dict.fromkeys(s.rule for s in chart.signals if s.index >= start))


CSV_COLUMNS = ["period", "value", "n", "center", "ucl", "lcl", "signals"]
