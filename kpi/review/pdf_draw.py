"""Drawing helpers for the PDF: a Unicode font, tables, and native charts without Chromium.

Why native charts: kaleido needs a Chromium; when there is none the pack still shows each
KPI's monthly trend and target, drawn with fpdf2 lines (vector, no browser at all).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from fpdf import FPDF

from kpi.catalogue import CATALOGUE, Unit
from kpi.charts import STATUS_COLORS, TARGET_COLOR, TOTAL_COLOR
from kpi.review.wording import fmt

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVu"
_ASCII = str.maketrans({"≤": "<=", "≥": ">=", "−": "-", "–": "-", "·": "-", "…": "...",
                        "§": "S", "±": "+/-", "Σ": "sum "})  # fmt: skip
STATUS_BY_TEXT = {"met": "met", "nearly met": "near", "missed": "missed"}


def _hex(color: str) -> tuple[int, int, int]:
    color = color.lstrip("#")
    return int(color[0:2], 16), int(color[2:4], 16), int(color[4:6], 16)


def use_font(pdf: FPDF) -> str:
    """DejaVu Sans (Unicode) when installed, else Helvetica with ASCII stand-ins."""
    regular, bold = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
    if regular.exists() and bold.exists():
        pdf.add_font(FONT, "", str(regular))
        pdf.add_font(FONT, "B", str(bold))
        return FONT
    return "helvetica"


def safe(pdf: FPDF, text: str) -> str:
    """Text the current font can show (core fonts are Latin-1 only)."""
    if getattr(pdf, "family", "") == FONT:
        return text
    return text.translate(_ASCII).encode("latin-1", "replace").decode("latin-1")


def table(pdf: FPDF, header: list[str], rows: list[list[str]], widths: list[float]) -> None:
    """A ruled table; status cells in the dashboard's colours; repeats the header per page."""
    total = pdf.epw
    cols = [total * w / sum(widths) for w in widths]
    pdf.set_font(size=9)
    with pdf.table(col_widths=cols, line_height=5.5, first_row_as_headings=True,
                   headings_style=_heading_style(), padding=1) as t:  # fmt: skip
        for values in [header, *rows]:
            row = t.row()
            for value in values:
                status = STATUS_BY_TEXT.get(value)
                if status:
                    pdf.set_text_color(*_hex(STATUS_COLORS[status]))
                row.cell(safe(pdf, str(value)))
                pdf.set_text_color(0, 0, 0)


def _heading_style():
    from fpdf.fonts import FontFace

    return FontFace(emphasis="BOLD", fill_color=(232, 236, 239))


def trend_panel(pdf: FPDF, rows: pd.DataFrame, kpi: str, x: float, y: float, w: float, h: float):
    """One KPI's monthly values (solid) and target (dashed) inside a framed box."""
    entry = CATALOGUE[kpi]
    pdf.set_draw_color(200, 200, 200)
    pdf.rect(x, y, w, h)
    pdf.set_font(size=8)
    pdf.set_xy(x, y + 0.5)
    pdf.cell(w, 4, safe(pdf, entry.label), align="C")
    values = [v for v in list(rows["value"]) + list(rows["target"]) if _ok(v)]
    if not values:
        pdf.set_xy(x, y + h / 2)
        pdf.cell(w, 4, "no data", align="C")
        return
    low, high = min(values), max(values)
    pad = (high - low) * 0.1 or abs(high) * 0.05 or 1.0
    low, high = low - pad, high + pad
    box = (x + 14, y + 6, w - 17, h - 12)  # plot area: room for axis labels
    _axis_labels(pdf, box, low, high, entry.unit, rows["period"])
    _series(pdf, box, low, high, list(rows["target"]), TARGET_COLOR, dashed=True)
    _series(pdf, box, low, high, list(rows["value"]), TOTAL_COLOR, dashed=False)


def _ok(v) -> bool:
    return v is not None and not (isinstance(v, float) and math.isnan(v))


def _series(pdf: FPDF, box, low, high, values, color: str, dashed: bool) -> None:
    bx, by, bw, bh = box
    n = max(len(values) - 1, 1)
    points = [(bx + bw * i / n, by + bh * (1 - (v - low) / (high - low)))
              for i, v in enumerate(values) if _ok(v)]  # fmt: skip
    if not points:
        return
    pdf.set_draw_color(*_hex(color))
    pdf.set_line_width(0.4)
    pdf.set_dash_pattern(dash=1.5, gap=1) if dashed else pdf.set_dash_pattern()
    for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
        pdf.line(x0, y0, x1, y1)
    pdf.set_dash_pattern()
    pdf.set_line_width(0.2)


def _axis_labels(pdf: FPDF, box, low, high, unit: Unit, periods) -> None:
    bx, by, bw, bh = box
    pdf.set_font(size=6)
    pdf.set_text_color(90, 90, 90)
    for value, yy in ((high, by), (low, by + bh)):
        pdf.set_xy(bx - 14, yy - 1.5)
        text = f"{value * 100:.1f} %" if unit is Unit.RATIO else fmt(value, unit)
        pdf.cell(13, 3, safe(pdf, text), align="R")
    dates = list(periods)
    if dates:
        pdf.set_xy(bx, by + bh + 0.5)
        pdf.cell(bw / 2, 3, f"{dates[0]:%b %Y}")
        pdf.cell(bw / 2, 3, f"{dates[-1]:%b %Y}", align="R")
    pdf.set_text_color(0, 0, 0)
