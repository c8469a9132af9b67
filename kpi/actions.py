"""Corrective actions (ISO 9001 §10.2): what triggered them, who owns them, did they work.

Why a state machine: §10.2 asks to review the effectiveness of any corrective action, so
an action may only be verified after it is done, and a "not effective" verdict sends it
back to work. Every change is one row per field in the history table plus an audit line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa

from kpi import clock
from kpi.catalogue import Grain, get_kpi
from kpi.metrics import compute, connected, make_query
from kpi.spc_store import parse_scope, scope_key
from kpi.store import next_id, now, record_audit
from kpi.tables import corrective_action_history as history
from kpi.tables import corrective_actions as actions
from kpi.variables_store import MEASURE_PREFIX, check_key, is_measure_key


class Status(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    VERIFIED_EFFECTIVE = "verified_effective"
    VERIFIED_NOT_EFFECTIVE = "verified_not_effective"


TRANSITIONS: dict[Status, frozenset[Status]] = {
    Status.OPEN: frozenset({Status.IN_PROGRESS}),
    Status.IN_PROGRESS: frozenset({Status.DONE}),
    Status.DONE: frozenset(
        {Status.VERIFIED_EFFECTIVE, Status.VERIFIED_NOT_EFFECTIVE, Status.IN_PROGRESS}
    ),
    Status.VERIFIED_NOT_EFFECTIVE: frozenset({Status.IN_PROGRESS}),
    Status.VERIFIED_EFFECTIVE: frozenset(),
}
ACTIVE = (Status.OPEN, Status.IN_PROGRESS)
EDITABLE = ("description", "owner", "due_date", "root_cause", "action_taken",
            "effectiveness", "effective_from")  # fmt: skip


class ActionError(ValueError):
    """A refused create or update, with a message fit for the user."""


@dataclass(frozen=True)
class NewAction:
    kpi: str
    description: str
    owner: str
    due_date: dt.date
    scope: Mapping[str, str] | None = None
    grain: str | None = None
    period: dt.date | None = None
    alert_id: str | None = None


def create_action(engine: sa.Engine, user: str, new: NewAction) -> int:
    """Open a corrective action (from an alert or by hand); returns its id."""
    if is_measure_key(new.kpi):
        check_key(engine, new.kpi)
    else:
        get_kpi(new.kpi)
    if not new.description.strip() or not new.owner.strip():
        raise ActionError("a corrective action needs a description and an owner")
    _check_origin(new)
    stamp = now()
    values = dict(
        kpi=new.kpi, scope=scope_key(new.scope), grain=new.grain, period=new.period,
        alert_id=new.alert_id, description=new.description.strip(), owner=new.owner.strip(),
        due_date=new.due_date, status=Status.OPEN.value, created_at=stamp, created_by=user,
        updated_at=stamp, updated_by=user,
    )  # fmt: skip
    with engine.begin() as conn:
        action_id = next_id(conn, actions.c.action_id)
        conn.execute(actions.insert().values(action_id=action_id, **values))
        _log(conn, action_id, user, stamp, {"status": ("", Status.OPEN.value)})
        record_audit(conn, user, "action.create", f"action {action_id}", new.description)
    return action_id


def _check_origin(new: NewAction) -> None:
    """Refuse a grain or alert that no alert could have produced (they arrive by URL).

    An alert id reads ``target|spc:KPI:SCOPE:GRAIN:YYYY-MM-DD``; it must name this
    action's KPI, grain and period.
    """
    grains = {g.value for g in Grain}
    if new.grain is not None and new.grain not in grains:
        raise ActionError(f"unknown grain {new.grain[:40]!r}; choose from {', '.join(grains)}")
    if new.alert_id is None:
        return
    kind, _, rest = new.alert_id.partition(":")
    if is_measure_key(rest):  # the key itself holds a colon: measure:product/name
        head, _, rest = rest.removeprefix(MEASURE_PREFIX).partition(":")
        kpi = MEASURE_PREFIX + head
    else:
        kpi, _, rest = rest.partition(":")
    parts = rest.rsplit(":", 2)
    expected = [new.grain, str(new.period)]
    if kind not in ("target", "spc") or kpi != new.kpi or len(parts) != 3 or parts[1:] != expected:
        raise ActionError(f"alert {new.alert_id[:80]!r} is not an alert of this KPI and period")


def check_transition(old: Status, new: Status, row: Mapping[str, Any]) -> None:
    """Refuse a move the lifecycle does not allow, or one without its evidence."""
    if new is old:
        return
    if new not in TRANSITIONS[old]:
        allowed = ", ".join(s.value for s in TRANSITIONS[old]) or "none (closed)"
        raise ActionError(f"cannot go from {old.value} to {new.value}; allowed: {allowed}")
    if new is Status.DONE and not (row["root_cause"] and row["action_taken"]):
        raise ActionError("record the root cause and the action taken before 'done'")
    if new.value.startswith("verified") and not row["effectiveness"]:
        raise ActionError("record the effectiveness check before verifying")


def update_action(engine: sa.Engine, user: str, action_id: int, **changes: Any) -> None:
    """Change fields and/or status in one audited transaction; every field is logged."""
    unknown = set(changes) - set(EDITABLE) - {"status"}
    if unknown:
        raise ActionError(f"cannot change {', '.join(sorted(unknown))}")
    with engine.begin() as conn:
        row = conn.execute(sa.select(actions).where(actions.c.action_id == action_id)).first()
        if row is None:
            raise ActionError(f"no corrective action with id {action_id}")
        current = dict(row._mapping)
        merged = current | {k: v for k, v in changes.items() if k != "status"}
        if "status" in changes:
            check_transition(Status(current["status"]), Status(changes["status"]), merged)
            merged["status"] = Status(changes["status"]).value
        diff = {k: (current[k], merged[k]) for k in changes if current[k] != merged[k]}
        if not diff:
            return
        stamp = now()
        values = {k: new for k, (_, new) in diff.items()}
        conn.execute(
            actions.update()
            .where(actions.c.action_id == action_id)
            .values(**values, updated_at=stamp, updated_by=user)
        )
        _log(conn, action_id, user, stamp, diff)
        detail = "; ".join(f"{k}: {_text(o)} -> {_text(n)}" for k, (o, n) in diff.items())
        record_audit(conn, user, "action.update", f"action {action_id}", detail)


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _log(conn: sa.Connection, action_id: int, user: str, stamp, diff: dict) -> None:
    for field_name, (old, new) in diff.items():
        conn.execute(
            history.insert().values(
                change_id=next_id(conn, history.c.change_id), action_id=action_id,
                changed_at=stamp, changed_by=user, field=field_name,
                old_value=_text(old), new_value=_text(new),
            )
        )  # fmt: skip


def list_actions(
    bind: sa.Engine | sa.Connection,
    *,
    open_only: bool = False,
    overdue: bool = False,
    line: str | None = None,
    kpi: str | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Actions, newest first; overdue = still open or in progress after the due date."""
    query = sa.select(actions).order_by(actions.c.action_id.desc())
    if open_only or overdue:
        query = query.where(actions.c.status.in_([s.value for s in ACTIVE]))
    if overdue:
        query = query.where(actions.c.due_date < (today or clock.today()))
    if kpi:
        query = query.where(actions.c.kpi == kpi)
    with connected(bind) as conn:
        rows = conn.execute(query).mappings().all()
    df = pd.DataFrame(rows, columns=[c.name for c in actions.columns])
    if line:
        df = df[np.array([parse_scope(s).get("line") == line for s in df["scope"]], dtype=bool)]
    df["overdue"] = [
        d < (today or clock.today()) and s in {a.value for a in ACTIVE}
        for d, s in zip(df["due_date"], df["status"], strict=True)
    ]
    return df.reset_index(drop=True)


