"""Parsing the text table into typed values, and the checks that need typed values.

``parsed`` holds, per canonical column, the parsed value (``try_`` casts, defaults
applied) and the trimmed raw text beside it, so one table serves the value rules, the
cross-row checks (scrap above produced, duplicate keys) and the final typed export.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from kpi.ingest.problems import MAX_LISTED_PROBLEMS
from kpi.ingest.validate import raw_name
from kpi.schema import ColType, Column, Kind, KindSpec

_TRUE = "('yes', 'y', 'true', '1')"
_FALSE = "('no', 'n', 'false', '0')"
_SQL_TYPE = {
    ColType.TEXT: "VARCHAR",
    ColType.DATE: "DATE",
    ColType.TIMESTAMP: "TIMESTAMP",
    ColType.COUNT: "BIGINT",
    ColType.NUMBER: "DOUBLE",
    ColType.BOOL: "BOOLEAN",
}


def _literal(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def _digit_led(text: str) -> str:
    """The text only if it starts with a digit (a byte comparison, so cheap).

    Why: DuckDB reads the words 'epoch', 'infinity' and '-infinity' as dates and times
    (1900-01-01, 1970-01-01, 9999-12-31), and no date written as digits starts otherwise.
    """
    return f"CASE WHEN {text} >= '0' AND {text} < ':' THEN {text} END"


def _parse_expr(column: Column, text: str) -> str:
    """SQL turning trimmed text (NULL when blank) into the column's value, never guessing."""
    if column.type is ColType.DATE:
        return f"CAST(try_strptime({_digit_led(text)}, '%Y-%m-%d') AS DATE)"
    if column.type is ColType.TIMESTAMP:
        return f"try_cast({_digit_led(text)} AS TIMESTAMP)"
    if column.type in (ColType.COUNT, ColType.NUMBER):
        return f"try_cast({no_digit_separator(text, 'NULL')} AS DOUBLE)"
    if column.type is ColType.BOOL:
        value = f"lower({text})"
        return f"CASE WHEN {value} IN {_TRUE} THEN true WHEN {value} IN {_FALSE} THEN false END"
    if column.choices:
        return f"lower({text})"
    return text


def no_digit_separator(text: str, instead: str) -> str:
    """``text``, or ``instead`` when it has a '_': DuckDB, like Python, reads "1_5" as 15."""
    return f"CASE WHEN strpos({text}, '_') > 0 THEN {instead} ELSE {text} END"


def parse_parts(spec: KindSpec, present: dict[str, str], defaults: dict[str, str]) -> list[str]:
    """Select-list items: each canonical column parsed, and its trimmed raw text beside it."""
    return _named(spec, present, defaults, _from_text)


def _from_text(column: Column, source: str | None, default: str | None) -> tuple[str, str]:
    """(value, raw): the value parsed from the trimmed text, exactly as the checker does."""
    raw = f"nullif(trim({source}), '')" if source else "NULL"
    return _parse_expr(column, _with_default(raw, default)), raw


def _named(
    spec: KindSpec,
    present: dict[str, str],
    defaults: dict[str, str],
    part: Callable[[Column, str | None, str | None], tuple[str, str]],
) -> list[str]:
    """Each column's value and raw text from ``part``, named for the rules."""
    parts = []
    for column in spec.columns:
        default = defaults.get(column.name, column.default)
        value, raw = part(column, present.get(column.name), default)
        parts.append(f'{value} AS "{column.name}"')
        parts.append(f'{raw} AS "{raw_name(column.name)}"')
    return parts


def _with_default(raw: str, default: str | None) -> str:
    return f"coalesce({raw}, {_literal(default)})" if default is not None else raw


# Columns DuckDB's CSV reader parses itself on the native fast path: dates only. Numbers
# are read as text and cast strictly (the reader's DOUBLE takes "1_5" as 15); counts are
# cast to DOUBLE, as the checker parses them, so "2.5" stays a number that breaks a rule.
_READER_TYPES = {ColType.DATE: "DATE"}
_NUMBERS = (ColType.COUNT, ColType.NUMBER)
# a cast that fails stops the native read, which then steps aside for the text path
_NOT_PLAIN = "'not a plain number'"


def is_native(column: Column, delimiter: str) -> bool:
    """A cell of this column that does not parse stops the native read, so its parse
    rules need not run there. Numbers only in comma files: elsewhere "12.000" may mean
    twelve thousand, which only the text path's rules refuse."""
    if column.type in _READER_TYPES:
        return True
    return column.type in _NUMBERS and delimiter == ","


