"""KPI query benchmark: every catalogue KPI at day, week and month grain, on each backend.

Generates (in DuckDB SQL, no Python loops) a production table of ``--rows`` rows, a
matching downtime table (8 stops per machine-shift plus a break per line-shift), 1M
delivery lines, receipts and defects into a fresh DuckDB file, builds the summary
tables, then times ``kpi.metrics.compute`` (the same call the report CLI and the pages
make) and prints the p50 and p95 per query. Delivery and receipt KPIs have no line
dimension, so they are split by plant.

Each PostgreSQL ``--db`` is filled from that DuckDB file by the project's own
``python -m kpi db copy`` path (``COPY ... FROM STDIN``, then every KPI report checked
equal on both), then ANALYZEd; the database is created when missing. The table shows
both backends side by side with the ratio of the p50s.

    python bench/bench_kpi.py --rows 10000000 [--db duckdb:////tmp/bench_kpi.duckdb]
        [--db postgresql+psycopg://postgres@127.0.0.1:5432/bench_kpi] [--reuse] [--drop]
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import pgdb  # noqa: E402
from kpi.catalogue import CATALOGUE, Dim, Source  # noqa: E402
from kpi.dbcopy import CopyRefused, copy_database  # noqa: E402
from kpi.metrics import compute, make_query  # noqa: E402
from kpi.settings import load_settings  # noqa: E402
from kpi.store import create_engine  # noqa: E402
from kpi.summary import rebuild_all  # noqa: E402

DAYS, SHIFTS, LINES, MACHINES, LINES_PER_PLANT = 731, 3, 10, 6, 5
START = "DATE '2024-01-01'"
GRAINS = ("day", "week", "month")
DEFAULT_DUCKDB = "duckdb:////tmp/bench_kpi.duckdb"
GOAL_MS = {"duckdb": 20.0, "postgresql": 50.0}

Timings = dict[tuple[str, str, str], tuple[float, float, int]]


def _production_sql(rows: int, products: int) -> str:
    per_shift = LINES * MACHINES * products
    return f"""
INSERT INTO production (batch_id, date, shift, plant, line, machine, product,
  planned_minutes, ideal_cycle_seconds, units_produced, units_scrapped, units_reworked)
