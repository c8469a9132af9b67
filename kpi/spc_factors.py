"""Control-chart constants for variables charts: ONE table, everything else derived.

Why one table: the printed tables (Montgomery, Appendix VI; ASTM STP 15D) round each
factor separately, so copying A2, D4, A3, B4 ... side by side invites a typo that no
test would notice. Here only d2 and d3 are typed in (d2 to the three decimals every
textbook uses, so textbook limits are reproduced exactly; d3 to seven decimals as R's
qcc ships it), c4 is exact (a ratio of gamma functions), and the rest follows:

    A2 = 3 / (d2 √n)      D3 = max(0, 1 − 3 d3/d2)      D4 = 1 + 3 d3/d2
    A3 = 3 / (c4 √n)      B3 = max(0, 1 − 3 √(1−c4²)/c4)  B4 = 1 + 3 √(1−c4²)/c4
    E2 = 3 / d2(2)        (individuals chart, moving ranges of two)

tests/test_spc_factors.py checks d2 and d3 against numerical integration and the derived
factors against the printed table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.special import gammaln

# n: (d2, d3) — expected range and standard deviation of the range of n standard normals.
_RANGE_MOMENTS: dict[int, tuple[float, float]] = {
    2: (1.128, 0.8525033), 3: (1.693, 0.8883697), 4: (2.059, 0.8798108),
    5: (2.326, 0.8640855), 6: (2.534, 0.8480442), 7: (2.704, 0.8332108),
    8: (2.847, 0.8198378), 9: (2.970, 0.8078413), 10: (3.078, 0.7970584),
    11: (3.173, 0.7873230), 12: (3.258, 0.7784873), 13: (3.336, 0.7704257),
    14: (3.407, 0.7630330), 15: (3.472, 0.7562217), 16: (3.532, 0.7499188),
    17: (3.588, 0.7440627), 18: (3.640, 0.7386021), 19: (3.689, 0.7334929),
    20: (3.735, 0.7286980), 21: (3.778, 0.7241851), 22: (3.819, 0.7199267),
    23: (3.858, 0.7158987), 24: (3.895, 0.7120802), 25: (3.931, 0.7084528),
}  # fmt: skip
SIZES = range(2, 26)
R_CHART_SIZES = range(2, 11)  # X̄-R for 2..10; larger subgroups waste information in R


def c4(n: int | np.ndarray) -> float | np.ndarray:
    """E[s]/σ for n normal readings: √(2/(n−1)) Γ(n/2) / Γ((n−1)/2), exact for any n ≥ 2."""
    n = np.asarray(n, dtype=float)
    out = np.sqrt(2.0 / (n - 1)) * np.exp(gammaln(n / 2) - gammaln((n - 1) / 2))
    return float(out) if out.ndim == 0 else out


def s_factors(n: int | np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A3, B3, B4 for subgroup size(s) n ≥ 2 (per point when n varies)."""
    n = np.asarray(n, dtype=float)
    k = np.asarray(c4(n), dtype=float)
    spread = 3 * np.sqrt(1 - k**2) / k
    return 3 / (k * np.sqrt(n)), np.maximum(0.0, 1 - spread), 1 + spread


@dataclass(frozen=True)
class Factors:
    """All factors for one subgroup size, as printed in the usual table."""

    n: int
    d2: float
    d3: float
    c4: float
    A2: float
    D3: float
    D4: float
    A3: float
    B3: float
    B4: float
    E2: float  # 3/d2 of this n; the individuals chart uses FACTORS[2].E2 = 2.660


def _factors(n: int) -> Factors:
    d2, d3 = _RANGE_MOMENTS[n]
    a3, b3, b4 = (float(v) for v in s_factors(n))
    return Factors(
        n=n, d2=d2, d3=d3, c4=float(c4(n)), A2=3 / (d2 * math.sqrt(n)),
        D3=max(0.0, 1 - 3 * d3 / d2), D4=1 + 3 * d3 / d2, A3=a3, B3=b3, B4=b4, E2=3 / d2,
    )  # fmt: skip


FACTORS: dict[int, Factors] = {n: _factors(n) for n in SIZES}


def factors(n: int) -> Factors:
    """The row for subgroup size n; a clear error outside the table (2..25)."""
    if n not in FACTORS:
        raise ValueError(f"no range factors for subgroups of {n}; the table covers 2 to 25")
    return FACTORS[n]
