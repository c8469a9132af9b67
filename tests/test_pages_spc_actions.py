"""AppTest for the SPC and corrective-action pages, and the alerts on the Overview."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.actions import Status, get_action, list_actions
from kpi.settings import load_settings
from tests.test_pages_apptest import APP, demo_db, demo_template, empty_db  # noqa: F401
from ui.registry import PageId


def _open(page: PageId, params: dict[str, str] | None = None) -> AppTest:
    """Start on the Overview, then follow a link to ``page`` with ``params`` (as a click does)."""
    at = AppTest.from_file(APP, default_timeout=120).run()
    if page is not PageId.OVERVIEW:
        at.query_params.clear()
        at.query_params.update(params or {})
        at.query_params["focus"] = "1"
        at.switch_page(f"pages/{page.value}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _engine(url: str):
    return store.create_engine(load_settings(url))


def test_spc_page_shows_the_l5_signal_from_a_link(demo_db: str):  # noqa: F811
    params = {"kpi": "scrap_rate", "chart": "p", "line": "L5", "grain": "week",
              "from": "2026-04-26", "to": "2026-10-25"}  # fmt: skip
    at = _open(PageId.SPC, params)
    assert at.selectbox(key="spc_kpi").value == "scrap_rate"
    assert at.selectbox(key="flt_line").value == "L5"
    assert at.get("plotly_chart"), "the control chart"
    signals = at.dataframe[0].value
    last = signals[signals["period"] == dt.date(2026, 10, 19)]
    assert "WE1" in set(last["rule"]) and "beyond 3σ" in " ".join(last["meaning"])
    at.radio(key="spc_rules").set_value("nelson").run()
    assert "N1" in set(at.dataframe[0].value["rule"])


def test_spc_page_freezes_a_baseline_and_excludes_a_point(demo_db: str):  # noqa: F811
    at = _open(PageId.SPC, {"kpi": "scrap_rate", "line": "L5", "grain": "week"})
    periods = at.selectbox(key="spc_b_from").options
    at.selectbox(key="spc_b_from").set_value(dt.date.fromisoformat(periods[0])).run()
    at.selectbox(key="spc_b_to").set_value(dt.date.fromisoformat(periods[10])).run()
    at.button(key="spc_freeze").click().run()
    assert not at.exception
    assert "frozen baseline" in " ".join(c.value for c in at.caption)
    at.text_input(key="spc_x_reason").input("power cut, known cause")
    at.button(key="spc_exclude").click().run()
    assert "1 excluded point" in " ".join(c.value for c in at.caption)
    audit = store.list_audit(_engine(demo_db))
    assert {"spc.baseline", "spc.exclude"} <= set(audit["action"])


def test_actions_page_opens_from_an_alert_and_moves_the_status(demo_db: str):  # noqa: F811
    alert = "spc:scrap_rate:line=L5:week:2026-10-19"
    at = _open(PageId.ACTIONS, {"alert": alert, "kpi": "scrap_rate", "line": "L5",
                                "period": "2026-10-19", "grain": "week"})  # fmt: skip
    assert at.selectbox(key="ca_new_line").value == ("Plant 2", "L5")  # the line's plant
    at.text_area(key="ca_desc").input("L5 scrap drift")
    at.text_input(key="ca_owner").input("Ana")
    at.button(key="ca_create").click().run()
    assert not at.exception and at.success
    engine = _engine(demo_db)
    act = list_actions(engine).iloc[0]
    assert act["alert_id"] == alert and act["scope"] == "line=L5;plant=Plant 2"
    at.selectbox(key=f"ca_status_{act['action_id']}").set_value(Status.IN_PROGRESS).run()
    at.button(key="ca_save").click().run()
    assert get_action(engine, int(act["action_id"]))["status"] == Status.IN_PROGRESS
    at.selectbox(key=f"ca_status_{act['action_id']}").set_value(Status.DONE).run()
    at.button(key="ca_save").click().run()
    assert at.error, "done without root cause and action taken is refused"
    assert len(at.dataframe[-1].value) == 2


def test_overview_lists_alerts_with_links(demo_db: str):  # noqa: F811
    at = _open(PageId.OVERVIEW)
    text = " ".join(m.value for m in at.markdown)
    assert r"Scrap rate \[line=L5;plant=Plant 2\] is out of statistical control" in text
    links = [link.proto for link in at.get("page_link") if link.proto.label == "Chart"]
    assert any("line=L5" in p.query_string and "kpi=scrap_rate" in p.query_string for p in links)


def test_spc_page_on_an_empty_database(empty_db: str):  # noqa: F811
    at = _open(PageId.SPC)
    assert at.info


def test_spc_page_charts_defects_per_unit_as_a_u_chart(demo_db: str):  # noqa: F811
    at = _open(PageId.SPC, {"kpi": "defects_per_unit", "line": "L5", "grain": "week"})
    assert at.selectbox(key="spc_kpi").value == "defects_per_unit"
    chart = at.selectbox(key="spc_chart")
    assert chart.value == "u" and list(chart.options) == [
        "u chart (defects per unit, variable n)",
        "Laney p′/u′ chart (p or u limits widened by σz, for large subgroups)",
        "I-MR chart (individual values and moving range)",
    ]
    assert "u chart (defects per unit" in " ".join(c.value for c in at.caption)
    assert at.get("plotly_chart"), "the control chart"
    text = " ".join(m.value for m in at.markdown)
    definition = "**Defects per unit** (per unit, lower is better): Σ quantity of recorded defects"
    assert definition in text


def test_spc_page_on_a_window_without_data_says_so(demo_db: str):  # noqa: F811
    """Downtime minutes default to I-MR, which used to fail on a window with no points."""
    params = {"kpi": "downtime_minutes", "line": "L5", "grain": "week",
              "from": "2020-01-06", "to": "2020-03-29"}  # fmt: skip
    at = _open(PageId.SPC, params)
    assert at.selectbox(key="spc_chart").value == "imr"
    assert "No downtime data in the selected window" in " ".join(i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_a_new_action_shows_in_the_list_at_once(demo_db: str):  # noqa: F811
    """Failed before: the list was drawn before the click and still said there were none."""
    at = _open(PageId.ACTIONS, {})
    before = len(list_actions(_engine(demo_db)))
    at.text_area(key="ca_desc").input("L5 scrap drift")
    at.text_input(key="ca_owner").input("Ana")
    at.button(key="ca_create").click().run()
    assert not at.exception
    assert any("opened" in s.value for s in at.success)
    listed = next(d.value for d in at.dataframe if "action_id" in d.value.columns)
    assert len(listed) == before + 1 and "L5 scrap drift" in set(listed["description"])
    assert not [c for c in at.caption if "No corrective actions match" in c.value]
    new_id = int(list_actions(_engine(demo_db)).iloc[0]["action_id"])
    assert at.selectbox(key="ca_pick").value == new_id