SELECT 1, {START} + CAST(i // ({SHIFTS} * {per_shift}) AS INTEGER),
  ['A', 'B', 'C'][1 + (i // {per_shift}) % {SHIFTS}],
  'Plant ' || (1 + ((i // ({MACHINES} * {products})) % {LINES}) // {LINES_PER_PLANT}),
  'L' || (1 + (i // ({MACHINES} * {products})) % {LINES}),
  'M' || (1 + (i // {products}) % {MACHINES}),
  'P' || (1 + i % {products}),
  480.0 / {products}, cyc, produced, produced * (hash(i) % 5) // 100,
  produced * (hash(i + 7) % 3) // 100
FROM (SELECT i, 2 + hash(i) % 9 AS cyc,
        CAST(480.0 / {products} * 60 / (2 + hash(i) % 9) * 0.8 AS BIGINT) AS produced
      FROM range({rows}) t(i))
"""


def _downtime_sql() -> str:
    shifts = DAYS * SHIFTS * LINES * MACHINES
    return f"""
INSERT INTO downtime (batch_id, date, shift, plant, line, machine, reason, minutes, planned)
SELECT 1, {START} + CAST(s // ({SHIFTS} * {LINES} * {MACHINES}) AS INTEGER),
  ['A', 'B', 'C'][1 + (s // ({LINES} * {MACHINES})) % {SHIFTS}],
  'Plant ' || (1 + ((s // {MACHINES}) % {LINES}) // {LINES_PER_PLANT}),
  'L' || (1 + (s // {MACHINES}) % {LINES}),
  CASE WHEN k = 0 THEN NULL ELSE 'M' || (1 + s % {MACHINES}) END,
  CASE WHEN k = 0 THEN 'Break' ELSE ['Jam', 'Tooling', 'Electrical', 'Material'][1 + k % 4] END,
  CASE WHEN k = 0 THEN 5 ELSE 1 + hash(s * 8 + k) % 12 END, k = 0
FROM (SELECT i // 8 AS s, i % 8 AS k FROM range({shifts * 8}) t(i))
"""


def _orders_sql(table: str, party: str, done: str, qty: str, rows: float) -> str:
    prefix = "PO" if table == "receipts" else "SO"
    key = "po_id" if table == "receipts" else "order_id"
    return f"""
INSERT INTO {table} (batch_id, {key}, line_no, {party}, product, plant, due_date, {done},
  quantity_ordered, {qty})
SELECT 1, '{prefix}' || i, '1', '{party[0].upper()}' || (hash(i) % 50), 'P' || (hash(i) % 80),
  'Plant ' || (1 + i % 2), {START} + CAST(i % {DAYS} AS INTEGER),
  CASE WHEN hash(i + 3) % 50 = 0 THEN NULL
       ELSE {START} + CAST(i % {DAYS} AS INTEGER) + CAST(hash(i + 1) % 9 AS INTEGER) - 5 END,
  100, CASE WHEN hash(i + 2) % 20 = 0 THEN 90 ELSE 100 END
FROM range({int(rows)}) t(i)
"""


def _defects_sql(rows: int) -> str:
    return f"""
INSERT INTO defects (batch_id, date, shift, plant, line, product, defect, quantity, disposition)
SELECT 1, {START} + CAST(i % {DAYS} AS INTEGER), ['A', 'B', 'C'][1 + CAST(hash(i) % 3 AS BIGINT)],
  'Plant ' || (1 + (i % {LINES}) // {LINES_PER_PLANT}), 'L' || (1 + i % {LINES}),
  'P' || (hash(i + 1) % 80), 'D' || (hash(i + 2) % 12), 1 + hash(i + 3) % 9,
  CASE WHEN hash(i + 4) % 4 = 0 THEN 'rework' ELSE 'scrap' END
FROM range({rows}) t(i)
"""


def generate(engine, rows: int) -> dict[str, float]:
    """Fill the fact tables and build the summaries; returns seconds per step."""
    products = math.ceil(rows / (DAYS * SHIFTS * LINES * MACHINES))
    steps = {
        "production": _production_sql(rows, products),
        "downtime": _downtime_sql(),
        "deliveries": _orders_sql("deliveries", "customer", "ship_date", "quantity_shipped", 10**6),
        "receipts": _orders_sql("receipts", "supplier", "received_date", "quantity_received", 2e5),
        "defects": _defects_sql(10**6),
    }
    took: dict[str, float] = {}
    for name, sql in steps.items():
        t0 = time.perf_counter()
        with engine.begin() as conn:
            conn.exec_driver_sql(sql)
        took[name] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with engine.begin() as conn:
        rebuild_all(conn)
    took["summaries"] = time.perf_counter() - t0
    return took


def time_queries(engine, repeat: int) -> Timings:
    """p50 ms, p95 ms and rows out per (kpi, grain, by), after one warm-up call each."""
    results: Timings = {}
    for kpi in CATALOGUE.values():
        by = Dim.PLANT if kpi.source in (Source.DELIVERIES, Source.RECEIPTS) else Dim.LINE
        for grain in GRAINS:
            query = make_query([kpi.name], grain, [by])
            compute(engine, query)  # warm-up
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                df = compute(engine, query)
                times.append((time.perf_counter() - t0) * 1000)
            p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
            results[(kpi.name, grain, by.value)] = (statistics.median(times), p95, len(df))
    return results


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        tables = ("production", "downtime", "deliveries", "receipts", "defects")
        tables += ("summary_oee_day", "summary_line_day")
        return {t: conn.exec_driver_sql(f"SELECT COUNT(*) FROM {t}").scalar() for t in tables}


def fill_duckdb(url: str, rows: int, reuse: bool) -> None:
    path = Path(sa.make_url(url).database)
    if reuse and path.exists():
        return
    path.unlink(missing_ok=True)
    engine = create_engine(load_settings(url, user="bench"))
    for step, secs in generate(engine, rows).items():
        print(f"generated {step:<11} {secs:7.1f} s", flush=True)
    engine.dispose()


def fill_postgresql(url: str, source: str, reuse: bool) -> None:
    """Copy the DuckDB file in with ``db copy`` (COPY FROM STDIN), then ANALYZE, as
    autovacuum would soon after a bulk load."""
    created = pgdb.ensure_database(url)
    if reuse and not created:
        return
    t0 = time.perf_counter()
    settings = [load_settings(u, user="bench") for u in (source, url)]
    try:
        checked = f"{copy_database(*settings, say=lambda _: None).reports_compared} reports equal"
    except CopyRefused as refused:  # the tables are committed before the check runs
        checked = f"CHECK FAILED: {refused}"
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")
    engine.dispose()
    took = time.perf_counter() - t0
    print(f"filled {pgdb_name(url)} by db copy and ANALYZE in {took:.1f} s ({checked})")


def pgdb_name(url: str) -> str:
    return sa.make_url(url).render_as_string(hide_password=True)


def measure(url: str, repeat: int) -> Timings:
    engine = create_engine(load_settings(url, user="bench"))
    try:
        print(
            f"{engine.dialect.name}: " + ", ".join(f"{k} {v:,}" for k, v in counts(engine).items())
        )
        return time_queries(engine, repeat)
    finally:
        engine.dispose()


def print_table(timings: dict[str, Timings]) -> None:
    """One row per query: p50/p95 per backend, then PG/DuckDB of the p50s."""
    backends = list(timings)
    head = " | ".join(f"{b} p50 ms | {b} p95 ms" for b in backends)
    ratio = "duckdb" in timings and "postgresql" in timings
    print(f"\n| kpi | grain | by | {head} |{' PG/DuckDB |' if ratio else ''} rows out |")
    print("|---|---|---|" + "---:|---:|" * len(backends) + ("---:|" if ratio else "") + "---:|")
    for key in next(iter(timings.values())):
        cells = " | ".join(f"{timings[b][key][0]:.1f} | {timings[b][key][1]:.1f}" for b in backends)
        pg_duck = timings["postgresql"][key][0] / timings["duckdb"][key][0] if ratio else 0
        extra = f" {pg_duck:.1f} |" if ratio else ""
        rows_out = timings[backends[0]][key][2]
        print(f"| `{key[0]}` | {key[1]} | {key[2]} | {cells} |{extra} {rows_out:,} |")


def print_goals(timings: dict[str, Timings]) -> None:
    for backend, results in timings.items():
        p50s = [r[0] for r in results.values()]
        goal = GOAL_MS[backend]
        over = sum(p > goal for p in p50s)
        verdict = "met" if over == 0 else f"NOT met by {over} of {len(p50s)} queries"
        print(f"{backend}: goal p50 <= {goal:.0f} ms: {verdict}; slowest p50 {max(p50s):.1f} ms, "
              f"median of p50s {statistics.median(p50s):.1f} ms")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--db", action="append", help="database URL (repeatable; a DuckDB "
                        f"one is the generated source, default {DEFAULT_DUCKDB})")  # fmt: skip
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--reuse", action="store_true", help="keep existing databases")
    parser.add_argument("--drop", action="store_true", help="drop PostgreSQL databases after")
    args = parser.parse_args()
    urls = args.db or [DEFAULT_DUCKDB]
    duck = next((u for u in urls if not pgdb.is_postgresql(u)), DEFAULT_DUCKDB)
    if duck not in urls:
        urls.insert(0, duck)
    fill_duckdb(duck, args.rows, args.reuse)
    for url in urls:
        if pgdb.is_postgresql(url):
            fill_postgresql(url, duck, args.reuse)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}, repeat {args.repeat}")  # fmt: skip
    load_before = os.getloadavg()[0]
    timings = {sa.make_url(u).get_backend_name(): measure(u, args.repeat) for u in urls}
    print_table(timings)
    print()
    print_goals(timings)
    print(f"1-min load average before/after: {load_before:.2f} / {os.getloadavg()[0]:.2f}")
    if args.drop:
        for url in filter(pgdb.is_postgresql, urls):
            pgdb.drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
