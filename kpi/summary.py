"""Daily summary tables: a derived cache of the raw facts, so dashboard queries are fast.

Why deferred: rebuilding the summaries of a 10M-row load takes longer than the load, and
a bulk migration of many files needs it once, not once per file. So a load or an undo
only records, in its own transaction, which dates the summaries no longer reflect
(``summary_pending``; delivery kinds compare a fingerprint of the batch ledger).
``ensure_current`` rebuilds exactly those dates from the current raw rows in one write
transaction. Until it has run, a query that would read a stale summary reads the raw
rows instead (``stale_kinds``), so an answer can be slower but never wrong. The app
runs it at start and after every upload or undo; the CLI commands that read KPIs run
it first. Summaries equal the raw path (property-tested in tests/test_metrics_properties.py).

- ``summary_oee_day``: production grain, with matched downtime allocated (kpi.sources).
- ``summary_line_day``: date x plant x line rollup of the above plus all downtime and
  defects; it answers any query split or filtered only by plant and line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

from kpi import dialect, store
from kpi.schema import Kind
from kpi.sources import (
    CURRENT,
    DELIVERY_COLUMNS,
    PRODUCTION_MEASURES,
    SUMMARY_KINDS,
    delivery_flags,
    oee_fact_sql,
)
from kpi.tables import (
    FACT_TABLES,
    summary_delivery_day,
    summary_line_day,
    summary_oee_day,
    summary_pending,
    summary_state,
)

DELIVERY_KINDS = (Kind.DELIVERIES, Kind.RECEIPTS)
_OEE_COLS = ("date", "shift", "plant", "line", "machine", "product", *PRODUCTION_MEASURES)
_LINE = ("date", "plant", "line")


def refresh_dates(conn: sa.Connection, kind: Kind, first: dt.date, last: dt.date) -> None:
    """Rebuild summary rows for dates in [first, last] inside the caller's transaction.

    Delivery kinds are rebuilt whole (their summary is small and keyed by due date).
    """
    if Kind(kind) in DELIVERY_KINDS:
        refresh_deliveries(conn, Kind(kind))
        return
    if Kind(kind) not in SUMMARY_KINDS or first is None or last is None:
        return
    params = {"first": first, "last": last}
    between = sa.and_(summary_oee_day.c.date >= first, summary_oee_day.c.date <= last)
    if Kind(kind) is not Kind.DEFECTS:
        conn.execute(summary_oee_day.delete().where(between))
        cols = ", ".join(_OEE_COLS)
        sql = f"INSERT INTO summary_oee_day ({cols}) SELECT {cols} FROM ({oee_fact_sql(True)}) f"
        conn.execute(sa.text(sql), params)
    conn.execute(
        summary_line_day.delete().where(
            sa.and_(summary_line_day.c.date >= first, summary_line_day.c.date <= last)
        )
    )
    conn.execute(sa.text(_line_day_sql()), params)


def rebuild_all(conn: sa.Connection) -> None:
    """Recompute every summary row from scratch (after a bulk load or a schema upgrade)."""
    span = conn.execute(
        sa.text(
            "SELECT MIN(d), MAX(d) FROM (SELECT date AS d FROM production "
            "UNION ALL SELECT date FROM downtime UNION ALL SELECT date FROM defects) u"
        )
    ).first()
    conn.execute(summary_oee_day.delete())
    conn.execute(summary_line_day.delete())
    conn.execute(summary_pending.delete())
    if span and span[0] is not None:
        refresh_dates(conn, Kind.PRODUCTION, span[0], span[1])
    for kind in DELIVERY_KINDS:
        refresh_deliveries(conn, kind)


_LEDGER = """
SELECT k.kind, l.m, l.n, l.u, s.fingerprint
FROM (VALUES ('deliveries'), ('receipts')) AS k(kind)
LEFT JOIN (
  SELECT kind, MAX(batch_id) AS m, COUNT(*) AS n,
    SUM(CASE WHEN status = 'undone' THEN 1 ELSE 0 END) AS u
  FROM batches WHERE kind IN ('deliveries', 'receipts') GROUP BY kind) AS l ON l.kind = k.kind
LEFT JOIN summary_state AS s ON s.kind = k.kind"""


def _ledger(conn: sa.Connection) -> dict[str, tuple[str | None, str | None]]:
    """Per delivery kind: a fingerprint of the batch ledger (any load or undo changes it;
    None before the first load) and the fingerprint its summary was built from."""
    rows = conn.execute(sa.text(_LEDGER)).all()
    return {k: (None if m is None else f"{m}/{n}/{u}", built) for k, m, n, u, built in rows}


def stale_kinds(conn: sa.Connection) -> frozenset[str]:
    """Kinds whose summary does not reflect the current rows yet.

    A stale summary is never used: queries read the raw rows until ``ensure_current``.
    """
    deliveries = {k for k, (now_, built) in _ledger(conn).items() if now_ != built}
    dated = conn.execute(sa.select(summary_pending.c.kind).distinct()).scalars()
    return frozenset(deliveries | set(dated))


def mark_pending(conn: sa.Connection, kind: Kind, batch_id: int) -> None:
    """Record, in the caller's load or undo transaction, the dates ``batch_id`` touched.

    Delivery kinds need nothing: their batch-ledger fingerprint has changed already.
    Rows a batch replaced share its (date, shift, plant, line), so its own dates cover them.
    """
    if Kind(kind) not in SUMMARY_KINDS:
        return
    table = FACT_TABLES[Kind(kind)]
    first, last = conn.execute(
        sa.select(sa.func.min(table.c.date), sa.func.max(table.c.date)).where(
            table.c.batch_id == batch_id
        )
    ).one()
    if first is not None:
        conn.execute(
            summary_pending.insert().values(
                batch_id=batch_id, kind=Kind(kind).value, first_date=first, last_date=last
            )
        )


def refresh_deliveries(conn: sa.Connection, kind: Kind) -> None:
    """Rebuild the due-date x done-date x plant summary of deliveries or receipts."""
    done, qty = DELIVERY_COLUMNS[kind.value]
    f = delivery_flags(done, qty)
    conn.execute(summary_delivery_day.delete().where(summary_delivery_day.c.kind == kind.value))
    conn.execute(
        sa.text(f"""
