"""Plotly figures to PNG through kaleido (headless Chromium).

Why a warm renderer: starting Chromium and loading plotly.js into a tab costs seconds,
rendering a figure a fraction of one. The app keeps one ``WarmRenderer`` open across
downloads; without one (the CLI, a renderer that broke) a pack starts a one-shot browser
session. Any failure (no Chromium on PATH, a sandbox refusing to start it, a timeout)
returns the reason instead of raising, so the PDF falls back to native drawings and never
crashes or waits longer than its time budget.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import plotly.graph_objects as go

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
SCALE = 2


@dataclass
class Rendered:
    images: dict[str, bytes] = field(default_factory=dict)
    problem: str | None = None  # why images are missing, for the note in the PDF


def find_browser() -> str | None:
    """A Chromium on PATH (or named by BROWSER_PATH, which kaleido also honours)."""
    explicit = os.environ.get("BROWSER_PATH")
    if explicit and os.path.exists(explicit):
        return explicit
    return next((path for name in BROWSERS if (path := shutil.which(name))), None)


def _failure(exc: BaseException) -> str:
    return f"chart rendering failed ({type(exc).__name__}: {exc})"[:300]


async def _calc_all(k: Any, figs: dict[str, go.Figure]) -> dict[str, bytes]:
    out = {}
    for name, fig in figs.items():
        opts = dict(format="png", width=fig.layout.width or 1000,
                    height=fig.layout.height or 400, scale=SCALE)  # fmt: skip
        out[name] = await k.calc_fig(fig, opts)
    return out


async def _render_all(figs: dict[str, go.Figure]) -> dict[str, bytes]:
    """One browser session for all figures of a pack: started, used, closed."""
    import kaleido

    async with kaleido.Kaleido(n=1, mathjax=False) as k:
        return await _calc_all(k, figs)


class WarmState(StrEnum):
    STARTING = "starting"
    READY = "ready"
    FAILED = "failed"  # the browser could not be started: retrying would fail the same way
    STOPPED = "stopped"  # stopped, or broken by a failed render: a new one may work


class WarmRenderer:
    """One kaleido browser kept open on its own event-loop thread, shared by all callers.

    Why not ``kaleido.start_sync_server()``: its calls wait without a timeout, hang for
    good when the browser failed to start, and its single result queue can hand one
    caller's image to another under concurrent use. Here every call has a deadline,
    results travel on their own futures, and kaleido's tab queue serialises the renders.
    """

    def __init__(self, start_timeout: float = TIMEOUT_S) -> None:
        self.start_timeout = start_timeout
        self.state = WarmState.STARTING
        self.problem: str | None = None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="kaleido-warm", daemon=True
        )
        self._kaleido: Any = None
        self._open_task: asyncio.Task | None = None
        self._opened: concurrent.futures.Future | None = None
        self._lock = threading.Lock()

    def start(self) -> WarmRenderer:
        """Start the browser in the background and return at once."""
        if find_browser() is None:
            self._fail("no Chromium was found on PATH")
            return self
        self._thread.start()
        self._opened = asyncio.run_coroutine_threadsafe(self._open(), self._loop)
        self._opened.add_done_callback(self._on_opened)
        atexit.register(self.stop)
        return self

    async def _open(self) -> None:
        import kaleido

        self._open_task = asyncio.current_task()
        self._kaleido = kaleido.Kaleido(n=1, mathjax=False)  # kept for stop() from here on
        await asyncio.wait_for(self._kaleido.open(), self.start_timeout)

    def _on_opened(self, future: concurrent.futures.Future) -> None:
        if future.cancelled() or future.exception() is not None:
            exc = None if future.cancelled() else future.exception()
            self._fail(_failure(exc) if exc else "the chart renderer was stopped while starting")
            self._stop_in_background()  # whatever part of the browser did start
        else:
            with self._lock:
                if self.state is WarmState.STARTING:
                    self.state = WarmState.READY

    def _fail(self, problem: str, state: WarmState = WarmState.FAILED) -> None:
        with self._lock:
            if self.state in (WarmState.STARTING, WarmState.READY):
                self.state, self.problem = state, problem

    @property
    def browser_pid(self) -> int | None:
        """The Chromium process (its own process group), for diagnostics and tests."""
        process = getattr(self._kaleido, "subprocess", None)
        return process.pid if process is not None else None

    @property
    def usable(self) -> bool:
        """Ready, or still starting (then waiting for it beats starting another browser)."""
        return self.state in (WarmState.STARTING, WarmState.READY)

    def wait_ready(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the browser; False when it is not there."""
        if self._opened is not None and self.state is WarmState.STARTING:
            with contextlib.suppress(Exception):  # the done-callback records why
                self._opened.result(timeout)
        if self.state is WarmState.STARTING:
            self.problem = f"the chart renderer was still starting after {timeout:.0f} s"
        return self.state is WarmState.READY

    def render(self, figs: dict[str, go.Figure], timeout: float = TIMEOUT_S) -> Rendered:
        """PNG bytes per figure within ``timeout``; a failed render stops this renderer."""
        deadline = time.monotonic() + timeout
        if not self.wait_ready(timeout):
            return Rendered(problem=self.problem)
        future = asyncio.run_coroutine_threadsafe(_calc_all(self._kaleido, figs), self._loop)
        try:
            return Rendered(images=future.result(max(0.0, deadline - time.monotonic())))
        except concurrent.futures.TimeoutError:
            future.cancel()
            problem = f"chart rendering took longer than {timeout:.0f} s"
        except Exception as exc:  # kaleido/choreographer raise many kinds
            problem = _failure(exc)
        self._fail(problem, WarmState.STOPPED)
        self._stop_in_background()
        return Rendered(problem=problem)

    def _stop_in_background(self) -> None:
        """stop() waits on the loop thread, so it must never run on it."""
        threading.Thread(target=self.stop, name="kaleido-stop", daemon=True).start()

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> None:
        """Close the browser and end the loop thread; safe to call twice or from atexit."""
        self._fail("the chart renderer was stopped", WarmState.STOPPED)
        atexit.unregister(self.stop)
        if not self._thread.is_alive():
            return
        closing = asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop)
        with contextlib.suppress(Exception):  # the kill below is the last resort
            closing.result(timeout)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        _kill_leftover(self._kaleido)

    async def _shutdown(self) -> None:
        """Let a start in progress finish (cancelling it mid-launch could orphan Chromium),
        then close the browser."""
        task = self._open_task
        if task is not None and not task.done():
            await asyncio.wait({task}, timeout=STOP_TIMEOUT_S / 2)
            task.cancel()
        if self._kaleido is not None:
            await _close_quietly(self._kaleido)


