"""Readings of a measured characteristic → one row of statistics per subgroup.

Why a separate step: every variables chart and the capability study start from the same
per-subgroup n, mean, range and standard deviation, and bad readings must be refused once,
with a message naming the row and the column, before any statistic is computed.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

READING_COLUMNS = ("subgroup", "subgroup_start", "value")
MAX_REPORTED = 5  # a file with thousands of bad rows gets the first few, and a count


class VariablesError(ValueError):
    """Readings or settings that give no chart (the message is fit for a user)."""


def check_readings(readings: pd.DataFrame) -> pd.DataFrame:
    """The readings with a float ``value`` and a datetime ``subgroup_start``, or an error
    listing every bad row (1-based, in the frame's order) and column at once."""
    missing = [c for c in READING_COLUMNS if c not in readings.columns]
    if missing:
        raise VariablesError(f"readings lack the column(s) {', '.join(missing)}")
    df = readings.reset_index(drop=True)
    values = pd.to_numeric(df["value"], errors="coerce").astype(float)
    starts = _starts(df["subgroup_start"])
    problems = [
        (i, "value", "is not a finite number") for i in np.flatnonzero(~np.isfinite(values))
    ]
    problems += [(i, "subgroup", "is empty") for i in np.flatnonzero(df["subgroup"].isna())]
    problems += [(i, "subgroup_start", "is not a date/time") for i in np.flatnonzero(starts.isna())]
    if problems:
        raise VariablesError(_describe(sorted(problems), df))
    return df.assign(value=values, subgroup_start=starts)


def _starts(column: pd.Series) -> pd.Series:
    """Datetimes as given; text is never parsed here (pandas would guess 3/1 as 1 March)."""
    if pd.api.types.is_datetime64_any_dtype(column):
        return column
    typed = column.map(lambda v: v if isinstance(v, dt.date | np.datetime64) else pd.NaT)
    return pd.to_datetime(typed, errors="coerce")


def _describe(problems: list[tuple[int, str, str]], df: pd.DataFrame) -> str:
    shown = [f"row {i + 1}, column {col}: {df.at[i, col]!r} {why}" for i, col, why in problems]
    more = len(shown) - MAX_REPORTED
    text = "; ".join(shown[:MAX_REPORTED])
    return text + (f"; and {more} more" if more > 0 else "")


def subgroup_stats(readings: pd.DataFrame) -> pd.DataFrame:
    """subgroup, subgroup_start (earliest of its readings), n, mean, range, sd (n−1; NaN
    for one reading), ordered by start and then by first appearance."""
    df = check_readings(readings)
    if df.empty:
        cols = {"subgroup": object, "subgroup_start": "datetime64[ns]", "n": int,
                "mean": float, "range": float, "sd": float}  # fmt: skip
        return pd.DataFrame({c: pd.Series(dtype=t) for c, t in cols.items()})
    grouped = df.groupby("subgroup", sort=False, dropna=False)
    stats = grouped.agg(
        subgroup_start=("subgroup_start", "min"),
        n=("value", "size"),
        mean=("value", "mean"),
        low=("value", "min"),
        high=("value", "max"),
        sd=("value", "std"),
    ).reset_index()
    stats["range"] = stats["high"] - stats["low"]
    stats = stats.sort_values("subgroup_start", kind="stable").reset_index(drop=True)
    return stats[["subgroup", "subgroup_start", "n", "mean", "range", "sd"]]
