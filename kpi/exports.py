"""Table downloads as CSV and XLSX, safe to open in a spreadsheet.

A cell that starts with ``= + - @`` (or a tab / carriage return) is run as a formula by
Excel and LibreOffice: a crafted product name could then call out or run commands
(CSV injection, OWASP). Such text cells get a leading apostrophe. Numbers stay numbers,
so a negative gap is still ``-0.1`` and not text.
"""

from __future__ import annotations

import io

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """Prefix a formula-looking text cell with an apostrophe; leave everything else."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise(df: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``df`` whose text cells (and headers) cannot run as formulas."""
    out = df.copy()
    out.columns = [str(neutralise_cell(str(c))) for c in out.columns]
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = out[column].map(neutralise_cell)
    return out


def to_csv_bytes(df: pd.DataFrame) -> bytes:
    """UTF-8 CSV with a BOM so Excel shows accents right; formula cells neutralised."""
    return neutralise(df).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(df: pd.DataFrame, sheet: str = "data") -> bytes:
    """One-sheet workbook; text cells are written as text, never as formulas."""
    buffer = io.BytesIO()
    clean = neutralise(df)
    for column in clean.columns:  # Excel has no time zones
        if isinstance(clean[column].dtype, pd.DatetimeTZDtype):
            clean[column] = clean[column].dt.tz_localize(None)
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        clean.to_excel(writer, index=False, sheet_name=sheet[:31] or "data")
    return buffer.getvalue()
