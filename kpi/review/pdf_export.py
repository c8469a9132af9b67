"""The review pack as a PDF report (fpdf2): the same content as the deck, in §9.3.2 order.

Every page carries the review period, the as-of date, the filters used and "page n of m".
Charts are plotly images rendered through kaleido (a warm renderer when the caller has
one); without Chromium they are drawn natively and a note on the first page says so.
"""

from __future__ import annotations

import io
from enum import StrEnum

from fpdf import FPDF

from kpi.review import layout as L
from kpi.review import pdf_draw as D
from kpi.review.images import Rendered, WarmRenderer, render
from kpi.review.model import GROUP_KPIS, NOTES_ONLY, KpiGroup, Pack, Section, section_heading
from kpi.review.plots import pack_figures

FALLBACK_NOTE = (
    "Note: charts are drawn natively because {why}; install Debian's chromium for the "
    "full plotly charts. The figures are the same."
)
_GROUP_OF = {Section.CUSTOMER: KpiGroup.CUSTOMER, Section.PROCESS: KpiGroup.PROCESS,
             Section.NONCONFORMITIES: KpiGroup.NONCONFORMITIES,
             Section.SUPPLIERS: KpiGroup.SUPPLIERS}  # fmt: skip


class ChartMode(StrEnum):
    AUTO = "auto"  # plotly images when Chromium is available, else native drawings
    NATIVE = "native"  # never start a browser


class _Report(FPDF):
    """Header and footer on every page: what this is, as of when, page n of m."""

    def __init__(self, pack: Pack):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.pack = pack
        self.family = D.use_font(self)
        self.set_auto_page_break(True, margin=16)
        self.alias_nb_pages()

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.set_font(self.family, size=8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 5, D.safe(self, self.pack.title), align="L")
        self.ln(8)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family, size=8)
        self.set_text_color(110, 110, 110)
        text = f"As of {self.pack.as_of.isoformat()} · {self.pack.request.filters_text()}"
        self.cell(self.epw * 0.8, 5, D.safe(self, text))
        self.cell(self.epw * 0.2, 5, f"Page {self.page_no()} of {{nb}}", align="R")
        self.set_text_color(0, 0, 0)


def _heading(pdf: _Report, text: str, size: int = 13) -> None:
    if pdf.get_y() > pdf.h - 50:
        pdf.add_page()
    pdf.ln(3)
    pdf.set_font(pdf.family, "B", size)
    pdf.multi_cell(0, 7, D.safe(pdf, text), new_x="LMARGIN", new_y="NEXT", align="L")
    pdf.set_font(pdf.family, size=10)


def _para(pdf: _Report, text: str, size: int = 10) -> None:
    pdf.set_font(pdf.family, size=size)
    pdf.multi_cell(0, 5, D.safe(pdf, text), new_x="LMARGIN", new_y="NEXT", align="L")


def _first_page(pdf: _Report, pack: Pack, note: str | None) -> None:
    pdf.add_page()
    pdf.set_font(pdf.family, "B", 20)
    pdf.multi_cell(0, 10, D.safe(pdf, pack.title), new_x="LMARGIN", new_y="NEXT")
    _para(pdf, "ISO 9001 §9.3 management review")
    _para(pdf, L.subtitle(pack))
    _para(pdf, f"Filters used: {pack.request.filters_text()}")
    _para(pdf, f"Prepared {pack.generated_at:%Y-%m-%d %H:%M}")
    if note:
        pdf.set_text_color(150, 60, 0)
        _para(pdf, note, 9)
        pdf.set_text_color(0, 0, 0)
    _heading(pdf, L.summary_title(pack))
    D.table(pdf, L.OBJECTIVE_HEADER, L.objective_rows(pack.targeted), [4, 2, 2, 2, 2])
    _para(pdf, f"Change vs {pack.comparison.label}; pp = percentage points.", 8)


def _chart(pdf: _Report, pack: Pack, key: str, rendered: Rendered) -> None:
    image = rendered.images.get(key)
    if image is not None:
        width = pdf.epw
        info = pdf.image(io.BytesIO(image), w=width, h=0, x=pdf.l_margin)
        del info
        pdf.ln(2)
        return
    if key in {g.value for g in KpiGroup}:
        _native_group(pdf, pack, KpiGroup(key))


