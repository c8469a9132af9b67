"""Parameters are strict (issue 14, item 20): dates YYYY-MM-DD only, one --where per
dimension, and a grain or alert from a URL is checked before a corrective action stores it."""

from __future__ import annotations

import datetime as dt

import pytest

from kpi import store
from kpi.actions import ActionError, NewAction, create_action, list_actions
from kpi.catalogue import Grain
from kpi.views import Filters
from tests.conftest import run_cli
from tests.test_report_cli import golden_db  # noqa: F401  (fixture)
from ui import filters

DEFAULT = Filters(dt.date(2026, 1, 1), dt.date(2026, 3, 31), Grain.WEEK, None, None)


@pytest.mark.parametrize("text", ["20260105", "2026-1-5", "2026-W02-1", "2026-01-05T00"])
def test_url_dates_other_than_yyyy_mm_dd_are_ignored(text: str) -> None:
    assert filters.from_params({"from": text}, DEFAULT) == DEFAULT
    assert filters.from_params({"from": "2026-01-05"}, DEFAULT).date_from == dt.date(2026, 1, 5)


def test_two_wheres_on_one_dimension_are_refused(golden_db: str) -> None:  # noqa: F811
    done = run_cli(
        "report", "--kpi", "scrap_rate", "--where", "line=L1", "--where", "line=L2",
        "--db", golden_db,
    )  # fmt: skip
    assert done.returncode == 2, done
    assert "'line' twice" in done.stderr


def _new(**changes) -> NewAction:
    base = dict(
        kpi="scrap_rate", description="Scrap drifting", owner="Ana", due_date=dt.date(2026, 12, 1),
        scope={"line": "L5"}, grain="week", period=dt.date(2026, 10, 19),
        alert_id="spc:scrap_rate:line=L5:week:2026-10-19",
    )  # fmt: skip
    return NewAction(**(base | changes))


@pytest.mark.parametrize(
    "changes",
    [
        {"grain": "fortnight", "alert_id": None},
        {"alert_id": "`){}<b>x</b>"},
        {"alert_id": "spc:oee:line=L5:week:2026-10-19"},
        {"alert_id": "spc:scrap_rate:line=L5:month:2026-10-19"},
    ],
)
def test_a_bad_grain_or_alert_is_never_stored(engine, changes: dict) -> None:  # noqa: ANN001
    with pytest.raises(ActionError):
        create_action(engine, "ana", _new(**changes))
    assert list_actions(engine).empty
    assert store.list_audit(engine).empty
    assert create_action(engine, "ana", _new()) == 1
