"""The one factor table: typed d2/d3 checked by integration, derived factors by the print.

Printed values: Montgomery, Introduction to Statistical Quality Control, Appendix VI
(the same figures as ASTM STP 15D); e.g. n = 10 (A2 .308, D3 .223, D4 1.777) is also
restated in a public solution set found with the search tools.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate
from scipy.stats import norm

from kpi.spc_factors import FACTORS, SIZES, c4, factors

# n: (A2, D3, D4, A3, B3, B4, c4) as printed (three decimals; c4 four)
PRINTED = {
    2: (1.880, 0.0, 3.267, 2.659, 0.0, 3.267, 0.7979),
    5: (0.577, 0.0, 2.114, 1.427, 0.0, 2.089, 0.9400),
    10: (0.308, 0.223, 1.777, 0.975, 0.284, 1.716, 0.9727),
    25: (0.153, 0.459, 1.541, 0.606, 0.565, 1.435, 0.9896),
}


def _expected_range(n: int) -> float:
    """d2 = ∫ 1 − Φ(x)ⁿ − (1 − Φ(x))ⁿ dx: the mean range of n standard normals."""
    value, _ = integrate.quad(lambda x: 1 - norm.cdf(x) ** n - norm.sf(x) ** n, -10, 10)
    return value


@pytest.mark.parametrize("n", list(SIZES))
def test_d2_agrees_with_numerical_integration(n):
    assert FACTORS[n].d2 == pytest.approx(_expected_range(n), abs=5e-4)  # printed to 3 dp


@pytest.mark.parametrize("n", [2, 5])
def test_d3_agrees_with_numerical_integration(n):
    """E[R²] = 2 ∫∫_{x<y} 1 − Φ(y)ⁿ − (1−Φ(x))ⁿ + (Φ(y) − Φ(x))ⁿ dx dy, d3 = √(E[R²] − d2²)."""

    def integrand(x, y):
        fx, fy = norm.cdf(x), norm.cdf(y)
        return 1 - fy**n - (1 - fx) ** n + (fy - fx) ** n

    second, _ = integrate.dblquad(integrand, -7, 7, -7, lambda y: y, epsabs=1e-7)
    d2 = _expected_range(n)
    assert FACTORS[n].d3 == pytest.approx(math.sqrt(2 * second - d2**2), abs=1e-4)


def test_c4_closed_form_matches_known_values_and_a_simulation():
    assert c4(2) == pytest.approx(math.sqrt(2 / math.pi))  # Γ(1)/Γ(1/2)·√2
    rng = np.random.default_rng(7)
    sims = rng.standard_normal((200_000, 5)).std(axis=1, ddof=1).mean()
    assert c4(5) == pytest.approx(sims, abs=3e-3)


@pytest.mark.parametrize("n", sorted(PRINTED))
def test_derived_factors_match_the_printed_table(n):
    f = factors(n)
    got = (f.A2, f.D3, f.D4, f.A3, f.B3, f.B4)
    assert got == pytest.approx(PRINTED[n][:6], abs=1e-3)
    assert f.c4 == pytest.approx(PRINTED[n][6], abs=5e-5)


def test_individuals_factor_e2_and_the_table_bounds():
    e2 = FACTORS[2].E2
    assert e2 == pytest.approx(2.660, abs=1e-3)
    with pytest.raises(ValueError, match="2 to 25"):
        factors(26)
