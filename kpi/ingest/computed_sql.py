"""Computed columns (:mod:`kpi.computed`) as DuckDB expressions over the source table ``s``.

Why here and in SQL: the preview and the load both run the profile through
``kpi.ingest.profiled.transform``, so one expression gives both their values. Every
text from the profile enters the SQL quoted (``sql_text``); headers become the file's
column positions (``locate``); numbers are checked against a pattern first. Each
operand that cannot be read is a *check*: a condition naming the row, the header and
the value, so a due date that does not compute is reported like any bad cell.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from kpi.computed import PLAIN_NUMBER, WHOLE_DAYS, Computed, Op
from kpi.ingest.problems import MAX_LISTED_PROBLEMS, FileRejected, Problem
from kpi.ingest.transform import cell_expr, locate, sql_text

__all__ = ["Check", "ComputedSql", "build", "locate", "problem_expr", "refuse_failures"]
from kpi.profiles import Profile
from kpi.schema import KINDS, ColType, Column, Kind

_ISO = {ColType.DATE: "%Y-%m-%d", ColType.TIMESTAMP: "%Y-%m-%d %H:%M:%S"}
_TEXT = Column("operand", ColType.TEXT)
_NUMBER = Column("operand", ColType.NUMBER)


@dataclass(frozen=True)
class Check:
    """A condition true for a row whose operand cannot be used, and what to say."""

    bad_when: str
    header: str
    value: str  # SQL: the operand's text
    message: str


@dataclass(frozen=True)
class ComputedSql:
    value: str  # SQL: the canonical text of the column, NULL when an operand is blank
    checks: tuple[Check, ...]


def _operand(profile: Profile, headers: list[str], header: str, column: Column) -> str:
    cell = "s." + locate(headers, header, "computed from")
    return cell_expr(cell, column, profile, None)


def build(name: str, how: Computed, profile: Profile, headers: list[str]) -> ComputedSql:
    """The value and the checks of one computed column."""
    target = KINDS[Kind(profile.kind)].column(name)
    if how.op in (Op.ADD_DAYS, Op.DAYS_BETWEEN):
        return _dates(how, target, profile, headers)
    if how.op is Op.MULTIPLY:
        return _multiply(how, profile, headers)
    texts = [_operand(profile, headers, h, _TEXT) for h in how.columns]
    if how.op is Op.CONCAT:
        return ComputedSql(
            f"nullif(concat_ws({sql_text(how.separator)}, {', '.join(texts)}), '')", ()
        )
    return _lookup(name, how, texts[0])


def _number(text: str, pattern: str) -> str:
    return f"regexp_full_match({text}, {sql_text(pattern)})"


def _dates(how: Computed, target: Column, profile: Profile, headers: list[str]) -> ComputedSql:
    fmt = how.date_format or "%Y-%m-%d"
    dates = [_operand(profile, headers, h, _TEXT) for h in how.date_columns()]
    parsed = [f"try_strptime({d}, {sql_text(fmt)})" for d in dates]
    checks = [
        Check(f"{d} IS NOT NULL AND {p} IS NULL", h, d, f"does not match the date format {fmt}")
        for d, p, h in zip(dates, parsed, how.date_columns(), strict=True)
    ]
    if how.op is Op.DAYS_BETWEEN:
        days = f"date_diff('day', CAST({parsed[1]} AS DATE), CAST({parsed[0]} AS DATE))"
        return ComputedSql(f"CAST({days} AS VARCHAR)", tuple(checks))
    if len(how.columns) > 1:
        count = _operand(profile, headers, how.columns[1], _NUMBER)
        ok = _number(count, WHOLE_DAYS.pattern)
        checks.append(
            Check(
                f"{count} IS NOT NULL AND NOT {ok}",
                how.columns[1],
                count,
                "is not a whole number of days",
            )
        )
    else:
        count, ok = sql_text(how.number.strip()), "true"
    n = f"CAST({count} AS INTEGER)"
    if target.type is ColType.TIMESTAMP:
        moved = f"strftime({parsed[0]} + to_days({n}), '{_ISO[ColType.TIMESTAMP]}')"
    else:
        moved = f"strftime(CAST({parsed[0]} AS DATE) + {n}, '{_ISO[ColType.DATE]}')"
    return ComputedSql(
        f"CASE WHEN {parsed[0]} IS NOT NULL AND {ok} THEN {moved} END", tuple(checks)
    )


def _multiply(how: Computed, profile: Profile, headers: list[str]) -> ComputedSql:
    numbers = [_operand(profile, headers, h, _NUMBER) for h in how.columns]
    if len(numbers) == 1:
        numbers.append(sql_text(how.number.strip()))
    oks = [_number(n, PLAIN_NUMBER.pattern) for n in numbers]
    checks = tuple(
        Check(f"{n} IS NOT NULL AND NOT {ok}", h, n, "is not a plain number")
        for n, ok, h in zip(numbers, oks, how.columns, strict=False)
    )
    product = f"round(CAST({numbers[0]} AS DOUBLE) * CAST({numbers[1]} AS DOUBLE), 9)"
    shown = f"rtrim(rtrim(printf('%.9f', {product}), '0'), '.')"
    return ComputedSql(f"CASE WHEN {oks[0]} AND {oks[1]} THEN {shown} END", checks)


def _lookup(name: str, how: Computed, key: str) -> ComputedSql:
    cases = " ".join(f"WHEN {sql_text(k)} THEN {sql_text(v)}" for k, v in how.table.items())
    fallback = sql_text(how.default) if how.default else "NULL"
    value = f"CASE {key} {cases} ELSE {fallback} END"
    if how.default:
        return ComputedSql(value, ())
    keys = ", ".join(sql_text(k) for k in how.table)
    message = f"is not in the lookup table of {name}"
    return ComputedSql(value, (Check(f"{key} NOT IN ({keys})", how.columns[0], key, message),))


def problem_expr(checks: tuple[Check, ...]) -> str:
    """SQL: the first check a row fails, as 'header: message', or NULL."""
    if not checks:
        return "CAST(NULL AS VARCHAR)"
    whens = " ".join(
        f"WHEN {c.bad_when} THEN {sql_text(f'{c.header}: {c.message}')}" for c in checks
    )
    return f"CASE {whens} END"


def refuse_failures(con: duckdb.DuckDBPyConnection, profile: Profile, headers: list[str]) -> None:
    """Every row of ``s`` whose computed column cannot be made, at once, by source line."""
    parts = []
    for name, how in profile.computed.items():
        for check in build(name, how, profile, headers).checks:
            label = sql_text(f"{check.header} → {name}")
            message = sql_text(f"cannot compute {name}: the value {check.message}")
            parts.append(
                f"SELECT s.src_line AS line, {label} AS col, {check.value} AS val, "
                f"{message} AS msg FROM s WHERE {check.bad_when}"
            )
    if not parts:
        return
    rows = con.execute(
        f"SELECT DISTINCT * FROM ({' UNION ALL '.join(parts)}) ORDER BY 1, 2 "
        f"LIMIT {MAX_LISTED_PROBLEMS}"
    ).fetchall()
    if rows:
        raise FileRejected(
            [Problem(message, int(line), column, value) for line, column, value, message in rows]
        )
