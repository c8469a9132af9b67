"""Every page through Streamlit's AppTest, with the demo year and with an empty database.

The demo is seeded once per session into a template file; each test copies it (and its
archive folder) into tmp_path and points KPI_DB_URL at the copy.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi import store, views
from kpi.settings import load_settings
from kpi.summary import stale_kinds
from ui.registry import PAGES, PageId

ROOT = Path(__file__).resolve().parent.parent
APP = str(ROOT / "app.py")
SAMPLES = ROOT / "data" / "samples"


# the fixtures live in conftest.py (shared by every page test); re-exported for old imports
from tests.conftest import _use_db, demo_db, demo_template, empty_db  # noqa: E402, F401


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
    assert set(shown) <= set(expected)
    for label, tile in expected.items():
        assert shown.get(label, views.NO_DATA) == tile.shown
    assert at.query_params["grain"] == ["week"] or at.query_params["grain"] == "week"
    assert at.dataframe, "the target misses table"


def test_changing_filters_changes_the_view_and_the_url(demo_db: str):
    at = open_page(PageId.OVERVIEW)
    before = {m.label: m.value for m in at.metric}
    assert at.selectbox(key="flt_line").disabled, "a line is chosen within its plant"
    at.selectbox(key="flt_plant").select("Plant 2").run()
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


def _upload(at: AppTest, name: str) -> AppTest:
    data = (SAMPLES / name).read_bytes()
    at.get("file_uploader")[0].set_value([(name, data, "text/csv")])
    at.run()
    assert not at.exception
    return at.button(key="commit").click().run()


def test_uploading_a_valid_file_changes_the_kpis(demo_db: str, monkeypatch):
    monkeypatch.setenv("KPI_AS_OF", "2026-11-03")  # the sample's last day: its week is current
    at = open_page(PageId.OVERVIEW)
    before = {m.label: m.value for m in at.metric}
    at.switch_page("pages/upload.py").run()
    _upload(at, "production.csv")
    assert not at.exception
    assert any("loaded 20 production rows" in s.value for s in at.success)
    at.button(key="commit").click().run()  # a double click loads once
    assert any("already loaded" in i.value for i in at.info)
    engine = _engine(demo_db)
    assert store.current_row_counts(engine)["production"] == 8488 + 20
    with engine.connect() as conn:  # the upload rebuilt the summaries it left pending
        assert stale_kinds(conn) == frozenset()
    at.switch_page("pages/overview.py").run()
    after = {m.label: m.value for m in at.metric}
    assert after["Scrap rate"] != before["Scrap rate"]
    assert at.date_input(key="flt_to").value.isoformat() == "2026-11-03"  # follows the new data


def test_a_cli_load_is_summarised_when_the_app_next_opens(demo_db: str):
    """A load made outside the app (the CLI defers the rebuild) shows at the next page
    run: the summaries are rebuilt under a status, and the tiles include the new rows."""
    from kpi.ingest import ingest_file

    engine = _engine(demo_db)
    result = ingest_file(engine, load_settings(demo_db, user="cli"), SAMPLES / "production.csv")
    assert result.ok, result.summary()
    with engine.connect() as conn:
        assert "production" in stale_kinds(conn)
    engine.dispose()
    at = open_page(PageId.OVERVIEW)
    assert [s.label for s in at.get("status")] == ["KPI summaries are up to date"]
    with _engine(demo_db).connect() as conn:
        assert stale_kinds(conn) == frozenset()
    again = at.run()  # nothing pending: no status the second time
    assert again.get("status") == []


def test_a_broken_file_shows_every_problem_and_loads_nothing(demo_db: str):
    engine = _engine(demo_db)
    counts = store.current_row_counts(engine)
    engine.dispose()
    at = open_page(PageId.UPLOAD)
    _upload(at, "production_broken.csv")
    assert any("rejected" in e.value for e in at.error)
    problems = at.dataframe[1].value  # [0] is the preview
    assert list(problems.columns) == ["line", "column", "value", "problem"]
    assert sorted(problems["line"]) == [3, 4, 5, 6, 7, 8]
    assert store.current_row_counts(_engine(demo_db)) == counts


def test_undo_the_last_batch(demo_db: str):
    at = open_page(PageId.UPLOAD)
    _upload(at, "downtime.csv")
    newest = int(store.list_batches(_engine(demo_db)).iloc[0]["batch_id"])
    assert at.selectbox(key="batch_pick").value == newest  # newest first
    at.button(key="undo").click().run()
    at.button(key="undo_confirm").click().run()  # the undo asks first
    assert not at.exception
    assert any("undone" in s.value for s in at.success)
    batches = store.list_batches(_engine(demo_db))
    assert batches.iloc[0]["status"] == store.BatchStatus.UNDONE
    with _engine(demo_db).connect() as conn:
        assert stale_kinds(conn) == frozenset()
    assert "undo" not in [b.key for b in at.button]  # an undone batch cannot be undone again


def test_editing_a_target_moves_the_tile(demo_db: str):
    at = open_page(PageId.TARGETS)
    at.selectbox(key="t_kpi").select("scrap_rate").run()
    at.text_input(key="t_value").input("1.5%")
    at.button(key="t_save").click().run()
    assert not at.exception and at.success
    history = at.dataframe[-1].value
    assert "target.set" in set(history["action"])
    at.switch_page("pages/overview.py").run()
    badges = " ".join(m.value for m in at.markdown)
    assert "≤ 1.5 %" in badges
    at.switch_page("pages/targets.py").run()
    at.text_input(key="t_value").input("-1")
    at.button(key="t_save").click().run()
    assert at.error and not at.exception
