"""Reproducible demo data, so every page and chart works on a fresh machine with no user data.

``generate`` simulates one year of a two-plant, six-line shop with a fixed seed and a fixed
calendar (ending 2026-10-31), so tests and screenshots never depend on today's date.
``seed_demo`` loads the frames through the real loader, exactly as an uploaded CSV would be.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from kpi import demo_layout as lay
from kpi import summary
from kpi.demo_measurements import demo_specs, measurements_frame
from kpi.demo_orders import deliveries_frame, receipts_frame
from kpi.demo_plant import plant_frames
from kpi.ingest import IngestResult, ingest_bytes
from kpi.schema import KINDS, ColType, Kind
from kpi.settings import Settings
from kpi.specs import set_specs
from kpi.store import is_empty

if TYPE_CHECKING:
    import sqlalchemy as sa

DEFAULT_SEED = lay.DEFAULT_SEED
DEFAULT_END = lay.DEFAULT_END
_DATE_FORMAT = "%Y-%m-%d"
_TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def generate(
    seed: int = DEFAULT_SEED, start: dt.date | None = None, days: int = lay.DEFAULT_DAYS
) -> dict[Kind, pd.DataFrame]:
    """One frame per kind, with exactly the canonical columns of ``kpi.schema``.

    Each part draws from its own child seed, so changing one part leaves the others intact.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    first = start or lay.default_start(days)
    # a fourth child for measurements: spawn(4)[:3] are exactly the children spawn(3) gave
    seeds = np.random.SeedSequence(seed).spawn(4)
    plant_seed, delivery_seed, receipt_seed, measurement_seed = seeds
    production, downtime, defects = plant_frames(np.random.default_rng(plant_seed), first, days)
    readings = np.random.default_rng(measurement_seed)
    frames = {
        Kind.PRODUCTION: production,
        Kind.DOWNTIME: downtime,
        Kind.DELIVERIES: deliveries_frame(np.random.default_rng(delivery_seed), first, days),
        Kind.RECEIPTS: receipts_frame(np.random.default_rng(receipt_seed), first, days),
        Kind.DEFECTS: defects,
        Kind.MEASUREMENTS: measurements_frame(readings, production, first, days),
    }
    return {kind: frame[list(KINDS[kind].names)] for kind, frame in frames.items()}


def to_csv_bytes(kind: Kind, frame: pd.DataFrame) -> bytes:
    """Write a frame as the loader expects it: ISO dates, yes/no booleans, blanks for missing."""
    out = frame.copy()
    for column in KINDS[kind].columns:
        if column.name not in out:
            continue
        if column.type is ColType.DATE:
            out[column.name] = pd.to_datetime(out[column.name]).dt.strftime(_DATE_FORMAT)
        elif column.type is ColType.TIMESTAMP:
            out[column.name] = pd.to_datetime(out[column.name]).dt.strftime(_TIMESTAMP_FORMAT)
        elif column.type is ColType.BOOL:
            out[column.name] = np.where(out[column.name].astype(bool), "yes", "no")
    return out.to_csv(index=False, lineterminator="\n", float_format="%.10g").encode("utf-8")


def demo_file_name(kind: Kind, seed: int = DEFAULT_SEED) -> str:
    return f"demo-{kind.value}-seed{seed}.csv"


def seed_demo(
    engine: sa.Engine, settings: Settings, seed: int = DEFAULT_SEED
) -> list[IngestResult]:
    """Load every demo frame through the real loader, one batch per kind (the specs first:
    measurements are checked against them)."""
    set_specs(engine, settings, demo_specs(), "demo specs")
    results = []
    for kind, frame in generate(seed).items():
        data = to_csv_bytes(kind, frame)
        results.append(ingest_bytes(engine, settings, data, demo_file_name(kind, seed), kind))
    summary.ensure_current(engine)  # the demo opens on fast, current summaries
    return results


def seed_if_empty(engine: sa.Engine, settings: Settings) -> bool:
    """Seed the demo on first start only; True when it did."""
    if not is_empty(engine):
        return False
    seed_demo(engine, settings)
    from kpi.demo_actions import seed_demo_actions  # late: alerts pull in the SPC engine

    seed_demo_actions(engine)
    return True