def get_action(bind: sa.Engine | sa.Connection, action_id: int) -> dict[str, Any]:
    with connected(bind) as conn:
        row = conn.execute(sa.select(actions).where(actions.c.action_id == action_id)).first()
    if row is None:
        raise ActionError(f"no corrective action with id {action_id}")
    return dict(row._mapping)


def action_history(bind: sa.Engine | sa.Connection, action_id: int) -> pd.DataFrame:
    """Every change of one action, oldest first (creation is the first row)."""
    query = sa.select(history).where(history.c.action_id == action_id).order_by(history.c.change_id)
    with connected(bind) as conn:
        rows = conn.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in history.columns])


def effect_check(bind: sa.Engine | sa.Connection, action_id: int) -> pd.DataFrame:
    """The KPI in the action's scope before and after ``effective_from`` (to judge the effect).

    'before' is the triggering period (or the four weeks before the change, if the period
    is not earlier) up to the change; 'after' is from the change
    to the newest data. Empty when no effective_from date is recorded yet.
    """
    act = get_action(bind, action_id)
    if not act["effective_from"]:
        return pd.DataFrame(columns=["window", "value", "numerator", "denominator"])
    change = act["effective_from"]
    period = act["period"]
    start = period if period and period < change else change - dt.timedelta(days=28)
    windows = {"before": (start, change - dt.timedelta(days=1)), "after": (change, None)}
    if is_measure_key(act["kpi"]):
        from kpi.variables import capability_effect

        return capability_effect(bind, act["kpi"], parse_scope(act["scope"]), windows)
    rows = []
    for name, (lo, hi) in windows.items():
        q = make_query([act["kpi"]], "total", (), lo, hi, parse_scope(act["scope"]))
        df = compute(bind, q, with_targets=False)
        first = df.iloc[0] if len(df) else None
        rows.append(
            {
                "window": name,
                "value": float(first["value"]) if first is not None else float("nan"),
                "numerator": float(first["numerator"]) if first is not None else float("nan"),
                "denominator": float(first["denominator"]) if first is not None else float("nan"),
            }
        )
    return pd.DataFrame(rows)
