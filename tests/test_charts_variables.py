"""Variables chart and capability figures: panels, limit lines, signal marks, escaping."""

from __future__ import annotations

import numpy as np
import pandas as pd

from kpi.capability import Spec, chart_capability
from kpi.charts_variables import capability_figure, variables_figure
from kpi.spc_variables import variables_chart
from tests.pistonrings import QCC_SAMPLES, readings

PHASE_ONE_END = pd.Timestamp("2026-01-05 06:00") + pd.Timedelta(hours=24)


def _traces(fig, name: str) -> list:
    return [t for t in fig.data if t.name == name]


def test_xbar_r_figure_has_two_panels_with_limits_and_marked_signals():
    data = readings(QCC_SAMPLES)
    chart = variables_chart(data, "xbar-r", baseline=("2026-01-05 06:00", PHASE_ONE_END))
    fig = variables_figure(chart, title="Bore Ø")
    assert {t.yaxis for t in _traces(fig, "UCL")} == {"y", "y2"}  # both panels
    assert len(_traces(fig, "centre")) == 2 and len(_traces(fig, "LCL")) == 2
    ucl = _traces(fig, "UCL")[0]
    assert np.allclose(ucl.y, chart.frame["ucl"])
    assert ucl.line.shape == "linear"  # constant limits: straight lines
    (marks,) = _traces(fig, "signal (x̄)")
    flagged = chart.frame[chart.frame["signals"] != ""]
    assert list(marks.y) == list(flagged["value"])
    assert len(marks.x) == len(flagged) > 0
    assert fig.layout.shapes  # the frozen baseline box


def test_varying_limits_are_step_lines_and_spread_signals_are_marked():
    groups = [(10.0, 10.2), (10.1, 10.0, 9.9), (10.0, 10.1), (10.05, 9.95, 10.0),
              (9.0, 11.0, 10.0), (10.0, 10.05)]  # fmt: skip
    baseline = ("2026-01-05 06:00", "2026-01-05 09:00")  # subgroups 1-4
    chart = variables_chart(readings(groups), "xbar-s", baseline=baseline, exclusions={2})
    # pooled s̄ of 1, 3, 4 = √((0.02 + 0.005 + 2·0.0025)/4) = 0.0866; s₅ = 1 > B4(3)·s̄ = 0.22
    assert [s.index for s in chart.spread_signals] == [4]
    fig = variables_figure(chart)
    assert _traces(fig, "UCL")[0].line.shape == "hvh"
    assert len(_traces(fig, "excluded")[0].x) == 1
    assert list(_traces(fig, "signal (s)")[0].y) == [1.0]


def test_imr_figure_marks_a_spread_signal():
    x = [5.0, 5.1, 4.9, 5.0, 5.05, 4.95, 5.0, 8.0, 5.0, 5.02]
    chart = variables_chart(readings([(v,) for v in x]), "imr")
    assert chart.spread_signals  # the jump to 8.0 and back are far beyond 3.267·MR̄
    fig = variables_figure(chart)
    assert len(_traces(fig, "signal (MR)")[0].x) == len(chart.spread_signals)
    assert {t.name for t in fig.data} >= {"x", "MR", "UCL", "centre", "LCL"}


def test_text_from_data_is_escaped():
    rows = readings([(1.0, 1.2), (1.1, 0.9)])
    rows["subgroup"] = rows["subgroup"].map({1: "<a href='x'>lot</a>", 2: "lot 2"})
    chart = variables_chart(rows, "xbar-r")
    fig = variables_figure(chart, title="<script>t</script>")
    assert "<script>" not in fig.layout.title.text
    hover = " ".join(_traces(fig, "x̄")[0].hovertext)
    assert "<a href" not in hover and "&lt;a href" in hover


def test_capability_histogram_has_spec_lines_and_normal_curves():
    data = readings(QCC_SAMPLES[:25])
    chart = variables_chart(data, "xbar-r")
    cap = chart_capability(data, chart, Spec(73.95, 74.05, nominal=74.0))
    fig = capability_figure(data["value"], cap, title="Piston <ring>")
    assert [t.type for t in fig.data].count("histogram") == 1
    within = _traces(fig, "normal (σ within)")[0]
    peak = 1 / (cap.sigma_within * np.sqrt(2 * np.pi))  # the fitted normal's density peak
    assert abs(max(within.y) - peak) < 0.01 * peak
    assert len(_traces(fig, "normal (σ overall)")) == 1
    lines = sorted(s.x0 for s in fig.layout.shapes)
    assert lines == [73.95, 74.0, 74.05]
    assert "&lt;ring&gt;" in fig.layout.title.text


def test_one_sided_capability_histogram_draws_one_limit():
    data = readings(QCC_SAMPLES[:25])
    cap = chart_capability(data, variables_chart(data, "xbar-r"), Spec(usl=74.05))
    fig = capability_figure(data["value"], cap)
    assert [s.x0 for s in fig.layout.shapes] == [74.05]
