"""The review pack as an editable PowerPoint deck (python-pptx).

Charts are native PowerPoint charts (not pictures), so a quality manager can restyle or
re-scope them; the target is a second, dashed series. Slide order: title, objectives
summary, one slide per KPI group, SPC, notes, actions, decisions.
"""

from __future__ import annotations

import io

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LEGEND_POSITION, XL_MARKER_STYLE
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.util import Emu, Inches, Pt

from kpi.catalogue import CATALOGUE, Unit
from kpi.charts import STATUS_COLORS, TARGET_COLOR, TOTAL_COLOR
from kpi.review import layout as L
from kpi.review.model import GROUP_KPIS, KpiGroup, Pack, Section, section_heading

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
_STATUS_RGB = {L.STATUS_TEXT[k]: RGBColor.from_string(v[1:]) for k, v in STATUS_COLORS.items()}


def _rgb(hex_color: str) -> RGBColor:
    return RGBColor.from_string(hex_color.lstrip("#"))


def _slide(prs, title: str):
    slide = prs.slides.add_slide(prs.slide_layouts[5])  # title only
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = (
        MARGIN,
        Inches(0.3),
        WIDTH - 2 * MARGIN,
        Inches(0.9),
    )
    shape.text = title
    for p in shape.text_frame.paragraphs:
        p.font.size = Pt(28)
    return slide


def _text(slide, lines: list[str], left, top, width, height, size: int = 14) -> None:
    frame = slide.shapes.add_textbox(left, top, width, height).text_frame
    frame.word_wrap = True
    for i, line in enumerate(lines or ["—"]):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.text = line
        para.font.size = Pt(size)


def _table(slide, header: list[str], rows: list[list[str]], left, top, width, widths=None):
    """A native table; status cells are coloured like the dashboard's badges."""
    shape = slide.shapes.add_table(len(rows) + 1, len(header), left, top, width, Inches(0.3))
    table = shape.table
    weights = widths or [1] * len(header)
    for i, w in enumerate(weights):
        table.columns[i].width = Emu(int(width * w / sum(weights)))
    for r, values in enumerate([header, *rows]):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.text = str(value)
            font = cell.text_frame.paragraphs[0].font
            font.size = Pt(12 if len(rows) < 10 else 10)
            if r and value in _STATUS_RGB:
                font.bold, font.color.rgb = True, _STATUS_RGB[value]
    return table


def _line_chart(slide, pack: Pack, kpi: str, left, top, width, height) -> None:
    """A KPI's monthly trend with its target as a dashed line, as a native chart."""
    rows = L.group_trend(pack, kpi)
    entry = CATALOGUE[kpi]
    if rows.empty:  # a chart needs categories: say so instead
        _text(slide, [f"{entry.label}: no data in the trend window."], left, top, width, height)
        return
    data = CategoryChartData(number_format="0.0%" if entry.unit is Unit.RATIO else "#,##0")
    data.categories = [f"{p:%b %y}" for p in rows["period"]]
    data.add_series(entry.label, [_cell(v) for v in rows["value"]])
    has_target = rows["target"].notna().any()
    if has_target:
        data.add_series("Target", [_cell(v) for v in rows["target"]])
    frame = slide.shapes.add_chart(XL_CHART_TYPE.LINE_MARKERS, left, top, width, height, data)
    chart = frame.chart
    chart.has_title = True
    chart.chart_title.text_frame.text = (
        f"{entry.label}: {L.fmt(pack.objective(kpi).value, entry.unit)}"
    )
    chart.chart_title.text_frame.paragraphs[0].font.size = Pt(13)
    chart.has_legend = has_target
    if has_target:
        chart.legend.position, chart.legend.include_in_layout = XL_LEGEND_POSITION.BOTTOM, False
        chart.legend.font.size = Pt(9)
    chart.value_axis.tick_labels.font.size = Pt(9)
    chart.category_axis.tick_labels.font.size = Pt(9)
    chart.value_axis.has_major_gridlines = True
    series = chart.plots[0].series
    series[0].format.line.color.rgb = _rgb(TOTAL_COLOR)
    series[0].smooth = False
    if has_target:
        series[1].format.line.color.rgb = _rgb(TARGET_COLOR)
        series[1].format.line.dash_style = MSO_LINE_DASH_STYLE.DASH
        series[1].marker.style = XL_MARKER_STYLE.NONE
        series[1].smooth = False


