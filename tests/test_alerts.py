"""Alerts on the demo year, acknowledgement, and the plant manager's path end to end:
L5's scrap drift is a real SPC signal -> which rule fired -> corrective action -> verified."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from kpi import store
from kpi.actions import NewAction, Status, create_action, effect_check, list_actions
from kpi.actions import update_action as update
from kpi.alerts import AlertKind, acknowledge, alerts_frame, current_alerts
from kpi.alerts import latest_complete_period as complete
from kpi.catalogue import Grain
from kpi.demo import seed_demo
from kpi.settings import load_settings
from kpi.spc import ChartType, spc_chart


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    folder: Path = tmp_path_factory.mktemp("alerts")
    settings = load_settings(f"duckdb:///{folder / 'kpi.duckdb'}", user="demo")
    engine = store.create_engine(settings)
    seed_demo(engine, settings)
    yield engine
    engine.dispose()


def test_latest_complete_period():
    assert complete(dt.date(2026, 10, 31), Grain.WEEK) == (
        dt.date(2026, 10, 19),
        dt.date(2026, 10, 25),
    )
    assert complete(dt.date(2026, 11, 1), Grain.WEEK) == (
        dt.date(2026, 10, 26),
        dt.date(2026, 11, 1),
    )
    assert complete(dt.date(2026, 10, 31), Grain.MONTH) == (
        dt.date(2026, 10, 1),
        dt.date(2026, 10, 31),
    )


def test_alerts_judge_the_latest_complete_period_as_of_the_clock(demo, monkeypatch):
    """Issue 13: alerts follow the as-of date like every other surface, not the newest row."""
    monkeypatch.setenv("KPI_AS_OF", "2026-10-11")  # a Sunday: its ISO week is complete
    alerts = current_alerts(demo)
    misses = [a for a in alerts if a.kind is AlertKind.TARGET_MISS]
    assert misses and {a.period for a in misses} == {dt.date(2026, 10, 5)}
    assert {a.window[1] for a in alerts} == {dt.date(2026, 10, 11)}


def test_empty_database_has_no_alerts(engine):
    assert current_alerts(engine) == []
    assert alerts_frame(engine).empty


def test_demo_l5_drift_from_signal_to_verified_action(demo):
    alerts = {a.alert_id: a for a in current_alerts(demo)}
    spc = [a for a in alerts.values() if a.kind is AlertKind.SPC_SIGNAL and a.kpi == "scrap_rate"
           and a.scope == {"plant": "Plant 2", "line": "L5"}]  # fmt: skip
    assert len(spc) == 1, list(alerts)
    alert = spc[0]
    assert "WE1" in alert.rules and "one point beyond 3σ" in alert.message
    assert any(
        a.kind is AlertKind.TARGET_MISS and a.scope == {"plant": "Plant 2", "line": "L5"}
        for a in alerts.values()
    )
    params = alert.link_params()
    assert params["kpi"] == "scrap_rate" and params["line"] == "L5"
    # the demo's weekly scrap is overdispersed (thousands of units a week): a Laney p′ chart
    assert params["chart"] == "laney" and "Laney p′" in alert.message

    # The linked chart shows the same signal, on the Laney chart with per-point limits.
    chart = spc_chart(demo, "scrap_rate", params["grain"], where={"line": "L5"},
                      chart=params["chart"], date_from=dt.date.fromisoformat(params["from"]),
                      date_to=dt.date.fromisoformat(params["to"]))  # fmt: skip
    assert chart.chart is ChartType.LANEY
    last = chart.frame.iloc[-1]
    assert last["period"] == alert.period and "WE1" in last["signals"]
    assert last["value"] > last["ucl"]
    explained = chart.explain()
    assert set(explained[explained["period"] == alert.period]["rule"]) >= {"WE1"}

    action_id = create_action(demo, "manager", NewAction(
        alert.kpi, "L5 scrap drift: investigate hobbing", "QA lead", dt.date(2026, 11, 14),
        alert.scope, alert.grain.value, alert.period, alert.alert_id))  # fmt: skip
    acknowledge(demo, "manager", alert.alert_id, note=f"corrective action {action_id}")
    update(demo, "qa", action_id, status=Status.IN_PROGRESS)
    update(
        demo, "qa", action_id, root_cause="worn hob (dimension defects up)",
        action_taken="hob replaced", effective_from=dt.date(2026, 10, 12), status=Status.DONE,
    )  # fmt: skip
    effect = effect_check(demo, action_id).set_index("window")["value"]
    assert effect["before"] > 0 and effect["after"] > 0
    update(demo, "qa", action_id, effectiveness=f"after {effect['after']:.2%}",
           status=Status.VERIFIED_NOT_EFFECTIVE)  # fmt: skip
    mine = list_actions(demo, line="L5")
    assert list(mine["status"]) == [Status.VERIFIED_NOT_EFFECTIVE]
    assert list(mine["alert_id"]) == [alert.alert_id]
    frame = alerts_frame(demo).set_index("alert_id")
    assert bool(frame.loc[alert.alert_id, "acknowledged"])
    assert frame.loc[alert.alert_id, "acknowledged_by"] == "manager"


def test_acknowledgement_is_audited_once(demo):
    first = current_alerts(demo)[0]
    acknowledge(demo, "ana", first.alert_id)
    acknowledge(demo, "bo", first.alert_id)
    audit = store.list_audit(demo)
    rows = audit[(audit["action"] == "alert.acknowledge") & (audit["subject"] == first.alert_id)]
    assert list(rows["user_name"]) == ["ana"]
    with pytest.raises(ValueError):
        acknowledge(demo, "ana", " ")
