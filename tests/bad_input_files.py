"""Bad-input files found by attacking the app (issue 14), made here or kept in tests/corpus.

Each case is a file name (its suffix decides how it is read), its bytes, and the words the
refusal must contain. ``test_hardening_inputs`` feeds every one through the loader, the CLI
and the Upload page.
"""

from __future__ import annotations

import functools
import io
import zipfile
from pathlib import Path

import openpyxl

CORPUS = Path(__file__).resolve().parent / "corpus"
PRODUCTION_HEADER = [
    "date", "shift", "plant", "line", "machine", "product", "planned_minutes",
    "ideal_cycle_seconds", "units_produced", "units_scrapped", "units_reworked",
]  # fmt: skip
HEADER = ",".join(PRODUCTION_HEADER) + "\n"
ROW = "2026-11-02,A,Plant 1,L1,M1,P-100,480,30,800,12,5\n"
PRODUCTION_ROW = ["2026-11-02", "A", "Plant 1", "L1", "M1", "P-100", 480, 30, 800, 12, 5]


def _book(cells: dict[str, object] | None = None, rows: list[list] | None = None) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows or []:
        sheet.append(row)
    for address, value in (cells or {}).items():
        sheet[address] = value
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _whitespace_bomb(megabytes: int) -> bytes:
    """A valid workbook whose sheet part unzips to ``megabytes`` MB of blanks."""
    plain = zipfile.ZipFile(io.BytesIO(_book(rows=[PRODUCTION_HEADER, PRODUCTION_ROW])))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bomb:
        for info in plain.infolist():
            data = plain.read(info)
            if info.filename != "xl/worksheets/sheet1.xml":
                bomb.writestr(info.filename, data)
                continue
            cut = data.index(b"<sheetData>")
            with bomb.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
                part.write(data[:cut])
                blank = b" " * (1 << 20)
                for _ in range(megabytes):
                    part.write(blank)
                part.write(data[cut:])
    return buffer.getvalue()


@functools.cache
def excel_cases() -> dict[str, tuple[str, bytes, str]]:
    """Workbooks that once killed the server or crashed a load (items 1, 10, 19)."""
    return {
        "cell at XFD1048576": (
            "last-cell.xlsx",
            _book({"XFD1048576": 1}),
            "the limit is 1,000,000",
        ),
        "cell at Z1000000": ("z-million.xlsx", _book({"Z1000000": 1}), "5,000,000 cells"),
        "unzips to 300 MB of blanks": ("blanks.xlsx", _whitespace_bomb(300), "256 MB"),
        "date serial past any calendar": (
            "serial.xlsx",
            _book(rows=[PRODUCTION_HEADER, [20261120, *PRODUCTION_ROW[1:]]]),
            "row 2, column 'date'",
        ),
        "encrypted workbook": (
            "encrypted.xlsx",
            (CORPUS / "encrypted.xlsx").read_bytes(),
            "password-protected",
        ),
    }


def wide_line() -> bytes:
    """A header, a good row, and a 200 KB line of 100,000 fields (item 16)."""
    return (HEADER + ROW + ",a" * 100_000 + "\n").encode()


@functools.cache
def text_cases() -> dict[str, tuple[bytes, str]]:
    """Text files whose size or shape once cost minutes or misled (items 16, 19)."""
    return {
        "a line of 100,000 fields": (wide_line(), "line 3: This line has 100,001 fields"),
        "header plus one 50 MB line": (
            (HEADER + "P" * 50_000_000 + "\n").encode(),
            "line 2: The line is too long",
        ),
        "header over 64 KB": (
            (HEADER.rstrip("\n") + "".join(f",col{i}" for i in range(9_000)) + "\n").encode(),
            "header line is longer than 65,536 bytes",
        ),
        "mixed line endings": (
            (HEADER + ROW + ROW.replace("P-100", "P-2").replace("\n", "\r\n") + ROW).encode(),
            "line 3: The file mixes line endings",
        ),
    }