def _native_group(pdf: _Report, pack: Pack, group: KpiGroup) -> None:
    kpis = GROUP_KPIS[group]
    cols, h = (2 if len(kpis) > 1 else 1), 36.0
    rows = (len(kpis) + cols - 1) // cols
    if pdf.get_y() + rows * (h + 3) > pdf.h - 18:
        pdf.add_page()
    w, top = pdf.epw / cols, pdf.get_y()
    for i, kpi in enumerate(kpis):
        x, y = pdf.l_margin + (i % cols) * w, top + (i // cols) * (h + 3)
        D.trend_panel(pdf, L.group_trend(pack, kpi), kpi, x + 1, y, w - 2, h)
    pdf.set_xy(pdf.l_margin, top + rows * (h + 3))


def _notes(pdf: _Report, pack: Pack, section: Section) -> None:
    text = pack.notes.get(section.value, "").strip()
    if text:
        _para(pdf, f"Notes: {text}")
    elif section in NOTES_ONLY:
        _para(pdf, "No notes recorded.")


def _section(pdf: _Report, pack: Pack, section: Section, rendered: Rendered) -> None:
    _heading(pdf, section_heading(section))
    if section is Section.PREVIOUS_ACTIONS:
        _para(pdf, L.previous_caption(pack))
        items = L.previous_decisions(pack)
        if items:
            D.table(pdf, L.DECISION_HEADER, L.decision_rows(items), [1.2, 6, 2, 1.7, 1.2])
    elif section is Section.OBJECTIVES:
        for line in L.objectives_by_status(pack):
            _para(pdf, line)
    elif section is Section.MONITORING:
        for line in L.spc_lines(pack):
            _para(pdf, line)
        summary = L.spc_summary(pack)
        if not summary.empty:
            D.table(pdf, list(summary.columns), summary.astype(str).values.tolist(), [3, 2, 2, 4])
    elif section is Section.AUDITS:
        for line in L.audit_lines(pack):
            _para(pdf, line)
        rows = L.audit_rows(pack)
        if rows:
            D.table(pdf, L.AUDIT_HEADER, rows, L.AUDIT_WIDTHS)
    elif section in _GROUP_OF:
        _data_section(pdf, pack, section, rendered)
    _notes(pdf, pack, section)


def _data_section(pdf: _Report, pack: Pack, section: Section, rendered: Rendered) -> None:
    group = _GROUP_OF[section]
    for o in pack.group(group):
        _para(pdf, f"• {o.sentence}")
    _chart(pdf, pack, group.value, rendered)
    if section is Section.NONCONFORMITIES:
        if not pack.defects.empty:
            D.table(pdf, L.DEFECT_HEADER, L.defect_rows(pack), [5, 2, 2])
        _para(pdf, "Corrective actions: " + " ".join(L.actions_lines(pack)))
        items = L.action_items(pack)
        if items:
            D.table(pdf, L.DECISION_HEADER, L.decision_rows(items), [1.2, 6, 2, 1.7, 1.2])
    if section is Section.PROCESS:
        for line in L.capability_lines(pack):
            _para(pdf, line)
        rows = L.capability_rows(pack)
        if rows:
            D.table(pdf, L.CAPABILITY_HEADER, rows, L.CAPABILITY_WIDTHS)
    if section is Section.SUPPLIERS and not pack.suppliers.empty:
        D.table(pdf, L.SUPPLIER_HEADER, L.supplier_rows(pack), L.SUPPLIER_WIDTHS)
        _chart(pdf, pack, "supplier_bars", rendered)


def _decisions(pdf: _Report, pack: Pack) -> None:
    _heading(pdf, "Decisions and actions of this review")
    if pack.decisions:
        D.table(pdf, L.DECISION_HEADER, L.decision_rows(pack.decisions), [1.2, 6, 2, 1.7, 1.2])
    else:
        _para(pdf, "None recorded.")


def build_pdf(
    pack: Pack, charts: ChartMode = ChartMode.AUTO, warm: WarmRenderer | None = None
) -> bytes:
    """The report as bytes; charts as images when possible, never an exception for them.

    ``warm``: a running renderer to use instead of starting a browser for this report.
    """
    if charts is ChartMode.AUTO:
        rendered = render(pack_figures(pack), warm=warm)
    else:
        rendered = Rendered(problem="native charts were requested")
    note = FALLBACK_NOTE.format(why=rendered.problem) if rendered.problem else None
    pdf = _Report(pack)
    _first_page(pdf, pack, note)
    for section in Section:
        _section(pdf, pack, section, rendered)
    _decisions(pdf, pack)
    _sources(pdf, pack)
    return bytes(pdf.output())


def _sources(pdf: _Report, pack: Pack) -> None:
    """Where the figures come from: the batches and original files (with their SHA-256)."""
    rows = L.source_rows(pack)
    if not rows:
        return
    _heading(pdf, "Data sources of these figures")
    _para(pdf, "Each figure was computed from the current rows of these loads; the XLSX "
               "sheet 'sources' lists them KPI by KPI.")  # fmt: skip
    D.table(pdf, L.SOURCE_HEADER, rows, L.SOURCE_WIDTHS)
