"""Computed columns of an import profile: a small, closed set of operations, as data.

A source export does not always hold a canonical column as such: a due date may be the
order date plus the scheduled days. A profile then declares how to compute it from the
file's own columns, choosing one of the operations below. The declaration is plain data
(TOML/JSON); it is turned into SQL by :mod:`kpi.ingest.computed_sql`, which quotes every
text and refers to headers only through the file's column positions, so no text from a
profile is ever run as code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from kpi.schema import ColType

MAX_TABLE_ENTRIES = 1000
WHOLE_DAYS = re.compile(r"[+\-]?\d{1,5}")  # up to 99,999 days: any date stays in range
PLAIN_NUMBER = re.compile(r"[+\-]?(\d{1,15}(\.\d*)?|\.\d+)")  # no 1_5, no 1e400
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ComputedError(ValueError):
    """A computed column that cannot work; the message names the column and why."""


class Op(StrEnum):
    """The operations a profile may compute a column with."""

    ADD_DAYS = "add_days"  # a date plus N days (N: a column or a constant)
    DAYS_BETWEEN = "days_between"  # the first date minus the second, in days
    MULTIPLY = "multiply"  # a number times a factor (a column or a constant)
    CONCAT = "concat"  # columns joined with a separator, blank parts left out
    LOOKUP = "lookup"  # a column's value looked up in a table


OP_LABELS = {
    Op.ADD_DAYS: "date + N days",
    Op.DAYS_BETWEEN: "date − date (days)",
    Op.MULTIPLY: "quantity × factor",
    Op.CONCAT: "join columns",
    Op.LOOKUP: "lookup table",
}
_DATES = (ColType.DATE, ColType.TIMESTAMP)
_NUMBERS = (ColType.NUMBER, ColType.COUNT)
# which canonical column types each operation can produce (None: any, the loader checks)
_TARGETS: dict[Op, tuple[ColType, ...] | None] = {
    Op.ADD_DAYS: _DATES,
    Op.DAYS_BETWEEN: _NUMBERS,
    Op.MULTIPLY: _NUMBERS,
    Op.CONCAT: None,
    Op.LOOKUP: None,
}
# how many source columns each takes: (fewest, most); a missing second operand is `number`
_ARITY = {
    Op.ADD_DAYS: (1, 2),
    Op.DAYS_BETWEEN: (2, 2),
    Op.MULTIPLY: (1, 2),
    Op.CONCAT: (1, 20),
    Op.LOOKUP: (1, 1),
}


@dataclass(frozen=True)
class Computed:
    """One computed column: the operation, its source headers and its few settings."""

    op: Op
    columns: tuple[str, ...] = ()  # source headers, in operand order
    number: str = ""  # the constant days or factor when only one column is given
    date_format: str = ""  # how the source dates are written (empty: YYYY-MM-DD)
    separator: str = ""  # concat: put between the parts
    table: dict[str, str] = field(default_factory=dict)  # lookup: source value -> value
    default: str = ""  # lookup: the value for a key not in the table (empty: an error)

    @property
    def uses_dates(self) -> bool:
        return self.op in (Op.ADD_DAYS, Op.DAYS_BETWEEN)

    def date_columns(self) -> tuple[str, ...]:
        """The operands that are dates (their format is ``date_format``)."""
        if self.op is Op.ADD_DAYS:
            return self.columns[:1]
        return self.columns if self.op is Op.DAYS_BETWEEN else ()

    def formula(self) -> str:
        """How the value is made, in words shown in the editor and in problem messages."""
        parts = [f"'{c}'" for c in self.columns]
        if self.op is Op.ADD_DAYS:
            days = parts[1] if len(parts) > 1 else self.number
            return f"{parts[0]} + {days} days"
        if self.op is Op.DAYS_BETWEEN:
            return f"{parts[0]} − {parts[1]} in days"
        if self.op is Op.MULTIPLY:
            return f"{parts[0]} × {parts[1] if len(parts) > 1 else self.number}"
        if self.op is Op.CONCAT:
            return " & ".join(parts)
        return f"{parts[0]} looked up in a table of {len(self.table)}"


def check(name: str, column_type: ColType, computed: Computed) -> None:
    """Refuse a computed column that could never work, naming it and the reason."""
    where = f"Computed column '{name}'"
    op = computed.op
    targets = _TARGETS[op]
    if targets is not None and column_type not in targets:
        raise ComputedError(f"{where}: {OP_LABELS[op]} cannot make a {column_type.value} column.")
    fewest, most = _ARITY[op]
    if not fewest <= len(computed.columns) <= most or not all(c.strip() for c in computed.columns):
        raise ComputedError(f"{where}: {OP_LABELS[op]} takes {fewest} to {most} source column(s).")
    needs_number = op in (Op.ADD_DAYS, Op.MULTIPLY) and len(computed.columns) == 1
    if needs_number:
        pattern = WHOLE_DAYS if op is Op.ADD_DAYS else PLAIN_NUMBER
        if not pattern.fullmatch(computed.number.strip()):
            what = "a whole number of days" if op is Op.ADD_DAYS else "a plain number"
            raise ComputedError(f"{where}: give a second column or {what} as the constant.")
    elif computed.number.strip():
        raise ComputedError(f"{where}: a constant is only for a single-column add or multiply.")
    if op is Op.LOOKUP and not 0 < len(computed.table) <= MAX_TABLE_ENTRIES:
        raise ComputedError(f"{where}: a lookup needs 1 to {MAX_TABLE_ENTRIES} table entries.")
    if computed.date_format and not computed.uses_dates:
        raise ComputedError(f"{where}: only date operations take a date format.")
    texts = [*computed.columns, computed.separator, computed.default, computed.date_format]
    texts += [*computed.table, *computed.table.values()]
    if any(_CONTROL.search(t) for t in texts):
        raise ComputedError(f"{where}: control characters are not allowed.")


def from_data(data: dict[str, Any]) -> Computed:
    """A computed column from parsed TOML/JSON (numbers may be written bare)."""
    data = dict(data)
    try:
        data["op"] = Op(data["op"])
    except (KeyError, ValueError):
        ops = ", ".join(o.value for o in Op)
        raise ComputedError(f"A computed column needs an op, one of: {ops}.") from None
    data["columns"] = tuple(str(c) for c in data.get("columns", ()))
    data["number"] = str(data.get("number", "")).strip()
    data["table"] = {str(k): str(v) for k, v in dict(data.get("table", {})).items()}
    return Computed(**data)


def to_data(computed: Computed) -> dict[str, Any]:
    """Plain data for TOML/JSON: the op as text, empty settings left out."""
    data: dict[str, Any] = {"op": computed.op.value, "columns": list(computed.columns)}
    for key in ("number", "date_format", "separator", "default"):
        if getattr(computed, key):
            data[key] = getattr(computed, key)
    if computed.table:
        data["table"] = dict(computed.table)
    return data
