"""The KPI catalogue: every KPI declared once, as data (ISO 22400-2 terms).

Adding a KPI means adding one ``KPI`` entry here and one golden test. The engine in
``kpi.metrics`` never hard-codes a KPI: it sums the entry's source measures over the
group, then evaluates the numerator and denominator expressions on those sums. That is
what makes every ratio a ratio of sums, at every grain and after every filter.

Measure names available per source are listed in ``kpi.sources``. Expressions are
trusted code (never user input) written in portable SQL over those measure names.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kpi.schema import Kind


class Grain(StrEnum):
    """Time buckets; a period is labelled by its first day (ISO weeks start Monday)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"
    TOTAL = "total"


class Direction(StrEnum):
    HIGHER = "higher"  # higher is better
    LOWER = "lower"  # lower is better


class Unit(StrEnum):
    RATIO = "ratio"  # a fraction; shown as a percentage
    MINUTES = "minutes"
    COUNT = "count"
    UNITS = "units"
    DAYS = "days"
    PER_UNIT = "per unit"  # a rate that may exceed 1 (defects per unit), not a percentage


class Formula(StrEnum):
    RATIO = "ratio"  # value = Σnumerator / Σdenominator (empty when the denominator is 0)
    SUM = "sum"  # value = Σnumerator
    PRODUCT = "product"  # value = product of the factor KPIs' values over the same group


class Source(StrEnum):
    """The relation a KPI's measures are summed over (see ``kpi.sources``)."""

    PRODUCTION = "production"  # production rows with matched downtime allocated to them
    DOWNTIME = "downtime"  # every stop, matched to production or not
    DEFECTS = "defects"
    # defect rows beside the production rows of the same date, plant, line, shift and product
    DEFECT_UNITS = "defect_units"
    # production time beside every stop (matched or not): MTBF counts the stops `stops` counts
    UPTIME = "uptime"
    DELIVERIES = "deliveries"
    RECEIPTS = "receipts"


class Dim(StrEnum):
    """Dimensions a KPI can be split or filtered by."""

    PLANT = "plant"
    LINE = "line"
    MACHINE = "machine"
    SHIFT = "shift"
    PRODUCT = "product"
    REASON = "reason"
    PLANNED = "planned"
    CUSTOMER = "customer"
    SUPPLIER = "supplier"
    DEFECT = "defect"
    DISPOSITION = "disposition"


PRODUCTION_DIMS = (Dim.PLANT, Dim.LINE, Dim.MACHINE, Dim.SHIFT, Dim.PRODUCT)
DOWNTIME_DIMS = (Dim.PLANT, Dim.LINE, Dim.MACHINE, Dim.SHIFT, Dim.REASON, Dim.PLANNED)
DEFECT_DIMS = (Dim.PLANT, Dim.LINE, Dim.SHIFT, Dim.PRODUCT, Dim.DEFECT, Dim.DISPOSITION)
DEFECT_UNIT_DIMS = (Dim.PLANT, Dim.LINE, Dim.SHIFT, Dim.PRODUCT)  # on both input kinds
DELIVERY_DIMS = (Dim.CUSTOMER, Dim.PRODUCT, Dim.PLANT)
RECEIPT_DIMS = (Dim.SUPPLIER, Dim.PRODUCT, Dim.PLANT)
UPTIME_DIMS = (Dim.PLANT, Dim.LINE, Dim.MACHINE, Dim.SHIFT)  # on both input kinds

# ISO 22400 time terms as expressions over production-source measures.
PBT = "(planned_minutes - planned_stop_minutes)"
APT = f"({PBT} - unplanned_stop_minutes)"
GOOD = "(units_produced - units_scrapped - units_reworked)"


