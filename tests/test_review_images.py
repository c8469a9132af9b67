"""The warm chart renderer of the review PDF: reused across packs, bounded in time, falling
back to a one-shot browser and then to native drawings, and leaving no Chromium behind."""

from __future__ import annotations

import asyncio
import io
import shutil
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

import kpi.review.images as images
from kpi.review import export
from kpi.review.images import WarmRenderer, WarmState
from kpi.review.model import KpiGroup
from kpi.review.plots import pack_figures
from tests import test_review_pack as trp

template, demo, pack = trp.template, trp.demo, trp.pack  # the seeded demo year
pdf_text = trp.pdf_text
needs_chromium = pytest.mark.skipif(shutil.which("chromium") is None, reason="needs chromium")


def _live_in_group(pgid: int) -> list[int]:
    """Processes still running in a process group (Chromium runs in its own session)."""
    live = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we looked
        if fields[0] != "Z" and int(fields[2]) == pgid:
            live.append(int(stat.parent.name))
    return live


def _image_count(data: bytes) -> int:
    return sum(len(page.images) for page in PdfReader(io.BytesIO(data)).pages)


@needs_chromium
def test_one_warm_browser_serves_every_pdf_and_is_gone_after_stop(pack, monkeypatch):
    async def no_one_shot(figs):
        raise AssertionError("a one-shot browser was started")

    monkeypatch.setattr(images, "_render_all", no_one_shot)
    warm = WarmRenderer().start()
    try:
        assert warm.wait_ready(60), warm.problem
        pid = warm.browser_pid
        assert _live_in_group(pid)
        for _ in range(2):
            data = export(pack, "pdf", warm=warm)
            assert _image_count(data) >= len(KpiGroup)
            assert "drawn natively" not in pdf_text(data)
        assert warm.browser_pid == pid and warm.state is WarmState.READY
    finally:
        warm.stop()
    assert warm.state is WarmState.STOPPED and not warm._thread.is_alive()
    assert _live_in_group(pid) == []


@needs_chromium
def test_a_hung_render_is_cut_off_at_the_deadline_and_stops_the_browser(pack, monkeypatch):
    async def hang(k, figs):
        await asyncio.sleep(3600)

    warm = WarmRenderer().start()
    assert warm.wait_ready(60), warm.problem
    pid = warm.browser_pid
    monkeypatch.setattr(images, "_calc_all", hang)
    started = time.monotonic()
    rendered = images.render(pack_figures(pack), timeout=3, warm=warm)
    assert time.monotonic() - started < 6
    assert rendered.images == {} and "took longer than 3 s" in rendered.problem
    assert warm.state is WarmState.STOPPED  # the app starts a fresh one on the next page load
    deadline = time.monotonic() + 20
    while _live_in_group(pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _live_in_group(pid) == []


@needs_chromium
def test_a_renderer_that_could_not_start_falls_back_to_a_one_shot_browser(pack, monkeypatch):
    monkeypatch.setenv("BROWSER_PATH", "/bin/false")  # kaleido honours it: start fails
    warm = WarmRenderer(start_timeout=20).start()
    assert not warm.wait_ready(30)
    assert warm.state is WarmState.FAILED and "chart rendering failed" in warm.problem
    monkeypatch.delenv("BROWSER_PATH")
    data = export(pack, "pdf", warm=warm)  # the one-shot session finds Debian's chromium
    assert _image_count(data) >= len(KpiGroup) and "drawn natively" not in pdf_text(data)
    warm.stop()


@needs_chromium
def test_stopping_while_the_browser_starts_leaves_nothing_running():
    warm = WarmRenderer().start()
    warm.stop()
    assert warm.state is WarmState.STOPPED and not warm._thread.is_alive()
    if warm.browser_pid is not None:  # it got as far as launching Chromium
        assert _live_in_group(warm.browser_pid) == []


def test_without_chromium_the_renderer_fails_at_once_and_the_pdf_draws_natively(pack, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    warm = WarmRenderer().start()
    assert warm.state is WarmState.FAILED and not warm._thread.is_alive()
    assert not warm.usable and warm.problem == "no Chromium was found on PATH"
    text = pdf_text(export(pack, "pdf", warm=warm))
    assert "charts are drawn natively because no Chromium was found" in text
    warm.stop()  # a no-op, and safe
