"""Validation rules, run inside DuckDB over the parsed table.

Each column is parsed once (``try_`` casts, never guessing a date format) into table
``parsed``, which keeps the trimmed raw text beside each parsed value. Every rule is a
cheap predicate over those two; all rules are OR-ed into one pass that counts bad
rows. Only when that count is non-zero are the rules run one by one to name every
failing cell (pandera-style lazy validation: every problem is reported at once).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import duckdb

from kpi.ingest.problems import MAX_LISTED_PROBLEMS, FileRejected, Problem
from kpi.schema import KINDS, ColType, Column, Kind, KindSpec
from kpi.shifts import calendar, start_checks

_ISO_DATE = r"\d{4}-\d{2}-\d{2}"
_DAY_MONTH = r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}"
MAX_TEXT = 200
# a cell starting with = + - @ tab CR or LF runs as a formula in a spreadsheet, unless
# the whole cell is a plain number ("-1" is a number; "-1+cmd|' /C calc'!A0" runs)
_PLAIN_NUMBER = r"[+\-]?(\d+\.?\d*|\.\d+)([eE][+\-]?\d+)?"
_FORMULA_MESSAGE = (
    "starts like a spreadsheet formula (=, +, -, @, a tab or a line break) and is not a "
    "plain number; such cells are refused because they would run when an export is "
    "opened in a spreadsheet"
)
# "26-01-05" parses as the year 26, and DuckDB's typed reader reads the word "epoch" as
# 1900-01-01: refuse years no shop-floor record can have
_OUTSIDE_YEARS = "{p} < DATE '1970-01-01' OR {p} > DATE '2099-12-31'"
_TWO_DIGIT_YEAR = "is outside the years 1970-2099: write the year with four digits (YYYY-MM-DD)"
_AMBIGUOUS = (
    "could be day/month or month/day, and dates are never guessed: use YYYY-MM-DD, "
    "or set this column's date format in an import profile"
)


_SEPARATOR = "has a '_' between digits; write the number with plain digits (e.g. 1500)"
# in a decimal-comma locale "12.000" is twelve thousand and "1,5" is one and a half
_LOCALE = r"[+\-]?\d{1,3}(\.\d{3})+|[+\-]?[\d.]*,\d*"


def _locale_message(delimiter: str) -> str:
    name = {";": "semicolons", "\t": "tabs", "|": "pipes"}.get(delimiter, repr(delimiter))
    return (
        f"could be read two ways in a file separated by {name} (is '.' a decimal point or "
        "a thousands mark, ',' a decimal comma?) and numbers are never guessed: use an "
        "import profile that sets the decimal and thousands marks"
    )


class RuleRole(StrEnum):
    """What a rule looks at, so the native fast path knows which rules it may drop.

    Why: the fast path can let DuckDB's typed reader parse dates and numbers (a cell that
    does not parse aborts the read), and checks text shape once per distinct value.
    """

    REQUIRED = "required"  # the cell is blank
    PARSE = "parse"  # the text does not parse as the column's type
    VALUE = "value"  # the parsed value breaks a bound
    TEXT = "text"  # the shape of free text (formulas, length)


@dataclass(frozen=True)
class Rule:
    """A predicate that is true for a bad cell, and what to tell the user about it."""

    column: str
    bad_when: str  # SQL over the parsed value and the trimmed raw text
    message: str
    role: RuleRole = RuleRole.VALUE


def raw_name(column: str) -> str:
    """Name of the trimmed raw text column kept beside each parsed column."""
    return f"raw__{column}"


def column_map(spec: KindSpec, headers: tuple[str, ...]) -> dict[str, str]:
    """Canonical column name -> raw table column (c0..cN) for the columns present."""
    wanted = set(spec.names)
    return {name: f"c{i}" for i, name in enumerate(headers) if name in wanted}


def header_problems(
    spec: KindSpec, headers: tuple[str, ...], detected: Kind | None
) -> list[Problem]:
    """Missing required columns (with a hint when the file looks like another kind)."""
    problems = [
        Problem(f"Required column '{name}' is missing from the header.", line=1, column=name)
        for name in spec.required_names
        if name not in headers
    ]
    if problems and detected is not None and detected != spec.kind:
        hint = f"This looks like a {detected.value} file, not {spec.kind.value}."
        problems.insert(0, Problem(hint, line=1))
    return problems


def extra_column_warning(spec: KindSpec, headers: tuple[str, ...]) -> list[str]:
    """Unknown columns are reported by name but do not stop the load."""
    extra = [h for h in headers if h not in spec.names]
    return ["ignored unknown column(s): " + ", ".join(extra)] if extra else []


def build_rules(spec: KindSpec, present: dict[str, str], delimiter: str = ",") -> list[Rule]:
    """Every rule for the columns present in the file, in column order.

    ``delimiter`` matters for numbers: outside a comma file, "12.000" may be twelve
    thousand (a decimal-comma locale), so such values are refused, never guessed.
    """
    rules: list[Rule] = []
    for column in spec.columns:
        if column.name in present:
            rules.extend(_column_rules(column, delimiter))
    if spec.kind is Kind.DOWNTIME and "start" in present:
        rules += [Rule("start", bad, text) for bad, text in start_checks(calendar())]
    return rules


def _column_rules(column: Column, delimiter: str) -> list[Rule]:
    p, r = f'"{column.name}"', f'"{raw_name(column.name)}"'
    rules = []
    if column.required and column.default is None:
        rules.append(Rule(column.name, f"{r} IS NULL", "is required but empty", RuleRole.REQUIRED))
    unparsed = f"{r} IS NOT NULL AND {p} IS NULL"
    if column.type is ColType.DATE:
        rules.extend(_date_rules(column.name, r, unparsed))
        rules.append(Rule(column.name, _OUTSIDE_YEARS.format(p=p), _TWO_DIGIT_YEAR))
    elif column.type is ColType.TIMESTAMP:
        message = "is not a date and time like 2026-03-31 06:15"
        rules.append(Rule(column.name, unparsed, message, RuleRole.PARSE))
    elif column.type is ColType.BOOL:
        message = "must be yes/no, true/false or 1/0"
        rules.append(Rule(column.name, unparsed, message, RuleRole.PARSE))
    elif column.choices:
        allowed = ", ".join(f"'{x}'" for x in column.choices)
        rules.append(
            Rule(
                column.name,
                f"{p} NOT IN ({allowed})",
                "must be one of: " + ", ".join(column.choices),
            )
        )
    elif column.type is ColType.TEXT:
        rules.extend(text_rules(column.name, r))
    elif column.type in (ColType.COUNT, ColType.NUMBER):
        rules.extend(_number_rules(column, p, r, delimiter))
    return rules


def _date_rules(name: str, r: str, unparsed: str) -> list[Rule]:
    """A date that did not parse: say whether it is ambiguous, impossible or just not one."""
    ambiguous = f"regexp_full_match({r}, '{_DAY_MONTH}')"
    iso = f"regexp_full_match({r}, '{_ISO_DATE}')"
    not_a_date = "is not a date in YYYY-MM-DD form (e.g. 2026-03-31)"
    return [
        Rule(name, lazy(unparsed, f"NOT {iso} AND NOT {ambiguous}"), not_a_date, RuleRole.PARSE),
        Rule(name, lazy(unparsed, ambiguous), _AMBIGUOUS, RuleRole.PARSE),
        Rule(name, lazy(unparsed, iso), "is not a real calendar date", RuleRole.PARSE),
    ]


def lazy(cheap: str, costly: str) -> str:
    """``cheap AND costly``, with ``costly`` (a regex) evaluated only where ``cheap`` holds.

    Why: every rule runs on every row of every load, and DuckDB evaluates an AND's later
    terms on all rows of a vector; a CASE runs its THEN branch only where WHEN is true.
    ``cheap`` must never be NULL (it is built from IS NULL tests or comparisons of text
    that is not NULL), so the result is exactly that of the AND.
    """
    return f"CASE WHEN {cheap} THEN {costly} ELSE false END"


# first bytes a formula-like cell can start with: tab, LF, CR, +, -, =, @ (byte-wise ranges)
_FORMULA_FIRST = ((9, 11), (13, 14), (43, 44), (45, 46), (61, 62), (64, 65))


def formula_like(r: str) -> str:
    """The formula rule, its regex run only on text whose first byte could start one."""
    first = " OR ".join(f"({r} >= chr({a}) AND {r} < chr({b}))" for a, b in _FORMULA_FIRST)
    return lazy(f"{r} IS NOT NULL AND ({first})", f"NOT regexp_full_match({r}, '{_PLAIN_NUMBER}')")


def text_rules(name: str, r: str) -> list[Rule]:
    """Names stay names: no spreadsheet formulas (they would run in exports), no essays."""
    too_long = f"is longer than {MAX_TEXT} characters"
    breaks = " OR ".join(f"strpos({r}, chr({code})) > 0" for code in (9, 10, 13))
    # spaces other than ' ' (no-break, ideographic...) start at U+00A0
    blank = lazy(f"{r} IS NOT NULL AND {r} >= chr(160)", f"regexp_full_match({r}, '\\p{{Z}}+')")
    return [
        Rule(name, formula_like(r), _FORMULA_MESSAGE, RuleRole.TEXT),
        Rule(name, f"length({r}) > {MAX_TEXT}", too_long, RuleRole.TEXT),
        Rule(name, breaks, "contains a tab or a line break; a name is one line", RuleRole.TEXT),
        Rule(name, blank, "is blank: only spaces", RuleRole.TEXT),
    ]


def _number_rules(column: Column, p: str, r: str, delimiter: str) -> list[Rule]:
    """Only plain numbers: no digit separators, nothing whose reading depends on a locale."""
    name = column.name
    separator = f"strpos({r}, '_') > 0"
    unparsed = f"{r} IS NOT NULL AND {p} IS NULL AND NOT {separator}"
    rules = [
        Rule(name, separator, _SEPARATOR, RuleRole.PARSE),
        Rule(name, f"NOT isfinite({p})", "is not a number"),
    ]
    if delimiter != ",":
        marks = f"strpos({r}, '.') > 0 OR strpos({r}, ',') > 0"
        locale = lazy(f"{r} IS NOT NULL AND ({marks})", f"regexp_full_match({r}, '{_LOCALE}')")
        unparsed = f"{unparsed} AND NOT {locale}"
        rules.append(Rule(name, locale, _locale_message(delimiter), RuleRole.PARSE))
    rules.insert(1, Rule(name, unparsed, "is not a number", RuleRole.PARSE))
    if column.type is ColType.COUNT:
        rules.append(Rule(name, f"{p} <> floor({p})", "must be a whole number"))
    if column.min_value is not None:
        op, text = (">", "greater than") if column.min_exclusive else (">=", "at least")
        message = f"must be {text} {column.min_value:g}"
        if column.min_value == 0 and not column.min_exclusive:
            message = "must not be negative"
        rules.append(Rule(name, f"NOT ({p} {op} {column.min_value})", message))
    if column.max_value is not None:
        rules.append(
            Rule(
                name,
                f"{p} > {column.max_value}",
                f"is above the plausible maximum of {column.max_value:,.0f}",
            )
        )
    return rules


def count_bad_rows(scratch: duckdb.DuckDBPyConnection, rules: list[Rule]) -> int:
    """One pass over ``parsed``: how many rows break at least one rule."""
    if not rules:
        return 0
    any_bad = " OR ".join(f"coalesce({rule.bad_when}, false)" for rule in rules)
    return int(scratch.execute(f"SELECT count(*) FROM parsed WHERE {any_bad}").fetchone()[0])


def failing_cells(scratch: duckdb.DuckDBPyConnection, rules: list[Rule]) -> tuple[list[tuple], int]:
    """(row_index, rule_index, raw value) of every failing cell, first ones first, and total."""
    union = " UNION ALL ".join(
        f'SELECT row_index, {i} AS rule_index, "{raw_name(rule.column)}" AS value '
        f"FROM parsed WHERE coalesce({rule.bad_when}, false)"
        for i, rule in enumerate(rules)
    )
    scratch.execute(f"CREATE OR REPLACE TEMP TABLE bad AS {union}")
    total = int(scratch.execute("SELECT count(*) FROM bad").fetchone()[0])
    rows = scratch.execute(
        "SELECT row_index, rule_index, value FROM bad ORDER BY row_index, rule_index LIMIT ?",
        [MAX_LISTED_PROBLEMS],
    ).fetchall()
    return rows, total


def require_kind(kind: Kind | None) -> KindSpec:
    if kind is None:
        message = "Cannot tell which kind of file this is from its header; choose the kind."
        raise FileRejected([Problem(message, line=1)])
    return KINDS[kind]