def _cell(value) -> float | None:
    return None if value is None or value != value else float(value)


def _title_slide(prs, pack: Pack) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[0])
    title, sub = slide.shapes.title, slide.placeholders[1]
    title.left, title.top, title.width, title.height = (
        MARGIN,
        Inches(2.0),
        WIDTH - 2 * MARGIN,
        Inches(1.5),
    )
    sub.left, sub.top, sub.width, sub.height = MARGIN, Inches(3.7), WIDTH - 2 * MARGIN, Inches(2.0)
    title.text = pack.title
    slide.placeholders[1].text = (
        f"ISO 9001 §9.3 management review\n{L.subtitle(pack)}\n"
        f"Prepared {pack.generated_at:%Y-%m-%d %H:%M}"
    )


def _summary_slide(prs, pack: Pack) -> None:
    slide = _slide(prs, L.summary_title(pack))
    rows = L.objective_rows(pack.targeted)
    _table(
        slide, L.OBJECTIVE_HEADER, rows, MARGIN, Inches(1.4), WIDTH - 2 * MARGIN, [4, 2, 2, 2, 2]
    )
    _text(slide, [f"Change vs {pack.comparison.label}. Filters: {pack.request.filters_text()}."],
          MARGIN, Inches(6.7), WIDTH - 2 * MARGIN, Inches(0.5), 11)  # fmt: skip


