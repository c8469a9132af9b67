"""Names carrying markup are text on every page, chart and export (issue 14 item 11).

A store is loaded through the real loader with every line, machine, product, customer,
supplier, reason and defect renamed to carry an image, a link, HTML, emphasis or a
``:red[...]`` directive; corrective actions, an SPC exclusion and a target add owners and
texts typed by users. Every page of ``ui.registry.PAGES`` is then rendered through AppTest
and every markdown-rendered string (bodies, captions, alerts, labels, help, badges,
expanders) must hold the markup only escaped; every plotly figure must hold no HTML tag
from the data; every export must carry the names as plain text, formulas neutralised.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import openpyxl
import pytest
from google.protobuf.json_format import MessageToDict
from pptx import Presentation
from pypdf import PdfReader
from streamlit.testing.v1 import AppTest

from kpi import audits, register, store, summary
from kpi.actions import NewAction, create_action, list_actions
from kpi.catalogue import Grain
from kpi.charts_spc import add_action_markers, control_figure
from kpi.demo import generate, to_csv_bytes
from kpi.demo_measurements import demo_specs
from kpi.exports import to_csv_bytes as table_csv
from kpi.exports import to_xlsx_bytes
from kpi.ingest import Outcome, ingest_bytes
from kpi.review import Decision, ItemKind, export, make_request, plots, prepare
from kpi.review.model import Section
from kpi.review.pdf_export import ChartMode
from kpi.settings import load_settings
from kpi.spc import ChartType, spc_chart
from kpi.spc_store import exclude_point
from kpi.specs import set_specs
from kpi.targets import Scope, TargetSpec, set_target
from tests.conftest import _use_db, run_cli
from tests.test_pages_apptest import APP
from ui.registry import PAGES, PageId, PageSpec

MARKUPS = ("![t](http://x/y.png) {}", '<a href="http://x">{}</a>', "<b>{}</b>", "**{}**",
           ":red[{}]")  # fmt: skip
DIMENSIONS = ("line", "machine", "product", "customer", "supplier", "reason", "defect")
OWNER = "![t](http://x/y.png)"
DESCRIPTION = '<a href="http://x">L1</a> <b>bold</b> **L1** :red[L1]'
FORMULA = "=1+1"
REASON = "**L1** ![t](http://x/y.png) <b>bold</b>"
DAYS = 120  # 2026-07-04 to 2026-10-31: enough weeks for SPC and alerts
WEEK = dt.date(2026, 9, 7)
# markup that renders when it is not backslash-escaped (markdown) ...
MARKDOWN_MARKUP = re.compile(r"(?<!\\)(?:!\[|\]\(|<(?:a|b|img)\b|:red\[)")
# ... and HTML that plotly renders in a figure's texts
CHART_HTML = re.compile(r"<(?:a|img)\b|<b>(?!WE|N\d|R\d|\w+\d*:)")


def _hostile_frames() -> tuple[dict, dict[str, dict[str, str]]]:
    """The demo's frames with every name of ``DIMENSIONS`` wrapped in one of ``MARKUPS``."""
    frames = generate(days=DAYS)
    names: dict[str, dict[str, str]] = {}
    for column in DIMENSIONS:
        values = sorted({v for f in frames.values() if column in f for v in f[column].unique()})
        names[column] = {v: MARKUPS[i % len(MARKUPS)].format(v) for i, v in enumerate(values)}
    for frame in frames.values():
        for column in DIMENSIONS:
            if column in frame:
                frame[column] = frame[column].map(names[column])
    return frames, names


@pytest.fixture(scope="module")
def hostile_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("hostile")
    settings = load_settings(f"duckdb:///{folder / 'kpi.duckdb'}", user="tester")
    engine = store.create_engine(settings)
    frames, names = _hostile_frames()
    specs = [replace(s, product=names["product"][s.product]) for s in demo_specs()]
    set_specs(engine, settings, specs, "hostile specs")  # the readings' products have specs
    for kind, frame in frames.items():
        data = to_csv_bytes(kind, frame)
        result = ingest_bytes(engine, settings, data, f"{kind.value}.csv", kind)
        assert result.outcome is Outcome.LOADED, result.summary()
    summary.ensure_current(engine)
    line = names["line"]["L2"]  # the <a href> one
    for owner in (OWNER, FORMULA):
        new = NewAction("scrap_rate", DESCRIPTION, owner, dt.date(2026, 11, 30), {"line": line},
                        Grain.WEEK.value, WEEK)  # fmt: skip
        create_action(engine, "tester", new)
    exclude_point(engine, "tester", "scrap_rate", {}, Grain.WEEK, WEEK, REASON)
    set_target(engine, settings, TargetSpec("scrap_rate", Scope.LINE, line, 0.02))
    audit = audits.NewAudit(WEEK, DESCRIPTION, OWNER, process=REASON, line=line)
    audit_id = audits.add_audit(engine, settings, audit)
    audits.add_finding(engine, settings, audit_id, DESCRIPTION, "minor")
    register.set_owner(engine, settings, "scrap_rate", OWNER, REASON)
    engine.dispose()
    return folder, names


