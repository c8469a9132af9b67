"""The management review page through AppTest: figures equal the engine; notes and
decisions are saved with the review and shown at the next one."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
import streamlit as st
from streamlit.proto.Metric_pb2 import Metric

from kpi import store
from kpi.auth import Role, User
from kpi.review import (
    Decision,
    DecisionStatus,
    ItemKind,
    export,
    make_request,
    prepare,
    previous_review,
    save_review,
)
from kpi.review.images import WarmState
from kpi.review.model import Section
from kpi.settings import load_settings
from kpi.views import format_value
from tests import test_access as access
from tests import test_pages_apptest as apptest
from tests.test_review_images import _live_in_group
from ui import review_widgets as rw
from ui.registry import PageId
from ui.safe import md

demo_template = apptest.demo_template  # the same seeded demo year, copied per test
demo_db = apptest.demo_db
open_page = apptest.open_page

AS_OF = dt.date(2026, 11, 15)


def _engine(url: str):
    return store.create_engine(load_settings(url))


def _review(at, period: str):
    at.text_input(key="rv_period").input(period).run()
    at.date_input(key="rv_as_of").set_value(AS_OF).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_page_shows_the_engine_figures(demo_db: str):
    at = _review(open_page(PageId.REVIEW), "2026-Q3")
    engine = _engine(demo_db)
    pack = prepare(engine, make_request("2026-Q3", "previous", AS_OF))
    engine.dispose()
    shown = {m.label: m.value for m in at.metric}
    for o in pack.objectives:
        assert shown[o.label] == format_value(o.value, o.unit)
    captions = " ".join(c.value for c in at.caption)
    assert md(pack.objective("scrap_rate").sentence) in captions  # shown as text
    headings = [s.value for s in at.subheader]
    assert "Performance of external providers (§9.3.2 c 7)" in headings
    assert at.get("plotly_chart"), "small trend charts"
    assert [b.label for b in at.get("download_button")] == ["PPTX", "PDF", "XLSX"]


def test_a_bad_period_is_a_message_not_a_crash(demo_db: str):
    at = open_page(PageId.REVIEW)
    at.text_input(key="rv_period").input("2026-Q5").run()
    assert not at.exception
    assert any("bad period" in e.value for e in at.error)


def test_saving_notes_and_decisions_shows_them_at_the_next_review(demo_db: str):
    at = _review(open_page(PageId.REVIEW), "2026-Q2")
    at.text_area(key=f"rv_note_{Section.AUDITS.value}").input("Internal audit: 2 minor findings")
    at.text_input(key="rv_new_text").input("Scrap task force on L3")
    at.text_input(key="rv_new_owner").input("J. Weber")
    at.selectbox(key="rv_new_kind").select("action")
    at.button(key="rv_add").click().run()
    at.text_input(key="rv_new_text").input("Keep the OEE objective at 85 %")
    at.text_input(key="rv_new_owner").input("Plant manager")
    at.selectbox(key="rv_new_kind").select("decision")
    at.button(key="rv_add").click().run()
    at.button(key="rv_save").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Saved review" in s.value for s in at.success)

    _review(at, "2026-Q3")  # the next review shows what was decided last time
    tables = [d.value for d in at.dataframe if "Decision / action" in d.value.columns]
    assert len(tables) == 1  # this review has no decisions yet: only last time's
    previous = tables[0]
    assert list(previous["Decision / action"]) == [
        "Scrap task force on L3",
        "Keep the OEE objective at 85 %",
    ]
    assert list(previous["Owner"]) == ["J. Weber", "Plant manager"]
    assert any("Review of Q2 2026, saved" in c.value for c in at.caption)

    _review(at, "2026-Q2")  # reopening the saved period brings its notes back
    assert at.text_area(key=f"rv_note_{Section.AUDITS.value}").value == (
        "Internal audit: 2 minor findings"
    )
    audit = store.list_audit(_engine(demo_db))
    assert audit.iloc[0]["action"] == "review.save" and audit.iloc[0]["user_name"] == "tester"


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_the_page_keeps_one_warm_chart_renderer_and_releases_it(demo_db: str):
    at = _review(open_page(PageId.REVIEW), "2026-Q3")
    warm = rw.chart_renderer()  # AppTest runs the page in this process: the same cache
    assert warm.usable, warm.problem  # started by the page load, before any click
    at.run()
    assert rw.chart_renderer() is warm  # reruns and other sessions share it
    assert warm.wait_ready(60), warm.problem
    pid = warm.browser_pid
    pdf = export(prepare(_engine(demo_db), make_request("2026-Q3", "previous", AS_OF)), "pdf",
                 warm=warm)  # fmt: skip
    assert b"/Subtype /Image" in pdf
    assert rw.chart_renderer() is warm and warm.browser_pid == pid

    warm.stop()  # as after a failed render: the next page load starts a fresh one
    fresh = rw.chart_renderer()
    assert fresh is not warm and fresh.usable
    assert _live_in_group(pid) == []  # the first browser and everything it started
    st.cache_resource.clear()  # on_release stops the fresh one (its start is let finish)
    assert fresh.state is WarmState.STOPPED and fresh.browser_pid is not None
    assert _live_in_group(fresh.browser_pid) == []


def _save_q2_review(url: str) -> int:
    engine = _engine(url)
    pack = prepare(engine, make_request("2026-Q2", "previous", AS_OF))
    items = [Decision("Scrap task force on L3", "J. Weber", ItemKind.ACTION),
             Decision("Keep the OEE objective at 85 %", "Plant manager")]  # fmt: skip
    review_id = save_review(engine, load_settings(url, user="tester"), pack, {}, items)
    engine.dispose()
    return review_id


def _previous_table(at):
    return next(d.value for d in at.dataframe if "Decision / action" in d.value.columns)


def test_qa_updates_the_status_of_the_last_reviews_decisions(demo_db: str):
    review_id = _save_q2_review(demo_db)
    access._add(demo_db, "quinn", Role.QA)
    at = _review(access._as(User("quinn", Role.QA), PageId.REVIEW), "2026-Q3")
    assert list(_previous_table(at)["Status"]) == ["open", "open"]
    at.selectbox(key=rw.ITEM_KEY).select(1)  # item numbers, shown with their text
    at.selectbox(key=rw.STATUS_KEY).select(DecisionStatus.DONE.value)
    at.button(key="rv_prev_update").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert list(_previous_table(at)["Status"]) == ["done", "open"]  # the same run shows it
    assert any(f"Item 1 of review {review_id}" in s.value for s in at.success)

    engine = _engine(demo_db)
    stored = previous_review(engine, make_request("2026-Q3").period)["decisions"]
    assert [d.status for d in stored] == ["done", "open"]
    line = store.list_audit(engine).iloc[0]
    engine.dispose()
    assert (line["action"], line["user_name"]) == ("review.decision_status", "quinn")
    assert line["subject"] == f"review {review_id} item 1"
    assert line["detail"] == "Scrap task force on L3: open -> done"

    at.selectbox(key=rw.ITEM_KEY).select(2)
    at.selectbox(key=rw.STATUS_KEY).select(DecisionStatus.DROPPED.value)
    at.button(key="rv_prev_update").click().run()
    assert list(_previous_table(at)["Status"]) == ["done", "dropped"]


def test_a_viewer_sees_last_reviews_decisions_but_cannot_change_them(demo_db: str):
    _save_q2_review(demo_db)
    access._add(demo_db, "vera", Role.VIEWER)
    at = _review(access._as(User("vera", Role.VIEWER), PageId.REVIEW), "2026-Q3")
    assert list(_previous_table(at)["Status"]) == ["open", "open"]
    keys = {w.key for w in at.selectbox} | {b.key for b in at.button}
    assert rw.ITEM_KEY not in keys and "rv_prev_update" not in keys and "rv_save" not in keys
    assert any("needs the QA or admin role" in c.value for c in at.caption)


def test_a_server_set_to_native_pdf_charts_never_starts_a_browser(demo_db, monkeypatch):
    """KPI_PDF_CHARTS=native: the page draws, and nothing constructs a chart renderer."""
    from kpi.review.pdf_export import ChartMode

    class NoBrowser:
        def __init__(self, *args, **kwargs):
            raise AssertionError("a Chromium renderer was started")

    st.cache_resource.clear()
    monkeypatch.setenv(rw.PDF_CHARTS_ENV, "native")
    monkeypatch.setattr(rw, "WarmRenderer", NoBrowser)
    at = _review(open_page(PageId.REVIEW), "2026-Q3")
    assert not at.exception, [e.value for e in at.exception]
    assert rw.pdf_options() == {"charts": ChartMode.NATIVE}
    monkeypatch.delenv(rw.PDF_CHARTS_ENV)
    with pytest.raises(AssertionError, match="renderer was started"):
        rw.pdf_options()  # the default would start one


def test_a_fall_is_shown_as_a_fall_in_the_change_badges(demo_db: str):
    """st.metric reads only an ASCII '-' as negative: '−0.2 pp' (U+2212) showed green and
    up. Failed before: the deltas kept the typographic minus."""
    at = _review(open_page(PageId.REVIEW), "2026-Q3")
    engine = _engine(demo_db)
    pack = prepare(engine, make_request("2026-Q3", "previous", AS_OF))
    engine.dispose()
    shown = {m.label: m.proto for m in at.metric}
    falls = [o for o in pack.objectives if o.change == o.change and o.change < 0]
    assert falls, "the demo's Q3 has KPIs that fell"
    for o in falls:
        metric = shown[o.label]
        if metric.delta.startswith("±"):  # rounds to zero: no arrow, no colour
            assert metric.direction == Metric.MetricDirection.NONE
            continue
        assert metric.direction == Metric.MetricDirection.DOWN, (o.label, metric.delta)
        worse = o.direction.value == "higher"
        assert metric.color == (Metric.MetricColor.RED if worse else Metric.MetricColor.GREEN)
