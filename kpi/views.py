"""Frames the dashboard pages show, built on ``kpi.metrics`` and ``kpi.drilldown``.

Plain Python (no Streamlit): the pages stay thin and these are unit-tested directly.
A ``Filters`` value is what the shared sidebar produces; each helper applies only the
filters a KPI supports (a line filter does not apply to customer deliveries).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

import pandas as pd
import sqlalchemy as sa

from kpi import clock
from kpi.catalogue import CATALOGUE, Dim, Direction, Grain, Unit
from kpi.drilldown import freshness
from kpi.grains import period_end as period_end  # re-exported (pages, alerts)
from kpi.grains import period_start
from kpi.lines import LABEL, add_line_label
from kpi.metrics import compute, make_query
from kpi.numbers import clean

HEADLINE: tuple[str, ...] = (
    "scrap_rate",
    "yield",
    "oee",
    "availability",
    "unplanned_downtime_minutes",
    "otd",
    "supplier_otd",
)
GRAINS: tuple[Grain, ...] = (Grain.DAY, Grain.WEEK, Grain.MONTH, Grain.QUARTER)
DEFAULT_GRAIN = Grain.WEEK
DEFAULT_SPAN_DAYS = 182
NO_DATA = "no data"
PLANT_KINDS = ("production", "downtime", "defects")
# The dimension a target miss is broken down by, per KPI source family.
MISS_DIM = {
    "otd": Dim.CUSTOMER,
    "otif": Dim.CUSTOMER,
    "supplier_otd": Dim.SUPPLIER,
    "supplier_otif": Dim.SUPPLIER,
}


@dataclass(frozen=True)
class Filters:
    """The shared dashboard view: a date window, a grain and an optional plant and line.

    ``as_of`` is today in the plant's zone (kpi.clock), passed by the dashboard: the
    current period is the one containing it (or the window's end, if that is earlier).
    """

    date_from: dt.date
    date_to: dt.date
    grain: Grain = DEFAULT_GRAIN
    plant: str | None = None
    line: str | None = None
    as_of: dt.date | None = None

    def where(self, kpi: str) -> dict[str, str]:
        """The plant/line filters that apply to ``kpi`` (others are silently not applicable)."""
        dims = CATALOGUE[kpi].dims
        out = {}
        if self.plant and Dim.PLANT in dims:
            out[Dim.PLANT.value] = self.plant
        if self.line and Dim.LINE in dims:
            out[Dim.LINE.value] = self.line
        return out

    @property
    def as_of_date(self) -> dt.date:
        return self.as_of or clock.today()

    @property
    def current(self) -> tuple[dt.date, dt.date]:
        """The period containing the as-of date (clipped to the window's end), up to it."""
        end = min(self.date_to, self.as_of_date)
        return period_start(self.grain, end) or self.date_from, end


@dataclass(frozen=True)
class Tile:
    """One headline KPI: the current period against its target and the previous period."""

    kpi: str
    label: str
    unit: Unit
    direction: Direction
    definition: str
    period: dt.date | None
    value: float
    previous: float
    target: float
    status: str | None
    spark: list[float] = field(default_factory=list)
    partial: bool = False  # the period is still running, or its data stop before its end

    @property
    def shown(self) -> str:
        """The value as the tile writes it: "no data" when its inputs have no rows."""
        return NO_DATA if math.isnan(self.value) else format_value(self.value, self.unit)


def newest_date(
    bind: sa.Engine | sa.Connection, kinds: Iterable[str] = PLANT_KINDS
) -> dt.date | None:
    """The newest data date of the given input kinds (None for an empty database)."""
    fresh = freshness(bind)
    dates = fresh.loc[fresh["kind"].isin(list(kinds)), "newest_date"].dropna()
    return None if dates.empty else pd.Timestamp(dates.max()).date()


def window_empty(tiles: list[Tile]) -> bool:
    """True when no tile has a value anywhere in the window (not only the current period)."""
    return all(not t.spark for t in tiles)


def default_filters(bind: sa.Engine | sa.Connection, today: dt.date | None = None) -> Filters:
    """About six months up to today (the as-of date, in the plant's zone), by week.

    Why not up to the newest data: the current period is the one containing today; old
    data is then shown as old (``stale_notice``), never as "current".
    """
    end = today or clock.today()
    return Filters(end - dt.timedelta(days=DEFAULT_SPAN_DAYS), end, as_of=end)


def stale_notice(bind: sa.Engine | sa.Connection, filters: Filters) -> str | None:
    """'newest production data 2026-10-31, 31 days old' when the current period has none."""
    newest = newest_date(bind, ("production",))
    return clock.stale_notice(newest, filters.current[0], filters.as_of_date)


def plants_and_lines(bind: sa.Engine | sa.Connection) -> dict[str, list[str]]:
    """Every plant with its lines, from production and downtime rows, for the filter boxes."""
    out: dict[str, set[str]] = {}
    for kpi in ("units_produced", "downtime_minutes"):
        df = compute(bind, make_query([kpi], by=[Dim.PLANT, Dim.LINE]), with_targets=False)
        for plant, line in zip(df["plant"], df["line"], strict=True):
            out.setdefault(str(plant), set()).add(str(line))
    return {p: sorted(lines) for p, lines in sorted(out.items())}


def kpi_frame(
    bind: sa.Engine | sa.Connection,
    kpis: Iterable[str],
    filters: Filters,
    *,
    by: Iterable[Dim] = (),
    grain: Grain | None = None,
    date_from: dt.date | None = None,
    near_band: float = 0.10,
) -> pd.DataFrame:
    """KPI values in the filter window; KPIs are grouped by the filters that apply to them."""
    groups: dict[tuple, list[str]] = {}
    for kpi in kpis:
        groups.setdefault(tuple(sorted(filters.where(kpi).items())), []).append(kpi)
    frames = []
    for where, names in groups.items():
        query = make_query(
            names,
            grain or filters.grain,
            by,
            date_from or filters.date_from,
            filters.date_to,
            where,
            filters.as_of_date,
        )
        frames.append(compute(bind, query, near_band=near_band))
    if not frames:
        return pd.DataFrame(columns=["period", *[d.value for d in by], "kpi", "value", "target"])
    return add_line_label(pd.concat(frames, ignore_index=True))


def tiles(
    bind: sa.Engine | sa.Connection,
    filters: Filters,
    kpis: Iterable[str] = HEADLINE,
    near_band: float = 0.10,
) -> list[Tile]:
    """One tile per KPI: the value of the current period, the previous one and a sparkline."""
    kpis = tuple(kpis)
    frame = kpi_frame(bind, kpis, filters, near_band=near_band)
    current = pd.Timestamp(filters.current[0]).date()
    partial = clock.is_partial(filters.grain, current, filters.as_of_date, newest_date(bind))
    partial = partial or period_end(filters.grain, current) > filters.date_to  # window cut
    out = []
    for kpi in kpis:
        rows = frame[frame["kpi"] == kpi].dropna(subset=["value"])
        rows = rows[pd.to_datetime(rows["period"]).dt.date <= current]
        now = rows[pd.to_datetime(rows["period"]).dt.date == current]
        before = rows[pd.to_datetime(rows["period"]).dt.date < current]
        out.append(replace(_tile(kpi, current, now, before, rows), partial=partial))
    return out


def _tile(kpi: str, current: dt.date, now, before, rows) -> Tile:
    entry = CATALOGUE[kpi]
    nan = float("nan")
    first = now.iloc[0] if len(now) else None
    return Tile(
        kpi=kpi,
        label=entry.label,
        unit=entry.unit,
        direction=entry.direction,
        definition=entry.definition,
        period=current,
        value=float(first["value"]) if first is not None else nan,
        previous=float(before["value"].iloc[-1]) if len(before) else nan,
        target=float(first["target"]) if first is not None else _default_target(kpi),
        status=first["status"] if first is not None else None,
        spark=[float(v) for v in rows["value"]],
    )


def _default_target(kpi: str) -> float:
    value = CATALOGUE[kpi].default_target
    return float("nan") if value is None else float(value)


def target_misses(
    bind: sa.Engine | sa.Connection,
    filters: Filters,
    kpis: Iterable[str] = HEADLINE,
    near_band: float = 0.10,
) -> pd.DataFrame:
    """Where the current period misses its target: per KPI, in total and per line/customer."""
    start, _ = filters.current
    window = replace(filters, date_from=start)
    parts = []
    for kpi in kpis:
        if math.isnan(_default_target(kpi)) and not _has_stored_target(bind, kpi):
            continue
        dim = MISS_DIM.get(kpi, Dim.LINE)
        for by in ((), (dim,)):
            df = kpi_frame(bind, [kpi], window, by=by, grain=Grain.TOTAL, near_band=near_band)
            df = df[df["status"] == "missed"]
            if df.empty:
                continue
            scope = df[dim.value] if by else pd.Series("all", index=df.index)
            plant = df["plant"] if "plant" in df.columns else pd.Series(None, index=df.index)
            parts.append(
                pd.DataFrame(
                    {
                        "kpi": kpi,
                        "label": CATALOGUE[kpi].label,
                        "scope": dim.value if by else "all",
                        "scope_value": scope.astype(str),
                        "plant": plant.astype(object),
                        "value": df["value"].astype(float),
                        "target": df["target"].astype(float),
                    }
                )
            )
    cols = ["kpi", "label", "scope", "scope_value", "plant", "value", "target", "gap"]
    if not parts:
        return pd.DataFrame(columns=cols)
    out = pd.concat(parts, ignore_index=True)
    out["gap"] = clean(out["value"] - out["target"])  # no binary noise in exports
    return out[cols].reset_index(drop=True)


def _has_stored_target(bind: sa.Engine | sa.Connection, kpi: str) -> bool:
    from kpi.metrics import connected
    from kpi.targets import load_targets

    with connected(bind) as conn:
        return not load_targets(conn, (kpi,)).empty


def heatmap_frame(
    bind: sa.Engine | sa.Connection, filters: Filters, kpi: str = "unplanned_downtime_minutes"
) -> pd.DataFrame:
    """Line x day matrix of a downtime KPI (rows: lines, columns: days), zeros filled."""
    df = kpi_frame(bind, [kpi], filters, by=[Dim.LINE], grain=Grain.DAY)
    if df.empty:
        return pd.DataFrame()
    wide = df.pivot_table(index=LABEL, columns="period", values="value", aggfunc="sum")
    wide.index.name = "line"
    return wide.fillna(0.0).sort_index()


@dataclass(frozen=True)
class NumberStyle:
    """How one unit's numbers are written: scale, decimals, thousands separators, suffix."""

    scale: float = 1.0
    decimals: int = 0
    thousands: bool = True
    suffix: str = ""

    def write(self, value: float, sign: bool = False) -> str:
        spec = f"{'+' if sign else ''}{',' if self.thousands else ''}.{self.decimals}f"
        return f"{value * self.scale:{spec}}{self.suffix}"


# values as tiles and tables show them (ratios as percentages)
VALUE_STYLES = {
    Unit.RATIO: NumberStyle(100, 1, False, " %"),
    Unit.MINUTES: NumberStyle(suffix=" min"),
    Unit.DAYS: NumberStyle(decimals=1, thousands=False, suffix=" d"),
    Unit.PER_UNIT: NumberStyle(decimals=4, thousands=False, suffix=" /unit"),
}
# signed changes against the previous period (ratios in percentage points)
DELTA_STYLES = {
    Unit.RATIO: NumberStyle(100, 1, False, " pp"),
    Unit.MINUTES: NumberStyle(suffix=" min"),
    Unit.PER_UNIT: NumberStyle(decimals=4, thousands=False, suffix=" /unit"),
}


def format_value(value: float | None, unit: Unit) -> str:
    """A KPI value as people read it: ratios as percentages, minutes and counts rounded."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    return VALUE_STYLES.get(unit, NumberStyle()).write(value)


def format_delta(value: float, previous: float, unit: Unit) -> str | None:
    """Change against the previous period (percentage points for ratios); None if unknown."""
    if any(isinstance(v, float) and math.isnan(v) for v in (value, previous)):
        return None
    style = DELTA_STYLES.get(unit) or VALUE_STYLES.get(unit, NumberStyle())  # counts: +23
    return style.write(value - previous, sign=True)
