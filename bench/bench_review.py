"""Review-pack benchmark: a quarter's pack in every format on a database with 1M production rows.

Builds a fresh DuckDB file: ``--rows`` synthetic production rows (``kpi.synthetic``,
loaded through ``kpi.ingest.ingest_file`` like any upload) plus the demo year of every
other kind (``kpi.demo``). Then times, per format, the whole pack as the CLI builds it:
figures (``kpi.review.prepare``) + export. The synthetic production covers 2016; the demo
kinds cover Nov 2025 - Oct 2026, so two quarters are timed: one dense in production rows
and one with every kind present.

    python bench/bench_review.py [--rows 1000000] [--db /tmp/bench_review.duckdb] [--reuse]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpi import store  # noqa: E402
from kpi.demo import generate, to_csv_bytes  # noqa: E402
from kpi.ingest import ingest_bytes, ingest_file  # noqa: E402
from kpi.review import Format, export, make_request, prepare  # noqa: E402
from kpi.review.images import find_browser  # noqa: E402
from kpi.review.pdf_export import ChartMode  # noqa: E402
from kpi.schema import Kind  # noqa: E402
from kpi.settings import load_settings  # noqa: E402
from kpi.synthetic import write_production_csv  # noqa: E402

QUARTERS = ("2016-Q2", "2026-Q3")
AS_OF = dt.date(2026, 11, 15)


def build(db: Path, rows: int) -> None:
    """Synthetic production through the loader, plus the demo's other kinds."""
    settings = load_settings(f"duckdb:///{db}", user="bench")
    engine = store.create_engine(settings)
    with tempfile.TemporaryDirectory() as tmp:
        csv = write_production_csv(Path(tmp) / "production.csv", rows)
        started = time.perf_counter()
        result = ingest_file(engine, settings, csv, Kind.PRODUCTION)
        print(f"loaded {rows:,} production rows in {time.perf_counter() - started:.1f} s "
              f"({result.outcome})")  # fmt: skip
    for kind, frame in generate().items():
        if kind is not Kind.PRODUCTION:
            ingest_bytes(engine, settings, to_csv_bytes(kind, frame), f"demo-{kind}.csv", kind)
    engine.dispose()


def time_pack(engine, quarter: str, fmt: Format, charts: ChartMode) -> tuple[float, int]:
    started = time.perf_counter()
    pack = prepare(engine, make_request(quarter, "previous", AS_OF))
    options = {"charts": charts} if fmt is Format.PDF else {}
    data = export(pack, fmt, **options)
    return time.perf_counter() - started, len(data)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    browser = find_browser() or "none"
    return (f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, Chromium: {browser}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument(
        "--db", type=Path, default=Path(tempfile.gettempdir()) / "bench_review.duckdb"
    )
    parser.add_argument("--reuse", action="store_true", help="keep an existing --db")
    args = parser.parse_args()
    if not (args.reuse and args.db.exists()):
        for path in (args.db, args.db.with_name(args.db.name + ".wal")):
            path.unlink(missing_ok=True)
        build(args.db, args.rows)
    engine = store.create_engine(load_settings(f"duckdb:///{args.db}", user="bench"))
    counts = store.current_row_counts(engine)
    print(f"{machine()}\nrows: {counts}\n")
    runs = [(f, ChartMode.AUTO) for f in Format] + [(Format.PDF, ChartMode.NATIVE)]
    print(f"{'quarter':<9} {'format':<14} {'seconds':>8} {'bytes':>10}")
    for quarter in QUARTERS:
        time_pack(engine, quarter, Format.XLSX, ChartMode.NATIVE)  # warm DuckDB's caches
        for fmt, charts in runs:
            label = fmt.value + (" (images)" if fmt is Format.PDF and charts is ChartMode.AUTO
                                 else " (native)" if fmt is Format.PDF else "")  # fmt: skip
            seconds, size = time_pack(engine, quarter, fmt, charts)
            print(f"{quarter:<9} {label:<14} {seconds:>8.2f} {size:>10,}")
    engine.dispose()


if __name__ == "__main__":
    main()
