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

import datetime as dt
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from kpi import store, summary
from kpi.actions import NewAction, create_action
from kpi.catalogue import Grain
from kpi.demo import generate, to_csv_bytes
from kpi.ingest import Outcome, ingest_bytes
from kpi.settings import load_settings
from kpi.spc_store import exclude_point
from kpi.targets import Scope, TargetSpec, set_target
from tests.conftest import _use_db
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
    at.selectbox(key="flt_line").select(names["line"]["L2"]).run()
    texts, figures = _shown(at)
    assert any(escaped in t for t in texts if t.startswith("Scrap rate [")), texts
    at.switch_page("pages/delivery.py").run()
    _, figures = _shown(at)
    assert any("&lt;a href" in f for f in figures), "the customer bars carry the names"
