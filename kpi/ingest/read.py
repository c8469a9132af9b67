"""Reading a delimited text file into a scratch DuckDB table of text columns.

Everything is read as VARCHAR so that *every* bad value can be reported with its line
instead of DuckDB stopping at the first cast error. The reader never guesses dates or
types; the validator does all typing with explicit rules.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import sys
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import duckdb

from kpi import encodings
from kpi.ingest import shape
from kpi.ingest.problems import FileRejected, Problem
from kpi.schema import normalise_header

DELIMITERS = (",", ";", "\t", "|")
_SNIFF_BYTES = shape.MAX_HEADER_BYTES + 1
_MAX_LINE_BYTES = shape.MAX_LINE_BYTES
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # encrypted .xlsx and old .xls


@dataclass(frozen=True)
class TextFile:
    """A file whose content passed the text checks, with its dialect and header."""

    path: Path
    delimiter: str
    headers: tuple[str, ...]  # normalised, in file order


def check_content(head: bytes) -> None:
    """Reject content that is not delimited text before DuckDB ever sees it."""
    if not head.strip(b" \t\r\n\xef\xbb\xbf"):
        raise FileRejected([Problem("The file is empty.")])
    if head.startswith(b"\x1f\x8b"):
        raise FileRejected([Problem("This is a gzip-compressed file; unpack it and load the CSV.")])
    if head.startswith(b"PK\x03\x04"):
        raise FileRejected(
            [Problem("This is an Excel workbook or ZIP archive, not CSV text; save it as CSV.")]
        )
    if head.startswith(OLE_MAGIC):
        raise FileRejected(
            [
                Problem(
                    "This is a password-protected (encrypted) Excel workbook or an old .xls "
                    "file; remove the password and save it as .xlsx or CSV."
                )
            ]
        )
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise FileRejected(
            [
                Problem(
                    "This is UTF-16 text; choose the encoding UTF-16 (command line: "
                    "--encoding utf-16) or re-export it as 'CSV UTF-8'."
                )
            ]
        )
    if b"\x00" in head:
        raise FileRejected([Problem("This is a binary file, not CSV text.")])


def check_utf8(path: Path) -> None:
    """Stream the file through a strict UTF-8 decoder and name the first bad line."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk[: exc.start].count(b"\n")
                message = "The file is not UTF-8 text. " + _encoding_hint(path)
                bad = chunk[exc.start : exc.start + 4].hex(" ")
                raise FileRejected([Problem(message, line=line, value=bad)]) from None
            line += chunk.count(b"\n")


def _encoding_hint(path: Path) -> str:
    """Which encoding to choose instead, when the bytes tell (see kpi.encodings)."""
    guess = encodings.detect_file(path)
    if guess.encoding is None or guess.encoding in encodings.UTF8:
        return "Re-export it as 'CSV UTF-8', or choose its encoding."
    return (
        f"It looks like {encodings.label(guess.encoding)}: choose that encoding (command "
        f"line: --encoding {guess.encoding}) or re-export it as 'CSV UTF-8'."
    )


def invisible_ranges() -> list[tuple[int, int]]:
    """Code point ranges of Unicode control (Cc) and format (Cf) characters, except the tab
    and line breaks a CSV file is made of (slow: a test checks ``_INVISIBLE`` against it)."""
    ranges: list[tuple[int, int]] = []
    for point in range(sys.maxunicode + 1):
        if point in (9, 10, 13) or unicodedata.category(chr(point)) not in ("Cc", "Cf"):
            continue
        if ranges and ranges[-1][1] == point - 1:
            ranges[-1] = (ranges[-1][0], point)
        else:
            ranges.append((point, point))
    return ranges


# invisible_ranges() of Python 3.11's Unicode 14 tables, written out: computing it costs
# 0.15 s at every CLI start
_INVISIBLE = [
    (0x0, 0x8), (0xB, 0xC), (0xE, 0x1F), (0x7F, 0x9F), (0xAD, 0xAD), (0x600, 0x605),
    (0x61C, 0x61C), (0x6DD, 0x6DD), (0x70F, 0x70F), (0x890, 0x891), (0x8E2, 0x8E2),
    (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064),
    (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFFF9, 0xFFFB), (0x110BD, 0x110BD),
    (0x110CD, 0x110CD), (0x13430, 0x13438), (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001), (0xE0020, 0xE007F),
]  # fmt: skip
_INVISIBLE_RE = re.compile("[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in _INVISIBLE) + "]")
# bytes that can start an invisible character in UTF-8; a chunk without any is clean
_SUSPECT = {chr(a).encode()[0] for a, b in _INVISIBLE} | {
    chr(p).encode()[0] for a, b in _INVISIBLE for p in range(a, b + 1)
}
_INNOCENT = bytes(sorted(set(range(256)) - _SUSPECT))


