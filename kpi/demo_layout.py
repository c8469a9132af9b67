"""The demo plant as data: lines, machines, products, shifts, stop reasons and defect codes.

Kept apart from the generator so that the numbers that make the charts tell a story
(the scrap step, the drifting line, the Pareto weights) are easy to find and tune.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


class Shift(StrEnum):
    """Three eight-hour shifts; the night shift carries the date on which it started."""

    A = "A"
    B = "B"
    N = "N"


SHIFT_START_HOUR: dict[Shift, int] = {Shift.A: 6, Shift.B: 14, Shift.N: 22}
SHIFT_MINUTES = 480


class Pattern(StrEnum):
    """Weekly staffing pattern of a line."""

    CONTINUOUS = "continuous"  # 7 days, 3 shifts
    SIX_DAY = "six_day"  # Mon-Fri 3 shifts, Saturday A and B
    TWO_SHIFT = "two_shift"  # Mon-Fri A and B, occasional Saturday A overtime


class Disposition(StrEnum):
    SCRAP = "scrap"
    REWORK = "rework"


@dataclass(frozen=True)
class Product:
    code: str
    ideal_cycle_seconds: float


@dataclass(frozen=True)
class Line:
    plant: str
    name: str
    machines: tuple[str, ...]
    products: tuple[str, ...]
    pattern: Pattern
    scrap_factor: float  # line's scrap rate relative to the plant-wide level
    performance: float  # mean speed as a share of ideal


@dataclass(frozen=True)
class Reason:
    name: str
    weight: float  # relative frequency among unplanned stops
    median_minutes: float


PRODUCTS: tuple[Product, ...] = (
    Product("BRK-100", 12.0),
    Product("BRK-200", 15.0),
    Product("CLP-050", 6.0),
    Product("SHF-410", 30.0),
    Product("HSG-310", 45.0),
    Product("HSG-320", 52.0),
    Product("GR-520", 38.0),
    Product("CVR-610", 20.0),
)
CYCLE_SECONDS: dict[str, float] = {p.code: p.ideal_cycle_seconds for p in PRODUCTS}

LINES: tuple[Line, ...] = (
    Line(
        "Plant 1",
        "L1",
        ("Press 11", "Press 12"),
        ("BRK-100", "BRK-200", "CLP-050"),
        Pattern.CONTINUOUS,
        1.10,
        0.91,
    ),
    Line(
        "Plant 1",
        "L2",
        ("Press 21", "Press 22"),
        ("BRK-100", "CLP-050"),
        Pattern.SIX_DAY,
        0.90,
        0.89,
    ),
    Line("Plant 1", "L3", ("Lathe 31",), ("SHF-410", "BRK-200"), Pattern.TWO_SHIFT, 1.00, 0.88),
    Line(
        "Plant 2",
        "L4",
        ("Moulder 41", "Moulder 42"),
        ("HSG-310", "HSG-320", "CVR-610"),
        Pattern.CONTINUOUS,
        1.15,
        0.90,
    ),
    Line("Plant 2", "L5", ("Hobber 51",), ("GR-520", "HSG-310"), Pattern.SIX_DAY, 0.95, 0.90),
    Line(
        "Plant 2", "L6", ("CNC 61", "CNC 62"), ("CVR-610", "GR-520"), Pattern.TWO_SHIFT, 0.85, 0.92
    ),
)
PRODUCT_PLANT: dict[str, str] = {p: line.plant for line in LINES for p in line.products}

# Unplanned stops other than changeovers, heaviest first so total minutes fall off Pareto-style.
UNPLANNED: tuple[Reason, ...] = (
    Reason("Material shortage", 0.16, 30.0),
    Reason("Jam", 0.34, 7.0),
    Reason("Tool wear", 0.14, 16.0),
    Reason("Electrical fault", 0.07, 25.0),
    Reason("Quality check", 0.13, 10.0),
    Reason("Operator absent", 0.04, 28.0),
    Reason("Hydraulic leak", 0.03, 22.0),
    Reason("Other", 0.09, 5.0),
)
CHANGEOVER = "Changeover"
CHANGEOVER_MEDIAN = 50.0
CHANGE_PROBABILITY = 0.22  # chance a machine switches product at a given shift
BREAK = "Break"
BREAK_MINUTES = 30
MAINTENANCE = "Planned maintenance"
NO_DEMAND = "No demand"
STOPS_PER_SHIFT = 1.9  # mean number of unplanned stops (besides changeovers)

# Scrap story: a step improvement after STEP_DAY, and DRIFT_LINE creeping up in the last weeks.
SCRAP_BEFORE = 0.032
SCRAP_AFTER = 0.018
REWORK_RATE = 0.012
STEP_DAY = 151  # days after start; 2025-11-01 + 151 days = 2026-04-01
DRIFT_LINE = "L5"
DRIFT_DAYS = 42
DRIFT_GROWTH = 3.0  # the drifting line ends at (1 + DRIFT_GROWTH) x its normal scrap rate

DEFECT_CODES: tuple[str, ...] = (
    "Burr",
    "Dimension out of tolerance",
    "Scratch",
    "Porosity",
    "Flash",
    "Crack",
    "Dent",
    "Contamination",
)
SCRAP_MIX = (0.30, 0.22, 0.15, 0.11, 0.09, 0.06, 0.04, 0.03)
DRIFT_MIX = (0.16, 0.52, 0.10, 0.07, 0.06, 0.05, 0.02, 0.02)  # worn tool: dimensions go first
REWORK_MIX = (0.42, 0.10, 0.22, 0.0, 0.21, 0.0, 0.05, 0.0)

DEFAULT_END = dt.date(2026, 10, 31)
DEFAULT_DAYS = 365
DEFAULT_SEED = 7


def default_start(days: int = DEFAULT_DAYS) -> dt.date:
    """First day of a window ending on the fixed DEFAULT_END, so the demo never depends on today."""
    return DEFAULT_END - dt.timedelta(days=days - 1)
