"""Typed projection of the text table, and the checks that need typed values.

The projection uses ``try_`` casts so that the cross-row checks (scrap above produced,
duplicate natural keys) can run on the same pass as the value rules and every problem
is reported together. Defaults for optional columns are applied here, once.
"""

from __future__ import annotations

import duckdb

from kpi.ingest.problems import MAX_LISTED_PROBLEMS
from kpi.schema import ColType, Column, Kind, KindSpec

_TRUE = "('yes', 'y', 'true', '1')"
_FALSE = "('no', 'n', 'false', '0')"


def _literal(value: str | None) -> str:
    if value is None:
        return "NULL"
    return "'" + value.replace("'", "''") + "'"


def _typed_expr(column: Column, cell: str | None, default: str | None) -> str:
    v = f"nullif(trim({cell}), '')" if cell else "NULL"
    fallback = _literal(default)
    kind = column.type
    if kind is ColType.DATE:
        expr = f"CAST(try_strptime({v}, '%Y-%m-%d') AS DATE)"
    elif kind is ColType.TIMESTAMP:
        expr = f"try_cast({v} AS TIMESTAMP)"
    elif kind is ColType.COUNT:
        expr = f"try_cast(try_cast(coalesce({v}, {fallback}) AS DOUBLE) AS BIGINT)"
        return expr
    elif kind is ColType.NUMBER:
        expr = f"try_cast(coalesce({v}, {fallback}) AS DOUBLE)"
        return expr
    elif kind is ColType.BOOL:
        value = f"lower(coalesce({v}, {fallback}))"
        return f"CASE WHEN {value} IN {_TRUE} THEN true WHEN {value} IN {_FALSE} THEN false END"
    elif column.choices:
        expr = f"lower({v})"
    else:
        expr = v
    return f"coalesce({expr}, {fallback})" if default is not None else expr


def create_typed(
    scratch: duckdb.DuckDBPyConnection,
    spec: KindSpec,
    columns: dict[str, str],
    defaults: dict[str, str],
) -> None:
    """Create table ``typed`` with canonical names and SQL types, plus ``row_index``."""
    parts = ["rowid AS row_index"]
    for column in spec.columns:
        default = defaults.get(column.name, column.default)
        expr = _typed_expr(column, columns.get(column.name), default)
        parts.append(f'{expr} AS "{column.name}"')
    scratch.execute(f"CREATE OR REPLACE TABLE typed AS SELECT {', '.join(parts)} FROM raw")


def over_produced(scratch: duckdb.DuckDBPyConnection, spec: KindSpec) -> list[tuple[int, str]]:
    """Production rows where scrap + rework exceed the units produced."""
    if spec.kind is not Kind.PRODUCTION:
        return []
    rows = scratch.execute(
        "SELECT row_index, units_scrapped, units_reworked, units_produced FROM typed "
        "WHERE units_scrapped + units_reworked > units_produced ORDER BY row_index LIMIT ?",
        [MAX_LISTED_PROBLEMS],
    ).fetchall()
    return [
        (int(index), f"scrapped {scrapped} + reworked {reworked} > produced {produced}")
        for index, scrapped, reworked, produced in rows
    ]


def duplicate_keys(scratch: duckdb.DuckDBPyConnection, spec: KindSpec) -> list[tuple[int, int]]:
    """(row_index, first row_index with the same key) for every repeat of a natural key."""
    if not spec.natural_key:
        return []
    key = ", ".join(f'"{name}"' for name in spec.natural_key)
    rows = scratch.execute(
        f"SELECT row_index, first_index FROM (SELECT row_index, "
        f"min(row_index) OVER (PARTITION BY {key}) AS first_index FROM typed) "
        f"WHERE row_index <> first_index ORDER BY row_index LIMIT ?",
        [MAX_LISTED_PROBLEMS],
    ).fetchall()
    return [(int(a), int(b)) for a, b in rows]


def date_span(scratch: duckdb.DuckDBPyConnection, spec: KindSpec) -> tuple | None:
    """First and last date of a shift-scoped file, for the summary refresh."""
    if "date" not in spec.names:
        return None
    first, last = scratch.execute('SELECT min("date"), max("date") FROM typed').fetchone()
    return (first, last) if first is not None else None