def _group_slide(prs, pack: Pack, group: KpiGroup) -> None:
    """Up to six native charts in a grid, the change sentences underneath."""
    slide = _slide(prs, L.group_title(group))
    kpis = GROUP_KPIS[group]
    cols = 3 if len(kpis) > 2 else len(kpis)
    rows = (len(kpis) + cols - 1) // cols
    area_w, area_h = WIDTH - 2 * MARGIN, Inches(4.3 if len(kpis) > 3 else 3.9)
    w, h = int(area_w / cols), int(area_h / rows)
    for i, kpi in enumerate(kpis):
        left, top = MARGIN + (i % cols) * w, Inches(1.2) + (i // cols) * h
        _line_chart(slide, pack, kpi, left, top, w, h)
    sentences = [o.sentence for o in pack.group(group)]
    _text(slide, sentences, MARGIN, Inches(1.25) + area_h, area_w, Inches(1.8), 12)
    slide.notes_slide.notes_text_frame.text = "\n".join(sentences)


def _suppliers_slide(prs, pack: Pack) -> None:
    slide = _slide(prs, L.group_title(KpiGroup.SUPPLIERS))
    half = int((WIDTH - 2 * MARGIN) / 2)
    _line_chart(slide, pack, "supplier_otd", MARGIN, Inches(1.3), half - Inches(0.2), Inches(4.2))
    rows = L.supplier_rows(pack)[:12]
    if rows:
        _table(slide, L.SUPPLIER_HEADER, rows, MARGIN + half, Inches(1.3), half, L.SUPPLIER_WIDTHS)
    else:
        _text(
            slide,
            ["No supplier receipts in the period."],
            MARGIN + half,
            Inches(1.3),
            half,
            Inches(1),
        )
    _text(slide, [pack.objective("supplier_otd").sentence], MARGIN, Inches(5.8),
          WIDTH - 2 * MARGIN, Inches(1), 12)  # fmt: skip


def _nonconformity_slide(prs, pack: Pack) -> None:
    slide = _slide(prs, section_heading(Section.NONCONFORMITIES))
    half = int((WIDTH - 2 * MARGIN) / 2)
    _line_chart(slide, pack, "defects", MARGIN, Inches(1.3), half - Inches(0.2), Inches(3.2))
    rows = L.defect_rows(pack)
    if rows:
        _table(slide, L.DEFECT_HEADER, rows, MARGIN + half, Inches(1.3), half, [4, 2, 2])
    lines = [o.sentence for o in pack.group(KpiGroup.NONCONFORMITIES)]
    lines += ["Corrective actions:"] + L.actions_lines(pack)
    _text(slide, lines, MARGIN, Inches(4.7), half - Inches(0.2), Inches(2.5), 12)


def _capability_slide(prs, pack: Pack) -> None:
    slide = _slide(prs, "Process capability (§9.3.2 c 3)")
    lines = L.capability_lines(pack)
    _text(slide, lines, MARGIN, Inches(1.2), WIDTH - 2 * MARGIN, Inches(0.8), 13)
    rows = L.capability_rows(pack)[:14]
    if rows:
        _table(slide, L.CAPABILITY_HEADER, rows, MARGIN, Inches(2.1), WIDTH - 2 * MARGIN,
               L.CAPABILITY_WIDTHS)  # fmt: skip


def _sources_slide(prs, pack: Pack) -> None:
    """Lineage (§7.5): the loads every figure of the deck was computed from."""
    rows = L.source_rows(pack)
    if not rows:
        return
    slide = _slide(prs, "Data sources of these figures")
    text = ["Each figure was computed from the current rows of these loads (file, SHA-256, "
            "who loaded it); the XLSX sheet 'sources' lists them KPI by KPI."]  # fmt: skip
    _text(slide, text, MARGIN, Inches(1.2), WIDTH - 2 * MARGIN, Inches(0.6), 12)
    _table(slide, L.SOURCE_HEADER, rows[:12], MARGIN, Inches(1.9), WIDTH - 2 * MARGIN,
           L.SOURCE_WIDTHS)  # fmt: skip


def _lines_slide(prs, title: str, lines: list[str]) -> None:
    slide = _slide(prs, title)
    _text(slide, lines, MARGIN, Inches(1.4), WIDTH - 2 * MARGIN, Inches(5.5), 14)


def _monitoring_slide(prs, pack: Pack) -> None:
    slide = _slide(prs, section_heading(Section.MONITORING))
    _text(slide, L.spc_lines(pack), MARGIN, Inches(1.2), WIDTH - 2 * MARGIN, Inches(0.8), 13)
    summary = L.spc_summary(pack)
    if not summary.empty:
        rows = summary.astype(str).values.tolist()[:14]
        _table(slide, list(summary.columns), rows, MARGIN, Inches(2.0), WIDTH - 2 * MARGIN,
               [3, 2, 2, 4])  # fmt: skip


def _audits_slide(prs, pack: Pack) -> None:
    slide = _slide(prs, section_heading(Section.AUDITS))
    _text(slide, L.audit_lines(pack), MARGIN, Inches(1.2), WIDTH - 2 * MARGIN, Inches(0.8), 13)
    rows = L.audit_rows(pack)[:12]
    if rows:
        _table(slide, L.AUDIT_HEADER, rows, MARGIN, Inches(2.0), WIDTH - 2 * MARGIN,
               L.AUDIT_WIDTHS)  # fmt: skip


def _decisions_slide(prs, title: str, items, caption: str) -> None:
    slide = _slide(prs, title)
    _text(slide, [caption], MARGIN, Inches(1.2), WIDTH - 2 * MARGIN, Inches(0.4), 12)
    if items:
        rows = L.decision_rows(items)
        _table(
            slide,
            L.DECISION_HEADER,
            rows,
            MARGIN,
            Inches(1.7),
            WIDTH - 2 * MARGIN,
            [1.2, 6, 2, 1.5, 1.3],
        )
    else:
        _text(slide, ["None recorded."], MARGIN, Inches(1.7), WIDTH - 2 * MARGIN, Inches(0.5))


def build_pptx(pack: Pack) -> bytes:
    """The deck as bytes (built in memory, nothing written to disk)."""
    prs = Presentation()
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    _title_slide(prs, pack)
    _summary_slide(prs, pack)
    _group_slide(prs, pack, KpiGroup.CUSTOMER)
    _group_slide(prs, pack, KpiGroup.PROCESS)
    _capability_slide(prs, pack)
    _nonconformity_slide(prs, pack)
    _monitoring_slide(prs, pack)
    _audits_slide(prs, pack)
    _suppliers_slide(prs, pack)
    _sources_slide(prs, pack)
    notes = [f"{head}: {text}" for head, text in L.note_items(pack)]
    _lines_slide(prs, "Notes: inputs the data cannot supply", notes or ["No notes recorded."])
    actions = [d for d in pack.decisions if d.kind.value == "action"]
    previous = L.previous_decisions(pack)
    open_items = actions + [d for d in previous if d.status != "done"] + L.action_items(pack)
    _decisions_slide(prs, "Actions", open_items,
                     "Actions of this review, and open items from the previous one. "
                     + " ".join(L.actions_lines(pack)))  # fmt: skip
    _decisions_slide(prs, "Decisions", pack.decisions, L.previous_caption(pack))
    out = io.BytesIO()
    prs.save(out)
    return out.getvalue()
