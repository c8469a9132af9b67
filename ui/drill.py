"""Drill-down shared by the dashboard pages: a click on a trend picks the period and
series, two boxes show the choice, and the rows behind it come with their batch and a
download of the original file (the archive is content-addressed by SHA-256).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from kpi import plot_text, store
from kpi.lines import line_label
from kpi.views import Filters, period_end
from ui import widgets
from ui.data import Q, get
from ui.frame import Context

ALL_LINES = "All lines"


def lines() -> dict[str, dict[str, str]]:
    """Every line's label with its (plant, line) filter."""
    return {
        line_label(p, ln): {"plant": p, "line": ln}
        for p, ls in get(Q.PLANTS_AND_LINES).items()
        for ln in ls
    }


def clicked(event, fig: go.Figure) -> tuple[dt.date | None, str | None]:
    """The period and the series name of the first point clicked on ``fig`` (or None)."""
    points = ((event or {}).get("selection") or {}).get("points") or []
    if not points or "x" not in points[0]:
        return None, None
    point = points[0]
    curve = point.get("curve_number")
    name = fig.data[curve].name if curve is not None and curve < len(fig.data) else None
    return pd.Timestamp(point["x"]).date(), name


def follow_click(event, fig: go.Figure, prefix: str, chart: str) -> None:
    """Put a point clicked on ``chart`` into the boxes: its period, and its line when
    the series is a line. A selection stays in the chart's event, so each one is
    applied once; after that the boxes are free to change."""
    period, name = clicked(event, fig)
    seen = f"{prefix}_clicked_{chart}"
    if period is None or st.session_state.get(seen) == (period, name):
        return
    st.session_state[seen] = (period, name)
    st.session_state[f"{prefix}_period"] = period
    by_trace = {plot_text.text(label): label for label in lines()}
    if name in by_trace:
        st.session_state[f"{prefix}_line"] = by_trace[name]


def choose(
    view: Filters, periods: Iterable, prefix: str, with_line: bool = True
) -> tuple[dt.date, dt.date, dict[str, str]] | None:
    """Period (and line) boxes; the chosen window and filter, or None without periods."""
    options = sorted({pd.Timestamp(p).date() for p in periods if p is not None}, reverse=True)
    if not options:
        return None
    if st.session_state.get(f"{prefix}_period") not in options:
        st.session_state[f"{prefix}_period"] = options[0]
    c1, c2 = st.columns(2)
    label = f"{view.grain.value.capitalize()} starting"
    start = c1.selectbox(label, options, key=f"{prefix}_period")
    where: dict[str, str] = {}
    if with_line:
        known = lines()
        if st.session_state.get(f"{prefix}_line") not in [ALL_LINES, *known]:
            st.session_state[f"{prefix}_line"] = ALL_LINES
        where = known.get(c2.selectbox("Line", [ALL_LINES, *known], key=f"{prefix}_line"), {})
    return start, min(period_end(view.grain, start), view.date_to), where


def with_files(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` without history columns, with each row's batch file name beside its id."""
    rows = rows.drop(columns=["replaced_by"], errors="ignore")
    batches = get(Q.BATCHES)[["batch_id", "file_name"]]
    out = rows.merge(batches, on="batch_id", how="left")
    ordered = ["batch_id", "file_name", *[c for c in rows.columns if c != "batch_id"]]
    return out[ordered]


def originals(ctx: Context, rows: pd.DataFrame, prefix: str) -> None:
    """A download of the original file of any batch behind ``rows``."""
    ids = sorted({int(b) for b in rows["batch_id"].dropna()}, reverse=True)
    if not ids:
        return
    batches = get(Q.BATCHES).set_index("batch_id")
    c1, c2 = st.columns([3, 1], vertical_alignment="bottom")
    pick = c1.selectbox(
        "Original file of batch",
        ids,
        format_func=lambda i: f"#{i} · {batches.at[i, 'file_name']}",
        key=f"{prefix}_batch",
    )
    original = store.archive_path(ctx.settings, batches.at[pick, "sha256"])
    if original.exists():
        c2.download_button(
            "Original file",
            data=lambda: original.read_bytes(),
            file_name=str(batches.at[pick, "file_name"]),
            icon=":material/download:",
            key=f"{prefix}_original",
            on_click="ignore",
        )
    else:
        c2.caption("Not in the archive on this server.")


def rows_table(ctx: Context, rows: pd.DataFrame, what: str, prefix: str, **config) -> None:
    """The drill-down rows with their batch and file, and the original files' download."""
    if rows.empty:
        st.info(f"No {what} for this choice.")
        return
    shown = with_files(rows)
    st.caption(f"{len(shown):,} {what}, each with the batch that loaded it.")
    widgets.table(shown, f"{prefix}_rows", key=f"{prefix}_rows", height=320, **config)
    originals(ctx, shown, prefix)


def sources(kpi: str, start: dt.date, end: dt.date, where: dict[str, str], prefix: str) -> None:
    """The "sources" panel: every batch behind the current figure, with its original
    file's name and SHA-256, who loaded it and when (kpi.lineage)."""
    found = get(Q.SOURCES, kpi, start, end, where)
    with st.expander(f"Sources: {len(found)} batch(es) behind this figure",
                     icon=":material/account_tree:"):  # fmt: skip
        if found.empty:
            st.caption("No stored rows in this window and scope.")
        else:
            widgets.table(found, f"{prefix}_sources", key=f"{prefix}_sources")
