"""Parsing the text table into typed values, and the checks that need typed values.

``parsed`` holds, per canonical column, the parsed value (``try_`` casts, defaults
applied) and the trimmed raw text beside it, so one table serves the value rules, the
cross-row checks (scrap above produced, duplicate keys) and the final typed export.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

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


def _parse_expr(column: Column, text: str) -> str:
    """SQL turning trimmed text (NULL when blank) into the column's value, never guessing."""
    if column.type is ColType.DATE:
        return f"CAST(try_strptime({text}, '%Y-%m-%d') AS DATE)"
    if column.type is ColType.TIMESTAMP:
        return f"try_cast({text} AS TIMESTAMP)"
    if column.type in (ColType.COUNT, ColType.NUMBER):
        return f"try_cast({text} AS DOUBLE)"
    if column.type is ColType.BOOL:
        return f"CASE WHEN lower({text}) IN {_TRUE} THEN true WHEN lower({text}) IN {_FALSE} THEN false END"
    if column.choices:
        return f"lower({text})"
    return text


def create_parsed(
    scratch: duckdb.DuckDBPyConnection,
    spec: KindSpec,
    present: dict[str, str],
    defaults: dict[str, str],
) -> None:
    """Create table ``parsed``: row_index, each parsed column, and its raw text."""
    parts = ["rowid AS row_index"]
    for column in spec.columns:
        source = present.get(column.name)
        raw = f"nullif(trim({source}), '')" if source else "NULL"
        default = defaults.get(column.name, column.default)
        text = f"coalesce({raw}, {_literal(default)})" if default is not None else raw
        parts.append(f'{_parse_expr(column, text)} AS "{column.name}"')
        parts.append(f'{raw} AS "{raw_name(column.name)}"')
    scratch.execute(f"CREATE OR REPLACE TABLE parsed AS SELECT {', '.join(parts)} FROM raw")


def typed_rows(scratch: duckdb.DuckDBPyConnection, spec: KindSpec) -> pa.Table:
    """The checked rows with their final SQL types, as Arrow, in file order."""
    casts = ", ".join(
        f'CAST("{c.name}" AS {_SQL_TYPE[c.type]}) AS "{c.name}"' for c in spec.columns
    )
    scratch.complete()  # DuckDB 2.0: finish any pending result before a relation query
    return scratch.sql(f"SELECT row_index, {casts} FROM parsed").to_arrow_table()


def over_produced(scratch: duckdb.DuckDBPyConnection, spec: KindSpec) -> list[tuple[int, str]]:
    """Production rows where scrap + rework exceed the units produced."""
    if spec.kind is not Kind.PRODUCTION:
        return []
    rows = scratch.execute(
        "SELECT row_index, units_scrapped, units_reworked, units_produced FROM parsed "
        "WHERE units_scrapped + units_reworked > units_produced ORDER BY row_index LIMIT ?",
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


def date_span(scratch: duckdb.DuckDBPyConnection, spec: KindSpec) -> tuple | None:
    """First and last date of a dated file, for the summary refresh."""
    if "date" not in spec.names:
        return None
    first, last = scratch.execute('SELECT min("date"), max("date") FROM parsed').fetchone()
    return (first, last) if first is not None else None
