"""Daily summary tables kept current at ingest, so dashboard queries avoid the raw facts.

``refresh_dates`` is called by the loader inside its write transaction after every load,
correction and undo, with the date range it touched. It recomputes both summaries for
those dates from the current raw rows, so a summary never drifts from its source
(property-tested against the raw path in tests/test_metrics_properties.py).

- ``summary_oee_day``: production grain, with matched downtime allocated (kpi.sources).
- ``summary_line_day``: date x plant x line rollup of the above plus all downtime and
  defects; it answers any query split or filtered only by plant and line.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kpi.schema import Kind
from kpi.sources import (
    CURRENT,
    DELIVERY_COLUMNS,
    PRODUCTION_MEASURES,
    delivery_flags,
    oee_fact_sql,
)
from kpi.tables import summary_delivery_day, summary_line_day, summary_oee_day, summary_state

SUMMARY_KINDS = (Kind.PRODUCTION, Kind.DOWNTIME, Kind.DEFECTS)
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


def _ledger(conn: sa.Connection) -> dict[str, tuple[str, str | None]]:
    """Per delivery kind: a fingerprint of the batch ledger (any load or undo changes it)
    and the fingerprint its summary was built from."""
    rows = conn.execute(sa.text(_LEDGER)).all()
    return {k: (f"{m}/{n}/{u}", built) for k, m, n, u, built in rows}


def stale_kinds(conn: sa.Connection) -> frozenset[str]:
    """Delivery kinds whose summary was not built from the current batch ledger.

    The loader refreshes summaries only for dated kinds; a stale delivery summary is
    never used (queries fall back to raw rows) until ``ensure_current`` rebuilds it.
    """
    return frozenset(k for k, (now_, built) in _ledger(conn).items() if now_ != built)


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
    conn.execute(
        summary_state.insert().values(kind=kind.value, fingerprint=_ledger(conn)[kind.value][0])
    )


def ensure_current(engine: sa.Engine) -> list[str]:
    """Rebuild stale delivery summaries (call after uploads or at app start); returns kinds."""
    with engine.begin() as conn:
        stale = sorted(stale_kinds(conn))
        for kind in stale:
            refresh_deliveries(conn, Kind(kind))
    return stale


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
