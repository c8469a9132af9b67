"""Validation rules run inside DuckDB over the text table ``raw``.

Each rule is one SQL predicate plus a plain-language message. All rules run in one
pass and every failing cell is collected (pandera-style lazy validation), so QA sees
every problem of a file at once. The typed projection that follows only runs on a
file with no problems, so its casts cannot fail.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from kpi.ingest.problems import MAX_LISTED_PROBLEMS, FileRejected, Problem
from kpi.schema import KINDS, ColType, Column, Kind, KindSpec, Replace

_BOOL_TRUE = ("yes", "y", "true", "1")
_BOOL_FALSE = ("no", "n", "false", "0")
_ISO_DATE = r"\d{4}-\d{2}-\d{2}"


@dataclass(frozen=True)
class Rule:
    """A predicate over one column that marks a bad cell, and what to tell the user."""

    column: str
    bad_when: str  # SQL predicate over v (trimmed text) that is true for a bad value
    message: str
    source: str  # SQL expression of the raw cell
    checks_blank: bool = False  # most rules skip blank cells; "required" is about them


def column_map(spec: KindSpec, headers: tuple[str, ...]) -> dict[str, str]:
    """Canonical column name -> raw table column (c0..cN) for the columns present."""
    wanted = set(spec.names)
    return {name: f"c{i}" for i, name in enumerate(headers) if name in wanted}


def header_problems(
    spec: KindSpec, headers: tuple[str, ...], detected: Kind | None
) -> list[Problem]:
    """Missing required columns (with a hint when the file looks like another kind)."""
    missing = [name for name in spec.required_names if name not in headers]
    problems = [
        Problem(f"Required column '{name}' is missing from the header.", line=1, column=name)
        for name in missing
    ]
    if problems and detected is not None and detected != spec.kind:
        problems.insert(
            0,
            Problem(f"This looks like a {detected.value} file, not {spec.kind.value}.", line=1),
        )
    return problems


def extra_columns(spec: KindSpec, headers: tuple[str, ...]) -> list[str]:
    return [h for h in headers if h not in spec.names]


def _value_rules(column: Column, cell: str) -> list[Rule]:
    v = f"nullif(trim({cell}), '')"
    rules = []
    if column.required and column.default is None:
        rules.append(Rule(column.name, f"{v} IS NULL", "is required but empty", cell, True))
    rules.extend(_type_rules(column, v, cell))
    return rules


def _type_rules(column: Column, v: str, cell: str) -> list[Rule]:
    name = column.name
    if column.type is ColType.DATE:
        return [
            Rule(
                name,
                f"NOT regexp_full_match({v}, '{_ISO_DATE}')",
                "is not a date in YYYY-MM-DD form (e.g. 2026-03-31)",
                cell,
            ),
            Rule(
                name,
                f"regexp_full_match({v}, '{_ISO_DATE}') AND try_strptime({v}, '%Y-%m-%d') IS NULL",
                "is not a real calendar date",
                cell,
            ),
        ]
    if column.type is ColType.TIMESTAMP:
        return [
            Rule(
                name,
                f"try_cast({v} AS TIMESTAMP) IS NULL",
                "is not a date and time like 2026-03-31 06:15",
                cell,
            )
        ]
    if column.type is ColType.BOOL:
        allowed = ", ".join(f"'{x}'" for x in _BOOL_TRUE + _BOOL_FALSE)
        return [
            Rule(name, f"lower({v}) NOT IN ({allowed})", "must be yes/no, true/false or 1/0", cell)
        ]
    if column.type is ColType.TEXT and column.choices:
        allowed = ", ".join(f"'{x}'" for x in column.choices)
        return [
            Rule(
                name,
                f"lower({v}) NOT IN ({allowed})",
                "must be one of: " + ", ".join(column.choices),
                cell,
            )
        ]
    if column.type in (ColType.COUNT, ColType.NUMBER):
        return _number_rules(column, v, cell)
    return []


def _number_rules(column: Column, v: str, cell: str) -> list[Rule]:
    name, number = column.name, f"try_cast({v} AS DOUBLE)"
    rules = [Rule(name, f"{number} IS NULL OR NOT isfinite({number})", "is not a number", cell)]
    if column.type is ColType.COUNT:
        rules.append(Rule(name, f"{number} <> floor({number})", "must be a whole number", cell))
    if column.min_value is not None:
        op, text = (">", "greater than") if column.min_exclusive else (">=", "at least")
        minimum = column.min_value
        message = (
            "must not be negative"
            if (minimum == 0 and op == ">=")
            else (f"must be {text} {minimum:g}")
        )
        rules.append(Rule(name, f"NOT ({number} {op} {minimum})", message, cell))
    if column.max_value is not None:
        rules.append(
            Rule(
                name,
                f"{number} > {column.max_value}",
                f"is above the plausible maximum of {column.max_value:,.0f}",
                cell,
            )
        )
    return rules


def build_rules(spec: KindSpec, columns: dict[str, str]) -> list[Rule]:
    """Every value rule for the columns present in the file."""
    rules: list[Rule] = []
    for column in spec.columns:
        if column.name in columns:
            rules.extend(_value_rules(column, columns[column.name]))
    return rules


def _rule_query(index: int, rule: Rule) -> str:
    guarded = rule.bad_when
    if not rule.checks_blank:
        guarded = f"nullif(trim({rule.source}), '') IS NOT NULL AND ({rule.bad_when})"
    return (
        f"SELECT rowid AS row_index, {index} AS rule_index, {rule.source} AS value "
        f"FROM raw WHERE coalesce({guarded}, false)"
    )


def value_problems(
    scratch: duckdb.DuckDBPyConnection, rules: list[Rule]
) -> tuple[list[tuple], int]:
    """Run all rules in one statement; returns (first rows, total count)."""
    if not rules:
        return [], 0
    union = " UNION ALL ".join(_rule_query(i, r) for i, r in enumerate(rules))
    scratch.execute(f"CREATE OR REPLACE TEMP TABLE bad AS {union}")
    total = int(scratch.execute("SELECT count(*) FROM bad").fetchone()[0])
    rows = scratch.execute(
        "SELECT row_index, rule_index, value FROM bad ORDER BY row_index, rule_index LIMIT ?",
        [MAX_LISTED_PROBLEMS],
    ).fetchall()
    return rows, total


def require_kind(kind: Kind | None) -> KindSpec:
    if kind is None:
        raise FileRejected(
            [
                Problem(
                    "Cannot tell which kind of file this is from its header; choose the kind.",
                    line=1,
                )
            ]
        )
    return KINDS[kind]


def replaces_by_scope(spec: KindSpec) -> bool:
    return spec.replace is Replace.BY_SHIFT_SCOPE
