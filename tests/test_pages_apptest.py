"""Every page through Streamlit's AppTest, with the demo year and with an empty database.

The demo is seeded once per session into a template file; each test copies it (and its
archive folder) into tmp_path and points KPI_DB_URL at the copy.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from kpi import store, views
from kpi.demo import seed_demo
from kpi.settings import load_settings
from ui.registry import PAGES, PageId

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
SAMPLES = ROOT / "data" / "samples"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("demo")
    settings = load_settings(f"duckdb:///{folder / 'kpi.duckdb'}", user="demo")
    engine = store.create_engine(settings)
    seed_demo(engine, settings)
    engine.dispose()
    return folder


def _use_db(monkeypatch: pytest.MonkeyPatch, db: Path) -> str:
    url = f"duckdb:///{db}"
    monkeypatch.setenv("KPI_DB_URL", url)
    monkeypatch.setenv("KPI_NO_DEMO", "1")
    monkeypatch.setenv("KPI_USER", "tester")
    monkeypatch.delenv("KPI_ARCHIVE_DIR", raising=False)
    st.cache_data.clear()
    st.cache_resource.clear()
    return url


@pytest.fixture
def demo_db(demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for item in demo_template.iterdir():
        copy = shutil.copytree if item.is_dir() else shutil.copy
        copy(item, tmp_path / item.name)
    return _use_db(monkeypatch, tmp_path / "kpi.duckdb")


@pytest.fixture
def empty_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return _use_db(monkeypatch, tmp_path / "kpi.duckdb")


def open_page(page: PageId) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    if page is not PageId.OVERVIEW:
        at.switch_page(f"pages/{page.value}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _engine(url: str):
    return store.create_engine(load_settings(url))


def charts_of(at: AppTest) -> list:
    return at.get("plotly_chart")


@pytest.mark.parametrize("page", list(PageId))
def test_every_page_renders_with_demo_data(demo_db: str, page: PageId):
    at = open_page(page)
    spec = next(s for s in PAGES if s.page is page)
    assert at.title[0].value == spec.label
    links = at.sidebar.get("page_link")
    assert len(links) == len(PAGES)
    if spec.filters:
        assert charts_of(at) or at.metric, "a dashboard shows charts or tiles"
        assert not at.info, [i.value for i in at.info]


@pytest.mark.parametrize("page", list(PageId))
def test_every_page_renders_on_an_empty_database(empty_db: str, page: PageId):
    at = open_page(page)
    spec = next(s for s in PAGES if s.page is page)
    if spec.filters:
        assert at.info, "an empty dashboard says why it is empty"


def test_overview_tiles_equal_the_engine(demo_db: str):
    at = open_page(PageId.OVERVIEW)
    engine = _engine(demo_db)
    expected = {t.label: t for t in views.tiles(engine, views.default_filters(engine))}
    shown = {m.label: m.value for m in at.metric}
    assert set(shown) == set(expected)
    for label, tile in expected.items():
        assert shown[label] == views.format_value(tile.value, tile.unit)
    assert at.query_params["grain"] == ["week"] or at.query_params["grain"] == "week"
    assert at.dataframe, "the target misses table"


def test_changing_filters_changes_the_view_and_the_url(demo_db: str):
    at = open_page(PageId.OVERVIEW)
    before = {m.label: m.value for m in at.metric}
    at.selectbox(key="flt_line").select("L5").run()
    at.selectbox(key="flt_grain").select("month").run()
    assert not at.exception
    after = {m.label: m.value for m in at.metric}
    assert after["Scrap rate"] != before["Scrap rate"]
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    assert params["line"] == "L5" and params["grain"] == "month"
    at.switch_page("pages/quality.py").run()  # the view follows to the next page
    assert at.selectbox(key="flt_line").value == "L5"


def test_a_shared_link_opens_the_same_view(demo_db: str):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update({"from": "2026-01-01", "to": "2026-03-31", "grain": "month"})
    at.query_params["plant"] = "Plant 2"
    at.run()
    assert not at.exception
    assert str(at.date_input(key="flt_from").value) == "2026-01-01"
    assert at.selectbox(key="flt_grain").value == "month"
    assert at.selectbox(key="flt_plant").value == "Plant 2"
