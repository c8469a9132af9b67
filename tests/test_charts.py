"""Chart builders are pure: frames in, plotly figures out, checked without Streamlit."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kpi import charts

DAYS = [dt.date(2026, 1, 5), dt.date(2026, 1, 12), dt.date(2026, 1, 19)]


def _frame(kpi: str, values, targets, split=None) -> pd.DataFrame:
    rows = {
        "period": DAYS * (2 if split else 1),
        "kpi": kpi,
        "value": values,
        "target": targets,
        "status": ["met", "near", "missed"] * (2 if split else 1),
    }
    if split:
        rows["line"] = ["L1"] * 3 + ["L2"] * 3
    return pd.DataFrame(rows)


def test_trend_has_values_and_a_changing_target_line():
    df = _frame("scrap_rate", [0.01, 0.021, 0.03], [0.02, 0.02, 0.015])
    fig = charts.trend(df, "scrap_rate")
    kpi, target = fig.data
    assert kpi.type == "scatter" and list(kpi.y) == [0.01, 0.021, 0.03]
    assert target.name == "target" and list(target.y) == [0.02, 0.02, 0.015]
    assert target.line.shape == "hv" and target.line.dash == "dash"
    assert list(kpi.marker.color) == [charts.STATUS_COLORS[s] for s in ("met", "near", "missed")]
    assert fig.layout.yaxis.tickformat == ".1%"  # a narrow range keeps one decimal


def test_trend_split_keeps_one_colour_per_line():
    df = _frame("yield", [0.9, 0.95, 0.97, 0.8, 0.85, 0.9], [0.95] * 6, split=True)
    fig = charts.trend(df, "yield", split="line")
    names = [t.name for t in fig.data]
    assert names == ["L1", "L2", "target"]
    assert fig.data[0].line.color == charts.line_color("L1") != charts.line_color("L2")
    assert charts.line_color("L1") == charts.line_color("L1")


def test_performance_above_one_is_not_clipped():
    df = _frame("performance", [1.05, 1.2, 0.9], [None] * 3)
    fig = charts.trend(df, "performance")
    assert max(fig.data[0].y) == pytest.approx(1.2)
    assert fig.layout.yaxis.range is None  # autorange: nothing cut at 100 %
    factors = charts.factor_trends(df.assign(line="L1"), ["performance"])
    assert max(factors.data[0].y) == pytest.approx(1.2)
    assert all(ax.range is None for ax in [factors.layout.yaxis])


def test_pareto_bars_and_cumulative_line():
    df = pd.DataFrame({"reason": ["Jam", "Tool", "Other"], "minutes": [20.0, 60.0, 20.0]})
    fig = charts.pareto(df, "reason", "minutes", "P")
    bars, cumulative = fig.data[:2]
    assert bars.type == "bar" and list(bars.x) == ["Tool", "Jam", "Other"]
    assert list(bars.y) == [60.0, 20.0, 20.0]
    assert list(cumulative.y) == pytest.approx([0.6, 0.8, 1.0])
    assert cumulative.yaxis == "y2"


def test_waterfall_totals_and_losses():
    steps = pd.DataFrame(
        {
            "step": ["planned time", "planned stops", "PBT"],
            "minutes": [480.0, -30.0, 450.0],
            "kind": ["total", "loss", "total"],
        }
    )
    fig = charts.waterfall(steps)
    assert fig.data[0].type == "waterfall"
    assert list(fig.data[0].measure) == ["absolute", "relative", "absolute"]
    assert list(fig.data[0].y) == [480.0, -30.0, 450.0]


def test_heatmap_matrix_matches_input():
    wide = pd.DataFrame([[0.0, 5.0], [12.0, 0.0]], index=["L1", "L2"], columns=DAYS[:2])
    fig = charts.heatmap(wide)
    assert fig.data[0].type == "heatmap"
    assert [list(r) for r in fig.data[0].z] == [[0.0, 5.0], [12.0, 0.0]]
    assert list(fig.data[0].y) == ["L1", "L2"]


def test_bars_by_status_colours_and_targets():
    df = pd.DataFrame(
        {
            "customer": ["A", "B"],
            "kpi": "otd",
            "value": [0.99, 0.5],
            "target": [0.98, 0.98],
            "status": ["met", "missed"],
        }
    )
    fig = charts.bars_by(df, "otd", "customer")
    bars, targets = fig.data
    assert list(bars.y) == ["B", "A"] and list(bars.x) == [0.5, 0.99]
    assert list(bars.marker.color) == [charts.STATUS_COLORS["missed"], charts.STATUS_COLORS["met"]]
    assert list(targets.x) == [0.98, 0.98]


@pytest.mark.parametrize(
    ("low", "high"), [(0.0185, 0.0195), (0.019, 0.0193), (0.955, 0.975), (0.70, 0.86), (0.0, 1.0)]
)
def test_ratio_ticks_never_repeat_a_label(low: float, high: float) -> None:
    """Failed before: 1.85 %..1.95 % got '.1%', so ticks read '1.9 %, 1.9 %, 1.9 %'."""
    from kpi.charts import ratio_tickformat

    decimals = int(ratio_tickformat(pd.Series([low, high]))[1])
    ticks = [low + (high - low) * i / 10 for i in range(11)]
    labels = [f"{t * 100:.{decimals}f}" for t in ticks]
    assert len(set(labels)) == len(labels), labels
    assert decimals <= 3


def test_legends_sit_below_the_plot_clear_of_the_modebar() -> None:
    from kpi import charts

    frame = pd.DataFrame(
        {"period": ["2026-01-05", "2026-01-05"], "kpi": ["oee", "oee"], "value": [0.7, 0.8],
         "line_label": ["Plant 1 · L1", "Plant 1 · L2"], "target": [0.85, 0.85],
         "status": ["missed", "near"]}
    )  # fmt: skip
    fig = charts.trend(frame, "oee", "line_label")
    assert fig.layout.legend.y < 0 and fig.layout.legend.yanchor == "top"
