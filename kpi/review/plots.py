"""Plotly figures of the pack, assembled from the shared builders in ``kpi.charts``.

Why assemble rather than draw: the page and the PDF must show the same trend lines,
colours and target steps as the dashboard, so each panel reuses ``charts.trend``'s traces.
"""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from kpi import charts
from kpi.catalogue import CATALOGUE, Unit
from kpi.review.model import GROUP_KPIS, KpiGroup, Pack

PANEL_HEIGHT = 230


def trend(pack: Pack, kpi: str, height: int = 220) -> go.Figure:
    """One KPI's monthly trend with its target (the page's small chart)."""
    fig = charts.trend(pack.trends, kpi)
    fig.update_layout(height=height, showlegend=False, margin=dict(l=10, r=10, t=36, b=10))
    return fig


def group_figure(pack: Pack, group: KpiGroup) -> go.Figure:
    """Small multiples of a group's KPIs (two per row), each with its dashed target."""
    kpis = GROUP_KPIS[group]
    cols = 2 if len(kpis) > 1 else 1
    rows = (len(kpis) + cols - 1) // cols
    titles = [CATALOGUE[k].label for k in kpis]
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, vertical_spacing=0.16)
    for i, kpi in enumerate(kpis):
        row, col = i // cols + 1, i % cols + 1
        for trace in charts.trend(pack.trends, kpi).data:
            fig.add_trace(trace, row=row, col=col)
        _ratio_axis(fig, pack, kpi, row, col)
        _shade_period(fig, pack, row, col)
    fig.update_layout(
        template="plotly_white",
        height=PANEL_HEIGHT * rows + 40,
        width=1000,
        showlegend=False,
        margin=dict(l=50, r=20, t=40, b=30),
    )
    return fig


def _ratio_axis(fig: go.Figure, pack: Pack, kpi: str, row: int, col: int) -> None:
    """Two decimals on a very narrow percentage axis, so tick labels never repeat."""
    if CATALOGUE[kpi].unit is not Unit.RATIO:
        return
    values = pack.trends.loc[pack.trends["kpi"] == kpi, ["value", "target"]].stack()
    span = float(values.max() - values.min()) if len(values) else 1.0
    fmt = ".2%" if span < 0.02 else ".1%" if span < 0.2 else ".0%"
    fig.update_yaxes(tickformat=fmt, row=row, col=col)


def _shade_period(fig: go.Figure, pack: Pack, row: int, col: int) -> None:
    """The months under review, lightly shaded."""
    start = pack.period.start.replace(day=1)
    fig.add_vrect(x0=start, x1=pack.period.end, fillcolor="#90a4ae", opacity=0.15,
                  line_width=0, row=row, col=col)  # fmt: skip


def supplier_figure(pack: Pack) -> go.Figure | None:
    """Supplier OTD by supplier against the target, coloured by status."""
    if pack.suppliers.empty:
        return None
    df = pack.suppliers.assign(kpi="supplier_otd")
    fig = charts.bars_by(df, "supplier_otd", "supplier", "Supplier on-time delivery by supplier")
    fig.update_layout(width=1000, showlegend=False, margin=dict(l=150, r=20, t=40, b=20))
    return fig


def pack_figures(pack: Pack) -> dict[str, go.Figure]:
    """Every figure the PDF embeds, keyed by name."""
    figs = {g.value: group_figure(pack, g) for g in KpiGroup}
    supplier = supplier_figure(pack)
    if supplier is not None:
        figs["supplier_bars"] = supplier
    return figs
