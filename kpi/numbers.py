"""Clean numbers: KPI figures rounded to 10 significant digits before anyone sees them.

Why: sums of binary floats carry noise (0.1 + 0.2 = 0.30000000000000004), and the summary
and raw paths add the same numbers in a different order, so they differ in the last bit.
Rounding numerator and denominator to 10 significant digits (far below any meaningful
precision of a shop-floor count or minute) makes both paths feed identical inputs to the
division, so they print identical values, and ``repr`` prints no noise.
"""

from __future__ import annotations

import numpy as np

SIGNIFICANT = 10


def clean(values) -> np.ndarray:
    """Round every finite value to SIGNIFICANT significant digits (NaN, ±inf and 0 unchanged)."""
    x = np.array(values, dtype=float, copy=True)
    finite = np.isfinite(x) & (np.abs(x) > 1e-280)  # tinier values stay as they are
    if not finite.any():
        return x
    digits = SIGNIFICANT - 1 - np.floor(np.log10(np.abs(x[finite]))).astype(int)
    out = x[finite]
    for d in np.unique(digits):
        mask = digits == d
        out[mask] = np.round(out[mask], int(d))
    x[finite] = out
    return x


def clean_float(value: float) -> float:
    """Scalar form of ``clean``."""
    return float(clean([value])[0])
