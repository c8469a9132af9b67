"""Signals worth a message: the alert list (target misses, SPC signals) and overdue actions.

Why no second detector: target misses and SPC signals come from ``kpi.alerts`` and
overdue corrective actions from ``kpi.actions``, exactly as the Overview and the
Corrective actions page show them. Ids are deterministic (an alert's id; an overdue action
is keyed by its due date), so a signal is "new" only once; acknowledged alerts are skipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa

from kpi.actions import list_actions
from kpi.alerts import Alert, AlertKind, acknowledgements, current_alerts
from kpi.notify.config import Outbound
from kpi.spc_store import parse_scope, scope_key
from kpi.variables_store import chart_label
from kpi.views import plants_and_lines

FOCUS = {"focus": "1"}  # the app's link parameter: apply the link's filters mid-session


class Event(StrEnum):
    TARGET_MISS = "target_miss"
    SPC_SIGNAL = "spc_signal"
    OVERDUE_ACTION = "overdue_action"


EVENT_LABELS = {
    Event.TARGET_MISS: "Target missed",
    Event.SPC_SIGNAL: "SPC signal",
    Event.OVERDUE_ACTION: "Corrective action overdue",
}
_FROM_ALERT = {AlertKind.TARGET_MISS: Event.TARGET_MISS, AlertKind.SPC_SIGNAL: Event.SPC_SIGNAL}


@dataclass(frozen=True)
class Signal:
    signal_id: str
    event: Event
    kpi: str
    plant: str | None
    line: str | None
    title: str
    message: str
    link: str


def collect_signals(
    bind: sa.Engine | sa.Connection, outbound: Outbound, today: dt.date, near_band: float = 0.10
) -> list[Signal]:
    """Every current, unacknowledged signal with a link back to its chart or action."""
    plant_of = {ln: p for p, lines in plants_and_lines(bind).items() for ln in lines}
    acked = acknowledgements(bind)
    alerts = [a for a in current_alerts(bind, near_band=near_band) if a.alert_id not in acked]
    out = [_from_alert(a, plant_of, outbound) for a in alerts]
    overdue = list_actions(bind, overdue=True, today=today)
    for row in overdue.itertuples(index=False):
        out.append(_from_action(row, plant_of, outbound))
    return out


def _where(scope: dict[str, str], plant_of: dict[str, str]) -> tuple[str | None, str | None]:
    line = scope.get("line")
    return scope.get("plant") or (plant_of.get(line) if line else None), line


def _from_alert(alert: Alert, plant_of: dict[str, str], outbound: Outbound) -> Signal:
    event = _FROM_ALERT[alert.kind]
    plant, line = _where(alert.scope, plant_of)
    title = (
        f"{EVENT_LABELS[event]}: {chart_label(alert.kpi)} [{scope_key(alert.scope)}], "
        f"{alert.grain.value} of {alert.period}"
    )
    link = outbound.link("spc", alert.link_params() | FOCUS)
    return Signal(alert.alert_id, event, alert.kpi, plant, line, title, alert.message, link)


def _from_action(row, plant_of: dict[str, str], outbound: Outbound) -> Signal:
    scope = parse_scope(row.scope)
    plant, line = _where(scope, plant_of)
    label = chart_label(row.kpi)
    title = f"{EVENT_LABELS[Event.OVERDUE_ACTION]}: #{row.action_id} {label} [{row.scope}]"
    message = (
        f"Corrective action #{row.action_id} ({row.description}) owned by {row.owner} was "
        f"due on {row.due_date} and is still {row.status}."
    )
    link = outbound.link("actions", {"kpi": row.kpi} | ({"line": line} if line else {}))
    signal_id = f"action-overdue:{row.action_id}:{row.due_date}"
    return Signal(signal_id, Event.OVERDUE_ACTION, row.kpi, plant, line, title, message, link)
