"""Ingest benchmark: `python -m kpi ingest` against a bare DuckDB read_csv of the same file.

Both run as fresh subprocesses into fresh database files, so interpreter start-up is
counted on both sides. Prints a table of wall times, peak memory and the ratio, and the
time of the first `python -m kpi report` after the load: it rebuilds the KPI summaries
that the load left pending, a cost the user meets there instead (shown, not hidden).

    python bench/bench_ingest.py --rows 1000000 [--rows 10000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpi.synthetic import write_production_csv  # noqa: E402

BARE = """
import duckdb, sys
con = duckdb.connect(sys.argv[2])
con.execute(
    "CREATE TABLE production AS SELECT * FROM read_csv(?, header = true, columns = {"
    "'date': 'DATE', 'shift': 'VARCHAR', 'plant': 'VARCHAR', 'line': 'VARCHAR', "
    "'machine': 'VARCHAR', 'product': 'VARCHAR', 'planned_minutes': 'DOUBLE', "
    "'ideal_cycle_seconds': 'DOUBLE', 'units_produced': 'BIGINT', "
    "'units_scrapped': 'BIGINT', 'units_reworked': 'BIGINT'})",
    [sys.argv[1]],
)
con.close()
"""

REPORT = ["report", "--kpi", "scrap_rate", "--grain", "total"]


def _timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of this one subprocess (``wait4`` gives its own
    usage; the RUSAGE_CHILDREN maximum would mix in earlier children)."""
    start = time.perf_counter()
    child = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, command)
    return elapsed, usage.ru_maxrss / 1024


def measure(rows: int, repeat: int, folder: Path) -> dict[str, float]:
    csv_path = write_production_csv(folder / f"production_{rows}.csv", rows)
    ours, bare, rebuild, ours_mem, bare_mem, rebuild_mem = [], [], [], 0.0, 0.0, 0.0
    for attempt in range(repeat):
        db = folder / f"ours_{rows}_{attempt}.duckdb"
        seconds, mem = _timed(
            [sys.executable, "-m", "kpi", "ingest", "--db", f"duckdb:///{db}", str(csv_path)]
        )
        ours.append(seconds)
        ours_mem = max(ours_mem, mem)
        seconds, mem = _timed([sys.executable, "-m", "kpi", *REPORT, "--db", f"duckdb:///{db}"])
        rebuild.append(seconds)
        rebuild_mem = max(rebuild_mem, mem)
        seconds, mem = _timed(
            [
                sys.executable,
                "-c",
                BARE,
                str(csv_path),
                str(folder / f"bare_{rows}_{attempt}.duckdb"),
            ]
        )
        bare.append(seconds)
        bare_mem = max(bare_mem, mem)
    return {
        "rows": rows,
        "ours": statistics.median(ours),
        "bare": statistics.median(bare),
        "ours_mem": ours_mem,
        "rebuild": statistics.median(rebuild),
        "rebuild_mem": rebuild_mem,
        "bare_mem": bare_mem,
        "mb": csv_path.stat().st_size / 1e6,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, action="append", help="rows (repeatable)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {platform.processor() or 'cpu'}, "
        f"Python {platform.python_version()}, {len(os.sched_getaffinity(0))} cores"
    )
    print(
        "| rows | file MB | kpi ingest s | bare read_csv s | ratio | ingest peak MiB "
        "| first report (summary rebuild) s | its peak MiB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="kpi-bench-") as folder:
        for rows in args.rows or [1_000_000]:
            r = measure(rows, args.repeat, Path(folder))
            print(
                f"| {r['rows']:,} | {r['mb']:.0f} | {r['ours']:.2f} | {r['bare']:.2f} | "
                f"{r['ours'] / r['bare']:.2f} | {r['ours_mem']:.0f} | {r['rebuild']:.2f} | "
                f"{r['rebuild_mem']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
