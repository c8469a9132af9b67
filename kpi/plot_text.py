"""Data shown in plotly figures (labels, ticks, legends, hover text): always as text.

Why: plotly.js renders a subset of HTML (``<a href>``, ``<b>``, ``<br>``...) in every text
it draws, including category ticks that come straight from the data, so a customer named
``<a href=...>`` became a link. Escaping ``& < >`` as entities shows them literally
(plotly converts entities only after it has split out its tags).
"""

from __future__ import annotations

import html
from collections.abc import Iterable

import pandas as pd


def text(value: object) -> str:
    """One data value as plotly text."""
    return html.escape(str(value), quote=False)


def texts(values: Iterable[object]) -> list[str]:
    """Data values (a category column) as plotly text, in order."""
    return [text(v) for v in values]


def frame(df: pd.DataFrame, columns: Iterable[str]) -> pd.DataFrame:
    """``df`` with its text ``columns`` escaped, for a builder that plots them directly."""
    out = df.copy()
    for name in columns:
        if name in out and (out[name].dtype == object or pd.api.types.is_string_dtype(out[name])):
            out[name] = out[name].map(lambda v: v if pd.isna(v) else text(v))
    return out
