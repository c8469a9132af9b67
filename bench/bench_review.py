"""Review-pack benchmark: a quarter's pack in every format on a database with 1M production rows.

Builds a fresh DuckDB file: ``--rows`` synthetic production rows (``kpi.synthetic``,
loaded through ``kpi.ingest.ingest_file`` like any upload) plus the demo year of every
other kind (``kpi.demo``). Then times, per format, the whole pack: figures
(``kpi.review.prepare``) + export. The PDF with plotly images is timed three ways: with
a one-shot browser, as the CLI does it (Chromium started before the queries), and with
a warm renderer already running (the app's case: the review page starts it on load);
plus the real CLI command in a subprocess. The synthetic production covers 2016; the demo
kinds cover Nov 2025 - Oct 2026, so two quarters are timed: one dense in production rows
and one with every kind present.

    python bench/bench_review.py [--rows 1000000] [--db /tmp/bench_review.duckdb] [--reuse]
                                 [--repeat 3]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from enum import StrEnum
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpi import store, summary  # noqa: E402
from kpi.demo import generate, to_csv_bytes  # noqa: E402
from kpi.ingest import ingest_bytes, ingest_file  # noqa: E402
from kpi.review import Format, export, make_request, prepare  # noqa: E402
from kpi.review.images import WarmRenderer, find_browser  # noqa: E402
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
    summary.ensure_current(engine)  # as the app does at start and the CLI before a pack
    engine.dispose()


class Case(StrEnum):
    """What is timed; each is prepare (the figures) plus the export, like the CLI."""

    PPTX = "pptx"
    XLSX = "xlsx"
    PDF_NATIVE = "pdf (native)"
    PDF_COLD = "pdf (images, one-shot browser)"
    PDF_OVERLAP = "pdf (images, CLI: start overlaps queries)"
    PDF_WARM = "pdf (images, warm: the app)"
    CLI = "CLI pdf, whole command"


def time_case(engine, db: Path, quarter: str, case: Case, warm: WarmRenderer) -> tuple[float, int]:
    """Seconds and bytes for one pack; the warm case uses the already started renderer."""
    if case is Case.CLI:
        engine.dispose()  # DuckDB: one process holds the file at a time
        return time_cli(db, quarter)
    started = time.perf_counter()
    own = WarmRenderer().start() if case is Case.PDF_OVERLAP else None
    pack = prepare(engine, make_request(quarter, "previous", AS_OF))
    if case in (Case.PPTX, Case.XLSX):
        data = export(pack, Format(case.value))
    else:
        charts = ChartMode.NATIVE if case is Case.PDF_NATIVE else ChartMode.AUTO
        data = export(pack, Format.PDF, charts=charts,
                      warm=warm if case is Case.PDF_WARM else own)  # fmt: skip
    if own is not None:
        own.stop()
    return time.perf_counter() - started, len(data)


def time_cli(db: Path, quarter: str) -> tuple[float, int]:
    """The real command in a subprocess: Python start-up, imports and Chromium included."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pack.pdf"
        cmd = [sys.executable, "-m", "kpi", "review", "--period", quarter, "--format", "pdf",
               "--out", str(out), "--as-of", AS_OF.isoformat(),
               "--db", f"duckdb:///{db}"]  # fmt: skip
        started = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, timeout=300)
        return time.perf_counter() - started, out.stat().st_size


def cpu_model() -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or platform.machine()
    names = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    return names[0] if names else platform.machine()


def machine() -> str:
    cpu = cpu_model()
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
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (median shown)")
    args = parser.parse_args()
    if not (args.reuse and args.db.exists()):
        for path in (args.db, args.db.with_name(args.db.name + ".wal")):
            path.unlink(missing_ok=True)
        build(args.db, args.rows)
    engine = store.create_engine(load_settings(f"duckdb:///{args.db}", user="bench"))
    counts = store.current_row_counts(engine)
    print(f"{machine()}\nrows: {counts}\n")
    warm = WarmRenderer().start()  # the app starts it when the review page loads
    if not warm.wait_ready(120):
        print(f"warm renderer: {warm.problem}")
    print(f"median of {args.repeat} runs\n")
    print(f"{'quarter':<9} {'case':<42} {'seconds':>8} {'bytes':>10}")
    for quarter in QUARTERS:
        time_case(engine, args.db, quarter, Case.XLSX, warm)  # warm DuckDB's caches
        for case in Case:
            runs = [time_case(engine, args.db, quarter, case, warm) for _ in range(args.repeat)]
            seconds, size = statistics.median(r[0] for r in runs), runs[-1][1]
            print(f"{quarter:<9} {case.value:<42} {seconds:>8.2f} {size:>10,}")
    warm.stop()
    engine.dispose()


if __name__ == "__main__":
    main()
