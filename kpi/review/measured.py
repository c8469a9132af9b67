"""Capability of the measured characteristics for the review pack (§9.1.3, §9.3.2 c 3).

Why here: per product, each characteristic's Cpk (Cpu or Cpl for a one-sided spec) over
the review period against the required minimum of its spec (default 1.33), met / near /
missed by the same rule as every objective, and the same figure for the comparison period.
Each figure comes from kpi.variables.measured_chart, as on the SPC page and in the CLI.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import sqlalchemy as sa

from kpi.review.periods import Period
from kpi.spc_readings import VariablesError
from kpi.status import Ideal, decide
from kpi.variables import Measured, MeasuredChart, measured_chart, measured_items

COLUMNS = ["product", "characteristic", "plant", "line", "unit", "index", "value",
           "compare_value", "cpk_min", "status", "n", "trusted"]  # fmt: skip
NEAR_BAND = 0.10


def _study(bind, item: Measured, period: Period, as_of: dt.date) -> MeasuredChart | None:
    end = min(period.end, as_of)
    if end < period.start:
        return None
    try:
        result = measured_chart(bind, item, None, period.start, end)
    except VariablesError:  # no readings in the period
        return None
    return result if result.capability is not None else None


def capability_table(
    bind: sa.Engine | sa.Connection,
    period: Period,
    comparison: Period,
    as_of: dt.date,
    plant: str | None = None,
) -> pd.DataFrame:
    """One row per product x characteristic x line measured in the period (COLUMNS)."""
    rows = []
    for item in measured_items(bind, period.start, min(period.end, as_of), plant):
        now = _study(bind, item, period, as_of)
        if now is None:
            continue
        before = _study(bind, item, comparison, as_of)
        index, value = now.headline
        rows.append({
            "product": item.product, "characteristic": item.characteristic,
            "plant": item.plant, "line": item.line, "unit": now.spec.unit, "index": index,
            "value": value,
            "compare_value": before.headline[1] if before else float("nan"),
            "cpk_min": now.cpk_min, "n": now.capability.n, "trusted": now.capability.trusted,
        })  # fmt: skip
    frame = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "status"])
    frame["status"] = decide(
        frame["value"],
        frame["cpk_min"],
        np.full(len(frame), Ideal.UNBOUNDED.value, dtype=object),
        NEAR_BAND,
    )
    return frame[COLUMNS]
