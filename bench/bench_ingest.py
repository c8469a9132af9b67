"""Ingest benchmark: `python -m kpi ingest` against a bare DuckDB read_csv of the same file.

The bare load runs twice: with DuckDB's defaults, and with insertion order off (as the
loader inserts), so the gain from that setting is shown apart from the cost of validation.

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
if sys.argv[3:] == ["unordered"]:
    con.execute("SET preserve_insertion_order = false")
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


def _runs(commands: dict[str, list[str]], repeat: int) -> dict[str, tuple[float, float]]:
    """Median wall seconds and peak MiB per command, the commands interleaved per attempt."""
    seconds: dict[str, list[float]] = {name: [] for name in commands}
    memory = dict.fromkeys(commands, 0.0)
    for attempt in range(repeat):
        for name, command in commands.items():
            wall, mem = _timed([part.replace("{attempt}", str(attempt)) for part in command])
            seconds[name].append(wall)
            memory[name] = max(memory[name], mem)
    return {name: (statistics.median(seconds[name]), memory[name]) for name in commands}


def measure(rows: int, repeat: int, folder: Path) -> dict[str, float]:
    csv_path = write_production_csv(folder / f"production_{rows}.csv", rows)
    ours = f"duckdb:///{folder}/ours_{rows}_{{attempt}}.duckdb"
    bare = [sys.executable, "-c", BARE, str(csv_path)]
    runs = _runs(
        {
            "ours": [sys.executable, "-m", "kpi", "ingest", "--db", ours, str(csv_path)],
            "rebuild": [sys.executable, "-m", "kpi", *REPORT, "--db", ours],
            "bare": [*bare, f"{folder}/bare_{rows}_{{attempt}}.duckdb"],
            "unordered": [*bare, f"{folder}/unordered_{rows}_{{attempt}}.duckdb", "unordered"],
        },
        repeat,
    )
    result = {
        f"{name}{suffix}": pair[i]
        for name, pair in runs.items()
        for i, suffix in ((0, ""), (1, "_mem"))
    }
    return {**result, "rows": rows, "mb": csv_path.stat().st_size / 1e6}


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
        "| rows | file MB | kpi ingest s | bare read_csv s | ratio | bare, insertion order off s "
        "| ratio to it | ingest peak MiB | first report (summary rebuild) s | its peak MiB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    with tempfile.TemporaryDirectory(prefix="kpi-bench-") as folder:
        for rows in args.rows or [1_000_000]:
            r = measure(rows, args.repeat, Path(folder))
            print(
                f"| {r['rows']:,} | {r['mb']:.0f} | {r['ours']:.2f} | {r['bare']:.2f} | "
                f"{r['ours'] / r['bare']:.2f} | {r['unordered']:.2f} | "
                f"{r['ours'] / r['unordered']:.2f} | {r['ours_mem']:.0f} | {r['rebuild']:.2f} | "
                f"{r['rebuild_mem']:.0f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
