"""What taking turns on the DuckDB file costs a warm page, beside PostgreSQL.

Seeds the demo year (as the app does on first start) into a fresh DuckDB file and a
fresh PostgreSQL database, fills the query cache with one AppTest run of the Overview,
then times warm reruns of it in three states:

- **duckdb, turn held**: this process keeps its turn for the whole loop, so the file
  stays open (a busy app, or a rerun within ``kpi.lease.LINGER_SECONDS`` of the last);
- **duckdb, turn released**: before each rerun the turn is given back (pooled
  connections closed, lock dropped, as after the linger or when a CLI load took a
  turn), so anything the rerun reads from the database first reopens the file;
- **postgresql**: the same rerun on the server (the data version is one query there).

Also times the library calls a warm rerun makes on every read: ``store.data_version``
(the cache key) and one connection checkout with ``SELECT 1`` (what any read that is
not cached pays first), in the same states.

One effect is left out of the loop on purpose and shown here instead: the first time
the file is closed after a write, DuckDB checkpoints its WAL into the file, which
changes the file-based data version, so every process recomputes its cached reads
once (a cold page) even though no data changed.

    python bench/bench_warm_page.py [--repeat 20] [--pg SERVER_URL]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlalchemy as sa  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402

from bench import pgdb  # noqa: E402
from kpi import lease, store  # noqa: E402
from ui.bootstrap import engine_for  # noqa: E402

APP = str(ROOT / "app.py")
Step = Callable[[], None]


def _ms(step: Step, before: Step, repeat: int) -> tuple[float, float]:
    """p50 and p95 milliseconds of ``step``, with ``before`` run untimed each time."""
    times = []
    for _ in range(repeat):
        before()
        started = time.perf_counter()
        step()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=20)[-1]


def _rerun(at: AppTest) -> Step:
    def step() -> None:
        at.run()
        assert not at.exception, [e.value for e in at.exception]

    return step


def _checkout(engine: sa.Engine) -> Step:
    def step() -> None:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    return step


def measure(url: str, repeat: int, before: Step) -> dict[str, tuple[float, float]]:
    """Warm Overview reruns and the per-read library calls on ``url``."""
    os.environ["KPI_DB_URL"] = url
    at = AppTest.from_file(APP, default_timeout=600)
    _rerun(at)()  # seeds the demo on first use and fills the cache
    before()  # the first close after a write checkpoints: a new data version, once
    _rerun(at)()
    engine = engine_for(url)
    return {
        "rerun": _ms(_rerun(at), before, repeat),
        "version": _ms(lambda: store.data_version(engine), before, repeat),
        "checkout": _ms(_checkout(engine), before, repeat),
    }


@contextlib.contextmanager
def turn_held(path: Path) -> Iterator[Step]:
    """This process keeps its turn on ``path`` for the whole block."""
    with lease.turn(path):
        yield lambda: None


@contextlib.contextmanager
def turn_released(path: Path) -> Iterator[Step]:
    """Before each step the turn is given back, so the file must be reopened."""
    yield lease.lease_for(path).end_now


def _print(rows: dict[str, dict[str, tuple[float, float]]]) -> None:
    print(
        "| backend, turn | Overview warm rerun p50 ms | p95 ms | store.data_version p50 ms "
        "| p95 ms | connect + SELECT 1 p50 ms | p95 ms |\n|---|---:|---:|---:|---:|---:|---:|"
    )
    for name, r in rows.items():
        cells = " | ".join(
            f"{r[k][0]:.1f} | {r[k][1]:.1f}" for k in ("rerun", "version", "checkout")
        )
        print(f"| {name} | {cells} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--pg", default=pgdb.DEFAULT_SERVER, help="PostgreSQL server URL")
    args = parser.parse_args()
    rows: dict[str, dict[str, tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory(prefix="kpi-bench-warm-") as folder:
        path = Path(folder) / "kpi.duckdb"
        url = f"duckdb:///{path}"
        for name, state in (("held", turn_held), ("released", turn_released)):
            with state(path) as before:
                rows[f"duckdb, turn {name}"] = measure(url, args.repeat, before)
        with pgdb.scratch_database(args.pg, "warm") as pg_url:
            rows["postgresql"] = measure(pg_url, args.repeat, lambda: None)
            engine_for(pg_url).dispose()
    print(
        f"\n{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"demo year, {args.repeat} reruns each, 1-min load {os.getloadavg()[0]:.2f}\n"
    )
    _print(rows)


if __name__ == "__main__":
    main()
