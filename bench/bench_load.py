"""Load bench: N concurrent browser sessions against one `streamlit run`, while QA commits.

Starts the real app on a loopback port against a fresh database (the app seeds the demo
year), opens N Playwright pages in Debian's Chromium at once, cycling through the
dashboard pages, and measures each page's time from navigation until the script run has
finished and every chart is drawn. Meanwhile one more session uploads and commits a
production file. Prints p50/p95/max latency and the number of sessions that saw an error.

    python bench/bench_load.py --sessions 50 [--rows 20000]

Traffic stays on 127.0.0.1; the run is bounded by --sessions and a per-page timeout.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kpi.synthetic import write_production_csv  # noqa: E402
from tests.test_browser import ARGS, CHROMIUM, ERROR, PLOTS_DRAWN, running_app  # noqa: E402
from ui.registry import PAGES, PageId  # noqa: E402

DASHBOARDS = [s for s in PAGES if s.page is not PageId.UPLOAD and s.page is not PageId.TARGETS]
IDLE = "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"


async def one_view(browser, url: str, title: str, timeout_ms: int) -> tuple[float, bool]:
    """Seconds until the page is fully drawn, and whether an error element showed."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    start = time.perf_counter()
    try:
        await page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
        await page.get_by_role("heading", name=title, level=1).wait_for(timeout=timeout_ms)
        await page.wait_for_timeout(300)
        await page.wait_for_function(IDLE, timeout=timeout_ms)
        await page.wait_for_function(PLOTS_DRAWN, timeout=timeout_ms)
        elapsed = time.perf_counter() - start
        failed = await page.locator(ERROR).count() > 0
    except Exception:  # noqa: BLE001 - a timeout is a failed session, counted below
        elapsed, failed = time.perf_counter() - start, True
    await context.close()
    return elapsed, failed


async def upload(browser, url: str, csv_path: Path, timeout_ms: int) -> tuple[float, bool]:
    """QA commits a file through the Upload page while the viewers load their pages."""
    context = await browser.new_context()
    page = await context.new_page()
    start = time.perf_counter()
    try:
        await page.goto(f"{url}/upload", timeout=timeout_ms)
        await page.get_by_role("heading", name="Upload", level=1).wait_for(timeout=timeout_ms)
        await page.locator('input[type="file"]').first.set_input_files(str(csv_path))
        await page.get_by_role("button", name="Load 1 file(s)").click(timeout=timeout_ms)
        done = page.locator('[data-testid="stAlert"]').filter(has_text="production rows")
        await done.first.wait_for(timeout=timeout_ms)
        ok = await page.locator(ERROR).count() == 0
    except Exception:  # noqa: BLE001
        ok = False
    await context.close()
    return time.perf_counter() - start, ok


async def run(url: str, sessions: int, csv_path: Path, timeout_ms: int) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        await one_view(browser, url, "Overview", timeout_ms)  # warm the server's caches
        views = [
            one_view(browser, f"{url}/{spec.page.value}", spec.label, timeout_ms)
            for spec in (DASHBOARDS[i % len(DASHBOARDS)] for i in range(sessions))
        ]
        results = await asyncio.gather(upload(browser, url, csv_path, timeout_ms), *views)
        await browser.close()
    (upload_s, upload_ok), *timings = results
    seconds = sorted(t for t, _ in timings)
    return {
        "sessions": sessions,
        "p50": statistics.median(seconds),
        "p95": seconds[max(0, int(round(0.95 * len(seconds))) - 1)],
        "max": seconds[-1],
        "errors": sum(failed for _, failed in timings),
        "upload_s": upload_s,
        "upload_ok": upload_ok,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sessions", type=int, default=50)
    parser.add_argument("--rows", type=int, default=20_000, help="rows in the committed file")
    parser.add_argument("--timeout", type=float, default=180, help="seconds per page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kpi-load-") as tmp:
        folder = Path(tmp)
        csv_path = write_production_csv(folder / "shift-export.csv", args.rows)
        with running_app(folder, timeout=180) as url:
            r = asyncio.run(run(url, args.sessions, csv_path, int(args.timeout * 1000)))
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}; browser and server on the same machine"
    )
    print("| sessions | p50 s | p95 s | max s | sessions with errors | upload s | upload ok |")
    print("|---:|---:|---:|---:|---:|---:|---|")
    print(
        f"| {r['sessions']} | {r['p50']:.1f} | {r['p95']:.1f} | {r['max']:.1f} | "
        f"{r['errors']} | {r['upload_s']:.1f} | {r['upload_ok']} |"
    )


if __name__ == "__main__":
    main()
