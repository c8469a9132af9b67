"""Shop-floor demo data: production, downtime and defects for every scheduled machine-shift.

Everything hangs off one "slot" table (one row per scheduled machine x date x shift), so
downtime, output, scrap and defect counts stay consistent with each other by construction.
All work is vectorised with numpy; only the handful of lines and machines are looped over.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from kpi import demo_layout as lay

_SHIFTS = tuple(lay.Shift)
_REASONS: tuple[str, ...] = (
    lay.BREAK,
    lay.MAINTENANCE,
    lay.NO_DEMAND,
    lay.CHANGEOVER,
    *(r.name for r in lay.UNPLANNED),
)
_PLANNED_REASONS = 3  # the first three reasons above are planned stops
_TOOL_WEAR = _REASONS.index("Tool wear")
_CLOSED_ALL = ((12, 25), (12, 26), (1, 1))
_CLOSED_NON_CONTINUOUS = tuple((12, d) for d in range(24, 32)) + ((1, 1),)


def _machines() -> pd.DataFrame:
    """One row per machine with the index of its line."""
    rows = [(i, m) for i, line in enumerate(lay.LINES) for m in line.machines]
    return pd.DataFrame(rows, columns=["line_idx", "machine"])


def _open_days(dates: pd.DatetimeIndex, closed: tuple[tuple[int, int], ...]) -> np.ndarray:
    md = list(zip(dates.month, dates.day, strict=True))
    return np.array([pair not in closed for pair in md])


def _line_grid(rng: np.random.Generator, line: lay.Line, dates: pd.DatetimeIndex) -> np.ndarray:
    """Boolean [day, shift] matrix: which shifts this line is staffed on."""
    weekday = dates.day_of_week.to_numpy()
    grid = np.zeros((len(dates), len(_SHIFTS)), dtype=bool)
    if line.pattern is lay.Pattern.CONTINUOUS:
        grid[:] = True
        closed = _CLOSED_ALL
    else:
        grid[weekday < 5, :] = True
        closed = _CLOSED_NON_CONTINUOUS
        if line.pattern is lay.Pattern.TWO_SHIFT:
            grid[:, 2] = False
            grid[weekday == 5, 0] = rng.random(int((weekday == 5).sum())) < 0.25
        else:
            grid[weekday == 5, :2] = True
    grid[~_open_days(dates, closed)] = False
    return grid


def schedule(rng: np.random.Generator, start: dt.date, days: int) -> pd.DataFrame:
    """Scheduled slots sorted by machine, day, shift (the order products run in)."""
    dates = pd.date_range(start, periods=days, freq="D")
    machines = _machines()
    parts = []
    for line_idx, line in enumerate(lay.LINES):
        day, shift = np.nonzero(_line_grid(rng, line, dates))
        for m_idx in machines.index[machines.line_idx == line_idx]:
            parts.append(pd.DataFrame({"day": day, "shift_idx": shift, "machine_idx": m_idx}))
    slots = pd.concat(parts, ignore_index=True)
    slots["line_idx"] = machines.line_idx.to_numpy()[slots.machine_idx]
    slots["machine"] = machines.machine.to_numpy()[slots.machine_idx]
    slots["date"] = dates.to_numpy()[slots.day]
    return slots


def assign_products(rng: np.random.Generator, slots: pd.DataFrame) -> None:
    """Run products in campaigns; a switch to a different product is a changeover."""
    n = len(slots)
    first = np.r_[True, slots.machine_idx.to_numpy()[1:] != slots.machine_idx.to_numpy()[:-1]]
    changed = (rng.random(n) < lay.CHANGE_PROBABILITY) & ~first
    choices = [line.products for line in lay.LINES]
    k = np.array([len(choices[i]) for i in slots.line_idx])
    step = np.where(changed, 1 + np.floor(rng.random(n) * (k - 1)).astype(int), 0)
    step = np.where(first, rng.integers(0, 8, n), step)
    group = np.cumsum(first) - 1
    idx = pd.Series(step).groupby(group).cumsum().to_numpy() % k
    slots["product"] = [choices[li][pi] for li, pi in zip(slots.line_idx, idx, strict=True)]
    slots["changed"] = changed


def _drift_progress(slots: pd.DataFrame, days: int) -> np.ndarray:
    """0 outside the drift window, rising to 1 on the last day for the drifting line."""
    drift_line = next(i for i, line in enumerate(lay.LINES) if line.name == lay.DRIFT_LINE)
    first_day = days - lay.DRIFT_DAYS
    progress = (slots.day.to_numpy() - first_day + 1) / lay.DRIFT_DAYS
    in_window = (slots.line_idx.to_numpy() == drift_line) & (progress > 0)
    return np.where(in_window, progress, 0.0)


def _planned_stops(rng: np.random.Generator, slots: pd.DataFrame) -> list[tuple]:
    """Breaks on every shift, maintenance every four weeks, occasional no-demand time."""
    n = len(slots)
    idx = np.arange(n)
    brk = (idx, np.zeros(n, int), np.full(n, lay.BREAK_MINUTES))
    pm_mask = (slots.shift_idx.to_numpy() == 0) & (
        (slots.day.to_numpy() + 3 * slots.machine_idx.to_numpy()) % 28 == 0
    )
    pm_minutes = rng.choice([120, 180, 240], size=n)
    pm = (idx[pm_mask], np.ones(pm_mask.sum(), int), pm_minutes[pm_mask])
    nd_mask = rng.random(n) < 0.03
    nd_minutes = rng.integers(2, 9, n) * 30
    nd_minutes = np.minimum(nd_minutes, 390 - np.where(pm_mask, pm_minutes, 0))
    nd = (idx[nd_mask], np.full(nd_mask.sum(), 2), nd_minutes[nd_mask])
    return [brk, pm, nd]


def _unplanned_stops(rng: np.random.Generator, slots: pd.DataFrame, days: int) -> list[tuple]:
    """Changeovers, a Pareto of everyday stops, and extra tool wear on the drifting line."""
    n = len(slots)
    idx = np.arange(n)
    changed = slots.changed.to_numpy()
    co_minutes = lay.CHANGEOVER_MEDIAN * rng.lognormal(0.0, 0.35, n)
    co = (idx[changed], np.full(changed.sum(), 3), np.clip(co_minutes[changed], 15, 120))
    counts = rng.poisson(lay.STOPS_PER_SHIFT, n)
    owner = np.repeat(idx, counts)
    weights = np.array([r.weight for r in lay.UNPLANNED])
    which = rng.choice(len(weights), size=owner.size, p=weights / weights.sum())
    medians = np.array([r.median_minutes for r in lay.UNPLANNED])[which]
    minutes = np.clip(medians * rng.lognormal(0.0, 0.7, owner.size), 1, 180)
    everyday = (owner, which + 4, minutes)
    extra = rng.poisson(1.5 * _drift_progress(slots, days))
    wear_owner = np.repeat(idx, extra)
    wear_minutes = np.clip(20 * rng.lognormal(0.0, 0.5, wear_owner.size), 1, 120)
    wear = (wear_owner, np.full(wear_owner.size, _TOOL_WEAR), wear_minutes)
    return [co, everyday, wear]


def _concat(parts: list[tuple]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    slot, reason, minutes = (np.concatenate(col) for col in zip(*parts, strict=True))
    return slot, reason, np.maximum(1, np.round(minutes)).astype(np.int64)


def stops(rng: np.random.Generator, slots: pd.DataFrame, days: int) -> pd.DataFrame:
    """All stops, scaled so that every shift keeps at least 30 minutes of run time."""
    n = len(slots)
    p_slot, p_reason, p_min = _concat(_planned_stops(rng, slots))
    u_slot, u_reason, u_min = _concat(_unplanned_stops(rng, slots, days))
    planned_sum = np.bincount(p_slot, weights=p_min, minlength=n)
    unplanned_sum = np.bincount(u_slot, weights=u_min, minlength=n)
    room = lay.SHIFT_MINUTES - planned_sum - 30
    factor = np.minimum(1.0, room / np.maximum(unplanned_sum, 1))
    u_min = np.maximum(1, np.floor(u_min * factor[u_slot])).astype(np.int64)
    frame = pd.DataFrame(
        {
            "slot": np.r_[p_slot, u_slot],
            "reason_idx": np.r_[p_reason, u_reason],
            "minutes": np.r_[p_min, u_min],
        }
    )
    frame["start"] = _start_times(rng, slots, frame)
    return frame.sort_values(["slot", "start"], ignore_index=True)


def _start_times(rng: np.random.Generator, slots: pd.DataFrame, frame: pd.DataFrame) -> np.ndarray:
    """Lay the stops of each shift end to end at random points, never overlapping."""
    n = len(slots)
    slot = frame.slot.to_numpy()
    minutes = frame.minutes.to_numpy()
    free = np.maximum(0, lay.SHIFT_MINUTES - np.bincount(slot, weights=minutes, minlength=n))
    gap = np.floor(rng.random(slot.size) * (free[slot] + 1))
    order = np.lexsort((gap, slot))
    before = pd.Series(minutes[order]).groupby(slot[order]).cumsum().to_numpy() - minutes[order]
    offset = np.empty(slot.size)
    offset[order] = gap[order] + before
    hours = np.array([lay.SHIFT_START_HOUR[s] for s in _SHIFTS])[slots.shift_idx.to_numpy()]
    shift_start = slots.date.to_numpy() + hours.astype("timedelta64[h]")
    return shift_start[slot] + offset.astype("timedelta64[m]")


def _key_columns(slots: pd.DataFrame, rows: np.ndarray) -> dict[str, np.ndarray]:
    line_idx = slots.line_idx.to_numpy()[rows]
    return {
        "date": slots.date.to_numpy()[rows],
        "shift": np.array([s.value for s in _SHIFTS])[slots.shift_idx.to_numpy()[rows]],
        "plant": np.array([line.plant for line in lay.LINES])[line_idx],
        "line": np.array([line.name for line in lay.LINES])[line_idx],
    }


def downtime_frame(slots: pd.DataFrame, stop_table: pd.DataFrame) -> pd.DataFrame:
    """Stops in the canonical downtime columns."""
    rows = stop_table.slot.to_numpy()
    reason_idx = stop_table.reason_idx.to_numpy()
    return pd.DataFrame(
        {
            **_key_columns(slots, rows),
            "machine": slots.machine.to_numpy()[rows],
            "reason": np.array(_REASONS)[reason_idx],
            "minutes": stop_table.minutes.to_numpy().astype(float),
            "planned": reason_idx < _PLANNED_REASONS,
            "start": stop_table.start.to_numpy(),
        }
    )


def _scrap_rates(rng: np.random.Generator, slots: pd.DataFrame, days: int) -> np.ndarray:
    """Plant-wide step improvement after STEP_DAY, line factors, noise and the drifting line."""
    n = len(slots)
    base = np.where(slots.day.to_numpy() < lay.STEP_DAY, lay.SCRAP_BEFORE, lay.SCRAP_AFTER)
    factor = np.array([line.scrap_factor for line in lay.LINES])[slots.line_idx.to_numpy()]
    drift = 1.0 + lay.DRIFT_GROWTH * _drift_progress(slots, days)
    return np.clip(base * factor * drift * rng.lognormal(0.0, 0.25, n), 0.0, 0.5)


def production_frame(
    rng: np.random.Generator, slots: pd.DataFrame, stop_table: pd.DataFrame, days: int
) -> pd.DataFrame:
    """Output from run time x ideal rate x performance; scrap and rework drawn from it."""
    n = len(slots)
    lost = np.bincount(stop_table.slot, weights=stop_table.minutes, minlength=n)
    run_minutes = np.maximum(0.0, lay.SHIFT_MINUTES - lost)
    cycle = slots["product"].map(lay.CYCLE_SECONDS).to_numpy()
    speed = np.array([line.performance for line in lay.LINES])[slots.line_idx.to_numpy()]
    performance = np.clip(speed + rng.normal(0.0, 0.02, n), 0.85, 0.95)
    produced = np.floor(run_minutes * 60.0 / cycle * performance).astype(np.int64)
    scrapped = rng.binomial(produced, _scrap_rates(rng, slots, days))
    rework_rate = np.clip(lay.REWORK_RATE * rng.lognormal(0.0, 0.3, n), 0.0, 0.5)
    reworked = rng.binomial(produced - scrapped, rework_rate)
    return pd.DataFrame(
        {
            **_key_columns(slots, np.arange(n)),
            "machine": slots.machine.to_numpy(),
            "product": slots["product"].to_numpy(),
            "planned_minutes": np.full(n, lay.SHIFT_MINUTES, dtype=np.int64),
            "ideal_cycle_seconds": cycle,
            "units_produced": produced,
            "units_scrapped": scrapped.astype(np.int64),
            "units_reworked": reworked.astype(np.int64),
        }
    )


def _split(rng: np.random.Generator, totals: np.ndarray, mix: np.ndarray) -> np.ndarray:
    """Spread each row's total over defect codes; rows of ``mix`` are probabilities."""
    mix = mix / mix.sum(axis=-1, keepdims=True)
    return rng.multinomial(totals, mix)


