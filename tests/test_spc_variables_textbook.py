"""Published, worked variables-chart examples reproduced to their printed precision.

Sources (found with the search tools, not typed from memory):
- Montgomery, Introduction to Statistical Quality Control, piston-ring inside diameters
  (Table 6.3; data in tests/pistonrings.py, see there for the one row where R's qcc and
  the book differ). Printed in the book: x̄̄ = 74.001, R̄ = 0.023, X̄ limits 74.014 /
  73.988 (Example 6.1); s̄ = 0.0094, X̄ limits 74.014 / 73.988, s UCL = B4 s̄ = 0.0196
  (Example 6.3).
- R's qcc on its pistonrings data, as printed by ``qcc(diameter[1:25,], type=...)`` and
  restated in the comparison tests of the Python package mistat (Kenett, Zacks, Gedeck,
  mistat/qcc/tests): xbar centre 74.00118, σ 0.009785039, limits 73.98805 / 74.0143;
  R centre 0.02276, UCL 0.04812533; S centre 0.009240037, σ 0.009829977, UCL 0.019302416;
  individuals chart of Montgomery's viscosity data (p. 242): centre 33.52333,
  σ 0.4261651, limits 32.24484 / 34.80183.
"""

from __future__ import annotations

import pandas as pd
import pytest

from kpi.spc_variables import crop, variables_chart
from tests.pistonrings import MONTGOMERY_TABLE_6_3, QCC_SAMPLES, readings

PHASE_ONE_END = pd.Timestamp("2026-01-05 06:00") + pd.Timedelta(hours=24)  # subgroup 25


def _first(chart) -> dict[str, float]:
    cols = ["center", "ucl", "lcl", "spread_center", "spread_ucl", "spread_lcl"]
    return chart.frame[cols].iloc[0].to_dict()


def test_montgomery_table_6_3_xbar_r_chart():
    """Montgomery Example 6.1: x̄̄ = 74.001, R̄ = 0.023, UCL 74.014, LCL 73.988. The book
    rounds x̄̄ and R̄ before applying A2 = 0.577; from the unrounded 74.001176 and
    0.02324 the limits are 74.001176 ± 0.577·0.02324 = 74.01459 / 73.98777, i.e. the
    printed values within their last printed digit. R chart: D4 R̄ = 2.114·0.02324 =
    0.04913, D3 = 0 for n = 5."""
    chart = variables_chart(readings(MONTGOMERY_TABLE_6_3), "xbar-r")
    got = _first(chart)
    assert round(got["center"], 3) == 74.001
    assert round(got["spread_center"], 3) == 0.023
    assert got["ucl"] == pytest.approx(74.014, abs=1e-3)
    assert round(got["lcl"], 3) == 73.988
    assert got["spread_ucl"] == pytest.approx(0.04913, abs=5e-5)
    assert got["spread_lcl"] == 0.0
    assert chart.signals == [] and chart.spread_signals == []  # the book: in control


def test_montgomery_example_6_3_xbar_s_chart():
    """Montgomery Example 6.3 (same data, s): s̄ = 0.0094, X̄ limits 74.001 ± 1.427·0.0094
    = 74.014 / 73.988 (unrounded: 74.001176 ± 1.427·0.0093995 = 74.01459 / 73.98776),
    s chart UCL = B4 s̄ = 2.089·0.0094 = 0.0196, LCL = B3 s̄ = 0."""
    chart = variables_chart(readings(MONTGOMERY_TABLE_6_3), "xbar-s")
    got = _first(chart)
    assert round(got["spread_center"], 4) == 0.0094
    assert got["ucl"] == pytest.approx(74.014, abs=1e-3)
    assert round(got["lcl"], 3) == 73.988
    assert round(got["spread_ucl"], 4) == 0.0196
    assert got["spread_lcl"] == 0.0


def test_qcc_pistonrings_xbar_r_to_printed_precision():
    """qcc: xbar centre 74.00118, σ 0.009785039, LCL 73.98805, UCL 74.0143; R chart
    centre 0.02276, LCL 0, UCL 0.04812533."""
    chart = variables_chart(readings(QCC_SAMPLES[:25]), "xbar-r")
    got = _first(chart)
    assert got["center"] == pytest.approx(74.00118, abs=5e-6)
    assert chart.sigma_within == pytest.approx(0.009785039, abs=5e-10)
    assert got["lcl"] == pytest.approx(73.98805, abs=5e-6)
    assert got["ucl"] == pytest.approx(74.0143, abs=5e-5)
    assert got["spread_center"] == pytest.approx(0.02276, abs=5e-6)
    assert got["spread_ucl"] == pytest.approx(0.04812533, abs=5e-9)


def test_qcc_pistonrings_xbar_s_to_printed_precision():
    """qcc: S centre 0.009240037, σ = s̄/c4 = 0.009829977, UCL 0.019302416."""
    chart = variables_chart(readings(QCC_SAMPLES[:25]), "xbar-s")
    got = _first(chart)
    assert got["spread_center"] == pytest.approx(0.009240037, abs=5e-10)
    assert chart.sigma_within == pytest.approx(0.009829977, abs=5e-10)
    # the restated 0.019302416 is cut, not rounded (qcc: 0.0193024168): 1e-9
    assert got["spread_ucl"] == pytest.approx(0.019302416, abs=1e-9)
    assert got["spread_lcl"] == 0.0


