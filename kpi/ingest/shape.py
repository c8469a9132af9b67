"""Size and shape limits of a text file, checked in one pass before any load starts.

Why: DuckDB's CSV reader spends minutes on a line of 100,000 fields (its reject table
grows with every extra field), and a 50 MB line is only noticed after the read. Both are
refused here, from the raw bytes, before the loader takes the app-wide write lock.
Only lines longer than ``MAX_FIELDS`` bytes can hold too many fields, so only those are
counted; line breaks are found with numpy, so a 200 MB file costs well under a second.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from kpi.ingest.problems import FileRejected, Problem

MAX_FIELDS = 1_000  # per line, header included
MAX_LINE_BYTES = 1_000_000
MAX_HEADER_BYTES = 65_536
_CHUNK = 1 << 20
_BREAKS = (10, 13)  # LF, CR


def too_many_fields(count: int, line: int) -> Problem:
    return Problem(
        f"This line has {count:,} fields; the limit is {MAX_FIELDS:,} fields per line.", line=line
    )


def too_long(line: int) -> Problem:
    return Problem(
        f"The line is too long: over {MAX_LINE_BYTES:,} bytes, the limit for one line.",
        line=line,
    )


def check_header(header_line: str, ended: bool, delimiter: str) -> None:
    """Refuse a header over ``MAX_HEADER_BYTES`` or ``MAX_FIELDS`` before its names are read.

    ``ended`` says the header's line break (or the file's end) lies within the bytes read.
    """
    if not ended or len(header_line.encode()) > MAX_HEADER_BYTES:
        message = (
            f"The header line is longer than {MAX_HEADER_BYTES:,} bytes (64 KB), "
            "the limit for a header."
        )
        raise FileRejected([Problem(message, line=1)])
    fields = _field_count(header_line.encode(), delimiter)
    if fields > MAX_FIELDS:
        raise FileRejected([too_many_fields(fields, 1)])


def check_lines(path: Path, delimiter: str) -> None:
    """Refuse the first line over ``MAX_LINE_BYTES`` or with over ``MAX_FIELDS`` fields."""
    carry, lines_before = b"", 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(_CHUNK), b""):
            buffer = carry + chunk
            ends = _break_positions(buffer)
            if not len(ends):
                if len(buffer) > MAX_LINE_BYTES:
                    raise FileRejected([too_long(lines_before + 1)])
                carry = buffer
                continue
            _check_segments(buffer, ends, delimiter, lines_before)
            lines_before += buffer.count(b"\n", 0, int(ends[-1]) + 1)
            carry = buffer[int(ends[-1]) + 1 :]
    _check_segments(carry + b"\n", np.array([len(carry)]), delimiter, lines_before)


def _break_positions(buffer: bytes) -> np.ndarray:
    data = np.frombuffer(buffer, dtype=np.uint8)
    return np.flatnonzero((data == _BREAKS[0]) | (data == _BREAKS[1]))


def _check_segments(buffer: bytes, ends: np.ndarray, delimiter: str, lines_before: int) -> None:
    """Check each line ending at ``ends``; only lines longer than MAX_FIELDS are counted."""
    starts = np.concatenate(([0], ends[:-1] + 1))
    lengths = ends - starts
    for index in np.flatnonzero(lengths > MAX_FIELDS):
        start, end = int(starts[index]), int(ends[index])
        fields = _field_count(buffer[start:end], delimiter)
        if end - start <= MAX_LINE_BYTES and fields <= MAX_FIELDS:
            continue
        line = lines_before + buffer.count(b"\n", 0, start) + 1  # counted only to refuse
        if end - start > MAX_LINE_BYTES:
            raise FileRejected([too_long(line)])
        raise FileRejected([too_many_fields(fields, line)])


def _field_count(raw: bytes, delimiter: str) -> int:
    """Fields on one physical line; quoted delimiters count only when quotes are present."""
    fields = raw.count(delimiter.encode()) + 1
    if fields <= MAX_FIELDS or b'"' not in raw:
        return fields
    text = raw.decode("utf-8", errors="replace")
    return len(next(csv.reader([text], delimiter=delimiter), []))


_ENDINGS = {b"\r\n": "Windows (CRLF)", b"\n": "Unix (LF)", b"\r": "old Mac (CR)"}


def mixed_endings(path: Path) -> Problem | None:
    """The first line whose ending differs from line 1's, outside quoted text.

    Asked only after the reader failed (DuckDB's reader stops on such a file with a
    parser-state error), so valid files never pay for it.
    """
    first, quoted = None, False
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            quoted ^= raw.count(b'"') % 2 == 1
            body = raw.rstrip(b"\r\n")
            if b"\r" in body and not quoted and first is not None:
                return _mixed(number, first, b"\r")
            ending = raw[len(body) :]
            if quoted or not ending:
                continue
            first = first or ending
            if ending != first:
                return _mixed(number, first, ending)
    return None


def _mixed(line: int, first: bytes, other: bytes) -> Problem:
    message = (
        f"The file mixes line endings: line 1 ends with a {_ENDINGS[first]} line break, "
        f"this line with a {_ENDINGS[other]} one. Save the file again so that every line "
        "ends the same way."
    )
    return Problem(message, line=line)
