"""The stored schedules: what pack, for which period, to whom; edited by admins, audited.

Recipients are e-mail addresses, chat webhook URLs, or ``role:NAME`` (every account of
that role with an e-mail address, resolved when the run is sent, so a new plant manager
account receives the next pack without editing the schedule).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd
import sqlalchemy as sa

from kpi.auth import Role, list_users
from kpi.metrics import connected
from kpi.notify.channels import check_address
from kpi.review import Format
from kpi.schedules.rules import Window, parse_rule
from kpi.store import next_id, now, record_audit
from kpi.tables import schedule_runs, schedules

ROLE_PREFIX = "role:"


class Report(StrEnum):
    SUMMARY = "summary"  # the objectives in the message body
    REVIEW_PACK = "review-pack"  # the same body, plus the review pack as an attachment


class ScheduleError(ValueError):
    """A refused schedule, with a message naming the bad field."""


@dataclass(frozen=True)
class ScheduleSpec:
    name: str
    rule: str
    recipients: tuple[str, ...]
    report: Report = Report.SUMMARY
    window: Window = Window.LAST_WEEK
    format: str = ""  # pdf | xlsx | pptx, for a review pack
    plant: str = ""
    enabled: bool = True
    schedule_id: int | None = None
    starts_at: dt.datetime | None = None

    @property
    def source(self) -> str:
        return f"schedule {self.schedule_id}"


def split_recipients(text: str) -> tuple[str, ...]:
    return tuple(r for r in re.split(r"[,;\s]+", text or "") if r)


def validate(spec: ScheduleSpec) -> ScheduleSpec:
    """Checks every field; ScheduleError names the first that is wrong."""
    if not spec.name.strip():
        raise ScheduleError("name: give the schedule a name")
    try:
        parse_rule(spec.rule)
        report = Report(spec.report)
        Window(spec.window)
    except ValueError as exc:
        raise ScheduleError(f"schedule: {exc}") from None
    if report is Report.REVIEW_PACK and spec.format not in {f.value for f in Format}:
        raise ScheduleError("format: a review pack is sent as pdf, xlsx or pptx")
    if report is Report.SUMMARY and spec.format:
        raise ScheduleError("format: a summary has no attachment; choose review-pack")
    if not spec.recipients:
        raise ScheduleError("recipients: name at least one address, webhook URL or role:NAME")
    for item in spec.recipients:
        if item.lower().startswith(ROLE_PREFIX):
            if item[len(ROLE_PREFIX) :].lower() not in {r.value for r in Role}:
                raise ScheduleError(f"recipients: {item!r}: roles are viewer, qa, admin")
            continue
        try:
            check_address(item)
        except ValueError as exc:
            raise ScheduleError(f"recipients: {exc}") from None
    return spec


def _values(spec: ScheduleSpec, by: str) -> dict:
    return dict(
        name=spec.name.strip(), rule=parse_rule(spec.rule).text, report=Report(spec.report).value,
        period=Window(spec.window).value, format=spec.format, plant=spec.plant.strip(),
        recipients=",".join(spec.recipients), enabled=spec.enabled, updated_at=now(),
        updated_by=by,
    )  # fmt: skip


def add_schedule(engine: sa.Engine, by: str, spec: ScheduleSpec) -> int:
    """Store a schedule; nothing before now is due (no back-fill of old periods)."""
    validate(spec)
    with engine.begin() as conn:
        new_id = next_id(conn, schedules.c.schedule_id)
        starts = spec.starts_at or now()
        conn.execute(
            schedules.insert().values(schedule_id=new_id, starts_at=starts, **_values(spec, by))
        )
        record_audit(conn, by, "schedule.add", f"schedule {new_id}", spec.rule)
    return new_id


def update_schedule(engine: sa.Engine, by: str, spec: ScheduleSpec) -> None:
    validate(spec)
    with engine.begin() as conn:
        query = schedules.update().where(schedules.c.schedule_id == spec.schedule_id)
        if not conn.execute(query.values(**_values(spec, by))).rowcount:
            raise ScheduleError(f"there is no schedule {spec.schedule_id}")
        record_audit(conn, by, "schedule.update", f"schedule {spec.schedule_id}", spec.rule)


def remove_schedule(engine: sa.Engine, by: str, schedule_id: int) -> None:
    """Delete a schedule; its runs and sent messages stay on record."""
    with engine.begin() as conn:
        gone = schedules.delete().where(schedules.c.schedule_id == schedule_id)
        if not conn.execute(gone).rowcount:
            raise ScheduleError(f"there is no schedule {schedule_id}")
        record_audit(conn, by, "schedule.remove", f"schedule {schedule_id}")


def list_schedules(bind: sa.Engine | sa.Connection) -> list[ScheduleSpec]:
    with connected(bind) as conn:
        rows = conn.execute(sa.select(schedules).order_by(schedules.c.schedule_id)).all()
    return [
        ScheduleSpec(
            r.name, r.rule, split_recipients(r.recipients), Report(r.report), Window(r.period),
            r.format, r.plant, bool(r.enabled), r.schedule_id, r.starts_at,
        )
        for r in rows
    ]  # fmt: skip


def schedules_frame(bind: sa.Engine | sa.Connection) -> pd.DataFrame:
    """The schedules as a table, with each one's last handled run."""
    columns = ["id", "name", "when", "report", "period", "format", "plant", "recipients",
               "enabled", "last_run", "last_status"]  # fmt: skip
    last = {}
    with connected(bind) as conn:
        for r in conn.execute(sa.select(schedule_runs).order_by(schedule_runs.c.due_at)).all():
            last[r.schedule_id] = (r.due_at, r.status)
    rows = [
        [s.schedule_id, s.name, s.rule, s.report.value, s.window.value, s.format,
         s.plant or "all", ", ".join(s.recipients), s.enabled,
         *last.get(s.schedule_id, (None, ""))]
        for s in list_schedules(bind)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def resolve(bind: sa.Engine | sa.Connection, recipients: tuple[str, ...]) -> list[str]:
    """Addresses and URLs as given, roles as their accounts' e-mail addresses (no repeats)."""
    out: list[str] = []
    accounts = None
    for item in recipients:
        if item.lower().startswith(ROLE_PREFIX):
            accounts = accounts if accounts is not None else list_users(bind)
            role = item[len(ROLE_PREFIX) :].lower()
            out += [u.email for u in accounts if u.role.value == role and u.email]
        else:
            out.append(item)
    return list(dict.fromkeys(out))
