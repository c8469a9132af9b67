"""Excel workbooks: one chosen sheet becomes a text CSV, row for row.

Rows map one to one onto CSV lines, so the loader's line numbers are the sheet's row
numbers. Cells typed as dates become ISO dates; a number in a date column is taken as
an Excel date serial (days since 1899-12-30), which is how Excel stores dates.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from python_calamine import CalamineWorkbook

from kpi.ingest.problems import FileRejected, Problem

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
XLSX_MAGIC = b"PK\x03\x04"


def is_workbook(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == XLSX_MAGIC and path.suffix.lower() in (".xlsx", ".xlsm", "")


def sheet_names(path: Path) -> list[str]:
    try:
        return list(CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception as exc:  # calamine raises its own error types for broken files
        raise FileRejected([Problem(f"The workbook cannot be opened: {exc}")]) from None


def sheet_to_csv(path: Path, sheet: str, date_headers: set[str], target: Path) -> str:
    """Write ``sheet`` (default: the first) to ``target``; returns the sheet name used."""
    names = sheet_names(path)
    chosen = sheet or names[0]
    if chosen not in names:
        raise FileRejected([Problem(f"There is no sheet '{chosen}'; sheets: {', '.join(names)}.")])
    rows = (
        CalamineWorkbook.from_path(str(path))
        .get_sheet_by_name(chosen)
        .to_python(skip_empty_area=False)
    )
    if not rows:
        raise FileRejected([Problem(f"Sheet '{chosen}' is empty.")])
    header = [str(cell).strip() for cell in rows[0]]
    dated = [h.strip().lower() in date_headers for h in header]
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for row in rows[1:]:
            writer.writerow([_cell_text(c, d) for c, d in zip(row, dated, strict=False)])
    return chosen


def _cell_text(cell: object, is_date: bool) -> str:
    """Excel's typed cell as the text our loader reads: ISO dates, plain numbers."""
    if cell is None or cell == "":
        return ""
    if isinstance(cell, dt.datetime):
        return cell.strftime("%Y-%m-%d" if cell.time() == dt.time() else "%Y-%m-%d %H:%M:%S")
    if isinstance(cell, dt.date):
        return cell.isoformat()
    if isinstance(cell, dt.time):
        return cell.strftime("%H:%M:%S")
    if isinstance(cell, bool):
        return "yes" if cell else "no"
    if isinstance(cell, int | float) and is_date:
        moment = _EXCEL_EPOCH + dt.timedelta(days=float(cell))
        return _cell_text(moment.replace(microsecond=0), False)
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell)
