"""The review pack against the KPI engine: figures, PPTX, PDF (with and without Chromium),
XLSX, and saved reviews showing up at the next review."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import openpyxl
import pytest
from pptx import Presentation
from pypdf import PdfReader

from kpi import store
from kpi.catalogue import CATALOGUE, Grain
from kpi.demo import seed_demo
from kpi.metrics import compute, make_query
from kpi.review import Decision, ItemKind, export, make_request, prepare, save_review
from kpi.review.model import ALL_KPIS, GROUP_KPIS, KpiGroup, Section
from kpi.review.pdf_export import ChartMode
from kpi.settings import load_settings
from kpi.views import format_value

AS_OF = dt.date(2026, 11, 15)
PERIOD = "2026-Q3"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("review_demo")
    settings = load_settings(f"duckdb:///{folder / 'kpi.duckdb'}", user="demo")
    engine = store.create_engine(settings)
    seed_demo(engine, settings)
    engine.dispose()
    return folder


@pytest.fixture
def demo(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("KPI_ARCHIVE_DIR", raising=False)
    for item in template.iterdir():
        (shutil.copytree if item.is_dir() else shutil.copy)(item, tmp_path / item.name)
    settings = load_settings(f"duckdb:///{tmp_path / 'kpi.duckdb'}", user="tester")
    engine = store.create_engine(settings)
    yield engine, settings
    engine.dispose()


@pytest.fixture
def pack(demo):
    engine, settings = demo
    return prepare(engine, make_request(PERIOD, "previous", AS_OF), settings.near_band)


def engine_totals(engine, start, end) -> dict[str, dict]:
    kpis = [k for ks in GROUP_KPIS.values() for k in ks]
    df = compute(engine, make_query(kpis, Grain.TOTAL, (), start, end, {}, AS_OF))
    return {row["kpi"]: row for row in df.to_dict("records")}


def test_figures_equal_the_engine(demo, pack):
    engine, _ = demo
    now = engine_totals(engine, dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    before = engine_totals(engine, dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    assert pack.comparison.label == "Q2 2026"
    for o in pack.objectives:
        assert o.value == pytest.approx(now[o.kpi]["value"])
        assert o.compare_value == pytest.approx(before[o.kpi]["value"])
        expected = now[o.kpi]["status"]
        assert o.status == (expected if isinstance(expected, str) else None)
        assert o.sentence.startswith(f"{CATALOGUE[o.kpi].label} {format_value(o.value, o.unit)}")
        assert "vs Q2 2026" in o.sentence
    assert {o.kpi for o in pack.targeted} == {
        "otd", "otif", "scrap_rate", "yield", "oee", "availability", "supplier_otd",
        "supplier_otif",
    }  # fmt: skip


def test_last_year_and_baseline_comparisons(demo):
    engine, _ = demo
    pack = prepare(engine, make_request("2026-07", "last-year", AS_OF))
    assert pack.comparison.code == "2025-07"
    assert all("no comparison figure for Jul 2025" in o.sentence for o in pack.objectives)
    base = prepare(engine, make_request(PERIOD, "2026-Q1", AS_OF))
    before = engine_totals(engine, dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert base.objective("scrap_rate").compare_value == pytest.approx(
        before["scrap_rate"]["value"]
    )


def test_pptx_slides_and_figures(pack):
    prs = Presentation(io.BytesIO(export(pack, "pptx")))
    titles = [s.shapes.title.text for s in prs.slides]
    assert titles[0] == "Management review Q3 2026"
    assert titles[1].startswith("Quality objectives: ")
    assert "Customer satisfaction and on-time delivery (§9.3.2 c 1)" in titles
    assert "Process performance and conformity of products (§9.3.2 c 3)" in titles
    assert "Performance of external providers (§9.3.2 c 7)" in titles
    assert titles[-2:] == ["Actions", "Decisions"]
    table = next(s.shape for s in [_Shape(sh) for sh in prs.slides[1].shapes] if s.is_table)
    rows = {r.cells[0].text: [c.text for c in r.cells] for r in table.table.rows}
    for o in pack.targeted:
        assert rows[o.label][1] == format_value(o.value, o.unit)
        assert rows[o.label][2].endswith(format_value(o.target, o.unit))
    process = prs.slides[
        titles.index("Process performance and conformity of products (§9.3.2 c 3)")
    ]
    charts = [sh.chart for sh in process.shapes if sh.has_chart]
    assert len(charts) == len(GROUP_KPIS[KpiGroup.PROCESS])  # native, editable charts
    scrap = charts[0]
    names = [s.name for s in scrap.plots[0].series]
    assert names == ["Scrap rate", "Target"]
    trend = pack.trends[pack.trends["kpi"] == "scrap_rate"].sort_values("period")
    assert list(scrap.plots[0].series[0].values) == pytest.approx(list(trend["value"]))
    assert set(scrap.plots[0].series[1].values) == {0.02}


class _Shape:
    def __init__(self, shape):
        self.shape, self.is_table = shape, shape.has_table


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_pdf_text_has_the_figures_sections_and_page_numbers(pack):
    data = export(pack, "pdf", charts=ChartMode.NATIVE)
    text = pdf_text(data)
    pages = len(PdfReader(io.BytesIO(data)).pages)
    assert f"Page 1 of {pages}" in text and f"Page {pages} of {pages}" in text
    assert "As of 2026-11-15" in text and "all plants; period 2026-Q3" in text
    for o in pack.targeted:
        assert format_value(o.value, o.unit) in text
    for section in (Section.CUSTOMER, Section.NONCONFORMITIES, Section.SUPPLIERS):
        assert section.name  # headings come from SECTION_TITLES
    assert "Performance of external providers" in text
    assert "No corrective-action data yet" in text or pack.actions is not None
    assert "≥ 98.0 %" in text  # a Unicode font, not Latin-1 stand-ins


def test_pdf_without_chromium_falls_back_with_a_note(pack, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    data = export(pack, "pdf")  # auto: would use Chromium if it were there
    text = pdf_text(data)
    assert "charts are drawn natively because no Chromium was found" in text
    assert format_value(pack.objective("scrap_rate").value, CATALOGUE["scrap_rate"].unit) in text


def test_pdf_survives_a_kaleido_failure(pack, monkeypatch):
    import kpi.review.images as images

    async def boom(figs):
        raise RuntimeError("browser crashed")

    monkeypatch.setattr(images, "find_browser", lambda: "/usr/bin/chromium")
    monkeypatch.setattr(images, "_render_all", boom)
    text = pdf_text(export(pack, "pdf"))
    assert "chart rendering failed (RuntimeError: browser crashed)" in text


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_pdf_with_chromium_embeds_chart_images(pack):
    data = export(pack, "pdf")
    reader = PdfReader(io.BytesIO(data))
    assert sum(len(page.images) for page in reader.pages) >= len(KpiGroup)
    assert "drawn natively" not in pdf_text(data)


def test_xlsx_holds_the_underlying_figures(pack):
    book = openpyxl.load_workbook(io.BytesIO(export(pack, "xlsx")))
    assert {"about", "objectives", "monthly trends", "suppliers", "defects"} <= set(book.sheetnames)
    sheet = book["objectives"]
    header = [c.value for c in sheet[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(2, values_only=True)}
    for o in pack.objectives:
        assert rows[o.kpi]["value"] == pytest.approx(o.value)
        assert rows[o.kpi]["sentence"] == o.sentence


def test_a_saved_review_shows_up_at_the_next_one(demo):
    engine, settings = demo
    q2 = prepare(engine, make_request("2026-Q2", "previous", AS_OF))
    decisions = [
        Decision("Scrap task force on line L3", "J. Weber", ItemKind.ACTION, dt.date(2026, 8, 31)),
        Decision("Keep the OEE objective at 85 %", "Plant manager"),
    ]
    notes = {Section.AUDITS.value: "Internal audit: 2 minor findings", Section.RESOURCES.value: " "}
    review_id = save_review(engine, settings, q2, notes, decisions)
    audit = store.list_audit(engine)
    assert audit.iloc[0]["action"] == "review.save" and audit.iloc[0]["user_name"] == "tester"

    again = prepare(engine, make_request("2026-Q2", "previous", AS_OF))  # same period: reopened
    assert again.notes == {Section.AUDITS.value: "Internal audit: 2 minor findings"}
    assert [d.text for d in again.decisions] == [d.text for d in decisions]

    q3 = prepare(engine, make_request(PERIOD, "previous", AS_OF))
    assert q3.previous_review["review_id"] == review_id
    prev = q3.previous_review["decisions"]
    assert [(d.text, d.owner, d.kind) for d in prev] == [
        (d.text, d.owner, d.kind) for d in decisions
    ]
    figures = q3.previous_review["figures"]
    scrap = next(o for o in figures["objectives"] if o["kpi"] == "scrap_rate")
    assert scrap["value"] == pytest.approx(q2.objective("scrap_rate").value)
    text = pdf_text(export(q3, "pdf", charts=ChartMode.NATIVE))
    assert "Scrap task force on line L3" in text and "J. Weber" in text
    prs = Presentation(io.BytesIO(export(q3, "pptx")))
    assert "Scrap task force on line L3" in _all_text(prs)


def _all_text(prs) -> str:
    parts = []
    for slide in prs.slides:
        for shape in slide.shapes:
            if shape.has_text_frame:
                parts.append(shape.text_frame.text)
            if shape.has_table:
                parts += [c.text for r in shape.table.rows for c in r.cells]
    return "\n".join(parts)


def test_corrective_actions_and_spc_signals_enter_the_pack(demo):
    from kpi.actions import NewAction, create_action

    engine, settings = demo
    due = dt.date(2026, 10, 1)
    create_action(engine, "tester", NewAction("scrap_rate", "Fix die wear on L3", "A. Kim", due,
                                              {"line": "L3"}))  # fmt: skip
    pack = prepare(engine, make_request(PERIOD, "previous", AS_OF))
    assert pack.actions["open"] == 1 and pack.actions["overdue"] == 1  # due before the as-of date
    assert pack.spc is not None and set(pack.spc["kpi"]) <= {"scrap_rate", "rework_rate",
                                                             "availability", "defects"}  # fmt: skip
    assert all(dt.date(2026, 7, 1) <= p <= dt.date(2026, 9, 30) for p in pack.spc["period"])
    text = pdf_text(export(pack, "pdf", charts=ChartMode.NATIVE))
    assert "Fix die wear on L3" in text and "overdue on 2026-11-15: 1" in text
    prs = Presentation(io.BytesIO(export(pack, "pptx")))
    assert "Fix die wear on L3" in _all_text(prs)


def test_a_period_without_data_exports_every_format(demo):
    engine, _ = demo
    pack = prepare(engine, make_request("2016-Q2", "previous", AS_OF))
    assert all(o.sentence.endswith(("no data.", "no objective set.")) for o in pack.objectives)
    assert pack.status_counts()["no data"] == len(pack.targeted)
    titles = [s.shapes.title.text for s in Presentation(io.BytesIO(export(pack, "pptx"))).slides]
    assert titles[1] == "Quality objectives: 0 of 8 met, 0 nearly met, 0 missed"
    assert "Management review Q2 2016" in pdf_text(export(pack, "pdf", charts=ChartMode.NATIVE))
    assert openpyxl.load_workbook(io.BytesIO(export(pack, "xlsx")))[
        "objectives"
    ].max_row == 1 + len(ALL_KPIS)


def test_a_decision_status_change_is_stored_and_audited_once(demo):
    from kpi.review import DecisionStatus, ReviewError, set_decision_status

    engine, settings = demo
    q2 = prepare(engine, make_request("2026-Q2", "previous", AS_OF))
    review_id = save_review(engine, settings, q2, {}, [Decision("Scrap task force", "J. Weber")])
    lines = len(store.list_audit(engine))
    changed = set_decision_status(engine, settings, review_id, 1, DecisionStatus.IN_PROGRESS)
    assert changed.status == "in_progress" and changed.item_no == 1
    assert len(store.list_audit(engine)) == lines + 1
    set_decision_status(engine, settings, review_id, 1, "in_progress")  # already so: no line
    assert len(store.list_audit(engine)) == lines + 1
    with pytest.raises(ReviewError, match="bad status 'closed'"):
        set_decision_status(engine, settings, review_id, 1, "closed")
    with pytest.raises(ReviewError, match="has no decision or action 2"):
        set_decision_status(engine, settings, review_id, 2, DecisionStatus.DONE)
    q3 = prepare(engine, make_request(PERIOD, "previous", AS_OF))
    assert [(d.status, d.item_no) for d in q3.previous_review["decisions"]] == [("in_progress", 1)]
    assert len(store.list_audit(engine)) == lines + 1