@pytest.fixture
def hostile(hostile_template, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    folder, names = hostile_template
    for item in folder.iterdir():
        (shutil.copytree if item.is_dir() else shutil.copy)(item, tmp_path / item.name)
    url = _use_db(monkeypatch, tmp_path / "kpi.duckdb")
    return url, names


def _raw_names(names: dict[str, dict[str, str]]) -> set[str]:
    return {v for column in names.values() for v in column.values()} | {OWNER, DESCRIPTION, REASON}


# --- what a page shows -------------------------------------------------------------------

_MARKDOWN_FIELDS = {"body", "label", "help", "text", "caption"}
_NOT_SHOWN = {"legendgroup"}  # plotly ids, never drawn


def _strings(value, keys: set[str] | None, key: str = "") -> Iterator[str]:
    """Every string in a proto-as-dict (only under ``keys`` when given)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, keys, k)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, keys, key)
    elif isinstance(value, str) and (key in keys if keys else key not in _NOT_SHOWN):
        yield value


def _nodes(node) -> Iterator:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _nodes(child)


def _shown(at: AppTest) -> tuple[list[str], list[str]]:
    """(markdown-rendered strings, plotly figure strings) of every element on the page."""
    texts, figures = [], []
    for node in _nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None or not hasattr(proto, "DESCRIPTOR"):
            continue
        if node.type == "plotly_chart":
            figures += _strings(json.loads(proto.spec), None)
        elif node.type not in ("arrow_data_frame", "dataframe"):
            texts += _strings(MessageToDict(proto), _MARKDOWN_FIELDS)
    return texts, figures


def _assert_text(at: AppTest, names: dict) -> None:
    assert not at.exception, [e.value for e in at.exception]
    texts, figures = _shown(at)
    raw = _raw_names(names)
    bad = [t for t in texts if MARKDOWN_MARKUP.search(t) or any(r in t for r in raw)]
    assert not bad, bad
    html = [r for r in raw if "<" in r]
    bad = [f for f in figures if CHART_HTML.search(f) or any(r in f for r in html)]
    assert not bad, bad[:5]


def _open(spec: PageSpec) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    if spec.page is not PageId.OVERVIEW:
        at.switch_page(spec.path).run()
    return at


def _upload_hostile_file(at: AppTest) -> None:
    row = "2026-10-30,A,Plant 1,<b>L9</b>,**M1**,:red[P1],480,12,100,1,0\n"
    head = "date,shift,plant,line,machine,product,planned_minutes,ideal_cycle_seconds,"
    data = (head + "units_produced,units_scrapped,units_reworked\n" + row).encode()
    at.get("file_uploader")[0].set_value([(f"{OWNER} <b>x</b>.csv", data, "text/csv")])
    at.run()


@pytest.mark.parametrize("spec", PAGES, ids=[s.page.value for s in PAGES])
def test_every_page_shows_markup_from_data_as_text(hostile, spec: PageSpec) -> None:
    _, names = hostile
    at = _open(spec)
    assert at.title[0].value == spec.label, "the page itself rendered"
    _assert_text(at, names)
    if spec.filters:  # the scope captions name the line
        at.selectbox(key="flt_plant").select("Plant 1").run()  # a line is a line of a plant
        at.selectbox(key="flt_line").select(names["line"]["L2"]).run()
        _assert_text(at, names)
    if spec.page is PageId.UPLOAD:
        _upload_hostile_file(at)
        _assert_text(at, names)
        at.button(key="commit").click().run()
        _assert_text(at, names)


def test_the_hostile_names_reach_the_pages(hostile) -> None:
    """Guards the test above: the names are really shown (escaped) where it looks."""
    _, names = hostile
    at = _open(PAGES[0])
    texts, figures = _shown(at)
    escaped = '\\<a href="http\\://x"\\>L2\\</a\\>'
    assert any(escaped in t for t in texts), "an Overview alert names the line"
    at.switch_page("pages/actions.py").run()
    at.selectbox(key="ca_pick").set_value(1).run()  # the first action: owner OWNER
    texts, _ = _shown(at)
    assert any("owner \\!\\[t\\]\\(http\\://x/y.png\\)" in t for t in texts), texts
    at.switch_page("pages/spc.py").run()
    texts, figures = _shown(at)
    assert any("excluded: \\*\\*L1\\*\\*" in t for t in texts), texts
    at.selectbox(key="flt_plant").select("Plant 1").run()
    at.selectbox(key="flt_line").select(names["line"]["L2"]).run()
    texts, figures = _shown(at)
    assert any(escaped in t for t in texts if t.startswith("Scrap rate [")), texts
    at.switch_page("pages/delivery.py").run()
    _, figures = _shown(at)
    assert any("&lt;a href" in f for f in figures), "the customer bars carry the names"


# --- charts and exports ------------------------------------------------------------------


@pytest.fixture
def pack(hostile):
    url, _ = hostile
    engine = store.create_engine(load_settings(url))
    pack = prepare(engine, make_request("2026-Q3", "previous", dt.date(2026, 11, 15)))
    pack.decisions = [Decision(DESCRIPTION, OWNER, ItemKind.ACTION, None),
                      Decision(FORMULA, FORMULA, ItemKind.DECISION, None)]  # fmt: skip
    pack.notes = {Section.NONCONFORMITIES.value: REASON}
    yield pack
    engine.dispose()


def test_every_chart_figure_keeps_html_from_data_as_text(hostile, pack) -> None:
    url, names = hostile
    engine = store.create_engine(load_settings(url))
    line = names["line"]["L2"]
    chart = spc_chart(engine, "scrap_rate", Grain.WEEK, chart=ChartType.P, where={"line": line})
    spc = add_action_markers(control_figure(chart, title=f"Scrap rate {line}"),
                             list_actions(engine))  # fmt: skip
    engine.dispose()
    figures = {**plots.pack_figures(pack), "spc": spc}
    assert "supplier_bars" in figures, "the suppliers carry markup"
    html = [r for r in _raw_names(names) if "<" in r]
    for name, fig in figures.items():
        strings = list(_strings(json.loads(fig.to_json()), None))
        bad = [t for t in strings if CHART_HTML.search(t) or any(r in t for r in html)]
        assert not bad, (name, bad[:5])
    assert any("&lt;a href" in t for t in _strings(json.loads(spc.to_json()), None))


def _pptx_runs(data: bytes) -> list:
    runs = []
    for slide in Presentation(io.BytesIO(data)).slides:
        for shape in slide.shapes:
            frames = [shape.text_frame] if shape.has_text_frame else []
            if shape.has_table:
                frames += [c.text_frame for r in shape.table.rows for c in r.cells]
            runs += [run for f in frames for p in f.paragraphs for run in p.runs]
    return runs


def _plain(expected: list[str], text: str) -> None:
    """Each name shows as typed: no backslashes, entities or lost marks (not rendered)."""
    missing = [e for e in expected if e not in text]
    assert not missing, missing


def test_pptx_carries_the_names_as_plain_text(hostile, pack) -> None:
    _, names = hostile
    runs = _pptx_runs(export(pack, "pptx"))
    assert all(run.hyperlink.address is None for run in runs), "no link from data"
    supplier = next(iter(names["supplier"].values()))
    _plain([DESCRIPTION, OWNER, FORMULA, supplier], "\n".join(r.text for r in runs))


def test_pdf_carries_the_names_as_plain_text(hostile, pack) -> None:
    """fpdf2 is never asked for markdown: ``**L1**`` keeps its stars, nothing is a link."""
    reader = PdfReader(io.BytesIO(export(pack, "pdf", charts=ChartMode.NATIVE)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    _plain(["**L1**", ":red[L1]", "<b>bold</b>", OWNER, REASON], text)
    for page in reader.pages:
        links = [a.get_object().get("/A") for a in page.get("/Annots") or []]
        assert not [a for a in links if a and "/URI" in a], links


def _xlsx_cells(data: bytes) -> list:
    book = openpyxl.load_workbook(io.BytesIO(data))
    return [c for sheet in book.worksheets for row in sheet.iter_rows() for c in row]


def _assert_xlsx(data: bytes, expected: list[str]) -> None:
    cells = _xlsx_cells(data)
    assert not [c.coordinate for c in cells if c.data_type == "f"], "no formula cell"
    assert not [c.coordinate for c in cells if c.hyperlink], "no link"
    values = [str(c.value) for c in cells if c.value is not None]
    assert "'=1+1" in values and "=1+1" not in values
    _plain(expected, "\n".join(values))


def test_review_xlsx_carries_the_names_as_text_without_formulas(hostile, pack) -> None:
    _, names = hostile
    supplier = next(iter(names["supplier"].values()))
    _assert_xlsx(export(pack, "xlsx"), [DESCRIPTION, OWNER, supplier, REASON])


def test_table_downloads_neutralise_formulas_and_keep_names(hostile) -> None:
    url, _ = hostile
    engine = store.create_engine(load_settings(url))
    actions = list_actions(engine)
    engine.dispose()
    _assert_xlsx(to_xlsx_bytes(actions, "actions"), [DESCRIPTION, OWNER])
    rows = list(csv.reader(io.StringIO(table_csv(actions).decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert "'=1+1" in cells and "=1+1" not in cells
    _plain([DESCRIPTION, OWNER], "\n".join(cells))


@pytest.mark.parametrize("args", [("actions", "list"), ("targets", "list")])
def test_cli_csv_neutralises_formulas(hostile, args) -> None:
    url, _ = hostile
    if args[0] == "targets":  # a target scope typed by hand
        engine = store.create_engine(load_settings(url))
        set_target(engine, load_settings(url), TargetSpec("yield", Scope.PRODUCT, FORMULA, 0.9))
        engine.dispose()
    done = run_cli(*args, "--format", "csv", "--db", url)
    assert done.returncode == 0, done.stderr
    cells = [c for row in csv.reader(io.StringIO(done.stdout)) for c in row]
    assert "'=1+1" in cells and "=1+1" not in cells, done.stdout[:800]
