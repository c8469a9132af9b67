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
from kpi.sources import CURRENT, PRODUCTION_MEASURES, oee_fact_sql
from kpi.tables import summary_line_day, summary_oee_day

SUMMARY_KINDS = (Kind.PRODUCTION, Kind.DOWNTIME, Kind.DEFECTS)
_OEE_COLS = ("date", "shift", "plant", "line", "machine", "product", *PRODUCTION_MEASURES)
_LINE = ("date", "plant", "line")


def refresh_dates(conn: sa.Connection, kind: Kind, first: dt.date, last: dt.date) -> None:
    """Rebuild summary rows for dates in [first, last] inside the caller's transaction."""
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
