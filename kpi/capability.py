"""Process capability of a measured characteristic: Cp, Cpk, Pp, Ppk with intervals.

Why both families: Cp/Cpk use the within-subgroup σ̂ of the control chart (R̄/d2, s̄/c4
or MR̄/d2): what the process could do if it stayed as stable as inside a subgroup.
Pp/Ppk use the overall sample standard deviation: what the customer actually got. A
large gap between them says the process drifts between subgroups.

Why the warnings: the indices and the ppm estimates assume a normal and stable process.
An Anderson–Darling p below 0.05, or a signal on the X̄ / individuals chart inside the
studied window, makes them numbers "not to be trusted", and the result says so.

Intervals (95 % by default), the usual published approximations (Montgomery, Introduction
to Statistical Quality Control, §8.3.5): Cp and Pp use the chi-square interval
Ĉp·√(χ²_{α/2,N−1}/(N−1)) … Ĉp·√(χ²_{1−α/2,N−1}/(N−1)) with N readings; Cpk, Cpu, Cpl
(and the Pp- counterparts) use Bissell's (1990) normal approximation
Ĉ ± z_{1−α/2}·√(1/(9N) + Ĉ²/(2(N−1))).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats as st
from statsmodels.stats.diagnostic import normal_ad

from kpi.spc_readings import VariablesError, check_readings
from kpi.spc_variables import VariablesChart, in_window, variables_chart

ALPHA_NORMAL = 0.05  # Anderson–Darling p below this: not normal enough to trust the indices
MIN_AD_READINGS = 8  # below this the test has almost no power; report it as not done


class SpecSide(Enum):
    """Which specification limits exist: both, or only one (one-sided indices only)."""

    BOTH = "both"
    UPPER = "upper only"
    LOWER = "lower only"


@dataclass(frozen=True)
class Spec:
    """Specification limits (either may be None, not both) and an optional nominal."""

    lsl: float | None = None
    usl: float | None = None
    nominal: float | None = None

    def __post_init__(self) -> None:
        if self.lsl is None and self.usl is None:
            raise VariablesError("a capability study needs a lower or an upper specification limit")
        if self.lsl is not None and self.usl is not None and self.lsl >= self.usl:
            raise VariablesError(f"the lower limit {self.lsl} is not below the upper {self.usl}")

    @property
    def side(self) -> SpecSide:
        if self.lsl is not None and self.usl is not None:
            return SpecSide.BOTH
        return SpecSide.UPPER if self.usl is not None else SpecSide.LOWER


@dataclass(frozen=True)
class Capability:
    """Indices that the spec allows (None otherwise), their intervals, ppm and checks.

    ``intervals`` maps an index name ("Cp", "Cpk", "Cpu", ...) to (low, high).
    ``ppm_within`` / ``ppm_overall`` are the expected parts per million outside the
    spec from a normal with σ̂ within / overall (only the sides that have a limit).
    """

    spec: Spec
    n: int
    mean: float
    sigma_within: float
    sigma_overall: float
    cp: float | None
    cpk: float | None
    cpu: float | None
    cpl: float | None
    pp: float | None
    ppk: float | None
    ppu: float | None
    ppl: float | None
    intervals: dict[str, tuple[float, float]]
    ppm_within: float
    ppm_overall: float
    ad_statistic: float
    ad_p_value: float
    stable: bool | None = None  # None: stability not checked
    notes: tuple[str, ...] = field(default_factory=tuple)
    confidence: float = 0.95

    @property
    def side(self) -> SpecSide:
        return self.spec.side

    @property
    def normal(self) -> bool:
        """Anderson–Darling does not reject normality (False when it could not run)."""
        return math.isfinite(self.ad_p_value) and self.ad_p_value >= ALPHA_NORMAL

    @property
    def trusted(self) -> bool:
        """Normal by Anderson–Darling and not computed on a window with signals."""
        return self.normal and self.stable is not False


def _indices(mean: float, sigma: float, spec: Spec) -> tuple[float | None, ...]:
    """(C, Ck, Cu, Cl) for one σ; None where a limit is missing (one-sided spec)."""
    if not sigma > 0:
        return None, None, None, None
    upper = (spec.usl - mean) / (3 * sigma) if spec.usl is not None else None
    lower = (mean - spec.lsl) / (3 * sigma) if spec.lsl is not None else None
    if upper is None or lower is None:
        return None, None, upper, lower
    return (spec.usl - spec.lsl) / (6 * sigma), min(upper, lower), upper, lower


def cp_interval(value: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Chi-square interval for Cp or Pp with N − 1 degrees of freedom."""
    dof, alpha = n - 1, 1 - confidence
    low = value * math.sqrt(float(st.chi2.ppf(alpha / 2, dof)) / dof)
    return low, value * math.sqrt(float(st.chi2.ppf(1 - alpha / 2, dof)) / dof)


