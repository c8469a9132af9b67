"""Data and URL parameters are shown as text, never as markdown or HTML (issue 14 item 11)."""

from __future__ import annotations

import re

import pandas as pd
from streamlit.testing.v1 import AppTest

from kpi import charts
from tests.test_pages_apptest import demo_db, demo_template  # noqa: F401
from tests.test_pages_spc_actions import _open
from ui.registry import PageId
from ui.safe import md

IMAGE = "![t](http://host/x.png)"
LINK = "<a href='http://host/'>c</a> <b>L1</b>"
_UNESCAPED = re.compile(r"(?<!\\)(!\[|\]\(|<[ab]\b|://)")


def _shown(at: AppTest) -> list[str]:
    elements = [*at.markdown, *at.caption, *at.success, *at.error, *at.warning, *at.info]
    return [e.value for e in elements]


def test_md_leaves_no_markup() -> None:
    for value in (IMAGE, LINK, "x` **y** `", ":red[big]", "1. item", "line\n# head"):
        escaped = md(value)
        assert not _UNESCAPED.search(escaped) and not re.search(r"(?<!\\)`", escaped), escaped
        assert "\n" not in escaped


def test_actions_page_shows_owner_and_alert_parameter_as_text(demo_db: str) -> None:  # noqa: F811
    alert = "spc:scrap_rate:line=L5:week:2026-10-19"
    at = _open(PageId.ACTIONS, {"alert": alert, "kpi": "scrap_rate", "line": "L5",
                                "period": "2026-10-19", "grain": "week"})  # fmt: skip
    at.text_area(key="ca_desc").input("L5 scrap drift")
    at.text_input(key="ca_owner").input(IMAGE)
    at.button(key="ca_create").click().run()
    assert not at.exception
    shown = _shown(at)
    assert any("owner \\!\\[t\\]\\(http\\://host/x.png\\)" in s for s in shown), shown
    assert not [s for s in shown if _UNESCAPED.search(s)], shown


def test_actions_page_alert_parameter_cannot_break_out(demo_db: str) -> None:  # noqa: F811
    at = _open(PageId.ACTIONS, {"alert": f"x` {IMAGE} `", "kpi": "scrap_rate"})
    assert not at.exception
    shown = _shown(at)
    assert not [s for s in shown if _UNESCAPED.search(s)], shown


def test_chart_labels_are_text() -> None:
    frame = pd.DataFrame(
        {"kpi": "otd", "customer": [LINK, IMAGE], "value": [0.9, 0.8], "status": "met",
         "target": 0.95, "period": pd.Timestamp("2026-01-05")}
    )  # fmt: skip
    figures = [
        charts.bars_by(frame, "otd", "customer", title=f"OTD for {LINK}"),
        charts.trend(frame, "otd", split="customer"),
        charts.pareto(frame, "customer", "value"),
        charts.heatmap(pd.DataFrame([[1.0]], index=[LINK], columns=[LINK])),
    ]
    for fig in figures:
        text = fig.to_json()
        assert "<a href" not in text and "<b>" not in text, text[:500]
        assert "&lt;a href" in text
