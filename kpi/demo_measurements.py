"""Demo measurements: specs and subgroups of readings that tell the demo's L5 story again.

Every product has a length (two-sided spec) and a flatness (one-sided: upper limit only);
the gear GR-520 also has a tooth thickness deviation in µm, which may be negative. On the
drifting line L5 (``demo_layout.DRIFT_LINE``) the hob wears over the last DRIFT_DAYS, so
GR-520's tooth thickness creeps toward its upper limit: the same worn tool that makes
"Dimension out of tolerance" lead the defect Pareto there.

Readings cover the last MEASURED_DAYS only (a subgroup of 5 every two hours of every
production shift), which keeps the demo small and fast. They draw from their own seeded
generator, so every other demo figure is exactly what it was before measurements existed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kpi import demo_layout as lay
from kpi.specs import Spec

MEASURED_DAYS = 56  # the drift's six weeks, and two calm weeks before it
SUBGROUP_SIZE = 5
SUBGROUP_HOURS = (1, 3, 5, 7)  # hours after the shift's start: a subgroup every two hours
DRIFT_CHARACTERISTIC = "tooth thickness deviation"
DRIFT_PRODUCT = "GR-520"
DRIFT_SHIFT = 3.5  # the drifting mean ends this many σ above nominal (Cpk falls below 1)


@dataclass(frozen=True)
class Characteristic:
    """A spec plus how the demo process behaves: its mean and within-subgroup σ."""

    name: str
    unit: str
    nominal: float | None
    lsl: float | None
    usl: float | None
    mean: float
    sigma: float


def characteristics(product: str) -> tuple[Characteristic, ...]:
    """The product's measured characteristics (lengths differ by product)."""
    length = 40.0 + 5.0 * [p.code for p in lay.PRODUCTS].index(product)
    items = [
        Characteristic("length", "mm", length, length - 0.10, length + 0.10, length + 0.01, 0.02),
        Characteristic("flatness", "mm", None, None, 0.05, 0.02, 0.006),
    ]
    if product == DRIFT_PRODUCT:
        items.append(Characteristic(DRIFT_CHARACTERISTIC, "µm", 0.0, -20.0, 20.0, 0.0, 4.0))
    return tuple(items)


def demo_specs() -> list[Spec]:
    """Every demo characteristic's spec, open-ended (data/samples/characteristic_specs.csv)."""
    return [
        Spec(p.code, c.name, c.unit, c.nominal, c.lsl, c.usl, SUBGROUP_SIZE)
        for p in lay.PRODUCTS
        for c in characteristics(p.code)
    ]


def measurements_frame(
    rng: np.random.Generator, production: pd.DataFrame, first: dt.date, days: int
) -> pd.DataFrame:
    """Subgroups of readings for the produced shifts of the last MEASURED_DAYS."""
    start = pd.Timestamp(first) + pd.Timedelta(days=max(days - MEASURED_DAYS, 0))
    shifts = production[(production["date"] >= start) & (production["units_produced"] > 0)]
    slots = shifts[["date", "shift", "plant", "line", "machine", "product"]]
    groups = _repeat(slots, len(SUBGROUP_HOURS))
    hours = groups["shift"].map(lay.SHIFT_START_HOUR).to_numpy()
    hours = hours + np.tile(SUBGROUP_HOURS, len(slots))
    taken = groups["date"] + pd.to_timedelta(hours, unit="h")
    groups["subgroup"] = taken.dt.strftime("%Y-%m-%d %H:%M")
    parts = [
        _readings(rng, groups[groups["product"] == product], item, first, days)
        for product in lay.CYCLE_SECONDS
        for item in characteristics(product)
    ]
    return pd.concat(parts, ignore_index=True)


def _readings(
    rng: np.random.Generator, groups: pd.DataFrame, item: Characteristic, first: dt.date, days: int
) -> pd.DataFrame:
    """SUBGROUP_SIZE readings per subgroup around the mean, plus any drift. Choice: no
    variation between subgroups beyond the drift, so the calm characteristics are in
    control and only L5's worn hob raises alerts (a between-subgroup shift of even 0.3σ
    makes an X̄ chart signal most weeks)."""
    centre = item.mean + _drift(groups, item, first, days)
    rows = _repeat(groups, SUBGROUP_SIZE)
    rows["characteristic"], rows["unit"] = item.name, item.unit
    values = np.repeat(centre, SUBGROUP_SIZE) + rng.normal(0.0, item.sigma, len(rows))
    if item.lsl is None:  # a flatness (smaller is better) is never below zero
        values = np.maximum(values, 0.0)
    rows["value"] = np.round(values, 4)
    return rows


def _repeat(frame: pd.DataFrame, times: int) -> pd.DataFrame:
    """Each row ``times`` times in a row (by position: the index may repeat labels)."""
    return frame.iloc[np.repeat(np.arange(len(frame)), times)].reset_index(drop=True)


def _drift(groups: pd.DataFrame, item: Characteristic, first: dt.date, days: int) -> np.ndarray:
    """The worn hob on L5: GR-520's tooth thickness rises linearly over the drift weeks."""
    if item.name != DRIFT_CHARACTERISTIC:
        return np.zeros(len(groups))
    day = (groups["date"] - pd.Timestamp(first)).dt.days.to_numpy()
    progress = np.clip((day - (days - lay.DRIFT_DAYS) + 1) / lay.DRIFT_DAYS, 0.0, 1.0)
    on_line = (groups["line"] == lay.DRIFT_LINE).to_numpy()
    return np.where(on_line, progress * DRIFT_SHIFT * item.sigma, 0.0)
