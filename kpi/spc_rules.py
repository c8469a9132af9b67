"""Western Electric and Nelson run rules over standardised chart values.

Why standardised: with variable n (p and u charts) each point has its own limits, so
every rule is evaluated on z = (value - centre) / sigma, where ±1, ±2 and ±3 are the zone
edges of that point. A signal is reported at the point that completes the pattern and
names every point of the pattern, so a user can see *why* it fired.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np


class RuleSet(StrEnum):
    WE = "we"  # Western Electric rules 1-4
    NELSON = "nelson"  # Nelson rules 1-8


class Rule(StrEnum):
    WE1 = "WE1"
    WE2 = "WE2"
    WE3 = "WE3"
    WE4 = "WE4"
    N1 = "N1"
    N2 = "N2"
    N3 = "N3"
    N4 = "N4"
    N5 = "N5"
    N6 = "N6"
    N7 = "N7"
    N8 = "N8"


RULE_TEXT: dict[Rule, str] = {
    Rule.WE1: "one point beyond 3σ",
    Rule.WE2: "2 of 3 consecutive points beyond 2σ on the same side",
    Rule.WE3: "4 of 5 consecutive points beyond 1σ on the same side",
    Rule.WE4: "8 consecutive points on the same side of the centre line",
    Rule.N1: "one point beyond 3σ",
    Rule.N2: "9 points in a row on the same side of the centre line",
    Rule.N3: "6 points in a row steadily increasing or decreasing",
    Rule.N4: "14 points in a row alternating up and down",
    Rule.N5: "2 of 3 consecutive points beyond 2σ on the same side",
    Rule.N6: "4 of 5 consecutive points beyond 1σ on the same side",
    Rule.N7: "15 points in a row within 1σ of the centre line (either side)",
    Rule.N8: "8 points in a row beyond 1σ on both sides of the centre, none within 1σ",
}


@dataclass(frozen=True)
class Signal:
    """One rule firing: the rule, the index that completed it and every index involved."""

    rule: Rule
    index: int
    points: tuple[int, ...]

    @property
    def text(self) -> str:
        return RULE_TEXT[self.rule]


def _beyond(z: np.ndarray, k: float) -> list[tuple[int, ...]]:
    return [(i,) for i in range(len(z)) if abs(z[i]) > k]


def _k_of_m(z: np.ndarray, k: int, m: int, edge: float) -> list[tuple[int, ...]]:
    """k of m consecutive points beyond ``edge`` sigma on the same side (window ends at i)."""
    out = []
    for i in range(m - 1, len(z)):
        window = range(i - m + 1, i + 1)
        for side in (1.0, -1.0):
            hits = tuple(j for j in window if side * z[j] > edge)
            if len(hits) >= k and side * z[i] > edge:
                out.append(hits)
                break
    return out


def _run(z: np.ndarray, length: int, test: Callable[[np.ndarray], bool]) -> list[tuple[int, ...]]:
    """Windows of ``length`` consecutive points (ending at i) for which ``test`` holds."""
    return [
        tuple(range(i - length + 1, i + 1))
        for i in range(length - 1, len(z))
        if test(z[i - length + 1 : i + 1])
    ]


def _same_side(w: np.ndarray) -> bool:
    return bool(np.all(w > 0) or np.all(w < 0))


def _trend(w: np.ndarray) -> bool:
    d = np.diff(w)
    return bool(np.all(d > 0) or np.all(d < 0))


def _alternating(w: np.ndarray) -> bool:
    d = np.diff(w)
    return bool(np.all(d != 0) and np.all(np.sign(d[1:]) == -np.sign(d[:-1])))


def _within_1(w: np.ndarray) -> bool:
    return bool(np.all(np.abs(w) < 1))


def _outside_1(w: np.ndarray) -> bool:
    """Nelson 8: all beyond 1σ, and on both sides (all on one side is a shift, not N8)."""
    return bool(np.all(np.abs(w) > 1) and np.any(w > 0) and np.any(w < 0))


DETECTORS: dict[Rule, Callable[[np.ndarray], list[tuple[int, ...]]]] = {
    Rule.WE1: lambda z: _beyond(z, 3),
    Rule.WE2: lambda z: _k_of_m(z, 2, 3, 2),
    Rule.WE3: lambda z: _k_of_m(z, 4, 5, 1),
    Rule.WE4: lambda z: _run(z, 8, _same_side),
    Rule.N1: lambda z: _beyond(z, 3),
    Rule.N2: lambda z: _run(z, 9, _same_side),
    Rule.N3: lambda z: _run(z, 6, _trend),
    Rule.N4: lambda z: _run(z, 14, _alternating),
    Rule.N5: lambda z: _k_of_m(z, 2, 3, 2),
    Rule.N6: lambda z: _k_of_m(z, 4, 5, 1),
    Rule.N7: lambda z: _run(z, 15, _within_1),
    Rule.N8: lambda z: _run(z, 8, _outside_1),
}

RULES: dict[RuleSet, tuple[Rule, ...]] = {
    RuleSet.WE: (Rule.WE1, Rule.WE2, Rule.WE3, Rule.WE4),
    RuleSet.NELSON: (Rule.N1, Rule.N2, Rule.N3, Rule.N4, Rule.N5, Rule.N6, Rule.N7, Rule.N8),
}


def detect(z: np.ndarray, rules: RuleSet | tuple[Rule, ...] = RuleSet.WE) -> list[Signal]:
    """Every signal of the chosen rules; points with an unknown z (NaN) break every run."""
    chosen = RULES[rules] if isinstance(rules, RuleSet) else rules
    z = np.asarray(z, dtype=float)
    signals: list[Signal] = []
    for start, stop in _finite_segments(z):
        part = z[start:stop]
        for rule in chosen:
            for pts in DETECTORS[rule](part):
                shifted = tuple(p + start for p in pts)
                signals.append(Signal(rule, max(shifted), shifted))
    return sorted(signals, key=lambda s: (s.index, s.rule.value))


def _finite_segments(z: np.ndarray) -> list[tuple[int, int]]:
    """Runs of consecutive finite values (a missing point or zero sigma splits runs)."""
    segments, start = [], None
    for i, ok in enumerate(np.isfinite(z)):
        if ok and start is None:
            start = i
        elif not ok and start is not None:
            segments.append((start, i))
            start = None
    if start is not None:
        segments.append((start, len(z)))
    return segments


def rules_at(signals: list[Signal], n: int) -> list[list[Rule]]:
    """Per point: the rules that fire at it (completed there), each rule once, in order."""
    out: list[list[Rule]] = [[] for _ in range(n)]
    for s in signals:
        if s.rule not in out[s.index]:
            out[s.index].append(s.rule)
    return out


def inside(signals: list[Signal], keep: np.ndarray) -> list[Signal]:
    """Signals completed at a kept point, renumbered to the kept points (those of their
    points that are kept), so rules can run over more points than are shown."""
    index = np.cumsum(keep) - 1  # position of each kept point among the kept ones
    return [
        Signal(s.rule, int(index[s.index]), tuple(int(index[i]) for i in s.points if keep[i]))
        for s in signals
        if keep[s.index]
    ]
