"""Demo customer order lines and supplier receipts, with late, partial and open lines.

Ship and receipt dates after the end of the simulated period are blanked, because on
that day they have not happened yet; that also yields the open past-due lines.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi import demo_layout as lay


@dataclass(frozen=True)
class Partner:
    name: str
    weight: float  # share of order lines
    late_rate: float  # chance a line ships or arrives after its due date
    material: str = ""


CUSTOMERS: tuple[Partner, ...] = (
    Partner("Autowerk GmbH", 0.24, 0.06),
    Partner("Nordic Trucks AB", 0.16, 0.09),
    Partner("Iberia Motors SA", 0.14, 0.12),
    Partner("Alpine Agri AG", 0.11, 0.05),
    Partner("Delta Appliances Ltd", 0.11, 0.16),
    Partner("Vistula Rail Sp. z o.o.", 0.09, 0.08),
    Partner("Lumen Lighting BV", 0.08, 0.10),
    Partner("Rhone Pumps SAS", 0.07, 0.07),
)
SUPPLIERS: tuple[Partner, ...] = (
    Partner("Stahlhandel Ruhr", 0.24, 0.05, "Steel coil DC04"),
    Partner("AluEx Extrusions", 0.18, 0.34, "Aluminium bar 6082"),
    Partner("PolyGranulat SpA", 0.18, 0.06, "PA66 GF30 granulate"),
    Partner("FastFix Fasteners", 0.16, 0.40, "Fasteners M8"),
    Partner("PackRight Cartons", 0.12, 0.04, "Carton 400x300"),
    Partner("Baltic Bearings Oy", 0.12, 0.07, "Bearing 6204"),
)
PARTIAL_RATE = 0.06
STUCK_RATE = 0.03  # lines due in the last weeks that are held (credit hold, missing parts)
HORIZON_DAYS = 42  # orders are booked this far beyond the end of the period


@dataclass(frozen=True)
class _Lines:
    """Order lines before they are turned into a frame."""

    header: np.ndarray  # order index of each line
    line_no: np.ndarray
    partner: np.ndarray
    due: np.ndarray  # datetime64[D]
    ordered: np.ndarray


def _order_lines(
    rng: np.random.Generator,
    partners: tuple[Partner, ...],
    n_orders: int,
    start: dt.date,
    days: int,
) -> _Lines:
    """Orders spread over the period (and a little beyond), 1-4 lines each."""
    weights = np.array([p.weight for p in partners])
    partner = rng.choice(len(partners), size=n_orders, p=weights / weights.sum())
    due = np.datetime64(start) + rng.integers(0, days + HORIZON_DAYS, n_orders)
    n_lines = np.minimum(1 + rng.poisson(0.8, n_orders), 4)
    header = np.repeat(np.arange(n_orders), n_lines)
    first = np.r_[0, np.cumsum(n_lines)[:-1]]
    line_no = np.arange(header.size) - first[header] + 1
    ordered = rng.integers(2, 40, header.size) * 50
    return _Lines(header, line_no, partner[header], due[header], ordered)


def _fulfil(
    rng: np.random.Generator, lines: _Lines, late_rates: np.ndarray, end: dt.date
) -> tuple[np.ndarray, pd.array]:
    """Actual dates and quantities: mostly early or on time, some late, some short, some open."""
    n = lines.header.size
    late = rng.random(n) < late_rates[lines.partner]
    delay = np.where(late, 1 + rng.geometric(0.25, n), -rng.integers(0, 4, n))
    actual = lines.due + delay
    end64 = np.datetime64(end)
    stuck = (rng.random(n) < STUCK_RATE) & (lines.due <= end64) & (lines.due > end64 - 56)
    is_open = (actual > end64) | stuck
    partial = (rng.random(n) < PARTIAL_RATE) & ~is_open
    share = rng.uniform(0.5, 0.95, n)
    delivered = np.where(partial, np.floor(lines.ordered * share / 10) * 10, lines.ordered)
    delivered = pd.array(np.where(is_open, 0, delivered).astype(np.int64), dtype="Int64")
    delivered[is_open] = pd.NA
    dates = np.where(is_open, np.datetime64("NaT"), actual).astype("datetime64[ns]")
    return dates, delivered


def deliveries_frame(rng: np.random.Generator, start: dt.date, days: int) -> pd.DataFrame:
    """Outbound order lines for about eight customers."""
    lines = _order_lines(rng, CUSTOMERS, days * 4, start, days)
    end = start + dt.timedelta(days=days - 1)
    shipped_on, shipped = _fulfil(rng, lines, np.array([c.late_rate for c in CUSTOMERS]), end)
    products = np.array([p.code for p in lay.PRODUCTS])
    base = rng.integers(0, len(products), lines.header.size)[lines.header]
    stride = rng.choice([1, 3, 5, 7], size=lines.header.size)[lines.header]
    product = products[(base + stride * (lines.line_no - 1)) % len(products)]
    frame = pd.DataFrame(
        {
            "order_id": [f"SO-{26000 + h}" for h in lines.header],
            "line_no": lines.line_no.astype(str),
            "customer": np.array([c.name for c in CUSTOMERS])[lines.partner],
            "product": product,
            "plant": pd.Series(product).map(lay.PRODUCT_PLANT).to_numpy(),
            "due_date": lines.due.astype("datetime64[ns]"),
            "ship_date": shipped_on,
            "quantity_ordered": lines.ordered.astype(np.int64),
            "quantity_shipped": shipped,
        }
    )
    return frame.sort_values(["due_date", "order_id", "line_no"], ignore_index=True)


def receipts_frame(rng: np.random.Generator, start: dt.date, days: int) -> pd.DataFrame:
    """Inbound purchase-order lines for six suppliers, two of them often late."""
    lines = _order_lines(rng, SUPPLIERS, int(days * 1.2), start, days)
    end = start + dt.timedelta(days=days - 1)
    received_on, received = _fulfil(rng, lines, np.array([s.late_rate for s in SUPPLIERS]), end)
    plants = np.array(sorted({line.plant for line in lay.LINES}))
    frame = pd.DataFrame(
        {
            "po_id": [f"PO-{45000 + h}" for h in lines.header],
            "line_no": lines.line_no.astype(str),
            "supplier": np.array([s.name for s in SUPPLIERS])[lines.partner],
            "product": np.array([s.material for s in SUPPLIERS])[lines.partner],
            "plant": plants[rng.integers(0, len(plants), lines.header.size)[lines.header]],
            "due_date": lines.due.astype("datetime64[ns]"),
            "received_date": received_on,
            "quantity_ordered": lines.ordered.astype(np.int64),
            "quantity_received": received,
        }
    )
    return frame.sort_values(["due_date", "po_id", "line_no"], ignore_index=True)