async def _close_quietly(k: Any) -> None:
    with contextlib.suppress(Exception, asyncio.CancelledError):  # _kill_leftover follows
        await asyncio.wait_for(k.close(), STOP_TIMEOUT_S)


def _kill_leftover(k: Any) -> None:
    """Kill the browser process if closing it politely did not end it."""
    process: subprocess.Popen | None = getattr(k, "subprocess", None)
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)  # choreographer starts it in its own session
    except (ProcessLookupError, PermissionError, AttributeError):
        process.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(5)


def render(
    figs: dict[str, go.Figure], timeout: float = TIMEOUT_S, warm: WarmRenderer | None = None
) -> Rendered:
    """PNG bytes per figure, or the reason there are none; never longer than ``timeout``.

    A usable warm renderer is tried first; if it fails with time left, a one-shot browser
    session gets the rest of the time budget.
    """
    if not figs:
        return Rendered()
    deadline = time.monotonic() + timeout
    if warm is not None and warm.usable:
        rendered = warm.render(figs, timeout)
        if not rendered.problem or time.monotonic() >= deadline - 1:
            return rendered
    if find_browser() is None:
        return Rendered(problem="no Chromium was found on PATH")
    try:
        left = max(1.0, deadline - time.monotonic())
        images = asyncio.run(asyncio.wait_for(_render_all(figs), left))
    except Exception as exc:  # kaleido/choreographer raise many kinds; none may crash a pack
        return Rendered(problem=_failure(exc))
    return Rendered(images=images)
