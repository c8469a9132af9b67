"""Property tests: the library's limits agree with a straightforward numpy computation that
uses the printed factor table (Montgomery, Appendix VI), not kpi.spc_factors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi.capability import Spec, SpecSide, capability
from kpi.spc_variables import variables_chart

FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# printed to three decimals: n -> (A2, D3, D4)
PRINTED_R = {
    2: (1.880, 0.0, 3.267), 3: (1.023, 0.0, 2.574), 4: (0.729, 0.0, 2.282),
    5: (0.577, 0.0, 2.114), 6: (0.483, 0.0, 2.004), 7: (0.419, 0.076, 1.924),
    8: (0.373, 0.136, 1.864), 9: (0.337, 0.184, 1.816), 10: (0.308, 0.223, 1.777),
}  # fmt: skip
# n -> (A3, B3, B4)
PRINTED_S = {
    2: (2.659, 0.0, 3.267), 3: (1.954, 0.0, 2.568), 4: (1.628, 0.0, 2.266),
    5: (1.427, 0.0, 2.089), 10: (0.975, 0.284, 1.716), 25: (0.606, 0.565, 1.435),
}  # fmt: skip
TOL = 1e-3  # the printed factors' rounding, relative to R̄ or s̄

values = st.floats(-1000, 1000, allow_nan=False, allow_infinity=False)


def _readings(groups: list[list[float]]) -> pd.DataFrame:
    start = pd.Timestamp("2026-03-02")
    rows = [(i, start + pd.Timedelta(minutes=i), v) for i, g in enumerate(groups) for v in g]
    return pd.DataFrame(rows, columns=["subgroup", "subgroup_start", "value"])


@st.composite
def equal_groups(draw, sizes):
    n = draw(st.sampled_from(sorted(sizes)))
    k = draw(st.integers(2, 25))
    return [draw(st.lists(values, min_size=n, max_size=n)) for _ in range(k)]


@FAST
@given(groups=equal_groups(PRINTED_R))
def test_xbar_r_limits_match_numpy(groups):
    arr = np.array(groups)
    a2, d3, d4 = PRINTED_R[arr.shape[1]]
    grand, r_bar = arr.mean(), np.ptp(arr, axis=1).mean()
    f = variables_chart(_readings(groups), "xbar-r").frame
    slack = TOL * r_bar + 1e-9 * (1 + abs(grand))
    assert f["center"].to_numpy() == pytest.approx(
        np.full(len(f), grand), abs=1e-9 * (1 + abs(grand))
    )
    assert f["ucl"].to_numpy() == pytest.approx(np.full(len(f), grand + a2 * r_bar), abs=slack)
    assert f["lcl"].to_numpy() == pytest.approx(np.full(len(f), grand - a2 * r_bar), abs=slack)
    assert f["spread_ucl"].iloc[0] == pytest.approx(d4 * r_bar, abs=slack)
    assert f["spread_lcl"].iloc[0] == pytest.approx(d3 * r_bar, abs=slack)


@FAST
@given(groups=equal_groups(PRINTED_S))
def test_xbar_s_limits_match_numpy(groups):
    arr = np.array(groups)
    a3, b3, b4 = PRINTED_S[arr.shape[1]]
    grand, s_bar = arr.mean(), arr.std(axis=1, ddof=1).mean()
    f = variables_chart(_readings(groups), "xbar-s").frame
    slack = TOL * s_bar + 1e-9 * (1 + abs(grand))
    assert f["ucl"].iloc[0] == pytest.approx(grand + a3 * s_bar, abs=slack)
    assert f["lcl"].iloc[0] == pytest.approx(grand - a3 * s_bar, abs=slack)
    assert f["spread_center"].iloc[0] == pytest.approx(s_bar, abs=slack)
    assert f["spread_ucl"].iloc[0] == pytest.approx(b4 * s_bar, abs=slack)
    assert f["spread_lcl"].iloc[0] == pytest.approx(b3 * s_bar, abs=slack)


@FAST
@given(x=st.lists(values, min_size=2, max_size=60))
def test_individuals_limits_match_numpy(x):
    mr_bar = np.abs(np.diff(x)).mean()
    f = variables_chart(_readings([[v] for v in x]), "imr").frame
    slack = TOL * mr_bar + 1e-9 * (1 + abs(np.mean(x)))
    assert f["ucl"].iloc[0] == pytest.approx(np.mean(x) + 2.660 * mr_bar, abs=slack)
    assert f["spread_ucl"].iloc[0] == pytest.approx(3.267 * mr_bar, abs=slack)
    assert np.isnan(f["spread"].iloc[0])
    assert f["spread"].iloc[1:].to_numpy() == pytest.approx(np.abs(np.diff(x)))


@st.composite
def varying_groups(draw):
    sizes = draw(st.lists(st.sampled_from(sorted(PRINTED_S)), min_size=3, max_size=15))
    if len(set(sizes)) < 2:
        sizes[0] = 2 if sizes[0] != 2 else 5
    return [draw(st.lists(values, min_size=n, max_size=n)) for n in sizes]


@FAST
@given(groups=varying_groups())
def test_varying_n_gives_per_point_limits(groups):
    n = np.array([len(g) for g in groups])
    s = np.array([np.std(g, ddof=1) for g in groups])
    grand = sum(sum(g) for g in groups) / n.sum()
    pooled = np.sqrt(((n - 1) * s**2).sum() / (n - 1).sum())
    f = variables_chart(_readings(groups), "xbar-s").frame
    a3 = np.array([PRINTED_S[k][0] for k in n])
    b4 = np.array([PRINTED_S[k][2] for k in n])
    slack = TOL * pooled + 1e-9 * (1 + abs(grand))
    assert (f["ucl"] - f["center"]).to_numpy() == pytest.approx(a3 * pooled, abs=slack)
    assert f["spread_ucl"].to_numpy() == pytest.approx(b4 * pooled, abs=slack)
    for size in set(n):  # one limit per size; larger subgroups get narrower limits
        assert f.loc[n == size, "ucl"].nunique() == 1
    if pooled > 0:
        widths = {k: float((f["ucl"] - f["center"])[n == k].iloc[0]) for k in set(n)}
        ordered = [widths[k] for k in sorted(widths)]
        assert ordered == sorted(ordered, reverse=True)


@FAST
@given(
    x=st.lists(st.floats(-50, 50), min_size=3, max_size=40).filter(lambda v: np.ptp(v) > 1e-6),
    limit=st.floats(-100, 100),
    upper=st.booleans(),
)
def test_a_one_sided_spec_gives_only_the_one_sided_index(x, limit, upper):
    spec = Spec(usl=limit) if upper else Spec(lsl=limit)
    cap = capability(np.array(x), spec, sigma_within=1.0)
    side, name = ("cpu", "ppu") if upper else ("cpl", "ppl")
    other = ("cpl", "ppl") if upper else ("cpu", "ppu")
    assert cap.side is (SpecSide.UPPER if upper else SpecSide.LOWER)
    assert cap.cp is None and cap.cpk is None and cap.pp is None and cap.ppk is None
    assert all(getattr(cap, o) is None for o in other)
    mean = float(np.mean(x))
    expected = (limit - mean) / 3 if upper else (mean - limit) / 3
    assert getattr(cap, side) == pytest.approx(expected)
    assert getattr(cap, name) is not None
    assert set(cap.intervals) == {side.capitalize(), name.capitalize()}


@FAST
@given(groups=equal_groups(PRINTED_R), cut=st.integers(1, 24))
def test_frozen_baseline_equals_limits_of_the_baseline_alone(groups, cut):
    cut = min(cut, len(groups) - 1)
    data = _readings(groups)
    end = pd.Timestamp("2026-03-02") + pd.Timedelta(minutes=cut - 1)
    frozen = variables_chart(data, "xbar-r", baseline=("2026-03-02", end)).frame
    alone = variables_chart(data[data["subgroup"] < cut], "xbar-r").frame
    assert frozen["in_baseline"].sum() == cut
    assert frozen["ucl"].to_numpy() == pytest.approx(np.full(len(frozen), alone["ucl"].iloc[0]))
    assert frozen["spread_ucl"].iloc[-1] == pytest.approx(alone["spread_ucl"].iloc[0])
