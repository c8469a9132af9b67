"""Met, near or missed: one rule, decided on a KPI's numerator and denominator.

Why on num/den: a value carried through floating point (0.8499999999999999 for an OEE of
408/480) must not read "near" its 85 % target. The value is recomputed as num/den (num
alone for a sum) and compared with the target within a relative tolerance of 1e-9.

Why "near" is measured to the ideal: 90.7 % OTD is far from a 98 % objective even though
it is within 10 % of 98. The band is a share of the distance between target and ideal:

- lower is better (ideal 0): near while value ≤ target × (1 + band);
- higher is better ratios (ideal 100 %): near while (1 − value) ≤ (1 − target) × (1 + band);
- higher is better without a ceiling (MTBF, units): near while value ≥ target / (1 + band),
  the lower-is-better rule applied to the reciprocal (failure rate for MTBF).
"""

from __future__ import annotations

from enum import StrEnum

import numpy as np

from kpi.catalogue import KPI, Direction, Unit

REL_TOL = 1e-9
DEFAULT_BAND = 0.10


class Status(StrEnum):
    MET = "met"
    NEAR = "near"
    MISSED = "missed"


class Ideal(StrEnum):
    """Where a KPI's best possible value lies; it sets how "near" is measured."""

    ZERO = "zero"  # lower is better
    ONE = "one"  # higher is better, a ratio whose ideal is 100 %
    UNBOUNDED = "unbounded"  # higher is better, no ceiling


def exact_value(num, den) -> np.ndarray:
    """num/den, or num where there is no denominator (NaN den); NaN for a zero denominator."""
    n = np.asarray(num, dtype=float)
    d = np.asarray(den, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(d != 0, n / d, np.nan)
    return np.where(np.isnan(d), n, ratio)


def _at_least(v: np.ndarray, bound: np.ndarray) -> np.ndarray:
    """v ≥ bound, with equality within REL_TOL of the larger magnitude."""
    scale = np.maximum(np.abs(v), np.abs(bound))
    return v >= bound - REL_TOL * scale


def _at_most(v: np.ndarray, bound: np.ndarray) -> np.ndarray:
    scale = np.maximum(np.abs(v), np.abs(bound))
    return v <= bound + REL_TOL * scale


def decide(values, targets, ideals, bands) -> np.ndarray:
    """Vectorised status per row (object array of 'met' / 'near' / 'missed' / None).

    ``values`` should be ``exact_value(num, den)``; ``ideals`` holds Ideal values and
    ``bands`` the near band of each row's target (a scalar is broadcast).
    """
    v = np.asarray(values, dtype=float)
    t = np.asarray(targets, dtype=float)
    ideal = np.asarray(ideals, dtype=object)
    band = np.broadcast_to(np.asarray(bands, dtype=float), v.shape)
    lower = ideal == Ideal.ZERO.value
    one = ideal == Ideal.ONE.value
    met = np.where(lower, _at_most(v, t), _at_least(v, t))
    with np.errstate(divide="ignore", invalid="ignore"):
        near_lower = _at_most(v, t * (1 + band))
        near_one = _at_most(1 - v, (1 - t) * (1 + band))
        near_up = _at_least(v, t / (1 + band))
    near = np.where(lower, near_lower, np.where(one, near_one, near_up))
    out = np.where(met, Status.MET.value, np.where(near, Status.NEAR.value, Status.MISSED.value))
    out = out.astype(object)
    out[np.isnan(v) | np.isnan(t)] = None
    return out


def near_limit(target: float, ideal: Ideal, band: float = DEFAULT_BAND) -> float:
    """The worst value still 'near' (for labels: OTD near from 97.8 % for a 98 % target)."""
    if ideal is Ideal.ZERO:
        return target * (1 + band)
    if ideal is Ideal.ONE:
        return 1 - (1 - target) * (1 + band)
    return target / (1 + band)


def ideal_of(kpi: KPI) -> Ideal:
    """Lower is better → 0; a higher-is-better ratio → 100 %; other higher → unbounded."""
    if kpi.direction is Direction.LOWER:
        return Ideal.ZERO
    return Ideal.ONE if kpi.unit is Unit.RATIO else Ideal.UNBOUNDED