def defects_frame(
    rng: np.random.Generator, slots: pd.DataFrame, production: pd.DataFrame, days: int
) -> pd.DataFrame:
    """Defect counts whose scrap and rework sums equal production's per shift and line."""
    drifting = (_drift_progress(slots, days) > 0)[:, None]
    scrap_mix = np.where(drifting, np.array(lay.DRIFT_MIX), np.array(lay.SCRAP_MIX))
    parts = []
    for disposition, total, mix in (
        (lay.Disposition.SCRAP, production.units_scrapped.to_numpy(), scrap_mix),
        (lay.Disposition.REWORK, production.units_reworked.to_numpy(), np.array(lay.REWORK_MIX)),
    ):
        counts = _split(rng, total, mix)
        rows, codes = np.nonzero(counts)
        part = production.iloc[rows][["date", "shift", "plant", "line", "product"]]
        part = part.assign(
            defect=np.array(lay.DEFECT_CODES)[codes],
            quantity=counts[rows, codes].astype(np.int64),
            disposition=disposition.value,
        )
        parts.append(part)
    keys = ["date", "shift", "plant", "line", "product", "defect", "disposition"]
    merged = pd.concat(parts, ignore_index=True).groupby(keys, sort=False, as_index=False)
    frame = merged["quantity"].sum()
    order = ["date", "shift", "plant", "line", "product", "defect", "quantity", "disposition"]
    return frame[order].sort_values(["date", "shift", "line"], kind="stable", ignore_index=True)


def plant_frames(
    rng: np.random.Generator, start: dt.date, days: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Production, downtime and defects for one consistent simulated period."""
    slots = schedule(rng, start, days)
    assign_products(rng, slots)
    stop_table = stops(rng, slots, days)
    production = production_frame(rng, slots, stop_table, days)
    defects = defects_frame(rng, slots, production, days)
    order = np.lexsort((slots.machine_idx, slots.shift_idx, slots.day))
    production = production.iloc[order].reset_index(drop=True)
    downtime = downtime_frame(slots, stop_table)
    downtime = downtime.sort_values(["date", "shift", "line", "start"], kind="stable")
    return production, downtime.reset_index(drop=True), defects