INSERT INTO summary_delivery_day (kind, due_date, done_date, plant, lines, in_full_lines,
  ordered_missing, done_qty_missing)
SELECT '{kind.value}', due_date, {done}, plant, COUNT(*), SUM({f.in_full}),
  SUM({f.ordered_missing}), SUM({f.done_missing})
FROM {kind.value} WHERE {CURRENT} GROUP BY due_date, {done}, plant""")
    )
    conn.execute(summary_state.delete().where(summary_state.c.kind == kind.value))
    fingerprint = _ledger(conn)[kind.value][0]
    if fingerprint is not None:  # before the first load there is nothing to remember
        conn.execute(summary_state.insert().values(kind=kind.value, fingerprint=fingerprint))


def ensure_current(engine: sa.Engine, announce: Callable[[str], None] | None = None) -> list[str]:
    """Bring every stale summary up to date; returns the kinds that were rebuilt.

    Cheap when nothing is pending (two small reads). ``announce`` hears what is about to
    be rebuilt, so a caller can tell the user why it waits.
    """
    with store.WRITE_LOCK, engine.begin() as conn:
        dialect.lock_writes(conn)
        stale = stale_kinds(conn)
        if not stale:
            return []
        pending = conn.execute(sa.select(summary_pending)).all()
        if announce:
            announce(_describe(stale, pending))
        for first, last, kind in _merged_ranges(pending):
            refresh_dates(conn, kind, first, last)
        conn.execute(summary_pending.delete().where(summary_pending.c.batch_id.in_(
            sorted({row.batch_id for row in pending}))))  # fmt: skip
        for kind in sorted(stale & {k.value for k in DELIVERY_KINDS}):
            refresh_deliveries(conn, Kind(kind))
    return sorted(stale)


def _merged_ranges(pending: list[sa.Row]) -> list[tuple[dt.date, dt.date, Kind]]:
    """Overlapping or adjacent pending date ranges merged, so each date is rebuilt once.

    A range with only defects rebuilds the line-day rollup alone (its OEE rows are intact).
    """
    merged: list[list] = []
    for row in sorted(pending, key=lambda r: r.first_date):
        if merged and row.first_date <= merged[-1][1] + dt.timedelta(days=1):
            merged[-1][1] = max(merged[-1][1], row.last_date)
            merged[-1][2].add(row.kind)
        else:
            merged.append([row.first_date, row.last_date, {row.kind}])
    return [
        (first, last, Kind.DEFECTS if kinds == {Kind.DEFECTS.value} else Kind.PRODUCTION)
        for first, last, kinds in merged
    ]


def _describe(stale: frozenset[str], pending: list[sa.Row]) -> str:
    if not pending:
        return f"updating the {', '.join(sorted(stale))} summary"
    first = min(r.first_date for r in pending)
    last = max(r.last_date for r in pending)
    loads = len({r.batch_id for r in pending})
    return f"updating KPI summaries for {loads} load(s) dated {first} to {last}"


def _line_day_sql() -> str:
    keys = ", ".join(_LINE)
    rng = "date BETWEEN :first AND :last"
    on = " AND ".join(f"k.{c} = {{a}}.{c}" for c in _LINE)
    prod = ", ".join(f"SUM({m}) AS {m}" for m in PRODUCTION_MEASURES)
    prod_out = ", ".join(f"COALESCE(o.{m}, 0)" for m in PRODUCTION_MEASURES)
    dt_out = "COALESCE(t.dt_rows, 0), COALESCE(t.dt_minutes, 0), "
    dt_out += "COALESCE(t.dt_unplanned_minutes, 0), COALESCE(t.dt_unplanned_stops, 0)"
    cols = [*_LINE, *PRODUCTION_MEASURES, "dt_rows", "dt_minutes", "dt_unplanned_minutes"]
    cols += ["dt_unplanned_stops", "defect_rows", "defect_quantity"]
    return f"""
INSERT INTO summary_line_day ({", ".join(cols)})
WITH o AS (SELECT {keys}, {prod} FROM summary_oee_day WHERE {rng} GROUP BY {keys}),
t AS (
  SELECT {keys}, COUNT(*) AS dt_rows, SUM(minutes) AS dt_minutes,
    SUM(CASE WHEN planned THEN 0 ELSE minutes END) AS dt_unplanned_minutes,
    SUM(CASE WHEN planned THEN 0 ELSE 1 END) AS dt_unplanned_stops
  FROM downtime WHERE {CURRENT} AND {rng} GROUP BY {keys}),
f AS (
  SELECT {keys}, COUNT(*) AS defect_rows, SUM(quantity) AS defect_quantity
  FROM defects WHERE {CURRENT} AND {rng} GROUP BY {keys}),
k AS (SELECT {keys} FROM o UNION SELECT {keys} FROM t UNION SELECT {keys} FROM f)
SELECT {", ".join("k." + c for c in _LINE)}, {prod_out}, {dt_out},
  COALESCE(f.defect_rows, 0), COALESCE(f.defect_quantity, 0)
FROM k LEFT JOIN o ON {on.format(a="o")} LEFT JOIN t ON {on.format(a="t")}
LEFT JOIN f ON {on.format(a="f")}
"""
