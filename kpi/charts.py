"""Pure plotly builders: frames in, figures out (no Streamlit), shared by pages and exports.

One colour language everywhere: the target is a dark dashed line, met / near / missed
are green / amber / red, and each production line keeps its own colour on every chart.
Ratio axes are percentages and are never clipped: performance can exceed 100 %.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kpi import plot_text
from kpi.catalogue import CATALOGUE, Unit

STATUS_COLORS = {"met": "#2e7d32", "near": "#e69b00", "missed": "#c62828"}
NO_STATUS = "#1f4e79"
TARGET_COLOR = "#37474f"
TOTAL_COLOR = "#1f4e79"
LOSS_COLOR = "#c62828"
PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b",
    "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728",
)  # fmt: skip
_HEIGHT = 340
# below the plot, left: at the top right the modebar covered the legend's last entries
LEGEND = dict(orientation="h", yanchor="top", y=-0.14, xanchor="left", x=0)


def line_color(name: object) -> str:
    """The same colour for a line (L1, L2, ...) on every chart: by its number, else a hash."""
    text = str(name)
    match = re.search(r"(\d+)\s*$", text)
    index = int(match.group(1)) - 1 if match else zlib.crc32(text.encode())
    return PALETTE[index % len(PALETTE)]


def status_color(status: object) -> str:
    return STATUS_COLORS.get(str(status), NO_STATUS)


def _layout(fig: go.Figure, title: str | None, unit: Unit | None, height: int = _HEIGHT):
    fig.update_layout(
        title=None if title is None else plot_text.text(title),
        template="plotly_white",
        height=height,
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        legend=LEGEND,
        hovermode="x unified",
    )
    if unit is Unit.RATIO:
        fig.update_yaxes(tickformat=".0%")
    return fig


def ratio_tickformat(values: pd.Series) -> str:
    """Enough decimals that ticks about a tenth of the span apart never read the same
    (1.9 %, 1.9 %), and none where whole percents tell them apart."""
    values = values.dropna()
    span = float(values.max() - values.min()) if len(values) else 1.0
    decimals = 3 if span <= 0 else min(3, max(0, math.ceil(-math.log10(span * 10))))
    return f".{decimals}%"


def _ratio_ticks(fig: go.Figure, values: pd.Series, **where) -> None:
    fig.update_yaxes(tickformat=ratio_tickformat(values), **where)


def trend(df: pd.DataFrame, kpi: str, split: str | None = None, title: str | None = None):
    """A KPI over time (one line, or one per ``split`` value) with its target as a step line."""
    entry = CATALOGUE[kpi]
    rows = df[df["kpi"] == kpi].sort_values("period")
    fig = go.Figure()
    groups = rows.groupby(split, sort=True) if split else [(None, rows)]
    for name, part in groups:
        key = name[0] if isinstance(name, tuple) else name
        color = line_color(key) if split else TOTAL_COLOR
        markers = dict(color=[status_color(s) for s in part["status"]], size=7) if not split else {}
        fig.add_scatter(
            x=part["period"],
            y=part["value"],
            name=plot_text.text(key) if split else entry.label,
            mode="lines+markers",
            line=dict(color=color, width=2),
            marker=markers or dict(color=color, size=5),
        )
    _add_target(fig, rows)
    fig = _layout(fig, title or entry.label, entry.unit)
    if entry.unit is Unit.RATIO:
        _ratio_ticks(fig, pd.concat([rows["value"], rows.get("target", rows["value"])]))
    return fig


def _add_target(fig: go.Figure, rows: pd.DataFrame) -> None:
    """The target as a step line; per period the most common target (targets can change)."""
    if "target" not in rows or rows["target"].isna().all():
        return
    per_period = (
        rows.dropna(subset=["target"]).groupby("period")["target"].agg(lambda s: s.mode().iloc[0])
    )
    fig.add_scatter(
        x=per_period.index,
        y=per_period.values,
        name="target",
        mode="lines",
        line=dict(color=TARGET_COLOR, dash="dash", width=2, shape="hv"),
    )


def pareto(df: pd.DataFrame, category: str, value: str, title: str | None = None):
    """Bars largest first plus the cumulative share on a second axis (80 % guide)."""
    rows = df.sort_values(value, ascending=False, kind="stable")
    total = rows[value].sum()
    cumulative = rows[value].cumsum() / total if total else rows[value] * 0
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    categories = plot_text.texts(rows[category])
    fig.add_bar(x=categories, y=rows[value], name=value, marker_color=TOTAL_COLOR)
    fig.add_scatter(
        x=categories,
        y=cumulative,
        name="cumulative %",
        mode="lines+markers",
        line=dict(color=LOSS_COLOR),
        secondary_y=True,
    )
    fig.add_shape(
        type="line", xref="paper", x0=0, x1=1, yref="y2", y0=0.8, y1=0.8,
        line=dict(color=TARGET_COLOR, dash="dot", width=1),
    )  # fmt: skip
    fig.update_yaxes(tickformat=".0%", range=[0, 1.05], dtick=0.2, secondary_y=True)
    return _layout(fig, title, None)


def heatmap(wide: pd.DataFrame, title: str | None = None, label: str = "minutes"):
    """Rows x columns matrix (e.g. line x day of unplanned minutes), darker is worse."""
    fig = go.Figure(
        go.Heatmap(
            z=wide.to_numpy(),
            x=plot_text.texts(wide.columns),
            y=plot_text.texts(wide.index),
            colorscale="Reds",
            colorbar=dict(title=label),
            hovertemplate="%{y} %{x}<br>%{z:,.0f} " + label + "<extra></extra>",
        )
    )
    fig = _layout(fig, title, None, height=max(220, 60 + 40 * len(wide.index)))
    fig.update_layout(hovermode="closest")
    return fig


def waterfall(df: pd.DataFrame, title: str | None = None):
    """Planned time down to fully productive time; totals as bars, losses as red steps."""
    measure = ["absolute" if k == "total" else "relative" for k in df["kind"]]
    fig = go.Figure(
        go.Waterfall(
            x=plot_text.texts(df["step"]),
            y=df["minutes"],
            measure=measure,
            text=[f"{v:,.0f}" for v in df["minutes"]],
            textposition="outside",
            decreasing=dict(marker=dict(color=LOSS_COLOR)),
            increasing=dict(marker=dict(color=STATUS_COLORS["met"])),
            totals=dict(marker=dict(color=TOTAL_COLOR)),
            connector=dict(line=dict(color="#9e9e9e", width=1)),
        )
    )
    fig = _layout(fig, title, None, height=400)
    fig.update_yaxes(title="minutes")
    return fig


def _bar_text(value: float, unit: Unit) -> str:
    """Percent for ratios, four decimals for per-unit rates (0.0047), whole numbers else."""
    if unit is Unit.RATIO:
        return f"{value:.1%}"
    return f"{value:.4f}" if unit is Unit.PER_UNIT else f"{value:,.0f}"


def bars_by(df: pd.DataFrame, kpi: str, dim: str, title: str | None = None):
    """One bar per dimension value, coloured by status, with each bar's target marked."""
    entry = CATALOGUE[kpi]
    rows = df[df["kpi"] == kpi].sort_values("value", ascending=True, na_position="first")
    fig = go.Figure()
    fig.add_bar(
        x=rows["value"],
        y=plot_text.texts(rows[dim]),
        orientation="h",
        marker_color=[status_color(s) for s in rows["status"]],
        name=entry.label,
        text=[_bar_text(v, entry.unit) for v in rows["value"]],
        textposition="auto",
    )
    if "target" in rows and rows["target"].notna().any():
        fig.add_scatter(
            x=rows["target"],
            y=plot_text.texts(rows[dim]),
            mode="markers",
            name="target",
            marker=dict(symbol="line-ns-open", size=18, color=TARGET_COLOR, line=dict(width=3)),
        )
    fig = _layout(fig, title or f"{entry.label} by {dim}", None, max(240, 80 + 28 * len(rows)))
    if entry.unit is Unit.RATIO:
        fig.update_xaxes(tickformat=".0%", rangemode="tozero")
    fig.update_layout(hovermode="closest")
    return fig


def factor_trends(df: pd.DataFrame, kpis: Iterable[str], split: str = "line"):
    """Stacked small multiples (e.g. A, P and Q) with one coloured trace per line."""
    kpis = list(kpis)
    fig = make_subplots(
        rows=len(kpis),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.06,
        subplot_titles=[CATALOGUE[k].label for k in kpis],
    )
    for row, kpi in enumerate(kpis, start=1):
        part = df[df["kpi"] == kpi].sort_values("period")
        for name, group in part.groupby(split, sort=True):
            fig.add_scatter(
                x=group["period"],
                y=group["value"],
                name=plot_text.text(name),
                legendgroup=str(name),
                showlegend=row == 1,
                mode="lines",
                line=dict(color=line_color(name), width=2),
                row=row,
                col=1,
            )
        _ratio_ticks(fig, part["value"], row=row, col=1)
    return _layout(fig, None, None, height=220 * len(kpis) + 40)