@dataclass(frozen=True)
class KPI:
    """One catalogue entry."""

    name: str
    label: str
    unit: Unit
    definition: str
    direction: Direction
    source: Source
    numerator: str
    denominator: str | None
    inputs: tuple[Kind, ...]
    dims: tuple[Dim, ...]
    default_target: float | None = None
    formula: Formula = Formula.RATIO
    factors: tuple[str, ...] = ()  # for Formula.PRODUCT
    empty_when: str | None = None  # SQL condition over measures that makes the value empty
    spc_watch: bool = False  # SPC alerts and the review pack chart it per line


_P = (Kind.PRODUCTION,)
_PD = (Kind.PRODUCTION, Kind.DOWNTIME)
_PROD = dict(source=Source.PRODUCTION, dims=PRODUCTION_DIMS)
_DT = dict(source=Source.DOWNTIME, dims=DOWNTIME_DIMS, inputs=(Kind.DOWNTIME,))
_DLV = dict(source=Source.DELIVERIES, dims=DELIVERY_DIMS, inputs=(Kind.DELIVERIES,))

_ENTRIES: tuple[KPI, ...] = (
    KPI("scrap_rate", "Scrap rate", Unit.RATIO, "Σunits_scrapped / Σunits_produced",
        Direction.LOWER, numerator="units_scrapped", denominator="units_produced",
        inputs=_P, default_target=0.02, spc_watch=True, **_PROD),
    KPI("rework_rate", "Rework rate", Unit.RATIO, "Σunits_reworked / Σunits_produced",
        Direction.LOWER, numerator="units_reworked", denominator="units_produced",
        inputs=_P, spc_watch=True, **_PROD),
    KPI("yield", "Yield (quality rate)", Unit.RATIO,
        "Σ(produced − scrapped − reworked) / Σproduced (GQ / PQ, counted in units; the OEE "
        "quality factor is the time-weighted oee_quality)",
        Direction.HIGHER, numerator=GOOD, denominator="units_produced",
        inputs=_P, default_target=0.95, **_PROD),
    KPI("availability", "Availability", Unit.RATIO,
        "APT / PBT; PBT = Σplanned_minutes − planned stops, APT = PBT − unplanned stops",
        Direction.HIGHER, numerator=APT, denominator=PBT,
        inputs=_PD, default_target=0.90, spc_watch=True, **_PROD),
    KPI("performance", "Performance", Unit.RATIO,
        "Σ(ideal_cycle_seconds × units_produced) / 60 / APT; may exceed 1 (never clipped)",
        Direction.HIGHER, numerator="ideal_minutes", denominator=APT,
        inputs=_PD, empty_when="ideal_missing > 0", **_PROD),
    KPI("oee_quality", "Quality (OEE, time-weighted)", Unit.RATIO,
        "Σ(good units × ideal cycle) / Σ(produced units × ideal cycle); the OEE quality "
        "factor, so that availability × performance × quality = OEE",
        Direction.HIGHER, numerator="good_ideal_minutes", denominator="ideal_minutes",
        inputs=_P, empty_when="ideal_missing > 0", **_PROD),
    KPI("oee", "OEE", Unit.RATIO,
        "fully productive time / PBT = Σ(good units × ideal cycle) / Σ(planned − planned "
        "stops); equals availability × performance × quality (time-weighted)",
        Direction.HIGHER, numerator="good_ideal_minutes", denominator=PBT, inputs=_PD,
        default_target=0.85, empty_when="ideal_missing > 0", **_PROD),
    KPI("mtbf_minutes", "MTBF", Unit.MINUTES,
        "APT / number of unplanned stops: all of them, as `stops` and MTTR count them",
        Direction.HIGHER, source=Source.UPTIME, numerator=APT, denominator="all_unplanned_stops",
        inputs=_PD, dims=UPTIME_DIMS),
    KPI("units_produced", "Units produced", Unit.UNITS, "Σunits_produced (PQ)",
        Direction.HIGHER, numerator="units_produced", denominator=None,
        inputs=_P, formula=Formula.SUM, **_PROD),
    KPI("units_scrapped", "Units scrapped", Unit.UNITS, "Σunits_scrapped (SQ)",
        Direction.LOWER, numerator="units_scrapped", denominator=None,
        inputs=_P, formula=Formula.SUM, **_PROD),
    KPI("downtime_minutes", "Downtime", Unit.MINUTES, "Σ minutes of all stops",
        Direction.LOWER, numerator="minutes", denominator=None, formula=Formula.SUM, **_DT),
    KPI("unplanned_downtime_minutes", "Unplanned downtime", Unit.MINUTES,
        "Σ minutes of unplanned stops", Direction.LOWER, numerator="unplanned_minutes",
        denominator=None, formula=Formula.SUM, **_DT),
    KPI("stops", "Unplanned stops", Unit.COUNT, "count of unplanned stops",
        Direction.LOWER, numerator="unplanned_stops", denominator=None,
        formula=Formula.SUM, **_DT),
    KPI("mttr_minutes", "MTTR", Unit.MINUTES, "unplanned stop minutes / unplanned stops",
        Direction.LOWER, numerator="unplanned_minutes", denominator="unplanned_stops", **_DT),
    KPI("otd", "On-time delivery", Unit.RATIO,
        "on-time lines / eligible lines (shipped, or due before the as-of date)",
        Direction.HIGHER, numerator="on_time_lines", denominator="eligible_lines",
        default_target=0.98, **_DLV),
    KPI("otif", "On time in full", Unit.RATIO,
        "as otd, and quantity_shipped ≥ quantity_ordered; empty when quantities are missing",
        Direction.HIGHER, numerator="otif_lines", denominator="eligible_lines",
        default_target=0.95, empty_when="qty_missing > 0", **_DLV),
    KPI("days_late", "Days late", Unit.DAYS,
        "mean days late over late lines; an open line is measured to the as-of date",
        Direction.LOWER, numerator="days_late_sum", denominator="late_lines", **_DLV),
    KPI("supplier_otd", "Supplier on-time delivery", Unit.RATIO,
        "on-time receipt lines / eligible receipt lines, using received_date",
        Direction.HIGHER, source=Source.RECEIPTS, numerator="on_time_lines",
        denominator="eligible_lines", inputs=(Kind.RECEIPTS,), dims=RECEIPT_DIMS,
        default_target=0.95),
    KPI("supplier_otif", "Supplier on time in full", Unit.RATIO,
        "as supplier_otd, and quantity_received ≥ quantity_ordered; empty when quantities "
        "are missing", Direction.HIGHER, source=Source.RECEIPTS, numerator="otif_lines",
        denominator="eligible_lines", inputs=(Kind.RECEIPTS,), dims=RECEIPT_DIMS,
        default_target=0.95, empty_when="qty_missing > 0"),
    KPI("defects", "Defects", Unit.COUNT, "Σ quantity of recorded defects",
        Direction.LOWER, source=Source.DEFECTS, numerator="quantity", denominator=None,
        inputs=(Kind.DEFECTS,), dims=DEFECT_DIMS, formula=Formula.SUM, spc_watch=True),
    KPI("defects_per_unit", "Defects per unit", Unit.PER_UNIT,
        "Σ quantity of recorded defects / Σunits_produced over the same plant, line, shift, "
        "product and dates", Direction.LOWER, source=Source.DEFECT_UNITS, numerator="quantity",
        denominator="units_produced", inputs=(Kind.DEFECTS, Kind.PRODUCTION),
        dims=DEFECT_UNIT_DIMS),
)  # fmt: skip

CATALOGUE: dict[str, KPI] = {k.name: k for k in _ENTRIES}


def get_kpi(name: str) -> KPI:
    """Look a KPI up by name; the error lists the valid names for CLI users."""
    try:
        return CATALOGUE[name]
    except KeyError:
        raise KeyError(f"unknown KPI {name!r}; choose from {', '.join(CATALOGUE)}") from None
