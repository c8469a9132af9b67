"""Capability indices, intervals, ppm and the normality / stability checks.

Worked example: Montgomery's piston rings (tests/pistonrings.py, qcc's version) with the
specification 74.000 ± 0.05 mm that Montgomery's exercise on Table 6.3 gives (restated
on public exercise pages found with the search tools). No printed answer to that exercise
was found, so the indices are hand-computed below from qcc's printed x̄̄ = 74.001176
(the mean of the 125 readings) and σ̂ = R̄/d2 = 0.009785039.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats as st

from kpi.capability import (
    Spec,
    SpecSide,
    capability,
    chart_capability,
    cp_interval,
    cpk_interval,
    expected_ppm,
    window_stable,
)
from kpi.spc_readings import VariablesError
from kpi.spc_variables import variables_chart
from tests.pistonrings import QCC_SAMPLES, readings

PHASE_ONE_END = pd.Timestamp("2026-01-05 06:00") + pd.Timedelta(hours=24)
SIGMA_QCC = 0.009785039


def _phase_one():
    data = readings(QCC_SAMPLES[:25])
    return data, variables_chart(data, "xbar-r")


def test_piston_rings_cp_cpk_hand_computed():
    """Cp  = (74.05 − 73.95) / (6·0.009785039) = 0.1 / 0.058710234 = 1.703280
    Cpu = (74.05 − 74.001176) / (3·0.009785039) = 0.048824 / 0.029355117 = 1.663219
    Cpl = (74.001176 − 73.95) / 0.029355117 = 0.051176 / 0.029355117 = 1.743341
    Cpk = min(Cpu, Cpl) = 1.663219."""
    data, chart = _phase_one()
    cap = chart_capability(data, chart, Spec(73.95, 74.05, nominal=74.0))
    assert cap.side is SpecSide.BOTH
    assert cap.n == 125
    assert cap.sigma_within == pytest.approx(SIGMA_QCC, abs=5e-10)
    assert cap.cp == pytest.approx(1.703280, abs=2e-6)
    assert cap.cpu == pytest.approx(1.663219, abs=2e-6)
    assert cap.cpl == pytest.approx(1.743341, abs=2e-6)
    assert cap.cpk == cap.cpu
    # Pp family: the same formulas with the sample standard deviation of all readings
    s = float(np.std(data["value"], ddof=1))
    assert cap.pp == pytest.approx(0.1 / (6 * s))
    assert cap.ppk == pytest.approx((74.05 - 74.001176) / (3 * s))
    assert cap.stable is True and cap.trusted and cap.notes == ()


def test_expected_ppm_known_normal_tails():
    """P(Z > 3) = 0.001349898 (normal table): 1349.898 ppm one-sided, 2699.796 two-sided."""
    assert expected_ppm(0.0, 1.0, Spec(usl=3.0)) == pytest.approx(1349.898, abs=1e-3)
    assert expected_ppm(0.0, 1.0, Spec(-3.0, 3.0)) == pytest.approx(2699.796, abs=1e-3)
    assert expected_ppm(10.0, 2.0, Spec(lsl=4.0)) == pytest.approx(1349.898, abs=1e-3)


def test_cp_chi_square_interval_against_the_printed_table():
    """χ²(0.025; 19) = 8.907 and χ²(0.975; 19) = 32.852 (printed chi-square table): for
    Ĉp = 1.5 from N = 20, 1.5·√(8.907/19) = 1.02702 ≤ Cp ≤ 1.5·√(32.852/19) = 1.97240."""
    low, high = cp_interval(1.5, 20)
    assert low == pytest.approx(1.02702, abs=1e-4)
    assert high == pytest.approx(1.97240, abs=1e-4)


def test_cpk_bissell_interval_hand_computed():
    """Ĉpk = 1.2, N = 50: 1.96·√(1/450 + 1.44/98) = 1.96·0.130062 = 0.254921,
    so 0.945079 ≤ Cpk ≤ 1.454921."""
    low, high = cpk_interval(1.2, 50)
    assert low == pytest.approx(0.945079, abs=1e-5)
    assert high == pytest.approx(1.454921, abs=1e-5)


def test_one_sided_spec_gives_only_the_one_sided_indices():
    data, chart = _phase_one()
    cap = chart_capability(data, chart, Spec(usl=74.05))
    assert cap.side is SpecSide.UPPER
    assert (cap.cp, cap.cpk, cap.cpl, cap.pp, cap.ppk, cap.ppl) == (None,) * 6
    assert cap.cpu == pytest.approx(1.663219, abs=2e-6)
    assert set(cap.intervals) == {"Cpu", "Ppu"}
    lower = chart_capability(data, chart, Spec(lsl=73.95))
    assert (
        lower.side is SpecSide.LOWER
        and lower.cpu is None
        and set(lower.intervals)
        == {
            "Cpl",
            "Ppl",
        }
    )


def _dagostino_stephens_p(a2: float, n: int) -> float:
    """p-value of the Anderson–Darling normality test with estimated mean and σ
    (D'Agostino & Stephens, Goodness-of-Fit Techniques, 1986, Table 4.9)."""
    a = a2 * (1 + 0.75 / n + 2.25 / n**2)
    if a >= 0.6:
        return math.exp(1.2937 - 5.709 * a + 0.0186 * a**2)
    if a >= 0.34:
        return math.exp(0.9177 - 4.279 * a - 1.38 * a**2)
    if a >= 0.2:
        return 1 - math.exp(-8.318 + 42.796 * a - 59.938 * a**2)
    return 1 - math.exp(-13.436 + 101.14 * a - 223.73 * a**2)


@pytest.mark.parametrize(("draw", "normal"), [("normal", True), ("exponential", False)])
def test_anderson_darling_flags_non_normal_readings(draw, normal):
    rng = np.random.default_rng(11)
    x = rng.normal(10, 1, 200) if draw == "normal" else rng.exponential(1.0, 200)
    cap = capability(x, Spec(-5.0, 25.0), sigma_within=float(np.std(x, ddof=1)))
    assert cap.ad_statistic == pytest.approx(
        st.anderson(x, "norm", method="interpolate").statistic, rel=1e-9
    )
    assert cap.ad_p_value == pytest.approx(_dagostino_stephens_p(cap.ad_statistic, 200))
    assert cap.normal is normal and cap.trusted is normal
    assert any("not to be trusted" in n for n in cap.notes) is not normal


def test_capability_on_an_unstable_window_says_so():
    """Frozen phase I limits flag samples 37-39: the full window is unstable, phase I not."""
    data = readings(QCC_SAMPLES)
    chart = variables_chart(data, "xbar-r", baseline=("2026-01-05 06:00", PHASE_ONE_END))
    assert window_stable(chart, end=PHASE_ONE_END)
    assert not window_stable(chart)
    cap = chart_capability(data, chart, Spec(73.95, 74.05))
    assert cap.stable is False and not cap.trusted
    assert any("unstable window" in n for n in cap.notes)
    early = chart_capability(data, chart, Spec(73.95, 74.05), end=PHASE_ONE_END)
    assert early.stable is True and early.n == 125
    assert early.sigma_within == pytest.approx(SIGMA_QCC, abs=5e-10)


def test_excluded_subgroups_are_left_out_of_the_study():
    data = readings(QCC_SAMPLES[:25])
    chart = variables_chart(data, "xbar-r", exclusions={14})
    cap = chart_capability(data, chart, Spec(73.95, 74.05))
    kept = data[data["subgroup"] != 14]
    assert cap.n == 120
    assert cap.mean == pytest.approx(kept["value"].mean())
    assert cap.sigma_within == pytest.approx(kept.groupby("subgroup")["value"].agg(np.ptp).mean()
                                             / 2.326)  # fmt: skip


@pytest.mark.parametrize(
    ("lsl", "usl", "message"), [(None, None, "lower or an upper"), (2.0, 1.0, "not below")]
)
def test_bad_specs_are_refused(lsl, usl, message):
    with pytest.raises(VariablesError, match=message):
        Spec(lsl, usl)
