"""Demo corrective actions, so a new user sees the CAPA loop working on the demo's story.

Why: on a fresh demo the Corrective actions page was empty. Three actions tell the
demo's story: the plant-wide scrap step of 2026-04-01 (closed, verified effective), and
two opened from the alerts of the L5 scrap drift (one in progress with its root cause,
one still open). The alert ids are built exactly as ``kpi.alerts`` builds them for the
latest complete week, so the actions link back to live alerts. Seeded with the demo
at the app's first start and by ``python -m kpi demo``; never into a database that
already has actions.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kpi import demo_layout as lay
from kpi.actions import NewAction, Status, create_action, list_actions, update_action
from kpi.alerts import latest_complete_period
from kpi.catalogue import Grain
from kpi.spc_store import scope_key
from kpi.views import newest_date

USER = "demo"
L5 = {"plant": "Plant 2", "line": lay.DRIFT_LINE}
STEP = dt.date(2026, 4, 1)  # the demo's plant-wide scrap improvement (lay.STEP_DAY)


def seed_demo_actions(engine: sa.Engine) -> list[int]:
    """Open the demo's corrective actions; nothing when actions exist or data is missing."""
    newest = newest_date(engine)
    if newest is None or not list_actions(engine).empty:
        return []
    week, _ = latest_complete_period(newest, Grain.WEEK)
    return [_closed_scrap_step(engine), _l5_drift(engine, week), _l5_oee(engine, week)]


def _alert(kind: str, kpi: str, week: dt.date) -> str:
    return f"{kind}:{kpi}:{scope_key(L5)}:{Grain.WEEK.value}:{week}"


def _closed_scrap_step(engine: sa.Engine) -> int:
    new = NewAction("scrap_rate", "Plant-wide scrap above 3 %: burrs and dimension defects "
                    "on every line", "QA · M. Keller", dt.date(2026, 3, 27),
                    period=dt.date(2026, 3, 2), grain=Grain.MONTH.value)  # fmt: skip
    action_id = create_action(engine, USER, new)
    update_action(engine, USER, action_id, status=Status.IN_PROGRESS)
    update_action(
        engine, USER, action_id, status=Status.DONE, effective_from=STEP,
        root_cause="Deburring station skipped on short runs; gauges out of calibration",
        action_taken="Deburring made mandatory in the routing; gauges recalibrated monthly",
    )  # fmt: skip
    update_action(
        engine, USER, action_id, status=Status.VERIFIED_EFFECTIVE,
        effectiveness="Scrap fell from about 3.2 % to 1.8 % from 2026-04-01 (effect check)",
    )  # fmt: skip
    return action_id


def _l5_drift(engine: sa.Engine, week: dt.date) -> int:
    new = NewAction("scrap_rate", "L5 scrap drifting up since late September; dimension "
                    "out of tolerance dominates", "QA · M. Keller", week + dt.timedelta(days=21),
                    L5, Grain.WEEK.value, week, _alert("spc", "scrap_rate", week))  # fmt: skip
    action_id = create_action(engine, USER, new)
    update_action(
        engine, USER, action_id, status=Status.IN_PROGRESS,
        root_cause="Hob on Hobber 51 past its tool life: dimensions drift as it wears",
    )  # fmt: skip
    return action_id


def _l5_oee(engine: sa.Engine, week: dt.date) -> int:
    new = NewAction("oee", "L5 OEE below target while scrap rises: check the quality loss "
                    "and the extra stops for measuring", "Production · J. Weber",
                    week + dt.timedelta(days=28), L5, Grain.WEEK.value, week,
                    _alert("target", "oee", week))  # fmt: skip
    return create_action(engine, USER, new)
