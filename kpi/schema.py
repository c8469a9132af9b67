"""Input kinds declared as data: the contract every uploaded file is checked against.

One ``KindSpec`` per input kind lists its columns, their types, which are required,
their defaults, value bounds and the natural key. The validator, the loader, the
README's "Data formats" section and the Upload page all read this one declaration.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """The input kinds QA can load."""

    PRODUCTION = "production"
    DOWNTIME = "downtime"
    DELIVERIES = "deliveries"
    RECEIPTS = "receipts"
    DEFECTS = "defects"
    MEASUREMENTS = "measurements"


class ColType(StrEnum):
    """Logical column types; each maps to one parse rule and one SQL type."""

    TEXT = "text"
    DATE = "date"
    TIMESTAMP = "timestamp"
    COUNT = "count"  # whole, non-negative number of units
    NUMBER = "number"  # decimal; signed unless the column sets min_value (most set 0)
    BOOL = "bool"


class Replace(StrEnum):
    """How a new file treats rows already stored: a correction replaces only what it restates.

    Rows of other keys (another machine or product in the same shift) are always kept.
    """

    BY_SCOPE = "by_scope"  # event lists: replace the stored events of every scope_key it has
    BY_KEY = "by_key"  # upsert by natural key


# the explicit "replace the whole shift" option: every row of each (date, shift, plant, line)
SHIFT_SCOPE = ("date", "shift", "plant", "line")


MAX_COUNT = 1_000_000_000
MAX_MINUTES = 1440.0


@dataclass(frozen=True)
class Column:
    """One column of an input kind."""

    name: str
    type: ColType
    required: bool = True
    default: str | None = None  # text default used when the column or cell is blank
    min_value: float | None = None
    max_value: float | None = None
    min_exclusive: bool = False
    choices: tuple[str, ...] = ()
    help: str = ""


@dataclass(frozen=True)
class KindSpec:
    """Everything the loader needs to know about one input kind."""

    kind: Kind
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]
    replace: Replace
    signature: frozenset[str]  # headers that identify this kind when auto-detecting
    description: str = ""
    scope_key: tuple[str, ...] = field(default=SHIFT_SCOPE)  # for Replace.BY_SCOPE

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _text(name: str, required: bool = True, default: str | None = None, help: str = "") -> Column:
    return Column(name, ColType.TEXT, required=required, default=default, help=help)


def _count(name: str, required: bool = True, default: str | None = None) -> Column:
    return Column(name, ColType.COUNT, required, default, min_value=0, max_value=MAX_COUNT)


PLANT = _text("plant", required=False, help="defaults to the configured plant")

PRODUCTION = KindSpec(
    kind=Kind.PRODUCTION,
    description="one row per date x shift x plant x line x machine x product",
    columns=(
        Column("date", ColType.DATE, help="the date the shift started (YYYY-MM-DD)"),
        _text("shift"),
        PLANT,
        _text("line"),
        _text("machine", required=False),
        _text("product"),
        Column("planned_minutes", ColType.NUMBER, min_value=0, max_value=MAX_MINUTES),
        Column(
            "ideal_cycle_seconds",
            ColType.NUMBER,
            required=False,
            min_value=0,
            min_exclusive=True,
            max_value=86400,
        ),
        _count("units_produced"),
        _count("units_scrapped"),
        _count("units_reworked", required=False, default="0"),
    ),
    natural_key=("date", "shift", "plant", "line", "machine", "product"),
    replace=Replace.BY_KEY,
    signature=frozenset({"units_produced", "planned_minutes"}),
)

DOWNTIME = KindSpec(
    kind=Kind.DOWNTIME,
    description="one row per stop",
    columns=(
        Column("date", ColType.DATE),
        _text("shift"),
        PLANT,
        _text("line"),
        _text("machine", required=False),
        _text("reason"),
        Column(
            "minutes",
            ColType.NUMBER,
            min_value=0,
            min_exclusive=True,
            max_value=MAX_MINUTES,
        ),
        Column("planned", ColType.BOOL, required=False, default="no"),
        Column("start", ColType.TIMESTAMP, required=False),
    ),
    natural_key=(),
    replace=Replace.BY_SCOPE,
    scope_key=(*SHIFT_SCOPE, "machine"),  # a machine's stops in a shift, restated whole
    signature=frozenset({"reason", "minutes"}),
)

DELIVERIES = KindSpec(
    kind=Kind.DELIVERIES,
    description="outbound customer order lines",
    columns=(
        _text("order_id"),
        _text("line_no", required=False, default="1"),
        _text("customer", required=False),
        _text("product", required=False),
        PLANT,
        Column("due_date", ColType.DATE),
        Column("ship_date", ColType.DATE, required=False, help="blank = not shipped yet"),
        Column("quantity_ordered", ColType.NUMBER, required=False, max_value=MAX_COUNT),
        Column("quantity_shipped", ColType.NUMBER, required=False, max_value=MAX_COUNT),
    ),
    natural_key=("order_id", "line_no"),
    replace=Replace.BY_KEY,
    signature=frozenset({"order_id"}),
)

RECEIPTS = KindSpec(
    kind=Kind.RECEIPTS,
    description="inbound supplier deliveries (ISO 9001 8.4)",
    columns=(
        _text("po_id"),
        _text("line_no", required=False, default="1"),
        _text("supplier"),
        _text("product", required=False),
        PLANT,
        Column("due_date", ColType.DATE),
        Column("received_date", ColType.DATE, required=False, help="blank = not received yet"),
        Column("quantity_ordered", ColType.NUMBER, required=False, max_value=MAX_COUNT),
        Column("quantity_received", ColType.NUMBER, required=False, max_value=MAX_COUNT),
    ),
    natural_key=("po_id", "line_no"),
    replace=Replace.BY_KEY,
    signature=frozenset({"po_id"}),
)

DEFECTS = KindSpec(
    kind=Kind.DEFECTS,
    description="defect counts by code, for Pareto and c/u charts",
    columns=(
        Column("date", ColType.DATE),
        _text("shift"),
        PLANT,
        _text("line"),
        _text("product", required=False),
        _text("defect"),
        _count("quantity"),
        Column("disposition", ColType.TEXT, required=False, choices=("scrap", "rework")),
    ),
    natural_key=(),
    replace=Replace.BY_SCOPE,
    scope_key=(*SHIFT_SCOPE, "product"),  # a product's defects in a shift, restated whole
    signature=frozenset({"defect", "quantity"}),
)

MEASUREMENTS = KindSpec(
    kind=Kind.MEASUREMENTS,
    description="one row per reading of a measured characteristic (variables SPC)",
    columns=(
        Column("date", ColType.DATE),
        _text("shift"),
        PLANT,
        _text("line"),
        _text("machine", required=False),
        _text("product"),
        _text("characteristic", help="must have a spec for the product on the date"),
        _text("subgroup", help="id (or time) of the readings taken together"),
        Column("value", ColType.NUMBER, help="the reading; may be negative (a deviation)"),
        _text("unit", help="must equal the spec's unit"),
    ),
    natural_key=(),  # readings of one subgroup repeat every column but the value
    replace=Replace.BY_SCOPE,
    # a subgroup's readings, restated whole by a correction
    scope_key=(*SHIFT_SCOPE, "machine", "product", "characteristic", "subgroup"),
    signature=frozenset({"characteristic", "value"}),
)

KINDS: dict[Kind, KindSpec] = {
    spec.kind: spec for spec in (PRODUCTION, DOWNTIME, DELIVERIES, RECEIPTS, DEFECTS, MEASUREMENTS)
}


def normalise_header(name: str) -> str:
    """Headers match case-insensitively and ignore surrounding spaces (and a stray BOM)."""
    return name.replace("\ufeff", "").strip().lower()


def detect_kind(headers: list[str]) -> Kind | None:
    """Pick the kind whose signature columns all appear, preferring the best column overlap."""
    present = {normalise_header(h) for h in headers}
    best: tuple[int, Kind] | None = None
    for spec in KINDS.values():
        if not spec.signature <= present:
            continue
        overlap = len(present & set(spec.names))
        if best is None or overlap > best[0]:
            best = (overlap, spec.kind)
    return best[1] if best else None
