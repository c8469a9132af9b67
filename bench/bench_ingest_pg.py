"""Ingest benchmark on both backends: `python -m kpi ingest` against each engine's bare bulk load.

PostgreSQL: the CLI (parse and check in a scratch DuckDB, then ``COPY ... FROM STDIN``,
ledger, archive, one transaction) against a bare ``COPY production FROM STDIN`` of the
same file by psycopg into an empty table of the same definition (the store's
``production`` table: no secondary indexes; ``batch_id`` given a default so the file's
columns suffice). Each attempt gets fresh databases created beforehand, untimed: the
CLI's at the current schema (so migrations are not timed), the bare one with the table.

DuckDB: ``bench_ingest.measure`` (the CLI into a fresh file against a bare typed
``read_csv``). Every command is a fresh subprocess, so start-up counts on both sides.
The goal is a ratio of at most 1.5.

    python bench/bench_ingest_pg.py --rows 1000000 [--repeat 3] [--pg SERVER_URL]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402

from bench import bench_ingest, pgdb  # noqa: E402
from kpi import store  # noqa: E402
from kpi.schema import Kind  # noqa: E402
from kpi.settings import load_settings  # noqa: E402
from kpi.synthetic import write_production_csv  # noqa: E402
from kpi.tables import FACT_TABLES  # noqa: E402

GOAL = 1.5

BARE_COPY = """
import psycopg, sys
url, path = sys.argv[1:3]
with psycopg.connect(url) as conn, open(path, "rb") as source:
    header = source.readline().decode().strip()
    with conn.cursor().copy(f"COPY production ({header}) FROM STDIN WITH (FORMAT csv)") as copy:
        while chunk := source.read(1 << 20):
            copy.write(chunk)
"""


def _libpq(url: str) -> str:
    """The same database as a plain libpq URL (psycopg does not take the +driver form)."""
    return sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _prepare_store(url: str) -> None:
    store.create_engine(load_settings(url, user="bench")).dispose()


def _prepare_bare(url: str) -> None:
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        table = FACT_TABLES[Kind.PRODUCTION].to_metadata(sa.MetaData())
        table.create(conn)
        conn.exec_driver_sql("ALTER TABLE production ALTER COLUMN batch_id SET DEFAULT 1")
    engine.dispose()


def _attempt(csv_path: Path, server: str, attempt: int) -> dict[str, tuple[float, float]]:
    """One interleaved attempt: CLI ingest, the first report after it, and the bare COPY."""
    with (
        pgdb.scratch_database(server, f"ours{attempt}") as ours,
        pgdb.scratch_database(server, f"bare{attempt}") as bare,
    ):
        _prepare_store(ours)
        _prepare_bare(bare)
        kpi = [sys.executable, "-m", "kpi"]
        return {
            "ours": bench_ingest._timed([*kpi, "ingest", "--db", ours, str(csv_path)]),
            "rebuild": bench_ingest._timed([*kpi, *bench_ingest.REPORT, "--db", ours]),
            "bare": bench_ingest._timed(
                [sys.executable, "-c", BARE_COPY, _libpq(bare), str(csv_path)]
            ),
        }


def measure_pg(csv_path: Path, server: str, repeat: int) -> dict[str, float]:
    """Median seconds and peak MiB per side, as ``bench_ingest.measure`` returns them."""
    attempts = [_attempt(csv_path, server, attempt) for attempt in range(repeat)]
    result: dict[str, float] = {}
    for name in attempts[0]:
        result[name] = statistics.median(a[name][0] for a in attempts)
        result[f"{name}_mem"] = max(a[name][1] for a in attempts)
    return result


def _row(backend: str, bare_name: str, rows: int, r: dict[str, float]) -> str:
    ratio = r["ours"] / r["bare"]
    verdict = "met" if ratio <= GOAL else "NOT met"
    return (
        f"| {rows:,} | {backend} | {r['ours']:.2f} | {bare_name} {r['bare']:.2f} | **{ratio:.2f}** "
        f"| {verdict} | {r['ours_mem']:.0f} | {r['rebuild']:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, action="append", help="rows (repeatable)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pg", default=pgdb.DEFAULT_SERVER, help="PostgreSQL server URL")
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {len(os.sched_getaffinity(0))} cores, "
        f"Python {platform.python_version()}; medians of {args.repeat}; goal ratio <= {GOAL}"
    )
    print(
        "| rows | backend | kpi ingest s | bare bulk load s | ratio | goal | ingest peak MiB "
        "| first report (summary rebuild) s |\n|---:|---|---:|---:|---:|---|---:|---:|"
    )
    with tempfile.TemporaryDirectory(prefix="kpi-bench-") as folder:
        for rows in args.rows or [1_000_000]:
            csv_path = write_production_csv(Path(folder) / f"production_{rows}.csv", rows)
            pg = measure_pg(csv_path, args.pg, args.repeat)
            print(_row("postgresql", "COPY", rows, pg), flush=True)
            duck = bench_ingest.measure(rows, args.repeat, Path(folder))
            print(_row("duckdb", "read_csv", rows, duck), flush=True)
        print(f"1-min load average at the end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