def is_free_text(column: Column) -> bool:
    """Stored as given on the native path, its shape checked once per distinct value."""
    return column.type is ColType.TEXT and not column.choices


def free_text(spec: KindSpec, present: dict[str, str]) -> list[str]:
    """The free-text columns present in the file (names and codes)."""
    return [c.name for c in spec.columns if is_free_text(c) and c.name in present]


def native_types(spec: KindSpec, present: dict[str, str]) -> dict[str, str]:
    """Raw column (c0..cN) -> DuckDB type, for the columns the reader parses itself."""
    return {
        present[c.name]: _READER_TYPES[c.type]
        for c in spec.columns
        if c.name in present and c.type in _READER_TYPES
    }


def native_parts(
    spec: KindSpec, present: dict[str, str], defaults: dict[str, str], delimiter: str
) -> list[str]:
    """Select-list items for the native path, named as in :func:`parse_parts`."""

    def part(column: Column, source: str | None, default: str | None) -> tuple[str, str]:
        return _native(column, source, default, delimiter)

    return _named(spec, present, defaults, part)


def _native(
    column: Column, source: str | None, default: str | None, delimiter: str
) -> tuple[str, str]:
    """(value, raw) on the native path.

    Dates arrive typed and numbers are cast strictly (a cell that does not parse stops the
    read); free text is kept as given, its shape checked per distinct value after the
    insert; other columns (choices, yes/no, timestamps, numbers outside comma files) are
    parsed from trimmed text as the checker does.
    """
    if is_native(column, delimiter):
        raw = source or "NULL"
        value = raw
        if column.type in _NUMBERS:
            value = f"CAST({no_digit_separator(raw, _NOT_PLAIN)} AS DOUBLE)"
        if default is None:
            return value, raw
        return f"coalesce({value}, {_parse_expr(column, _literal(default))})", raw
    if is_free_text(column):
        raw = f"nullif({source}, '')" if source else "NULL"
        return _with_default(raw, default), raw
    return _from_text(column, source, default)


def create_parsed(
    scratch: duckdb.DuckDBPyConnection,
    spec: KindSpec,
    present: dict[str, str],
    defaults: dict[str, str],
) -> None:
    """Create table ``parsed``: row_index, each parsed column, and its raw text."""
    parts = ["rowid AS row_index", *parse_parts(spec, present, defaults)]
    scratch.execute(f"CREATE OR REPLACE TABLE parsed AS SELECT {', '.join(parts)} FROM raw")


def final_casts(spec: KindSpec) -> list[str]:
    """Each canonical column cast to its stored SQL type."""
    return [f'CAST("{c.name}" AS {_SQL_TYPE[c.type]}) AS "{c.name}"' for c in spec.columns]


OVER_PRODUCED = "units_scrapped + units_reworked > units_produced"


def over_produced(scratch: duckdb.DuckDBPyConnection, spec: KindSpec) -> list[tuple[int, str]]:
    """Production rows where scrap + rework exceed the units produced."""
    if spec.kind is not Kind.PRODUCTION:
        return []
    rows = scratch.execute(
        "SELECT row_index, units_scrapped, units_reworked, units_produced FROM parsed "
        f"WHERE {OVER_PRODUCED} ORDER BY row_index LIMIT ?",
        [MAX_LISTED_PROBLEMS],
    ).fetchall()
    return [(int(i), f"scrapped {s:g} + reworked {r:g} > produced {p:g}") for i, s, r, p in rows]


def duplicate_keys(scratch: duckdb.DuckDBPyConnection, spec: KindSpec) -> list[tuple[int, int]]:
    """(row_index, first row_index with the same key) for every repeat of a natural key."""
    if not spec.natural_key:
        return []
    key = ", ".join(f'"{name}"' for name in spec.natural_key)
    repeated = scratch.execute(f"SELECT count(*) - count(DISTINCT ({key})) FROM parsed").fetchone()[
        0
    ]
    if not repeated:
        return []
    rows = scratch.execute(
        f"SELECT row_index, first_index FROM (SELECT row_index, "
        f"min(row_index) OVER (PARTITION BY {key}) AS first_index FROM parsed) "
        f"WHERE row_index <> first_index ORDER BY row_index LIMIT ?",
        [MAX_LISTED_PROBLEMS],
    ).fetchall()
    return [(int(a), int(b)) for a, b in rows]
