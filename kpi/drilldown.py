"""Helpers the dashboard pages need beyond KPI values: the rows behind a number, Paretos,
the OEE loss waterfall, data freshness and data-quality warnings.

All read current rows only (``replaced_by IS NULL``) and take the same filters as
``kpi.metrics`` (dates plus DIM=VALUE pairs), validated against the KPI's dimensions.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd
import sqlalchemy as sa

from kpi.catalogue import CATALOGUE, Dim, Grain, Source
from kpi.lines import LABEL, add_line_label
from kpi.metrics import (
    Query,
    connected,
    make_query,
    measure_sums,
    read_frame,
    where_conditions,
)
from kpi.sources import CURRENT, RELATIONS

Where = Mapping[str, str] | None
_SOURCE_TABLE = {
    Source.PRODUCTION: "production",
    Source.DOWNTIME: "downtime",
    Source.DEFECTS: "defects",
    Source.DEFECT_UNITS: "defects",  # the rows behind the numerator; units come from production
    Source.DELIVERIES: "deliveries",
    Source.RECEIPTS: "receipts",
}
_DELIVERY_STATUS = """
  CASE WHEN {done} IS NOT NULL AND {done} <= CAST(:as_of AS DATE)
       THEN CASE WHEN {done} <= due_date THEN 'on time' ELSE 'late' END
       WHEN due_date < CAST(:as_of AS DATE) THEN 'open past due'
       ELSE 'open' END"""


def _query(kpi: str, date_from, date_to, where: Where, as_of=None, by=()) -> Query:
    return make_query([kpi], Grain.TOTAL, by, date_from, date_to, dict(where or {}), as_of)


def _read(bind, sql: str, params: dict) -> pd.DataFrame:
    with connected(bind) as conn:
        return read_frame(conn, sql, params)


def _filters(query: Query, source: Source) -> tuple[str, dict]:
    """WHERE clause on the raw table of ``source`` (identifiers come from allow-lists)."""
    conds, params = where_conditions(RELATIONS[source][-1], query)
    return " AND ".join([CURRENT, *conds]), params


def drill_rows(
    bind: sa.Engine | sa.Connection,
    kpi: str,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    where: Where = None,
    as_of: dt.date | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """The current input rows behind a KPI value, with the batch that loaded each one."""
    query = _query(kpi, date_from, date_to, where, as_of)
    source = CATALOGUE[kpi].source
    if source in (Source.DELIVERIES, Source.RECEIPTS):
        return delivery_lines(
            bind, as_of, date_from, date_to, where, receipts=source is Source.RECEIPTS
        )
    table = _SOURCE_TABLE[source]
    cond, params = _filters(query, source)
    sql = f"SELECT * FROM {table} WHERE {cond} ORDER BY date, batch_id LIMIT {int(limit)}"
    return _read(bind, sql, params)


def delivery_lines(
    bind: sa.Engine | sa.Connection,
    as_of: dt.date | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    where: Where = None,
    *,
    receipts: bool = False,
    only_problems: bool = False,
) -> pd.DataFrame:
    """Order (or PO) lines with status on time / late / open / open past due and days late.

    ``only_problems`` keeps late and open-past-due lines, worst first: the list a
    planner chases. Days late of an open line are counted to the as-of date.
    """
    kpi = "supplier_otd" if receipts else "otd"
    query = _query(kpi, date_from, date_to, where, as_of)
    source = CATALOGUE[kpi].source
    done = "received_date" if receipts else "ship_date"
    cond, params = _filters(query, source)
    params["as_of"] = query.as_of_date
    status = _DELIVERY_STATUS.format(done=done)
    days = f"""CASE WHEN {done} IS NOT NULL AND {done} <= CAST(:as_of AS DATE)
        THEN {done} - due_date ELSE CAST(:as_of AS DATE) - due_date END"""
    key = "po_id, line_no" if receipts else "order_id, line_no"
    sql = f"""SELECT * FROM (
        SELECT *, {status} AS status,
          CASE WHEN ({status}) IN ('late', 'open past due') THEN {days} END AS days_late
        FROM {_SOURCE_TABLE[source]} WHERE {cond}) AS t"""
    if only_problems:
        sql += (
            f" WHERE status IN ('late', 'open past due') ORDER BY days_late DESC, due_date, {key}"
        )
    else:
        sql += f" ORDER BY due_date, {key}"
    return _read(bind, sql, params)


def _pareto(df: pd.DataFrame, value: str) -> pd.DataFrame:
    df = df.sort_values(value, ascending=False, kind="stable").reset_index(drop=True)
    total = df[value].sum()
    df["share"] = df[value] / total if total else float("nan")
    df["cumulative_share"] = df["share"].cumsum()
    return df


def downtime_pareto(
    bind: sa.Engine | sa.Connection,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    where: Where = None,
    planned: bool | None = False,
    split: Dim | None = None,
) -> pd.DataFrame:
    """Downtime minutes and stops by reason, largest first, with cumulative share.

    ``planned=False`` (the default) ranks unplanned stops only; None ranks all stops.
    With a ``split`` (the page's), each bar is one split value and reason (``where``).
    """
    filters = dict(where or {})
    if planned is not None:
        filters[Dim.PLANNED.value] = "true" if planned else "false"
    by = [*([split] if split else []), Dim.REASON]
    df = measure_sums(
        bind, Source.DOWNTIME, _query("downtime_minutes", date_from, date_to, filters, by=by)
    )
    df = _split_label(df.rename(columns={"n_rows": "stops"}), split, "reason")
    return _pareto(df[[*(["where"] if split else []), "reason", "minutes", "stops"]], "minutes")


def _split_label(df: pd.DataFrame, split: Dim | None, category: str) -> pd.DataFrame:
    """A ``where`` column naming the split value and category ('Plant 2 · L5 · Jam')."""
    if split is None:
        return df
    owner = add_line_label(df)[LABEL] if split is Dim.LINE else df[split.value].astype(str)
    return df.assign(where=owner + " · " + df[category].astype(str))


def defect_pareto(
    bind: sa.Engine | sa.Connection,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    where: Where = None,
    by: str = Dim.DEFECT.value,
    split: Dim | None = None,
) -> pd.DataFrame:
    """Defect quantity by code (or another defect dimension), largest first; with a
    ``split``, by split value and code (``where``)."""
    dims = [*([split] if split else []), by]
    df = measure_sums(bind, Source.DEFECTS, _query("defects", date_from, date_to, where, by=dims))
    df = _split_label(df, split, by)
    return _pareto(df[[*(["where"] if split else []), by, "quantity"]], "quantity")


def oee_waterfall(
    bind: sa.Engine | sa.Connection,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    where: Where = None,
) -> pd.DataFrame:
    """Planned time → planned stops → availability → performance → quality loss → FPT.

    Rows: step, minutes, kind ('total' bars and 'loss' bars). The losses add up:
    planned time − planned stops − the three losses = fully productive time, and
    fully productive time / PBT equals the OEE KPI over the same filters, and the
    quality loss is the ideal time of the units that were not good (each at its own
    product's ideal cycle), so the losses of a split add up to the total's.
    """
    query = _query("oee", date_from, date_to, where)
    df = measure_sums(bind, Source.PRODUCTION, query)
    if df.empty:
        return pd.DataFrame(columns=["step", "minutes", "kind"])
    m = df.iloc[0]
    pbt = m.planned_minutes - m.planned_stop_minutes
    apt = pbt - m.unplanned_stop_minutes
    fpt = m.good_ideal_minutes  # Σ good units × ideal cycle: the quality loss is time-weighted
    steps = [
        ("planned time", m.planned_minutes, "total"),
        ("planned stops", -m.planned_stop_minutes, "loss"),
        ("planned busy time (PBT)", pbt, "total"),
        ("availability loss", -m.unplanned_stop_minutes, "loss"),
        ("actual production time (APT)", apt, "total"),
        ("performance loss", -(apt - m.ideal_minutes), "loss"),
        ("quality loss", -(m.ideal_minutes - fpt), "loss"),
        ("fully productive time", fpt, "total"),
    ]
    return pd.DataFrame(steps, columns=["step", "minutes", "kind"])


def freshness(bind: sa.Engine | sa.Connection) -> pd.DataFrame:
    """Per input kind: current rows, first and newest date, and when it was last loaded."""
    date_col = {"deliveries": "due_date", "receipts": "due_date"}
    parts = []
    for table in _SOURCE_TABLE.values():
        col = date_col.get(table, "date")
        parts.append(
            f"SELECT '{table}' AS kind, COUNT(*) AS rows, MIN({col}) AS first_date, "
            f"MAX({col}) AS newest_date FROM {table} WHERE {CURRENT}"
        )
    df = _read(bind, " UNION ALL ".join(parts), {})
    loaded = _read(
        bind,
        "SELECT kind, MAX(loaded_at) AS last_loaded_at FROM batches "
        "WHERE status = 'active' GROUP BY kind",
        {},
    )
    return df.merge(loaded, on="kind", how="left")


def data_quality_warnings(
    bind: sa.Engine | sa.Connection,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> pd.DataFrame:
    """Downtime on a (date, shift, plant, line) without any production row.

    Such stops count in the downtime KPIs but cannot enter availability or OEE.
    """
    conds, params = ["d.replaced_by IS NULL"], {}
    if date_from:
        conds.append("d.date >= :date_from")
        params["date_from"] = date_from
    if date_to:
        conds.append("d.date <= :date_to")
        params["date_to"] = date_to
    sql = f"""
SELECT d.date, d.shift, d.plant, d.line, COUNT(*) AS stops, SUM(d.minutes) AS minutes,
  'downtime without production: counted in downtime KPIs, not in availability' AS warning
FROM downtime d
WHERE {" AND ".join(conds)} AND NOT EXISTS (
  SELECT 1 FROM production p WHERE p.replaced_by IS NULL AND p.date = d.date
    AND p.shift = d.shift AND p.plant = d.plant AND p.line = d.line)
GROUP BY d.date, d.shift, d.plant, d.line
ORDER BY d.date, d.plant, d.line, d.shift"""
    return _read(bind, sql, params)


def wide_by_line(frame: pd.DataFrame, kpis: list[str]) -> pd.DataFrame:
    """A ``kpi_frame`` split by line and taken over the window, as one row per line and
    one column per KPI (in ``kpis`` order), with the first KPI's target and status."""
    if frame.empty:
        return pd.DataFrame(columns=["line", *kpis, "target", "status"])
    wide = frame.pivot_table(index="line_label", columns="kpi", values="value", aggfunc="first")
    head = frame[frame["kpi"] == kpis[0]].set_index("line_label")[["target", "status"]]
    out = wide.reindex(columns=kpis).join(head).reset_index()
    out = out.rename(columns={"line_label": "line"})
    return out.sort_values(kpis[0], ascending=False, na_position="last", ignore_index=True)


def readable_misses(misses: pd.DataFrame) -> pd.DataFrame:
    """Target misses as the dashboard writes numbers: value and target in the KPI's unit,
    the gap signed and in percentage points for ratios (one formatter, ``kpi.views``)."""
    from kpi.views import format_delta, format_value  # late: views imports this module

    rows = list(zip(misses["value"], misses["target"], misses["kpi"], strict=True))
    units = [CATALOGUE[k].unit for _, _, k in rows]
    out = misses.drop(columns=["kpi"]).rename(columns={"label": "KPI"})
    out["value"] = [format_value(v, u) for (v, _, _), u in zip(rows, units, strict=True)]
    out["target"] = [format_value(t, u) for (_, t, _), u in zip(rows, units, strict=True)]
    out["gap"] = [format_delta(v, t, u) for (v, t, _), u in zip(rows, units, strict=True)]
    return out
