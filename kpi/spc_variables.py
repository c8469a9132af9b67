"""Variables control charts of a measured characteristic: X̄-R, X̄-S and I-MR.

Why pure: frames in (one row per reading: ``subgroup``, ``subgroup_start``, ``value``),
a chart out, so the textbook tests, the SPC page, the CLI and the review pack all share
one computation and none of them needs a database.

Limits come from the base subgroups (all, or those starting inside a frozen ``baseline``
window: phase I) that are not in ``exclusions``, and are applied to every subgroup
(phase II). Excluded subgroups stay on the chart. The run rules of kpi.spc_rules run on
the location chart (X̄ or individuals) in z units, so per-point limits (varying n) are
handled as for p and u charts; the spread chart (R, s, MR) flags points beyond its limits.
Estimators (Montgomery, Introduction to Statistical Quality Control, ch. 6):
X̄-R: x̄̄ ± A2 R̄, R in [D3 R̄, D4 R̄], σ̂ = R̄/d2 (constant n of 2..10).
X̄-S: x̄̄ = Σnᵢx̄ᵢ/Σnᵢ; s̄ = mean sᵢ for constant n, else pooled √(Σ(nᵢ−1)sᵢ²/Σ(nᵢ−1));
x̄̄ ± A3(nᵢ) s̄, s in [B3(nᵢ) s̄, B4(nᵢ) s̄], σ̂ = s̄/c4.
I-MR: x̄ ± E2 MR̄ (E2 = 3/1.128), MR ≤ D4(2) MR̄ = 3.267 MR̄, σ̂ = MR̄/d2(2).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Hashable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd

from kpi.spc_factors import FACTORS, R_CHART_SIZES, c4, factors, s_factors
from kpi.spc_readings import VariablesError, subgroup_stats
from kpi.spc_rules import RULE_TEXT, RULES, Rule, RuleSet, Signal, detect, inside, rules_at

__all__ = [
    "VariablesChart",
    "VariablesChartType",
    "VariablesError",
    "crop",
    "suggest_chart",
    "variables_chart",
]


class VariablesChartType(StrEnum):
    XBAR_R = "xbar-r"
    XBAR_S = "xbar-s"
    IMR = "imr"


CHART_LABELS = {
    VariablesChartType.XBAR_R: ("X̄-R chart (subgroup means and ranges)", "x̄", "R"),
    VariablesChartType.XBAR_S: ("X̄-S chart (subgroup means and standard deviations)", "x̄", "s"),
    VariablesChartType.IMR: ("I-MR chart (individual readings and moving ranges)", "x", "MR"),
}


@dataclass(frozen=True)
class Limits:
    """Per-subgroup centre and limits of both panels, and the within-subgroup σ̂."""

    center: np.ndarray
    ucl: np.ndarray
    lcl: np.ndarray
    spread_center: np.ndarray
    spread_ucl: np.ndarray
    spread_lcl: np.ndarray
    sigma_within: float


@dataclass(frozen=True)
class VariablesChart:
    """One row per subgroup in time order, the signals, σ̂ and the settings used.

    ``frame`` columns: subgroup, subgroup_start, n, value (x̄ or x), center, ucl, lcl,
    sigma (σ of the plotted value), z, spread (R, s or MR), spread_center, spread_ucl,
    spread_lcl, in_baseline, excluded, signals (rule ids joined by ';'), spread_signal.
    """

    chart: VariablesChartType
    rules: RuleSet
    frame: pd.DataFrame
    signals: list[Signal] = field(default_factory=list)  # location chart (X̄ / x)
    spread_signals: list[Signal] = field(default_factory=list)  # beyond R / s / MR limits
    sigma_within: float = math.nan
    baseline: tuple[Any, Any] | None = None

    @property
    def label(self) -> str:
        return CHART_LABELS[self.chart][0]

    @property
    def empty(self) -> bool:
        return self.frame.empty

    def explain(self) -> pd.DataFrame:
        """One row per signal: subgroup, panel, rule id, what it means, its subgroups."""
        ids = list(self.frame["subgroup"])
        spread_text = f"{CHART_LABELS[self.chart][2]} beyond its control limits"
        rows = [
            {
                "subgroup": ids[s.index],
                "panel": panel,
                "rule": s.rule.value,
                "meaning": RULE_TEXT[s.rule] if panel == "location" else spread_text,
                "points": ", ".join(str(ids[i]) for i in s.points),
            }
            for panel, signals in (("location", self.signals), ("spread", self.spread_signals))
            for s in signals
        ]
        return pd.DataFrame(rows, columns=["subgroup", "panel", "rule", "meaning", "points"])


def _xbar_r(stats: pd.DataFrame, use: np.ndarray) -> Limits:
    sizes = set(stats["n"])
    if len(sizes) != 1 or next(iter(sizes)) not in R_CHART_SIZES:
        raise VariablesError(
            f"an X̄-R chart needs every subgroup of one size between 2 and 10 "
            f"(found sizes {sorted(sizes)}); use xbar-s for larger or varying subgroups"
        )
    f = factors(int(next(iter(sizes))))
    grand, r_bar = _mean(stats["mean"], use), _mean(stats["range"], use)
    return _constant(len(stats), grand, f.A2 * r_bar, r_bar, f.D3 * r_bar, f.D4 * r_bar,
                     r_bar / f.d2)  # fmt: skip


def _xbar_s(stats: pd.DataFrame, use: np.ndarray) -> Limits:
    n = stats["n"].to_numpy(dtype=float)
    if (n < 2).any():
        first = stats["subgroup"][n < 2].iloc[0]
        raise VariablesError(f"subgroup {first!r} has one reading; X̄-S needs 2 or more (use imr)")
    s = stats["sd"].to_numpy(dtype=float)
    grand = float(np.sum(n[use] * stats["mean"].to_numpy()[use]) / np.sum(n[use]))
    s_bar, sigma = _s_bar(n[use], s[use])
    a3, b3, b4 = s_factors(n)
    center, spread_center = np.full(len(n), grand), np.full(len(n), s_bar)
    return Limits(center, center + a3 * s_bar, center - a3 * s_bar, spread_center,
                  b4 * s_bar, b3 * s_bar, sigma)  # fmt: skip


def _s_bar(n: np.ndarray, s: np.ndarray) -> tuple[float, float]:
    """s̄ and σ̂: mean s / c4(n) for one size; pooled s / c4(Σ(nᵢ−1)+1) when sizes vary."""
    if len(n) == 0:
        return math.nan, math.nan
    if len(set(n)) == 1:
        s_bar = float(np.mean(s))
        return s_bar, s_bar / float(c4(n[0]))
    dof = float(np.sum(n - 1))
    pooled = math.sqrt(float(np.sum((n - 1) * s**2)) / dof)
    return pooled, pooled / float(c4(dof + 1))


def _imr(stats: pd.DataFrame, use: np.ndarray) -> Limits:
    if (stats["n"] != 1).any():
        first = stats["subgroup"][stats["n"] != 1].iloc[0]
        raise VariablesError(f"an I-MR chart needs one reading per subgroup; {first!r} has more")
    x = stats["mean"].to_numpy(dtype=float)
    pairs = use[1:] & use[:-1]  # moving ranges between consecutive base readings only
    ranges = np.abs(np.diff(x))[pairs]
    mr_bar = float(np.mean(ranges)) if len(ranges) else math.nan
    f = FACTORS[2]
    return _constant(len(stats), _mean(stats["mean"], use), f.E2 * mr_bar, mr_bar,
                     f.D3 * mr_bar, f.D4 * mr_bar, mr_bar / f.d2)  # fmt: skip


def _mean(values: pd.Series, use: np.ndarray) -> float:
    picked = values.to_numpy(dtype=float)[use]
    return float(np.mean(picked)) if len(picked) else math.nan


def _constant(size, center, half_width, s_center, s_lcl, s_ucl, sigma) -> Limits:
    full = np.full(size, 1.0)
    return Limits(center * full, (center + half_width) * full, (center - half_width) * full,
                  s_center * full, s_ucl * full, s_lcl * full, sigma)  # fmt: skip


def suggest_chart(readings: pd.DataFrame) -> VariablesChartType:
    """I-MR for single readings, X̄-R for one subgroup size of 2..10, else X̄-S."""
    sizes = set(subgroup_stats(readings)["n"])
    if sizes <= {1}:
        return VariablesChartType.IMR
    if len(sizes) == 1 and next(iter(sizes)) in R_CHART_SIZES:
        return VariablesChartType.XBAR_R
    return VariablesChartType.XBAR_S


CSV_COLUMNS = ["subgroup", "subgroup_start", "n", "value", "center", "ucl", "lcl", "spread",
               "spread_center", "spread_ucl", "spread_lcl", "excluded", "signals"]  # fmt: skip
ESTIMATORS = {
    VariablesChartType.XBAR_R: _xbar_r,
    VariablesChartType.XBAR_S: _xbar_s,
    VariablesChartType.IMR: _imr,
}
SPREAD = {VariablesChartType.XBAR_R: "range", VariablesChartType.XBAR_S: "sd"}


def base_mask(
    stats: pd.DataFrame, baseline: tuple[Any, Any] | None, exclusions: Collection[Hashable]
) -> tuple[np.ndarray, np.ndarray]:
    """(in_baseline, excluded) per subgroup; the limits use in_baseline & ~excluded."""
    excluded = stats["subgroup"].isin(list(exclusions)).to_numpy(dtype=bool)
    if baseline is None:
        return np.ones(len(stats), bool), excluded
    lo, hi = pd.Timestamp(baseline[0]), pd.Timestamp(baseline[1])
    if lo > hi:
        raise VariablesError(f"baseline starts {baseline[0]} after it ends {baseline[1]}")
    starts = pd.to_datetime(stats["subgroup_start"])
    return ((starts >= lo) & (starts <= hi)).to_numpy(dtype=bool), excluded


def variables_chart(
    readings: pd.DataFrame,
    chart: VariablesChartType | str,
    *,
    rules: RuleSet | str = RuleSet.WE,
    baseline: tuple[Any, Any] | None = None,
    exclusions: Collection[Hashable] = (),
) -> VariablesChart:
    """The chart of ``readings`` (subgroup, subgroup_start, value), subgroups in time order.

    ``baseline`` (start, end), inclusive, on subgroup_start freezes the limits on that
    window; ``exclusions`` (subgroup ids, or a {subgroup: reason} mapping as for the
    attribute charts) stay on the chart but out of the limits.
    """
    chart, rules = VariablesChartType(chart), RuleSet(rules)
    stats = subgroup_stats(readings)
    in_base, excluded = base_mask(stats, baseline, exclusions)
    use = in_base & ~excluded
    if len(stats) and not use.any():
        raise VariablesError("no subgroup is left to compute the limits from (baseline/exclusions)")
    limits = ESTIMATORS[chart](stats, use) if len(stats) else _empty_limits()
    frame = _frame(stats, chart, limits, in_base, excluded)
    signals = detect(frame["z"].to_numpy(dtype=float), rules)
    frame["signals"] = [";".join(r.value for r in rs) for rs in rules_at(signals, len(frame))]
    spread_signals = _spread_signals(frame, RULES[rules][0])
    frame["spread_signal"] = frame.index.isin([s.index for s in spread_signals])
    return VariablesChart(chart, rules, frame, signals, spread_signals,
                          limits.sigma_within, baseline)  # fmt: skip


def _empty_limits() -> Limits:
    none = np.empty(0)
    return Limits(none, none, none, none, none, none, math.nan)


def _frame(stats, chart, limits: Limits, in_base, excluded) -> pd.DataFrame:
    value = stats["mean"].to_numpy(dtype=float)
    sigma = (limits.ucl - limits.center) / 3
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sigma > 0, (value - limits.center) / sigma, np.nan)
    if chart is VariablesChartType.IMR:
        spread = np.concatenate([[np.nan], np.abs(np.diff(value))])[: len(value)]
    else:
        spread = stats[SPREAD[chart]].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "subgroup": stats["subgroup"].to_numpy(dtype=object),
            "subgroup_start": stats["subgroup_start"].to_numpy(),
            "n": stats["n"].to_numpy(dtype=int),
            "value": value, "center": limits.center, "ucl": limits.ucl, "lcl": limits.lcl,
            "sigma": sigma, "z": z, "spread": spread, "spread_center": limits.spread_center,
            "spread_ucl": limits.spread_ucl, "spread_lcl": limits.spread_lcl,
            "in_baseline": in_base, "excluded": excluded,
        }
    )  # fmt: skip


def _spread_signals(frame: pd.DataFrame, rule: Rule) -> list[Signal]:
    """Spread points above the UCL, or below a positive LCL (rule 1 of the chosen set)."""
    spread, ucl, lcl = (frame[c].to_numpy(dtype=float) for c in ("spread", "spread_ucl",
                                                                 "spread_lcl"))  # fmt: skip
    beyond = (spread > ucl) | ((lcl > 0) & (spread < lcl))
    return [Signal(rule, int(i), (int(i),)) for i in np.flatnonzero(beyond)]


def in_window(chart: VariablesChart, start: Any = None, end: Any = None) -> np.ndarray:
    """Mask of subgroups starting inside [start, end] (either end open when None)."""
    starts = pd.to_datetime(chart.frame["subgroup_start"])
    keep = np.ones(len(starts), bool)
    if start is not None:
        keep &= (starts >= pd.Timestamp(start)).to_numpy()
    if end is not None:
        keep &= (starts <= pd.Timestamp(end)).to_numpy()
    return keep


def crop(chart: VariablesChart, start: Any = None, end: Any = None) -> VariablesChart:
    """Show only subgroups starting in [start, end]. Limits and rules were computed over
    every subgroup given (a baseline before the window included), so a run that began
    before the window is still found; only signals completed inside it are kept."""
    keep = in_window(chart, start, end)
    signals, spread = inside(chart.signals, keep), inside(chart.spread_signals, keep)
    frame = chart.frame[keep].reset_index(drop=True)
    frame["signals"] = [";".join(r.value for r in rs) for rs in rules_at(signals, len(frame))]
    return replace(chart, frame=frame, signals=signals, spread_signals=spread)
