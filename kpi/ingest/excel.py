"""Excel workbooks: one chosen sheet becomes a text CSV, row for row.

Rows map one to one onto CSV lines, so the loader's line numbers are the sheet's row
numbers. Cells typed as dates become ISO dates; a number in a date column is taken as
an Excel date serial (days since 1899-12-30), which is how Excel stores dates.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from pathlib import Path

from python_calamine import CalamineWorkbook

from kpi.ingest.problems import MAX_LISTED_PROBLEMS, FileRejected, Problem
from kpi.ingest.workbook_limits import check_workbook

_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_BAD_SERIAL = (
    "is not an Excel date: a number in a date column is a date serial "
    "(days since 1899-12-30), and this one is beyond any calendar date"
)
XLSX_MAGIC = b"PK\x03\x04"


def is_workbook(path: Path) -> bool:
    with path.open("rb") as handle:
        return handle.read(4) == XLSX_MAGIC and path.suffix.lower() in (".xlsx", ".xlsm", "")


def sheet_names(path: Path) -> list[str]:
    """The workbook's sheets; the workbook is first checked against the fixed limits."""
    check_workbook(path)
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
    sheet_rows = (
        CalamineWorkbook.from_path(str(path))
        .get_sheet_by_name(chosen)
        .to_python(skip_empty_area=False)  # from A1, so rows stay the sheet's row numbers
    )
    rows = iter(sheet_rows)
    first = next(rows, None)
    if not first:
        raise FileRejected([Problem(f"Sheet '{chosen}' is empty.")])
    header = [str(cell).strip() for cell in first]
    dated = [h.strip().lower() in date_headers for h in header]
    problems: list[Problem] = []
    with target.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(header)
        for number, row in enumerate(rows, start=2):
            writer.writerow(_row_text(row, dated, header, number, problems))
    if problems:
        located = [dataclasses.replace(p, sheet=chosen) for p in problems[:MAX_LISTED_PROBLEMS]]
        raise FileRejected(located)
    return chosen


def _row_text(
    row: list, dated: list[bool], header: list[str], number: int, problems: list[Problem]
) -> list[str]:
    """One sheet row as text; a date serial no calendar holds becomes a problem, not a crash."""
    cells = []
    for cell, is_date, name in zip(row, dated, header, strict=False):
        try:
            cells.append(_cell_text(cell, is_date))
        except (OverflowError, ValueError):
            shown = _cell_text(cell, False)[:40]
            problems.append(Problem(_BAD_SERIAL, line=number, column=name, value=shown))
            cells.append("")
    return cells


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
