"""A positive and a negative z-score vector for every Western Electric and Nelson rule."""

from __future__ import annotations

import numpy as np
import pytest

from kpi.spc_rules import Rule, RuleSet, detect

# Each case: the rule, a vector that must fire it (with the index that completes the
# pattern and the points it names), and a near miss that must not fire it.
CASES = [
    (Rule.WE1, [0, 0.5, 3.2, 0], 2, (2,), [0, 0.5, 2.9, -2.9]),
    (Rule.WE2, [0, 2.5, 0.3, 2.1], 3, (1, 3), [0, 2.5, 0.3, -2.1]),
    (Rule.WE3, [1.5, 1.2, 0.2, 1.1, 1.8], 4, (0, 1, 3, 4), [1.5, 1.2, 0.2, 0.9, 1.8]),
    (Rule.WE4, [0.1] * 8, 7, tuple(range(8)), [0.1] * 7 + [-0.1]),
    (Rule.N1, [0, -3.5, 0], 1, (1,), [0, -2.99, 0]),
    (Rule.N2, [-0.2] * 9, 8, tuple(range(9)), [-0.2] * 8 + [0.2]),
    (Rule.N3, [-1, -0.5, 0, 0.4, 0.9, 1.3], 5, tuple(range(6)), [-1, -0.5, 0, 0.4, 0.9, 0.9]),
    (Rule.N4, [0.5, -0.5] * 7, 13, tuple(range(14)), [0.5, -0.5] * 6 + [0.5, 0.6]),
    (Rule.N5, [-2.2, 0, -2.4], 2, (0, 2), [-2.2, 0, 2.4]),
    (Rule.N6, [-1.2, -1.5, -1.1, 0, -1.9], 4, (0, 1, 2, 4), [-1.2, -1.5, 0.5, 0, -1.9]),
    (Rule.N7, [0.5, -0.5] * 7 + [0.2], 14, tuple(range(15)), [0.5, -0.5] * 7 + [1.2]),
    (Rule.N8, [1.5, -1.5] * 4, 7, tuple(range(8)), [1.5, -1.5] * 3 + [1.5, 0.5]),
]


@pytest.mark.parametrize(("rule", "hit", "index", "points", "miss"), CASES, ids=lambda c: str(c))
def test_rule_fires_on_its_pattern_only(rule, hit, index, points, miss):
    found = [s for s in detect(np.array(hit), (rule,)) if s.rule is rule]
    assert found, f"{rule} should fire on {hit}"
    assert found[-1].index == index
    assert found[-1].points == points
    assert not [s for s in detect(np.array(miss), (rule,)) if s.rule is rule]


def test_rule_sets_name_their_rules():
    z = np.array([3.5] + [0.0] * 3)
    assert {s.rule for s in detect(z, RuleSet.WE)} == {Rule.WE1}
    assert {s.rule for s in detect(z, RuleSet.NELSON)} == {Rule.N1}


def test_a_missing_point_breaks_a_run():
    z = np.array([0.2] * 4 + [np.nan] + [0.2] * 4)
    assert not detect(z, (Rule.WE4,))
    assert [s.index for s in detect(np.array([0.2] * 9), (Rule.WE4,))] == [7, 8]