def test_frozen_baseline_flags_montgomery_phase_two_samples():
    """Limits frozen on samples 1-25 (qcc's phase I), applied to 26-40 (qcc newdata).
    Hand-computed means: #37 = 370.083/5 = 74.0166, #38 = 370.098/5 = 74.0196,
    #39 = 370.117/5 = 74.0234 are above the UCL 74.0143; #40 = 74.0128 and #35 = 74.0126
    are not. So rule 1 fires at exactly 37, 38 and 39."""
    data = readings(QCC_SAMPLES)
    chart = variables_chart(data, "xbar-r", baseline=("2026-01-05 06:00", PHASE_ONE_END))
    frame = chart.frame
    assert frame["in_baseline"].sum() == 25
    assert frame["ucl"].nunique() == 1
    assert frame["ucl"].iloc[-1] == pytest.approx(74.0143, abs=5e-5)
    assert [frame["subgroup"][s.index] for s in chart.signals if s.rule.value == "WE1"] == [
        37,
        38,
        39,
    ]


def test_exclusions_reproduce_limits_without_the_excluded_subgroups():
    """An excluded subgroup stays on the chart but its limits are those computed without
    it: excluding 26-40 from all 40 gives the phase I limits above (74.0143 / 73.98805)."""
    chart = variables_chart(readings(QCC_SAMPLES), "xbar-r", exclusions=set(range(26, 41)))
    assert len(chart.frame) == 40
    assert chart.frame["excluded"].sum() == 15
    assert chart.frame["ucl"].iloc[0] == pytest.approx(74.0143, abs=5e-5)
    assert chart.frame["lcl"].iloc[0] == pytest.approx(73.98805, abs=5e-6)


def test_qcc_viscosity_individuals_chart():
    """Montgomery's viscosity data (p. 242) as an individuals chart in qcc ("xbar.one"):
    centre 33.52333, σ = MR̄/1.128 = 0.4261651, limits 32.24484 / 34.80183."""
    x = [33.75, 33.05, 34, 33.81, 33.46, 34.02, 33.68, 33.27, 33.49, 33.20, 33.62, 33.00,
         33.54, 33.12, 33.84]  # fmt: skip
    chart = variables_chart(readings([(v,) for v in x]), "imr")
    got = _first(chart)
    assert got["center"] == pytest.approx(33.52333, abs=5e-6)
    assert chart.sigma_within == pytest.approx(0.4261651, abs=5e-8)
    assert got["lcl"] == pytest.approx(32.24484, abs=5e-6)
    assert got["ucl"] == pytest.approx(34.80183, abs=5e-6)
    # MR chart: MR̄ = 0.4807143 (hand: Σ|Δ| = 6.73 over 14), UCL = 3.267·MR̄ = 1.570494
    assert got["spread_center"] == pytest.approx(6.73 / 14)
    assert got["spread_ucl"] == pytest.approx(3.267 * 6.73 / 14, abs=5e-4)


def test_xbar_s_with_varying_n_hand_computed():
    """No published variable-n X̄-S example with printed limits was found (Montgomery's
    Table 6.4 data came back without its limits), so this one is hand-computed with
    Montgomery's variable-n formulas and the printed factors A3(2) = 2.659, A3(3) = 1.954,
    B4(2) = 3.267, B4(3) = 2.568, B3 = 0:
    subgroups (1, 3), (2, 4, 6), (4, 5): means 2, 4, 4.5; s² = 2, 4, 0.5.
    x̄̄ = (2·2 + 3·4 + 2·4.5)/7 = 25/7 = 3.571429;
    s̄ = √((1·2 + 2·4 + 1·0.5)/4) = √2.625 = 1.620185;
    n = 2: UCL 3.571429 + 2.659·1.620185 = 7.879501, s UCL 3.267·1.620185 = 5.293145;
    n = 3: UCL 3.571429 + 1.954·1.620185 = 6.737270, s UCL 2.568·1.620185 = 4.160636."""
    chart = variables_chart(readings([(1, 3), (2, 4, 6), (4, 5)]), "xbar-s")
    f = chart.frame
    assert f["center"].iloc[0] == pytest.approx(25 / 7)
    assert f["spread_center"].iloc[0] == pytest.approx(1.620185, abs=5e-7)
    assert f["ucl"].tolist() == pytest.approx([7.879501, 6.737270, 7.879501], abs=2e-3)
    assert f["spread_ucl"].tolist() == pytest.approx([5.293145, 4.160636, 5.293145], abs=2e-3)
    assert f["spread_lcl"].tolist() == [0.0, 0.0, 0.0]


def test_cropping_to_phase_two_keeps_frozen_limits_and_signals():
    """Showing only samples 26-40 keeps the phase I limits and the WE1 points 37-39."""
    data = readings(QCC_SAMPLES)
    chart = variables_chart(data, "xbar-r", baseline=("2026-01-05 06:00", PHASE_ONE_END))
    shown = crop(chart, start=PHASE_ONE_END + pd.Timedelta(minutes=1))
    assert list(shown.frame["subgroup"]) == list(range(26, 41))
    assert shown.frame["ucl"].iloc[0] == pytest.approx(74.0143, abs=5e-5)
    we1 = [shown.frame["subgroup"][s.index] for s in shown.signals if s.rule.value == "WE1"]
    assert we1 == [37, 38, 39]
    assert all(0 <= i < 15 for s in shown.signals for i in s.points)
