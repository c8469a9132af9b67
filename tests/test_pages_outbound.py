"""AppTest for the outbound pages: Notifications (subscriptions) and Scheduled packs."""

from __future__ import annotations

from kpi import store
from kpi.notify.subscriptions import Cadence, list_subscriptions
from kpi.schedules.book import Report, list_schedules
from kpi.schedules.rules import Window
from kpi.settings import load_settings
from tests.test_pages_apptest import demo_db, demo_template, open_page  # noqa: F401
from ui.registry import PageId


def _engine(url: str):
    return store.create_engine(load_settings(url))


def test_subscribe_refuse_a_bad_address_and_unsubscribe(demo_db: str):  # noqa: F811
    at = open_page(PageId.SUBSCRIPTIONS)
    at.text_input(key="sub_address").input("not an address")
    at.button(key="sub_add").click().run()
    assert "neither an e-mail address" in at.error[0].value
    assert list_subscriptions(_engine(demo_db)) == []
    at.text_input(key="sub_address").input("pm@example.com")
    at.multiselect(key="sub_lines").select("L5")
    at.multiselect(key="sub_kpis").select("scrap_rate")
    at.radio(key="sub_cadence").set_value(Cadence.DAILY).run()
    at.number_input(key="sub_hour").set_value(6)
    at.button(key="sub_add").click().run()
    assert not at.exception and not at.error
    (sub,) = list_subscriptions(_engine(demo_db))
    assert (sub.user_name, sub.address, sub.lines, sub.kpis) == (
        "demo", "pm@example.com", ("L5",), ("scrap_rate",))  # fmt: skip
    assert (sub.cadence, sub.digest_hour) == (Cadence.DAILY, 6)
    assert at.dataframe[0].value["address"].tolist() == ["pm@example.com"]
    at.button(key="sub_remove_button").click().run()
    assert list_subscriptions(_engine(demo_db)) == []
    audit = store.list_audit(_engine(demo_db))
    assert {"subscription.add", "subscription.remove"} <= set(audit["action"])


def test_admin_adds_toggles_and_removes_a_schedule(demo_db: str):  # noqa: F811
    at = open_page(PageId.SCHEDULES)
    at.text_input(key="sch_name").input("Quarterly pack")
    at.text_input(key="sch_rule").input("quarterly 32 07:00")
    at.text_area(key="sch_to").input("role:admin, ceo@example.com")
    at.button(key="sch_add").click().run()
    assert "use a day of the month from 1 to 28" in at.error[0].value
    assert list_schedules(_engine(demo_db)) == []
    at.text_input(key="sch_rule").input("quarterly 1 07:00")
    at.selectbox(key="sch_report").set_value(Report.REVIEW_PACK).run()
    at.selectbox(key="sch_window").set_value(Window.LAST_QUARTER)
    at.selectbox(key="sch_format").set_value("pdf")
    at.button(key="sch_add").click().run()
    assert not at.exception and not at.error
    (spec,) = list_schedules(_engine(demo_db))
    assert (spec.rule, spec.report, spec.window, spec.format, spec.recipients) == (
        "quarterly 1 07:00", Report.REVIEW_PACK, Window.LAST_QUARTER, "pdf",
        ("role:admin", "ceo@example.com"))  # fmt: skip
    assert at.dataframe[0].value["name"].tolist() == ["Quarterly pack"]
    at.button(key="sch_toggle").click().run()
    assert not list_schedules(_engine(demo_db))[0].enabled
    at.button(key="sch_remove").click().run()
    assert list_schedules(_engine(demo_db)) == []
    assert {"schedule.add", "schedule.update", "schedule.remove"} <= set(
        store.list_audit(_engine(demo_db))["action"])  # fmt: skip
