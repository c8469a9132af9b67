"""Lineage: from any figure to the batches, original files and people behind it (§7.5).

A figure is a KPI over a window and a scope (DIM=VALUE filters). Every stored row carries
the batch that loaded it, and the ledger names each batch's file, its SHA-256, who loaded
it and when. So the sources of a figure are the batches of the current rows of each input
kind the KPI reads, in the same window and scope. A dimension an input kind does not carry
(downtime has no product) leaves that kind unfiltered on it: the list may name a batch
more, never one less.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import pandas as pd
import sqlalchemy as sa

from kpi.catalogue import CATALOGUE, Dim, Grain
from kpi.grains import period_end
from kpi.metrics import Query, connected, make_query, read_frame
from kpi.schema import KINDS, Kind
from kpi.sources import CURRENT
from kpi.tables import batches

DUE_DATED = (Kind.DELIVERIES, Kind.RECEIPTS)
LEDGER = ["kind", "file_name", "sha256", "size_bytes", "loaded_by", "loaded_at", "status"]
COLUMNS = ["kind", "batch_id", "rows", "first_date", "last_date", *LEDGER[1:]]


def input_kinds(kpi: str) -> tuple[Kind, ...]:
    """The input kinds a KPI's figures are computed from (factor KPIs' included)."""
    entry = CATALOGUE[kpi]
    kinds = dict.fromkeys(entry.inputs)
    for factor in entry.factors:
        kinds.update(dict.fromkeys(CATALOGUE[factor].inputs))
    return tuple(kinds)


def _kind_sql(kind: Kind, query: Query) -> tuple[str, dict]:
    date_col = "due_date" if kind in DUE_DATED else "date"
    columns, conds, params = set(KINDS[kind].names), [CURRENT], {}
    if query.date_from:
        conds.append(f"{date_col} >= :date_from")
        params["date_from"] = query.date_from
    if query.date_to:
        conds.append(f"{date_col} <= :date_to")
        params["date_to"] = query.date_to
    for i, (dim, value) in enumerate(query.where):
        if dim.value in columns:  # names come from the kind's contract, never from users
            conds.append(f"{dim.value} = :w{i}")
            params[f"w{i}"] = (value == "true") if dim is Dim.PLANNED else value
    sql = (f"SELECT '{kind.value}' AS kind, batch_id, COUNT(*) AS rows, MIN({date_col}) AS "
           f"first_date, MAX({date_col}) AS last_date FROM {kind.value} "
           f"WHERE {' AND '.join(conds)} GROUP BY batch_id")  # fmt: skip
    return sql, params


def figure_batches(
    bind: sa.Engine | sa.Connection,
    kpi: str,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    where: Mapping[str, str] | None = None,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """The batches behind one figure: per input kind and batch, how many current rows it
    gives the figure, their dates, and the file, hash, loader and time from the ledger."""
    query = make_query([kpi], Grain.TOTAL, (), date_from, date_to, dict(where or {}), as_of)
    return _batches_of(bind, query)


def _batches_of(bind: sa.Engine | sa.Connection, query: Query) -> pd.DataFrame:
    with connected(bind) as conn:
        parts = [read_frame(conn, *_kind_sql(k, query)) for k in input_kinds(query.kpis[0])]
        parts = [p for p in parts if not p.empty]
        if not parts:
            return pd.DataFrame(columns=COLUMNS)
        found = pd.concat(parts, ignore_index=True)
        ids = [int(b) for b in found["batch_id"]]
        ledger = conn.execute(
            sa.select(batches.c.batch_id, *(batches.c[c] for c in LEDGER[1:])).where(
                batches.c.batch_id.in_(ids)
            )
        ).mappings()
        ledger = pd.DataFrame(list(ledger), columns=["batch_id", *LEDGER[1:]])
    out = found.merge(ledger, on="batch_id", how="left")
    out["batch_id"] = out["batch_id"].astype(int)
    return out[COLUMNS].sort_values(["kind", "batch_id"], ignore_index=True)


def rows_batches(bind: sa.Engine | sa.Connection, kind: Kind, rows: pd.DataFrame) -> pd.DataFrame:
    """The batches behind rows already read (e.g. a chart's readings: ``batch_id`` and
    ``date``), in the same shape as ``figure_batches``."""
    if rows.empty:
        return pd.DataFrame(columns=COLUMNS)
    days = pd.to_datetime(rows["date"]).dt.date
    found = (
        rows.assign(day=days)
        .groupby("batch_id")
        .agg(rows=("day", "size"), first_date=("day", "min"), last_date=("day", "max"))
        .reset_index()
        .assign(kind=kind.value)
    )
    ids = [int(b) for b in found["batch_id"]]
    with connected(bind) as conn:
        query = sa.select(batches.c.batch_id, *(batches.c[c] for c in LEDGER[1:]))
        ledger = conn.execute(query.where(batches.c.batch_id.in_(ids))).mappings()
        ledger = pd.DataFrame(list(ledger), columns=["batch_id", *LEDGER[1:]])
    out = found.merge(ledger, on="batch_id", how="left")
    out["batch_id"] = out["batch_id"].astype(int)
    return out[COLUMNS].sort_values("batch_id", ignore_index=True)


def report_lineage(bind: sa.Engine | sa.Connection, figures: pd.DataFrame, query: Query):
    """One row per figure of a ``metrics.compute`` frame and batch behind it: the figure's
    keys (period, dimensions, kpi, value), then the batch's kind, rows, file, hash, loader."""
    keys = [c for c in ("period", *(d.value for d in query.by)) if c in figures]
    out = []
    for row in figures.to_dict("records"):
        sub = _figure_query(query, row)
        found = _batches_of(bind, sub)
        head = {k: row[k] for k in [*keys, "kpi", "value"]}
        out.append(found.assign(**head)[[*head, *COLUMNS]])
    if not out:
        return pd.DataFrame(columns=[*keys, "kpi", "value", *COLUMNS])
    return pd.concat(out, ignore_index=True)


def _figure_query(query: Query, row: dict) -> Query:
    """The one-figure query of a row: its period's window and its dimension values."""
    start, end = query.date_from, query.date_to
    period = row.get("period")
    if query.grain is not Grain.TOTAL and period is not None and not pd.isna(period):
        start = pd.Timestamp(period).date()
        end = period_end(query.grain, start)
        start = max(start, query.date_from) if query.date_from else start
        end = min(end, query.date_to) if query.date_to else end
    where = dict(query.where)
    for dim in query.by:
        value = row.get(dim.value)
        if value is not None and not pd.isna(value):
            where[dim] = str(value).lower() if dim is Dim.PLANNED else str(value)
    return Query((row["kpi"],), Grain.TOTAL, (), start, end, tuple(where.items()), query.as_of)
