"""Reusable page pieces: KPI tiles, charts with definition and freshness, downloadable tables."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable

import pandas as pd
import streamlit as st

from kpi.catalogue import CATALOGUE, Direction
from kpi.exports import to_csv_bytes, to_xlsx_bytes
from kpi.views import Tile, format_delta, format_value

BADGE = {"met": ("green", ":material/check_circle:"), "near": ("orange", ":material/warning:")}
MISSED_BADGE = ("red", ":material/cancel:")


def tile(t: Tile) -> None:
    """One bordered KPI tile: value, change vs previous period, sparkline, status badge."""
    with st.container(border=True):
        st.metric(
            t.label,
            t.shown,
            delta=format_delta(t.value, t.previous, t.unit),
            delta_color="normal" if t.direction is Direction.HIGHER else "inverse",
            help=f"{t.definition}. Period starting {t.period}; change vs the previous period.",
            chart_data=t.spark or None,
            chart_type="line",
        )
        if t.partial:
            st.caption("partial period: data so far")
        if math.isnan(t.target):
            st.caption("no target set")
            return
        sign = "≥" if t.direction is Direction.HIGHER else "≤"
        target = f"target {sign} {format_value(t.target, t.unit)}"
        if t.status:
            color, icon = BADGE.get(t.status, MISSED_BADGE)
            st.badge(f"{t.status} · {target}", color=color, icon=icon)
        else:
            st.caption(target)


def chart(fig, kpis: Iterable[str], newest: dt.date | None, key: str, select: bool = False):
    """A plotly chart with the definition of its KPIs and the date of the newest data.

    A chart whose points can be clicked (``select``) hovers the closest point: with
    plotly's "x unified" hover a click selects nothing, so the drill-down never heard it.
    """
    if select:
        fig.update_layout(hovermode="closest")
    event = st.plotly_chart(
        fig,
        width="stretch",
        key=key,
        on_select="rerun" if select else "ignore",
        selection_mode="points",
        config={"displaylogo": False},
    )
    definitions(kpis, newest)
    return event


def definitions(kpis: Iterable[str], newest: dt.date | None) -> None:
    entries = [CATALOGUE[k] for k in kpis]
    label = "Definition · newest data " + (str(newest) if newest else "none")
    with st.expander(label, icon=":material/info:"):
        for e in entries:
            st.markdown(
                f"**{e.label}** ({e.unit.value}, {e.direction.value} is better): {e.definition}"
            )


def table(
    df: pd.DataFrame,
    name: str,
    key: str,
    height: int | None = None,
    percent: Iterable[str] = (),
    **kwargs,
) -> None:
    """A table plus CSV and XLSX downloads (formula cells neutralised, built on click).

    ``percent`` columns are ratios: shown as "7.4 %", like every tile and caption (one
    number style), while the downloads keep the exact fractions.
    """
    shown = df.copy()
    config = dict(kwargs.pop("column_config", None) or {})
    for column in (c for c in percent if c in df):
        shown[column] = df[column] * 100
        config[column] = st.column_config.NumberColumn(column, format="%.1f %%")
    st.dataframe(
        shown, hide_index=True, width="stretch", height=height or "auto",
        column_config=config or None, **kwargs,
    )  # fmt: skip
    c1, c2, _ = st.columns([1, 1, 6])
    c1.download_button(
        "CSV",
        data=lambda: to_csv_bytes(df),
        file_name=f"{name}.csv",
        mime="text/csv",
        key=f"{key}_csv",
        icon=":material/download:",
        on_click="ignore",
    )
    c2.download_button(
        "XLSX",
        data=lambda: to_xlsx_bytes(df, name),
        file_name=f"{name}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        key=f"{key}_xlsx",
        icon=":material/download:",
        on_click="ignore",
    )


def empty(message: str) -> None:
    """The empty state: say why there is nothing and what to do about it."""
    st.info(
        message + " Load files on the **Upload** page, or widen the filters.",
        icon=":material/inbox:",
    )
