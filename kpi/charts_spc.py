"""Pure plotly builders for control charts and corrective-action markers (frames in, figures out).

Zones are drawn as bands between the per-point limits (they narrow where n is large), so
the reader sees at once which points sit beyond 1σ, 2σ or 3σ. Signal points are red with
the rule ids in the hover text; excluded points are hollow grey.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from kpi import plot_text
from kpi.catalogue import CATALOGUE, Unit
from kpi.charts import LEGEND, ratio_tickformat
from kpi.spc import Chart, ChartType
from kpi.spc_rules import RULE_TEXT, Rule

ZONE_COLORS = {1: "rgba(46,125,50,0.10)", 2: "rgba(230,155,0,0.12)", 3: "rgba(198,40,40,0.10)"}
LINE_COLOR = "#1f4e79"
SIGNAL_COLOR = "#c62828"
LIMIT_COLOR = "#c62828"
CENTER_COLOR = "#37474f"
ACTION_COLOR = "#6a1b9a"


def _zone_band(fig: go.Figure, x, lower, upper, k: int, legend: bool) -> None:
    """One shaded band (both sides of the centre) between k-1 and k sigma."""
    fig.add_scatter(x=x, y=upper, mode="lines", line=dict(width=0, shape="hvh"),
                    showlegend=False, hoverinfo="skip")  # fmt: skip
    fig.add_scatter(
        x=x, y=lower, mode="lines", line=dict(width=0, shape="hvh"), fill="tonexty",
        fillcolor=ZONE_COLORS[k], name="zones 1σ / 2σ / 3σ", hoverinfo="skip", showlegend=legend,
        legendgroup="zones",
    )  # fmt: skip


def _zones(fig: go.Figure, f: pd.DataFrame, clamp: bool) -> None:
    x, c, s = f["period"], f["center"], f["sigma"]
    floor = 0.0 if clamp else None
    for k in (3, 2, 1):
        for sign in (1, -1):
            inner, outer = c + sign * (k - 1) * s, c + sign * k * s
            if floor is not None:
                inner, outer = inner.clip(lower=floor), outer.clip(lower=floor)
            _zone_band(fig, x, inner, outer, k, legend=k == 1 and sign == 1)


def _hover(row: pd.Series, unit: Unit | None) -> str:
    fmt = ".2%" if unit is Unit.RATIO else ",.3f"
    text = f"{plot_text.text(row['period'])}<br>value {row['value']:{fmt}}"
    if pd.notna(row["n"]):
        text += f" (n = {row['n']:,.0f})"
    if row["signals"]:
        rules = [f"{r}: {RULE_TEXT[Rule(r)]}" for r in row["signals"].split(";")]
        text += "<br><b>" + "<br>".join(rules) + "</b>"
    if row["excluded"]:
        text += "<br>excluded from the limits"
    return text


def control_figure(chart: Chart, title: str | None = None, height: int = 420) -> go.Figure:
    """The chart with 1σ/2σ/3σ zones, centre and limits, signal and excluded points."""
    f = chart.frame
    unit = CATALOGUE[chart.kpi].unit if chart.kpi in CATALOGUE else None
    if chart.chart in (ChartType.NP, ChartType.C):
        unit = Unit.COUNT
    fig = go.Figure()
    if len(f):
        _zones(fig, f, chart.chart is not ChartType.IMR)
    for col, name, dash, color in (("ucl", "UCL", "dash", LIMIT_COLOR),
                                   ("center", "centre", "solid", CENTER_COLOR),
                                   ("lcl", "LCL", "dash", LIMIT_COLOR)):  # fmt: skip
        fig.add_scatter(x=f["period"], y=f[col], name=name, mode="lines",
                        line=dict(color=color, dash=dash, width=1.5, shape="hvh"))  # fmt: skip
    fig.add_scatter(
        x=f["period"], y=f["value"], name=CATALOGUE.get(chart.kpi, None) and
        CATALOGUE[chart.kpi].label or "value", mode="lines+markers",
        line=dict(color=LINE_COLOR, width=2), marker=dict(size=7, color=LINE_COLOR),
        hovertext=[_hover(r, unit) for _, r in f.iterrows()], hoverinfo="text",
    )  # fmt: skip
    _marks(fig, f[f["signals"] != ""], "signal", SIGNAL_COLOR, "x", unit)
    _marks(fig, f[f["excluded"]], "excluded", "#9e9e9e", "circle-open", unit)
    _baseline_box(fig, chart)
    fig.update_layout(
        title=None if title is None else plot_text.text(title), template="plotly_white",
        height=height, hovermode="closest",
        margin=dict(l=10, r=10, t=40 if title else 10, b=10),
        legend=LEGEND,
    )  # fmt: skip
    if unit is Unit.RATIO:
        fig.update_yaxes(tickformat=ratio_tickformat(pd.concat([f["value"], f["ucl"], f["lcl"]])))
    return fig


def _marks(fig, rows: pd.DataFrame, name: str, color: str, symbol: str, unit) -> None:
    if rows.empty:
        return
    fig.add_scatter(
        x=rows["period"], y=rows["value"], name=name, mode="markers",
        marker=dict(size=13, color=color, symbol=symbol, line=dict(width=2, color=color)),
        hovertext=[_hover(r, unit) for _, r in rows.iterrows()], hoverinfo="text",
    )  # fmt: skip


def _baseline_box(fig: go.Figure, chart: Chart) -> None:
    if not chart.baseline:
        return
    start, end = chart.baseline
    fig.add_vrect(
        x0=start,
        x1=end,
        fillcolor="rgba(31,78,121,0.06)",
        line_width=0,
        annotation_text="baseline (limits frozen)",
        annotation_position="top left",
    )


def moving_range_figure(chart: Chart, height: int = 240) -> go.Figure:
    """The MR chart of an I-MR chart: moving ranges, their mean and UCL = 3.267 MR̄."""
    f = chart.frame
    fig = go.Figure()
    fig.add_scatter(x=f["period"], y=f["mr"], name="moving range", mode="lines+markers",
                    line=dict(color=LINE_COLOR))  # fmt: skip
    fig.add_scatter(x=f["period"], y=f["mr_center"], name="MR̄", mode="lines",
                    line=dict(color=CENTER_COLOR))  # fmt: skip
    fig.add_scatter(x=f["period"], y=f["mr_ucl"], name="UCL", mode="lines",
                    line=dict(color=LIMIT_COLOR, dash="dash"))  # fmt: skip
    fig.update_layout(template="plotly_white", height=height, margin=dict(l=10, r=10, t=10, b=10))
    return fig


def add_action_markers(fig: go.Figure, actions: pd.DataFrame) -> go.Figure:
    """Mark corrective actions on a time-axis figure: a dashed line where each was opened
    (its triggering period, else its creation date) and one where its effect is measured."""
    for row in actions.itertuples(index=False):
        opened = row.period or pd.Timestamp(row.created_at).date()
        label = f"CA #{row.action_id} ({plot_text.text(row.status)})"
        _vline(fig, opened, label, "dot")
        if getattr(row, "effective_from", None):
            _vline(fig, row.effective_from, f"CA #{row.action_id} change", "dash")
    return fig


def _vline(fig: go.Figure, day: dt.date, text: str, dash: str) -> None:
    x = pd.Timestamp(day).to_pydatetime()
    fig.add_vline(x=x, line=dict(color=ACTION_COLOR, dash=dash, width=1.5))
    fig.add_annotation(x=x, y=1, yref="paper", text=text, showarrow=False, xanchor="left",
                       yanchor="bottom", font=dict(color=ACTION_COLOR, size=11))  # fmt: skip
