"""Corrective actions: the §10.2 lifecycle, the change history and refused transitions."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi import store
from kpi.actions import (
    ActionError,
    NewAction,
    Status,
    action_history,
    create_action,
    effect_check,
    get_action,
    list_actions,
    update_action,
)

DUE = dt.date(2026, 11, 15)


def _new(**kw) -> NewAction:
    base = dict(
        kpi="scrap_rate",
        description="Scrap on L5 drifting up",
        owner="Ana",
        due_date=DUE,
        scope={"line": "L5"},
        grain="week",
        period=dt.date(2026, 10, 19),
        alert_id="spc:scrap_rate:line=L5:week:2026-10-19",
    )
    return NewAction(**(base | kw))  # fmt: skip


def test_lifecycle_to_verified_with_full_history(engine):
    action_id = create_action(engine, "ana", _new())
    assert get_action(engine, action_id)["status"] == Status.OPEN
    update_action(engine, "ana", action_id, status=Status.IN_PROGRESS)
    update_action(engine, "ana", action_id, root_cause="worn hob cutter (5 why)",
                  action_taken="cutter replaced, tool-life limit set to 40k parts")  # fmt: skip
    update_action(engine, "ana", action_id, status=Status.DONE)
    update_action(
        engine, "bo", action_id, effectiveness="scrap back at 1.8 %",
        effective_from=dt.date(2026, 10, 26), status=Status.VERIFIED_EFFECTIVE,
    )  # fmt: skip
    act = get_action(engine, action_id)
    assert act["status"] == Status.VERIFIED_EFFECTIVE and act["updated_by"] == "bo"
    hist = action_history(engine, action_id)
    assert list(hist["field"]) == ["status", "status", "root_cause", "action_taken", "status",
                                   "effectiveness", "effective_from", "status"]  # fmt: skip
    assert list(hist["new_value"][hist["field"] == "status"]) == [
        "open", "in_progress", "done", "verified_effective"]  # fmt: skip
    assert set(hist["changed_by"]) == {"ana", "bo"}
    audit = store.list_audit(engine)
    assert (audit["action"] == "action.update").sum() == 4
    assert (audit["action"] == "action.create").sum() == 1


@pytest.mark.parametrize(
    ("moves", "message"),
    [
        ([Status.DONE], "cannot go from open to done"),
        ([Status.VERIFIED_EFFECTIVE], "cannot go from open to verified_effective"),
        ([Status.IN_PROGRESS, Status.DONE], "root cause and the action taken"),
    ],
)
def test_invalid_transitions_are_refused_and_change_nothing(engine, moves, message):
    action_id = create_action(engine, "ana", _new())
    with pytest.raises(ActionError, match=message):
        for status in moves:
            update_action(engine, "ana", action_id, status=status)
    assert len(action_history(engine, action_id)) == len(moves)  # creation + allowed moves


def test_verification_needs_the_effectiveness_check_and_not_effective_reopens(engine):
    action_id = create_action(engine, "ana", _new())
    update_action(engine, "ana", action_id, status=Status.IN_PROGRESS, root_cause="x",
                  action_taken="y")  # fmt: skip
    update_action(engine, "ana", action_id, status=Status.DONE)
    with pytest.raises(ActionError, match="effectiveness"):
        update_action(engine, "ana", action_id, status=Status.VERIFIED_NOT_EFFECTIVE)
    update_action(engine, "ana", action_id, effectiveness="no change",
                  status=Status.VERIFIED_NOT_EFFECTIVE)  # fmt: skip
    update_action(engine, "ana", action_id, status=Status.IN_PROGRESS)
    assert get_action(engine, action_id)["status"] == Status.IN_PROGRESS


def test_lists_filter_overdue_open_and_line(engine):
    late = create_action(engine, "ana", _new(due_date=dt.date(2026, 1, 1)))
    other = create_action(engine, "ana", _new(scope={"line": "L2"}))
    closed = create_action(engine, "ana", _new(due_date=dt.date(2026, 1, 2)))
    update_action(engine, "ana", closed, status=Status.IN_PROGRESS, root_cause="r",
                  action_taken="a")  # fmt: skip
    update_action(engine, "ana", closed, status=Status.DONE)
    today = dt.date(2026, 6, 1)
    assert list(list_actions(engine, overdue=True, today=today)["action_id"]) == [late]
    assert set(list_actions(engine, open_only=True)["action_id"]) == {late, other}
    assert set(list_actions(engine, line="L2")["action_id"]) == {other}
    assert len(list_actions(engine)) == 3


def test_bad_input_is_refused(engine):
    with pytest.raises(ActionError, match="description and an owner"):
        create_action(engine, "ana", _new(owner=" "))
    with pytest.raises(KeyError):
        create_action(engine, "ana", _new(kpi="nope"))
    with pytest.raises(ActionError, match="no corrective action"):
        update_action(engine, "ana", 99, status=Status.DONE)
    with pytest.raises(ActionError, match="cannot change"):
        update_action(engine, "ana", create_action(engine, "ana", _new()), kpi="yield")


def test_effect_check_without_a_change_date_is_empty(engine):
    action_id = create_action(engine, "ana", _new())
    assert effect_check(engine, action_id).empty
