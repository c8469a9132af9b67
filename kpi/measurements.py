"""Reading measured characteristics back: the readings of a chart, and the spec in force.

Why a library function: the variables charts (X̄-R, X̄-S, I-MR, capability) need the
readings grouped into subgroups in time order, whatever the file called them. A
subgroup is the readings of one (date, shift, plant, line, machine, product,
characteristic, subgroup id): the same id on another day or line is another subgroup.
Portable SQL (sqlalchemy core); the time order is worked out in pandas.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from kpi.metrics import connected
from kpi.schema import Kind
from kpi.shifts import calendar
from kpi.specs import COLUMNS as SPEC_COLUMNS
from kpi.specs import Spec
from kpi.tables import FACT_TABLES, characteristic_specs

READINGS = FACT_TABLES[Kind.MEASUREMENTS]
SUBGROUP_KEY = ["date", "shift", "plant", "line", "machine", "subgroup_id"]
COLUMNS = [
    "subgroup", "subgroup_start", "value", "batch_id", "subgroup_id",
    "date", "shift", "plant", "line", "machine", "unit",
]  # fmt: skip


def lower_equals(column: sa.Column, value: str) -> sa.ColumnElement[bool]:
    """Names compare ignoring case, as everywhere in the store (``kpi.ingest.names``)."""
    return sa.func.lower(column) == value.strip().lower()


def valid_on(day: sa.ColumnElement | dt.date) -> sa.ColumnElement[bool]:
    """The spec's window holds ``day`` (open ends hold every day)."""
    t = characteristic_specs
    return sa.and_(
        sa.or_(t.c.valid_from.is_(None), t.c.valid_from <= day),
        sa.or_(t.c.valid_to.is_(None), t.c.valid_to >= day),
    )


def spec_for(
    bind: sa.Engine | sa.Connection, product: str, characteristic: str, on_date: dt.date
) -> Spec | None:
    """The spec in force for the product's characteristic on ``on_date`` (None: no spec)."""
    t = characteristic_specs
    query = sa.select(t).where(
        lower_equals(t.c.product, product),
        lower_equals(t.c.characteristic, characteristic),
        valid_on(on_date),
    )
    with connected(bind) as conn:
        row = conn.execute(query.order_by(t.c.spec_id)).mappings().first()
    if row is None:
        return None
    fields = {k: row[k] for k in SPEC_COLUMNS if k not in ("spec_id", "updated_at", "updated_by")}
    return Spec(**fields)


def subgroups(
    bind: sa.Engine | sa.Connection,
    product: str,
    characteristic: str,
    plant: str | None = None,
    line: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> pd.DataFrame:
    """One row per current reading, in time order: ``subgroup`` numbers the subgroups
    1..n in that order, ``subgroup_start`` is when the subgroup was taken (its id when the
    id is a date and time, else the start of its shift), ``subgroup_id`` is the file's id.
    """
    m = READINGS
    where = [
        m.c.replaced_by.is_(None),
        lower_equals(m.c.product, product),
        lower_equals(m.c.characteristic, characteristic),
    ]
    where += [lower_equals(m.c.plant, plant)] if plant else []
    where += [lower_equals(m.c.line, line)] if line else []
    where += [m.c.date >= date_from] if date_from else []
    where += [m.c.date <= date_to] if date_to else []
    columns = [
        m.c.date,
        m.c.shift,
        m.c.plant,
        m.c.line,
        m.c.machine,
        m.c.subgroup.label("subgroup_id"),
        m.c.value,
        m.c.unit,
        m.c.batch_id,
    ]
    with connected(bind) as conn:
        rows = conn.execute(sa.select(*columns).where(*where)).all()
    frame = pd.DataFrame(rows, columns=[c.name for c in columns])
    if frame.empty:
        return pd.DataFrame(columns=COLUMNS)
    return _in_time_order(frame)


def _in_time_order(frame: pd.DataFrame) -> pd.DataFrame:
    key = SUBGROUP_KEY
    frame["date"] = pd.to_datetime(frame["date"])
    frame["machine"] = frame["machine"].fillna("")  # a blank machine is one key too
    frame["value"] = frame["value"].astype(float)
    frame["subgroup_start"] = _starts(frame).groupby([frame[k] for k in key]).transform("min")
    groups = frame.drop_duplicates(key).sort_values(["subgroup_start", *key])[key]
    groups["subgroup"] = range(1, len(groups) + 1)
    out = frame.merge(groups, on=key).sort_values("subgroup", kind="stable")
    out["machine"] = out["machine"].replace("", None)
    out["date"] = out["date"].dt.date
    return out[COLUMNS].reset_index(drop=True)


_DATE_TIME = r"\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(:\d{2})?"


def _starts(frame: pd.DataFrame) -> pd.Series:
    """The subgroup id read as a date and time when it is one, else its shift's start."""
    ids = frame["subgroup_id"].where(frame["subgroup_id"].str.fullmatch(_DATE_TIME), None)
    stamped = pd.to_datetime(ids, format="ISO8601", errors="coerce")
    starts = {s.name.lower(): s.start_minute for s in calendar()}
    minutes = frame["shift"].str.lower().map(starts).fillna(0)
    shift_start = frame["date"] + pd.to_timedelta(minutes, unit="m")
    return stamped.where(stamped.notna(), shift_start)