def check_characters(path: Path) -> None:
    """Refuse a control or format character (NUL, a zero-width space, a right-to-left
    override...) anywhere in the file, naming its line; a leading BOM is allowed.

    Why: such characters make look-alike names ("Plant \\x001") and break downloads. Most
    chunks hold none of the bytes that can start one and are passed at C speed.
    """
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    line, offset = 1, 0
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            if chunk.translate(None, _INNOCENT) or decoder.getstate()[0]:
                text = decoder.decode(chunk)
                start = 1 if offset == 0 and text.startswith("\ufeff") else 0
                found = _INVISIBLE_RE.search(text, start)
                if found:
                    at = line + text.count("\n", 0, found.start())
                    raise FileRejected([_invisible_problem(at, found.group())])
            line += chunk.count(b"\n")
            offset += len(chunk)


def _invisible_problem(line: int, char: str) -> Problem:
    name = unicodedata.name(char, "") or {"\x00": "NUL"}.get(char, "a control character")
    return Problem(
        f"contains an invisible control or format character (U+{ord(char):04X} {name}); "
        "such characters make look-alike names, so the file is refused: remove it",
        line=line,
    )


def read_head(path: Path) -> bytes:
    with path.open("rb") as handle:
        return handle.read(_SNIFF_BYTES)


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


def inspect(path: Path) -> TextFile:
    """Sniff the content, find the delimiter and header, then check every line's size
    and field count (:mod:`kpi.ingest.shape`) before any load takes the write lock."""
    head = read_head(path)
    check_content(head)
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff")
    header_line = first_line(text)
    ended = len(header_line) < len(text) or len(head) < _SNIFF_BYTES
    delimiter = sniff_delimiter(header_line[: shape.MAX_HEADER_BYTES])
    shape.check_header(header_line, ended, delimiter)
    headers = parse_header(header_line, delimiter)
    shape.check_lines(path, delimiter)
    return TextFile(path=path, delimiter=delimiter, headers=headers)


def _lines_are_rows(path: Path) -> bool:
    """True when each data row is one physical line (no quotes, no blank lines).

    Only asked when problems must be located, so valid files never pay for it.
    """
    data = path.read_bytes()
    if b'"' in data:
        return False
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return b"\n\n" not in data.strip(b"\n")


def read_csv_call(
    source: TextFile, rejects: str | None = "reject", types: Mapping[str, str] | None = None
) -> tuple[str, list]:
    """The ``read_csv(...)`` table function and its parameters.

    Columns are text unless ``types`` names a DuckDB type for them (dates then parse as
    YYYY-MM-DD only). With ``rejects``, rows of the wrong width go to a rejects table
    instead of stopping the read.
    """
    columns = {f"c{i}": (types or {}).get(f"c{i}", "VARCHAR") for i in range(len(source.headers))}
    options = ""
    if rejects:
        options += (
            f"store_rejects = true, rejects_table = '{rejects}_errors', "
            f"rejects_scan = '{rejects}_scans', "
        )
    if types:
        options += "dateformat = '%Y-%m-%d', "
    sql = (
        "read_csv(?, header = true, delim = ?, quote = '\"', escape = '\"', columns = ?, "
        f"auto_detect = false, {options}max_line_size = ?, encoding = 'utf-8')"
    )
    return sql, [str(source.path), source.delimiter, columns, _MAX_LINE_BYTES]


def load_raw(scratch: duckdb.DuckDBPyConnection, source: TextFile) -> int:
    """Read the file into table ``raw`` (columns c0..cN, text); returns the data-row count.

    Rows with the wrong number of fields go to DuckDB's reject table and are reported
    by :func:`structural_problems` with their exact line numbers.
    """
    call, params = read_csv_call(source)
    try:
        scratch.execute(f"CREATE TABLE raw AS SELECT * FROM {call}", params)
    except duckdb.Error as exc:
        problem = shape.mixed_endings(source.path) or Problem(
            f"The file cannot be read as CSV: {_first_sentence(exc)}"
        )
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
    if _lines_are_rows(source.path):
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
