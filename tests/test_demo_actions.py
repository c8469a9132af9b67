"""Demo corrective actions (issue 16 item 7): the CAPA loop is visible on a fresh demo.

Failed before: ``python -m kpi demo`` and the app's first start left the Corrective
actions page empty.
"""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.actions import Status, list_actions
from kpi.alerts import current_alerts
from kpi.demo_actions import seed_demo_actions
from kpi.settings import load_settings
from tests.conftest import ROOT, run_cli

APP = str(ROOT / "app.py")


def test_the_demo_command_opens_actions_linked_to_live_l5_alerts(db_url: str) -> None:
    seeded = run_cli("demo", "--db", db_url)
    assert seeded.returncode == 0, seeded.stderr
    assert "opened 3 demo corrective actions" in seeded.stdout
    again = run_cli("demo", "--db", db_url)
    assert again.returncode == 0 and "corrective actions" not in again.stdout
    engine = store.create_engine(load_settings(db_url))
    try:
        actions = list_actions(engine, today=dt.date(2026, 11, 1))
        live = {a.alert_id: a for a in current_alerts(engine)}
    finally:
        engine.dispose()
    assert len(actions) == 3
    assert set(actions["status"]) == {Status.OPEN, Status.IN_PROGRESS, Status.VERIFIED_EFFECTIVE}
    linked = actions.dropna(subset=["alert_id"])
    assert len(linked) == 2 and set(linked["scope"]) == {"line=L5;plant=Plant 2"}
    for alert_id in linked["alert_id"]:
        assert alert_id in live and live[alert_id].scope == {"plant": "Plant 2", "line": "L5"}


def test_the_actions_page_shows_them(demo_db: str) -> None:
    engine = store.create_engine(load_settings(demo_db))
    assert len(seed_demo_actions(engine)) == 3
    assert seed_demo_actions(engine) == []  # never into a database that has actions
    engine.dispose()
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/actions.py").run()
    assert not at.exception, [e.value for e in at.exception]
    listed = next(d.value for d in at.dataframe if "action_id" in d.value.columns)
    assert len(listed) == 3 and listed["description"].str.contains("L5 scrap").any()
