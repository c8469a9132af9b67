"""Apply an import profile: turn a source export into a canonical CSV for the loader.

The source is read as text in DuckDB (never typed by a guess), renamed, cleaned
(blank markers, decimal commas, thousands separators), its dates converted with the
profile's explicit formats, wide downtime unpivoted, and lookups joined. The result is
a canonical CSV plus, for every output row, the source line it came from, so that the
loader's problems can be reported against the file the user actually has.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from kpi import encodings
from kpi.ingest import read
from kpi.ingest.problems import FileRejected, Problem
from kpi.profiles import Profile
from kpi.schema import KINDS, ColType, Column, Kind

_ISO = {ColType.DATE: "%Y-%m-%d", ColType.TIMESTAMP: "%Y-%m-%d %H:%M:%S"}
# appended to a date that does not fit the profile's format, so the loader rejects it
# (even an ISO date: the profile said otherwise) and the message can name the format
FORMAT_MISMATCH = " ≠ "


@dataclass
class Transformed:
    """The canonical file, where each of its data rows came from, and what was dropped."""

    path: Path
    source_lines: list[int]
    labels: dict[str, str]  # canonical column -> source header, for messages
    warnings: list[str] = field(default_factory=list)
    header_line: int = 1  # the source line holding the header


def sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def to_utf8(path: Path, encoding: str, folder: Path, name: str = "utf8.csv") -> Path:
    """The file as UTF-8 text, decoded strictly (undecodable bytes name their line)."""
    return encodings.to_utf8(path, encoding, folder / name)


def header_line(path: Path, skip_lines: int) -> str:
    """The header: the first line after ``skip_lines`` lines, whatever the line endings."""
    text = read.read_head(path).decode("utf-8", errors="ignore").lstrip("\ufeff")
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) <= skip_lines:
        raise FileRejected([Problem("The file ends before its header line.")])
    return lines[skip_lines]


def read_source(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    skip_lines: int = 0,
    extra_header_lines: int = 0,
    delimiter: str = "",
) -> list[str]:
    """Load a file into ``table`` as text columns c0..cN plus ``src_line``; return headers."""
    line = header_line(path, skip_lines)
    delimiter = delimiter or read.sniff_delimiter(line)
    headers = [h.strip() for h in next(csv.reader([line], delimiter=delimiter))]
    columns = {f"c{i}": "VARCHAR" for i in range(len(headers))}
    first_data_line = skip_lines + 2  # 1-based: the header, then data
    try:
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, header = true, skip = ?, "
            "delim = ?, quote = '\"', escape = '\"', columns = ?, auto_detect = false, "
            "null_padding = true)",
            [str(path), skip_lines, delimiter, columns],
        )
        con.execute(f"ALTER TABLE {table} ADD COLUMN src_line INTEGER")
        con.execute(f"UPDATE {table} SET src_line = rowid + {first_data_line}")
    except duckdb.Error as exc:
        message = f"The file cannot be read with this profile: {str(exc).splitlines()[0][:200]}"
        raise FileRejected([Problem(message)]) from None
    if extra_header_lines:
        last_header = first_data_line + extra_header_lines
        con.execute(f"DELETE FROM {table} WHERE src_line < {last_header}")
    return headers


def locate(headers: list[str], wanted: str, what: str) -> str:
    """The c-column of a source header, matched case-insensitively."""
    folded = [h.lower() for h in headers]
    if wanted.strip().lower() not in folded:
        raise FileRejected(
            [
                Problem(
                    f"The profile's column '{wanted}' ({what}) is not in the file's header.",
                    line=1,
                    column=wanted,
                )
            ]
        )
    return f"c{folded.index(wanted.strip().lower())}"


def cell_expr(cell: str, column: Column, profile: Profile, date_format: str | None) -> str:
    """Clean one source cell into the loader's canonical text form."""
    value = f"trim({cell})"
    if profile.blank_values:
        blanks = ", ".join(sql_text(b) for b in profile.blank_values)
        value = f"CASE WHEN {value} IN ({blanks}) THEN NULL ELSE {value} END"
    if column.type in (ColType.NUMBER, ColType.COUNT):
        if profile.thousands:
            value = f"replace({value}, {sql_text(profile.thousands)}, '')"
        if profile.decimal == ",":
            value = f"replace({value}, ',', '.')"
    if date_format and column.type in _ISO:
        parsed = f"try_strptime({value}, {sql_text(date_format)})"
        unfit = f"{value} || {sql_text(FORMAT_MISMATCH + date_format)}"
        value = f"coalesce(strftime({parsed}, '{_ISO[column.type]}'), {unfit})"
    return value


def canonical_select(
    profile: Profile, headers: list[str], lookup_headers: list[str] | None
) -> tuple[list[str], dict[str, str]]:
    """Select-list items producing every canonical column, and the label of each."""
    spec = KINDS[Kind(profile.kind)]
    items, labels = [], {}
    for column in spec.columns:
        if column.name in profile.columns:
            source = profile.columns[column.name]
            cell = "s." + locate(headers, source, column.name)
            fmt = profile.date_formats.get(column.name)
            labels[column.name] = source
        elif profile.lookup and column.name in profile.lookup.columns and lookup_headers:
            source = profile.lookup.columns[column.name]
            cell = "k." + locate(lookup_headers, source, column.name)
            fmt = profile.lookup.date_formats.get(column.name)
            labels[column.name] = f"{source} (lookup)"
        elif column.name in profile.constants:
            items.append(f'{sql_text(profile.constants[column.name])} AS "{column.name}"')
            continue
        else:
            continue
        items.append(f'{cell_expr(cell, column, profile, fmt)} AS "{column.name}"')
    return items, labels