def cpk_interval(value: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Bissell's normal approximation for Cpk, Cpu, Cpl (and Ppk, Ppu, Ppl)."""
    z = float(st.norm.ppf(1 - (1 - confidence) / 2))
    half = z * math.sqrt(1 / (9 * n) + value**2 / (2 * (n - 1)))
    return value - half, value + half


def expected_ppm(mean: float, sigma: float, spec: Spec) -> float:
    """Parts per million outside the spec for a normal(mean, sigma)."""
    if not sigma > 0:
        return math.nan
    below = st.norm.cdf((spec.lsl - mean) / sigma) if spec.lsl is not None else 0.0
    above = st.norm.sf((spec.usl - mean) / sigma) if spec.usl is not None else 0.0
    return float(1e6 * (below + above))


def anderson_darling(values: np.ndarray) -> tuple[float, float]:
    """A² and p-value (statsmodels' normal_ad, mean and σ estimated); NaN when too few."""
    if len(values) < MIN_AD_READINGS or np.ptp(values) == 0:
        return math.nan, math.nan
    statistic, p_value = normal_ad(np.asarray(values, dtype=float))
    return float(statistic), float(p_value)


def _intervals(names_values: dict[str, float | None], n: int, conf: float) -> dict:
    out = {}
    for name, value in names_values.items():
        if value is None or n < 2:
            continue
        ratio = name in ("Cp", "Pp")
        out[name] = (cp_interval if ratio else cpk_interval)(value, n, conf)
    return out


def capability(
    values: np.ndarray | pd.Series,
    spec: Spec,
    sigma_within: float,
    *,
    stable: bool | None = None,
    confidence: float = 0.95,
) -> Capability:
    """Capability of ``values`` (every reading of the window) against ``spec``.

    ``sigma_within`` comes from the control chart (``VariablesChart.sigma_within``);
    ``stable`` from :func:`window_stable`, so the result can say it is not to be trusted.
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n, mean = len(x), float(np.mean(x)) if len(x) else math.nan
    sigma_overall = float(np.std(x, ddof=1)) if n > 1 else math.nan
    cp, cpk, cpu, cpl = _indices(mean, sigma_within, spec)
    pp, ppk, ppu, ppl = _indices(mean, sigma_overall, spec)
    named = {"Cp": cp, "Cpk": cpk, "Cpu": cpu, "Cpl": cpl,
             "Pp": pp, "Ppk": ppk, "Ppu": ppu, "Ppl": ppl}  # fmt: skip
    ad, p_value = anderson_darling(x)
    return Capability(
        spec, n, mean, float(sigma_within), sigma_overall, cp, cpk, cpu, cpl, pp, ppk, ppu,
        ppl, _intervals(named, n, confidence), expected_ppm(mean, sigma_within, spec),
        expected_ppm(mean, sigma_overall, spec), ad, p_value, stable,
        _notes(p_value, stable), confidence,
    )  # fmt: skip


def _notes(p_value: float, stable: bool | None) -> tuple[str, ...]:
    """What a reader must know before quoting the indices."""
    notes = []
    if not math.isfinite(p_value):
        notes.append(f"normality not tested (fewer than {MIN_AD_READINGS} distinct readings)")
    elif p_value < ALPHA_NORMAL:
        notes.append(
            f"readings are not normal (Anderson–Darling p = {p_value:.3f} < {ALPHA_NORMAL}): "
            "the indices and ppm are not to be trusted"
        )
    if stable is False:
        notes.append("capability computed on an unstable window (signals on the X̄ chart)")
    return tuple(notes)


def window_stable(chart: VariablesChart, start: Any = None, end: Any = None) -> bool:
    """True when no run rule fires on the location (X̄ / individuals) chart at a subgroup
    starting inside [start, end]: capability is only meaningful for a stable process."""
    keep = in_window(chart, start, end)
    return not any(keep[s.index] for s in chart.signals)


def chart_capability(
    readings: pd.DataFrame,
    chart: VariablesChart,
    spec: Spec,
    *,
    start: Any = None,
    end: Any = None,
    confidence: float = 0.95,
) -> Capability:
    """Capability of the readings whose subgroup starts in [start, end] and is not
    excluded on ``chart``; σ within is re-estimated from exactly those subgroups with the
    chart's own estimator (R̄/d2, s̄/c4 or MR̄/d2), stability is read from ``chart``."""
    frame = chart.frame[in_window(chart, start, end)]
    excluded = set(frame.loc[frame["excluded"], "subgroup"])
    df = check_readings(readings)
    window = df[df["subgroup"].isin(set(frame["subgroup"]))]
    used = window[~window["subgroup"].isin(excluded)]
    if used.empty:
        raise VariablesError("no readings in the capability window")
    sigma = variables_chart(window, chart.chart, exclusions=excluded).sigma_within
    stable = window_stable(chart, start, end)
    return capability(used["value"], spec, sigma, stable=stable, confidence=confidence)
