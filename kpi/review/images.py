"""Plotly figures to PNG through kaleido (headless Chromium), all in one browser session.

Why one session: starting Chromium costs seconds, rendering a figure a fraction of one.
Any failure (no Chromium on PATH, a sandbox refusing to start it, a timeout) returns the
reason instead of raising, so the PDF falls back to native drawings and never crashes.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from dataclasses import dataclass, field

import plotly.graph_objects as go

BROWSERS = ("chromium", "chromium-browser", "google-chrome", "chrome")
TIMEOUT_S = 60.0
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


async def _render_all(figs: dict[str, go.Figure]) -> dict[str, bytes]:
    import kaleido

    out = {}
    async with kaleido.Kaleido(n=1, mathjax=False) as k:
        for name, fig in figs.items():
            opts = dict(format="png", width=fig.layout.width or 1000,
                        height=fig.layout.height or 400, scale=SCALE)  # fmt: skip
            out[name] = await k.calc_fig(fig, opts)
    return out


def render(figs: dict[str, go.Figure], timeout: float = TIMEOUT_S) -> Rendered:
    """PNG bytes per figure, or the reason there are none."""
    if not figs:
        return Rendered()
    if find_browser() is None:
        return Rendered(problem="no Chromium was found on PATH")
    try:
        images = asyncio.run(asyncio.wait_for(_render_all(figs), timeout))
    except Exception as exc:  # kaleido/choreographer raise many kinds; none may crash a pack
        return Rendered(problem=f"chart rendering failed ({type(exc).__name__}: {exc})"[:300])
    return Rendered(images=images)
