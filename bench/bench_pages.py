"""Page render bench: cold and warm AppTest runs of every page at 1M production rows.

Builds a temp database: ``--rows`` synthetic production rows (kpi.synthetic) loaded with
the real loader, plus the demo's other kinds re-dated onto the same calendar. Then, per page:

- cold: query cache cleared (the engine stays open, as in a running server), fresh session
  opened on the Overview, then the timed switch to the page;
- warm: the same page re-run ``--repeat`` times with the cache filled (p50 reported).

    python bench/bench_pages.py [--rows 1000000] [--repeat 15]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from kpi import demo, store, summary  # noqa: E402
from kpi.ingest import ingest_bytes, ingest_file  # noqa: E402
from kpi.schema import Kind  # noqa: E402
from kpi.settings import load_settings  # noqa: E402
from kpi.synthetic import write_production_csv  # noqa: E402
from ui.registry import PAGES  # noqa: E402

APP = str(ROOT / "app.py")
SYNTHETIC_START = dt.date(2016, 1, 1)  # kpi.synthetic's calendar; 3,000 rows a day


def build(folder: Path, rows: int) -> str:
    url = f"duckdb:///{folder / 'kpi.duckdb'}"
    settings = load_settings(url, user="bench")
    engine = store.create_engine(settings)
    started = time.perf_counter()
    result = ingest_file(engine, settings, write_production_csv(folder / "p.csv", rows))
    assert result.ok, result.summary()
    days = max(1, rows // 3000)
    for kind, frame in demo.generate(start=SYNTHETIC_START, days=days).items():
        if kind is not Kind.PRODUCTION:
            ingest_bytes(engine, settings, demo.to_csv_bytes(kind, frame), f"{kind}.csv", kind)
    summary.ensure_current(engine)  # as the app does at start: pages time the summaries
    print(f"built {rows:,} production rows in {time.perf_counter() - started:.1f} s", flush=True)
    engine.dispose()
    return url


def measure(path: str, repeat: int) -> tuple[float, float]:
    st.cache_data.clear()
    at = AppTest.from_file(APP, default_timeout=300)
    started = time.perf_counter()
    at.run()
    if path != "pages/overview.py":
        at.switch_page(path)
        started = time.perf_counter()
        at.run()
    cold = time.perf_counter() - started
    assert not at.exception, [e.value for e in at.exception]
    warm = []
    for _ in range(repeat):
        started = time.perf_counter()
        at.run()
        warm.append(time.perf_counter() - started)
    return cold, statistics.median(warm) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kpi-bench-pages-") as folder:
        os.environ["KPI_DB_URL"] = build(Path(folder), args.rows)
        os.environ["KPI_NO_DEMO"] = "1"
        AppTest.from_file(APP, default_timeout=300).run()  # open the engine once
        print(
            f"\n{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
            f"Python {platform.python_version()}, {args.rows:,} production rows\n"
        )
        print("| page | cold s | warm p50 ms |\n|---|---:|---:|")
        for spec in PAGES:
            cold, warm = measure(spec.path, args.repeat)
            print(f"| {spec.label} | {cold:.2f} | {warm:.0f} |", flush=True)


if __name__ == "__main__":
    main()
