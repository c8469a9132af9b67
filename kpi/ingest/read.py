"""Reading a delimited text file into a scratch DuckDB table of text columns.

Everything is read as VARCHAR so that *every* bad value can be reported with its line
instead of DuckDB stopping at the first cast error. The reader never guesses dates or
types; the validator does all typing with explicit rules.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import duckdb

from kpi.ingest.problems import FileRejected, Problem
from kpi.schema import normalise_header

DELIMITERS = (",", ";", "\t", "|")
_SNIFF_BYTES = 65536
_MAX_LINE_BYTES = 1_000_000


@dataclass(frozen=True)
class TextFile:
    """A file whose content passed the text checks, with its dialect and header."""

    path: Path
    delimiter: str
    headers: tuple[str, ...]  # normalised, in file order
    has_quotes: bool
    has_blank_lines: bool


def check_content(data: bytes) -> None:
    """Reject content that is not delimited text before DuckDB ever sees it."""
    head = data[:_SNIFF_BYTES]
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise FileRejected([Problem("The file is empty.")])
    if head.startswith(b"\x1f\x8b"):
        raise FileRejected([Problem("This is a gzip-compressed file; unpack it and load the CSV.")])
    if head.startswith(b"PK\x03\x04"):
        raise FileRejected(
            [Problem("This is an Excel workbook or ZIP archive, not CSV text; save it as CSV.")]
        )
    if b"\x00" in head:
        raise FileRejected([Problem("This is a binary file, not CSV text.")])
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + data[: exc.start].count(b"\r") + 1
        raise FileRejected(
            [
                Problem(
                    "The file is not UTF-8 text. Re-export it as 'CSV UTF-8' "
                    "(or use an import profile with its encoding).",
                    line=min(line, data[: exc.start].count(b"\n") + 1) if line else None,
                    value=data[exc.start : exc.start + 4].hex(" "),
                )
            ]
        ) from None


def first_line(text: str) -> str:
    """The header line, whatever the line endings (LF, CRLF or CR)."""
    text = text.lstrip("\ufeff")
    for index, char in enumerate(text):
        if char in "\r\n":
            return text[:index]
    return text


def sniff_delimiter(header_line: str) -> str:
    """The candidate delimiter that splits the header into the most fields."""
    counts = {d: len(next(csv.reader([header_line], delimiter=d))) for d in DELIMITERS}
    return max(DELIMITERS, key=lambda d: (counts[d], -DELIMITERS.index(d)))


def parse_header(header_line: str, delimiter: str) -> tuple[str, ...]:
    """Normalised header names; blank or repeated names are file-level problems."""
    names = tuple(normalise_header(h) for h in next(csv.reader([header_line], delimiter=delimiter)))
    problems: list[Problem] = []
    for position, name in enumerate(names, start=1):
        if not name:
            problems.append(Problem(f"Column {position} has no header name.", line=1))
        elif names.index(name) != position - 1:
            problems.append(Problem("This header appears twice.", line=1, column=name))
    if problems:
        raise FileRejected(problems)
    return names


def inspect(path: Path, data: bytes) -> TextFile:
    """Check content, find the delimiter and header, and note what affects line numbering."""
    check_content(data)
    text = data[:_SNIFF_BYTES].decode("utf-8", errors="ignore")
    header_line = first_line(text)
    if len(header_line.encode()) >= _MAX_LINE_BYTES:
        raise FileRejected([Problem("The header line is absurdly long.", line=1)])
    delimiter = sniff_delimiter(header_line)
    headers = parse_header(header_line, delimiter)
    normalised = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return TextFile(
        path=path,
        delimiter=delimiter,
        headers=headers,
        has_quotes=b'"' in data,
        has_blank_lines=b"\n\n" in normalised.rstrip(b"\n"),
    )


def load_raw(scratch: duckdb.DuckDBPyConnection, source: TextFile) -> int:
    """Read the file into table ``raw`` (columns c0..cN, text); returns the data-row count.

    Rows with the wrong number of fields go to DuckDB's reject table and are reported
    by :func:`structural_problems` with their exact line numbers.
    """
    columns = {f"c{i}": "VARCHAR" for i in range(len(source.headers))}
    try:
        scratch.execute(
            "CREATE TABLE raw AS SELECT * FROM read_csv(?, header = true, delim = ?, "
            "quote = '\"', escape = '\"', columns = ?, auto_detect = false, "
            "store_rejects = true, max_line_size = ?, encoding = 'utf-8')",
            [str(source.path), source.delimiter, columns, _MAX_LINE_BYTES],
        )
    except duckdb.Error as exc:
        problem = Problem(f"The file cannot be read as CSV: {_first_sentence(exc)}")
        raise FileRejected([problem]) from None
    return int(scratch.execute("SELECT count(*) FROM raw").fetchone()[0])


def structural_problems(
    scratch: duckdb.DuckDBPyConnection, headers: tuple[str, ...]
) -> list[Problem]:
    """Rows DuckDB could not split into the header's columns."""
    rows = scratch.execute(
        "SELECT line, min(error_type), min(csv_line) FROM reject_errors "
        "GROUP BY line ORDER BY line LIMIT 1000"
    ).fetchall()
    problems = []
    for line, error_type, csv_line in rows:
        text = str(error_type).lower().replace("_", " ")
        if "line size" in text:
            message = "The line is too long to be a data row."
        else:
            message = f"Expected {len(headers)} fields separated like the header ({text})."
        problems.append(Problem(message, line=int(line), value=str(csv_line)[:80]))
    return problems


def rejected_lines(scratch: duckdb.DuckDBPyConnection) -> list[int]:
    return [
        int(r[0]) for r in scratch.execute("SELECT DISTINCT line FROM reject_errors").fetchall()
    ]


def line_numbers(source: TextFile, row_indices: list[int], skipped: list[int]) -> dict[int, int]:
    """Map 0-based data-row indices to file line numbers (header = line 1).

    The fast arithmetic path covers plain files; files with quotes (possible embedded
    newlines) or blank lines are re-scanned, which only happens when problems exist.
    """
    if not source.has_quotes and not source.has_blank_lines:
        return {i: _shift_past(i + 2, skipped) for i in row_indices}
    wanted = set(row_indices)
    found: dict[int, int] = {}
    text = source.path.read_bytes().decode("utf-8").lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=source.delimiter)
    next(reader, None)
    index, start_line = 0, 2
    skipped_set = set(skipped)
    for record in reader:
        line, start_line = start_line, reader.line_num + 1
        if not record or line in skipped_set:
            continue
        if index in wanted:
            found[index] = line
        index += 1
    return found


def _shift_past(line: int, skipped: list[int]) -> int:
    for skipped_line in sorted(skipped):
        if skipped_line <= line:
            line += 1
    return line


def _first_sentence(exc: Exception) -> str:
    message = str(exc).split("\n")[0]
    return message[:200]
