"""Management review pack (ISO 9001 §9.3): figures by §9.3.2 input, saved reviews, exports.

The page, the CLI and the tests use only these names; the formats live in their own
modules so python-pptx and fpdf2 load only when that format is asked for.
"""

from __future__ import annotations

from enum import StrEnum

import sqlalchemy as sa

from kpi.review.figures import build_pack
from kpi.review.model import Decision, DecisionStatus, ItemKind, Pack, ReviewRequest, Section
from kpi.review.periods import Compare, Period, comparison_period, parse_compare, parse_period
from kpi.review.records import (
    ReviewError,
    list_reviews,
    previous_review,
    review_by_id,
    save_review,
    saved_review,
    set_decision_status,
)

__all__ = [
    "Compare", "Decision", "DecisionStatus", "Format", "ItemKind", "Pack", "Period",
    "ReviewError", "ReviewRequest", "Section", "build_pack", "comparison_period", "export",
    "list_reviews", "make_request", "parse_compare", "parse_period", "prepare",
    "previous_review", "review_by_id", "save_review", "saved_review", "set_decision_status",
]  # fmt: skip


class Format(StrEnum):
    PPTX = "pptx"
    PDF = "pdf"
    XLSX = "xlsx"


MIME = {
    Format.PPTX: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    Format.PDF: "application/pdf",
    Format.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def make_request(period_text: str, compare_text: str | None = None, as_of=None, plant=None):
    """Parse user texts into a request; raises ValueError with a user-facing message."""
    period = parse_period(period_text)
    compare, baseline = parse_compare(compare_text)
    comparison = comparison_period(period, compare, baseline)
    return ReviewRequest(period, compare, comparison, as_of, plant or None)


def prepare(engine: sa.Engine, request: ReviewRequest, near_band: float = 0.10) -> Pack:
    """Figures plus what the last saved review decided (and this period's saved notes)."""
    pack = build_pack(engine, request, near_band)
    pack.previous_review = previous_review(engine, request.period, request.plant)
    saved = saved_review(engine, request.period, request.plant)
    if saved:
        pack.notes, pack.decisions = dict(saved["notes"]), list(saved["decisions"])
    return pack


def export(pack: Pack, fmt: Format | str, **options) -> bytes:
    """PPTX, PDF or XLSX bytes of a pack (the format's library is imported only here)."""
    fmt = Format(fmt)
    if fmt is Format.PPTX:
        from kpi.review.pptx_export import build_pptx

        return build_pptx(pack)
    if fmt is Format.PDF:
        from kpi.review.pdf_export import build_pdf

        return build_pdf(pack, **options)
    from kpi.review.xlsx_export import build_xlsx

    return build_xlsx(pack)
