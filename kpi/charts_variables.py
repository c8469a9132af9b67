"""Pure plotly builders for variables charts and capability histograms (frames in, figures out).

Two stacked panels share the time axis: the location chart (X̄ or individuals) above, the
spread chart (R, s or MR) below, so a shift and a change in spread are read together.
Limits are step lines when they change from point to point (varying n), straight lines
otherwise. Signal points are red crosses with the rule ids in the hover text; excluded
subgroups are hollow grey. Every text that comes from data goes through kpi.plot_text.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots
from scipy import stats as st

from kpi import plot_text
from kpi.capability import Capability
from kpi.charts import LEGEND
from kpi.charts_spc import CENTER_COLOR, LIMIT_COLOR, LINE_COLOR, SIGNAL_COLOR
from kpi.spc_rules import RULE_TEXT, Rule
from kpi.spc_variables import CHART_LABELS, VariablesChart

EXCLUDED_COLOR = "#9e9e9e"
SPEC_COLOR = "#6a1b9a"
WITHIN_COLOR = "#1f4e79"
OVERALL_COLOR = "#e69b00"


def _shape(values: pd.Series) -> str:
    """Step lines where limits vary per point, straight lines where they are constant."""
    finite = values.dropna()
    return "hvh" if finite.nunique() > 1 else "linear"


def _limit_lines(fig: go.Figure, f: pd.DataFrame, cols: tuple[str, str, str], row: int) -> None:
    for col, name, dash, color in zip(
        cols,
        ("UCL", "centre", "LCL"),
        ("dash", "solid", "dash"),
        (LIMIT_COLOR, CENTER_COLOR, LIMIT_COLOR),
        strict=True,
    ):
        fig.add_scatter(
            x=f["subgroup_start"],
            y=f[col],
            name=name,
            mode="lines",
            legendgroup=name,
            showlegend=row == 1,
            hoverinfo="skip",
            line=dict(color=color, dash=dash, width=1.5, shape=_shape(f[col])),
            row=row,
            col=1,
        )


def _hover(row: pd.Series, symbol: str, spread_symbol: str) -> str:
    text = f"subgroup {plot_text.text(row['subgroup'])}<br>{plot_text.text(row['subgroup_start'])}"
    text += f"<br>{symbol} = {row['value']:.6g} (n = {row['n']})"
    if pd.notna(row["spread"]):
        text += f"<br>{spread_symbol} = {row['spread']:.6g}"
    if row["signals"]:
        rules = [f"{r}: {RULE_TEXT[Rule(r)]}" for r in row["signals"].split(";")]
        text += "<br><b>" + "<br>".join(rules) + "</b>"
    if row["spread_signal"]:
        text += f"<br><b>{spread_symbol} beyond its limits</b>"
    if row["excluded"]:
        text += "<br>excluded from the limits"
    return text


def _points(fig, f: pd.DataFrame, y: str, name: str, row: int, hover: list[str]) -> None:
    fig.add_scatter(
        x=f["subgroup_start"],
        y=f[y],
        name=name,
        mode="lines+markers",
        line=dict(color=LINE_COLOR, width=2),
        marker=dict(size=6, color=LINE_COLOR),
        hovertext=hover,
        hoverinfo="text",
        row=row,
        col=1,
    )


def _marks(fig, f: pd.DataFrame, mask, y: str, name: str, style: tuple[str, str], row: int):
    rows = f[np.asarray(mask, dtype=bool)]
    if rows.empty:
        return
    color, symbol = style
    fig.add_scatter(
        x=rows["subgroup_start"],
        y=rows[y],
        name=name,
        mode="markers",
        legendgroup=name,
        marker=dict(size=12, color=color, symbol=symbol, line=dict(width=2, color=color)),
        hoverinfo="skip",
        row=row,
        col=1,
    )


def variables_figure(
    chart: VariablesChart, title: str | None = None, height: int = 560
) -> go.Figure:
    """X̄-R, X̄-S or I-MR as two stacked panels with limits, signals and exclusions."""
    _, symbol, spread_symbol = CHART_LABELS[chart.chart]
    f = chart.frame
    fig = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        row_heights=[0.62, 0.38],
        subplot_titles=(symbol, spread_symbol),
    )
    hover = [_hover(r, symbol, spread_symbol) for _, r in f.iterrows()]
    _limit_lines(fig, f, ("ucl", "center", "lcl"), 1)
    _limit_lines(fig, f, ("spread_ucl", "spread_center", "spread_lcl"), 2)
    _points(fig, f, "value", symbol, 1, hover)
    _points(fig, f, "spread", spread_symbol, 2, hover)
    signal = (SIGNAL_COLOR, "x")
    _marks(fig, f, f["signals"] != "", "value", f"signal ({symbol})", signal, 1)
    _marks(fig, f, f["spread_signal"], "spread", f"signal ({spread_symbol})", signal, 2)
    _marks(fig, f, f["excluded"], "value", "excluded", (EXCLUDED_COLOR, "circle-open"), 1)
    _baseline_box(fig, chart)
    fig.update_layout(
        title=None if title is None else plot_text.text(title),
        template="plotly_white",
        height=height,
        hovermode="closest",
        legend=LEGEND,
        margin=dict(l=10, r=10, t=50 if title else 30, b=10),
    )
    return fig


def _baseline_box(fig: go.Figure, chart: VariablesChart) -> None:
    if not chart.baseline:
        return
    start, end = (pd.Timestamp(v) for v in chart.baseline)
    for row in (1, 2):
        fig.add_vrect(
            x0=start, x1=end, fillcolor="rgba(31,78,121,0.06)", line_width=0, row=row, col=1
        )
    fig.add_annotation(
        x=start,
        y=1,
        xref="x",
        yref="paper",
        text="baseline (limits frozen)",
        showarrow=False,
        xanchor="left",
        yanchor="bottom",
    )


def _spec_lines(fig: go.Figure, cap: Capability) -> None:
    for value, name, dash in (
        (cap.spec.lsl, "LSL", "dash"),
        (cap.spec.usl, "USL", "dash"),
        (cap.spec.nominal, "nominal", "dot"),
    ):
        if value is None:
            continue
        fig.add_vline(x=value, line=dict(color=SPEC_COLOR, dash=dash, width=2))
        fig.add_annotation(
            x=value,
            y=1,
            yref="paper",
            text=f"{name} {value:.6g}",
            showarrow=False,
            yanchor="bottom",
            font=dict(color=SPEC_COLOR),
        )


def _curve(cap: Capability, values: np.ndarray) -> np.ndarray:
    """x grid covering the data, the spec limits and ±4σ around the mean."""
    sigma = max(s for s in (cap.sigma_within, cap.sigma_overall, 0.0) if math.isfinite(s))
    ends = [*values, cap.mean - 4 * sigma, cap.mean + 4 * sigma]
    ends += [v for v in (cap.spec.lsl, cap.spec.usl) if v is not None]
    return np.linspace(min(ends), max(ends), 200)


def capability_figure(
    values: np.ndarray | pd.Series, cap: Capability, title: str | None = None, height: int = 380
) -> go.Figure:
    """Histogram (density) of the readings with spec lines and the fitted normal curves
    (σ within and σ overall), so a reader sees at once whether the tails leave the spec."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    fig = go.Figure()
    fig.add_histogram(
        x=x,
        histnorm="probability density",
        name="readings",
        marker=dict(color="rgba(31,78,121,0.35)"),
    )
    grid = _curve(cap, x) if len(x) else np.empty(0)
    for sigma, name, color in (
        (cap.sigma_within, "normal (σ within)", WITHIN_COLOR),
        (cap.sigma_overall, "normal (σ overall)", OVERALL_COLOR),
    ):
        if len(grid) and math.isfinite(sigma) and sigma > 0:
            fig.add_scatter(
                x=grid,
                y=st.norm.pdf(grid, cap.mean, sigma),
                mode="lines",
                name=name,
                line=dict(color=color, width=2),
            )
    _spec_lines(fig, cap)
    fig.update_layout(
        title=None if title is None else plot_text.text(title),
        template="plotly_white",
        height=height,
        bargap=0.02,
        legend=LEGEND,
        margin=dict(l=10, r=10, t=50 if title else 30, b=10),
    )
    return fig
