"""Fixed limits an .xlsx must meet before any cell is read.

Why: a reader that builds a sheet as a dense grid allocates rows x columns cells from A1
to the last used address, so one cell at XFD1048576 asks for 549 GB and a sheet part of
whitespace that unzips to 1 GB is held whole. Here the workbook is checked with its own
bounded reads: every part's real unzipped size (never trusting the ZIP directory), and
every sheet's declared dimension and real cell addresses, streamed in small pieces.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

from kpi.ingest.problems import FileRejected, Problem

MAX_UNZIPPED_BYTES = 256 * 1024 * 1024  # the whole workbook, every part unzipped
MAX_SHEET_ROWS = 1_000_000
MAX_SHEET_COLUMNS = 256
MAX_SHEET_CELLS = 5_000_000  # rows x columns of the area from A1 to the last cell
_CHUNK = 1 << 20
_CELL_REF = re.compile(
    rb"<(?:\w+:)?(?:c|dimension)\b[^>]*?\br(?:ef)?=\"\$?([A-Z]{1,4})\$?([0-9]{1,8})"
)
_ROW_REF = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"([0-9]{1,8})\"")
_RANGE_END = re.compile(
    rb"<(?:\w+:)?dimension\b[^>]*?\bref=\"[^\":]*:\$?([A-Z]{1,4})\$?([0-9]{1,8})"
)
_OVERLAP = 4096  # a tag cut between two pieces is seen whole in the next one
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@dataclass(frozen=True)
class Extent:
    """The area a sheet covers from A1: its last row and last column."""

    rows: int = 0
    columns: int = 0

    def grow(self, rows: int, columns: int) -> Extent:
        return Extent(max(self.rows, rows), max(self.columns, columns))


def check_workbook(path: Path) -> None:
    """Refuse the workbook (FileRejected naming the limit) unless it is within every limit."""
    try:
        with zipfile.ZipFile(path) as book:
            _check_parts(book)
            for name, part in _sheet_parts(book).items():
                _check_extent(name, _extent(book, part))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, zlib.error):
        raise FileRejected(
            [Problem("The workbook cannot be opened: it is not a valid .xlsx.")]
        ) from None


def _check_parts(book: zipfile.ZipFile) -> None:
    declared = sum(info.file_size for info in book.infolist())
    if declared > MAX_UNZIPPED_BYTES:
        raise FileRejected([_too_big(declared)])
    actual = 0
    for info in book.infolist():
        for piece in _unzip(book, info):
            actual += len(piece)
            if actual > MAX_UNZIPPED_BYTES:
                raise FileRejected([_too_big(actual)])


def _too_big(size: int) -> Problem:
    limit = MAX_UNZIPPED_BYTES // (1024 * 1024)
    return Problem(
        f"The workbook unzips to more than {limit} MB (the limit for a workbook); "
        f"save the sheet as CSV instead ({size // (1024 * 1024)} MB seen)."
    )


def _unzip(book: zipfile.ZipFile, info: zipfile.ZipInfo) -> Iterator[bytes]:
    """A part's bytes in pieces; never more than its declared size plus one piece."""
    with book.open(info) as handle:
        yield from iter(lambda: handle.read(_CHUNK), b"")


def _sheet_parts(book: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> its part in the ZIP, from the (already size-checked) workbook parts."""
    try:
        workbook = ElementTree.fromstring(book.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(book.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        raise FileRejected(
            [Problem("The workbook cannot be opened: it has no sheet list.")]
        ) from None
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    parts: dict[str, str] = {}
    for sheet in workbook.iter():
        if sheet.tag.endswith("}sheet") or sheet.tag == "sheet":
            target = targets.get(sheet.get(f"{_REL_NS}id"), "")
            path = (
                target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl", target))
            )
            if path in book.namelist():
                parts[sheet.get("name", path)] = path
    return parts


def _extent(book: zipfile.ZipFile, part: str) -> Extent:
    """The last row and column that the sheet declares or uses, read in small pieces."""
    extent, tail, rows_seen = Extent(), b"", 0
    for piece in _unzip(book, book.getinfo(part)):
        text = tail + piece
        for match in _CELL_REF.finditer(text):
            extent = extent.grow(int(match[2]), _column_number(match[1]))
        for match in _RANGE_END.finditer(text):
            extent = extent.grow(int(match[2]), _column_number(match[1]))
        for match in _ROW_REF.finditer(text):
            extent = extent.grow(int(match[1]), 0)
        rows_seen += piece.count(b"<row") + piece.count(b":row ")
        tail = text[-_OVERLAP:]
    return extent.grow(rows_seen, 0)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + letter - ord("A") + 1
    return number


def _check_extent(sheet: str, extent: Extent) -> None:
    limits = (
        (extent.rows > MAX_SHEET_ROWS, f"{extent.rows:,} rows (the limit is {MAX_SHEET_ROWS:,})"),
        (
            extent.columns > MAX_SHEET_COLUMNS,
            f"{extent.columns:,} columns (the limit is {MAX_SHEET_COLUMNS:,})",
        ),
        (
            extent.rows * extent.columns > MAX_SHEET_CELLS,
            f"{extent.rows:,} x {extent.columns:,} cells from A1 to its last cell "
            f"(the limit is {MAX_SHEET_CELLS:,} cells)",
        ),
    )
    for over, what in limits:
        if over:
            message = f"Sheet '{sheet}' spans {what}; delete the unused area or save it as CSV."
            raise FileRejected([Problem(message)])
