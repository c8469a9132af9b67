"""Laney p′ and u′ charts: attribute charts for large subgroups with overdispersion.

Why: with thousands of units a period, a p chart's limits (√(p̄(1−p̄)/n)) are so narrow
that ordinary week-to-week variation of the process looks like a signal, and alerts fire
on almost every week. Laney (2002) widens them by σz, the spread of the standardised
values between periods, estimated from their moving range: limits p̄ ± 3·σᵢ·σz. With
σz ≈ 1 the chart is the plain p (or u) chart; σz well above 1 means overdispersion.
"""

from __future__ import annotations

import math

import numpy as np

D2 = 1.128  # d2 for moving ranges of two points
# σz above this means the between-period variation clearly exceeds the binomial/Poisson
# model: alerts and the review pack then use the Laney chart instead of p or u.
OVERDISPERSED = 1.5


def attribute_sigma(rate: float, n: np.ndarray, per_unit: bool) -> np.ndarray:
    """Per-point sigma of a p chart (binomial) or, for ``per_unit``, of a u chart (Poisson)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.sqrt(rate / n) if per_unit else np.sqrt(rate * (1 - rate) / n)


def base_rate(count: np.ndarray, n: np.ndarray, base: np.ndarray) -> float:
    """p̄ or ū: Σcount / Σn over the base points (NaN when there is no base)."""
    total = float(np.nansum(n[base]))
    return float(np.nansum(count[base])) / total if total > 0 else math.nan


def sigma_z(count: np.ndarray, n: np.ndarray, base: np.ndarray, per_unit: bool) -> float:
    """σz = mean moving range of consecutive base points' z-scores / 1.128."""
    rate = base_rate(count, n, base)
    sigma = attribute_sigma(rate, n, per_unit)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(sigma > 0, (count / n - rate) / sigma, np.nan)
    ok = base & np.isfinite(z)
    pairs = ok[1:] & ok[:-1]
    ranges = np.abs(np.diff(z))[pairs]
    return float(np.mean(ranges)) / D2 if len(ranges) else math.nan


def laney_limits(
    count: np.ndarray, n: np.ndarray, base: np.ndarray, per_unit: bool
) -> tuple[np.ndarray, np.ndarray, float]:
    """Centre, per-point sigma (σᵢ·σz) and σz of a Laney p′ (or u′) chart."""
    rate = base_rate(count, n, base)
    sz = sigma_z(count, n, base, per_unit)
    return np.full(len(count), rate), attribute_sigma(rate, n, per_unit) * sz, sz


def overdispersed(sz: float) -> bool:
    return math.isfinite(sz) and sz > OVERDISPERSED


def laney_note(instead_of: str, sz: float) -> str:
    """What the chart says when it was switched to Laney automatically."""
    return (
        f"Laney chart used instead of the {instead_of} chart: σz = {sz:.2f} > {OVERDISPERSED} "
        f"shows overdispersion (more variation between periods than the {instead_of} "
        f"chart's limits allow), so its limits are widened by σz."
    )
