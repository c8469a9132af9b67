"""Run the schedules that are due: build the pack once, send it to each recipient, record.

Never twice: a run is claimed by inserting its (schedule, due time) row, the primary key
of ``schedule_runs``, in a short transaction before anything is sent; a second worker or
a restart finds the row and moves on. A failed recipient is retried on later passes, and
only recipients without a sent copy of that run are sent to. After downtime only the
latest missed run of a schedule is sent (older ones are recorded as ``missed``): three
stale weekly summaries at once would be noise, and each run covers the period it was
due for.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import sqlalchemy as sa

from kpi.notify.channels import Attachment, Channel, Message, channel_of
from kpi.notify.config import Outbound
from kpi.notify.sent_log import send_and_record, sent_to
from kpi.review import MIME, Format, Pack, ReviewRequest, export, prepare
from kpi.review.periods import Compare, previous
from kpi.schedules.book import Report, ScheduleSpec, list_schedules, resolve
from kpi.schedules.rules import parse_rule, window_period
from kpi.store import now
from kpi.tables import schedule_runs as runs

RETRY_RUNNING_AFTER = dt.timedelta(minutes=30)  # a claimed run a crashed worker left behind


class RunStatus(StrEnum):
    RUNNING = "running"
    SENT = "sent"
    FAILED = "failed"
    MISSED = "missed"


@dataclass(frozen=True)
class RunResult:
    schedule: ScheduleSpec
    due_at: dt.datetime
    status: RunStatus
    recipients: tuple[str, ...] = ()  # sent to in this pass (would be, in a dry run)
    errors: tuple[str, ...] = ()


def run_due(
    engine: sa.Engine, outbound: Outbound, at: dt.datetime, *, dry_run: bool = False,
    near_band: float = 0.10,
) -> list[RunResult]:  # fmt: skip
    """Handle every enabled schedule's due (or retryable) run at ``at``."""
    out = []
    for spec in list_schedules(engine):
        if not spec.enabled:
            continue
        due = _next_run(engine, spec, at, dry_run)
        if due is not None:
            out.append(_run(engine, outbound, spec, due, at, dry_run, near_band))
    return out


def _next_run(engine, spec: ScheduleSpec, at, dry_run: bool) -> dt.datetime | None:
    """The run to handle now: the latest newly due one (claimed), or one left to retry."""
    query = sa.select(runs).where(runs.c.schedule_id == spec.schedule_id)
    with engine.connect() as conn:
        last = conn.execute(query.order_by(runs.c.due_at.desc())).first()
    due = parse_rule(spec.rule).due_between(last.due_at if last else spec.starts_at, at)
    if not due:
        return last.due_at if last and _retryable(last, at) else None
    if not dry_run and not _claim(engine, spec.schedule_id, due, at):
        return None
    return due[-1]


def _retryable(last, at: dt.datetime) -> bool:
    crashed = last.status == RunStatus.RUNNING and last.started_at < at - RETRY_RUNNING_AFTER
    return last.status == RunStatus.FAILED or crashed


def _claim(engine: sa.Engine, schedule_id: int, due: list[dt.datetime], at) -> bool:
    """Insert the latest run as running and older ones as missed; False if already taken."""
    detail = f"not sent: the worker was down; the run due {due[-1]} was sent instead"
    rows = [
        {"schedule_id": schedule_id, "due_at": d, "status": RunStatus.MISSED.value,
         "started_at": at, "finished_at": at, "detail": detail}
        for d in due[:-1]
    ]  # fmt: skip
    rows.append({"schedule_id": schedule_id, "due_at": due[-1],
                 "status": RunStatus.RUNNING.value, "started_at": at, "finished_at": None,
                 "detail": ""})  # fmt: skip
    try:
        with engine.begin() as conn:
            conn.execute(runs.insert(), rows)
    except sa.exc.IntegrityError:  # another worker claimed it first
        return False
    return True


def _run(
    engine, outbound, spec: ScheduleSpec, due: dt.datetime, at, dry_run, near_band
) -> RunResult:
    pack = _pack(engine, spec, due, near_band)
    attachment = _attachment(spec, pack)
    with engine.connect() as conn:
        done = sent_to(conn, spec.source, due)
    todo = [r for r in resolve(engine, spec.recipients) if r not in done]
    if dry_run:
        return RunResult(spec, due, RunStatus.RUNNING, tuple(todo))
    sent, errors = [], []
    for recipient in todo:
        message = compose(spec, pack, recipient, attachment, outbound)
        _, error = send_and_record(engine, message, outbound.smtp, spec.source, due, at)
        (errors.append(f"{recipient}: {error}") if error else sent.append(recipient))
    status = RunStatus.FAILED if errors else RunStatus.SENT
    with engine.begin() as conn:
        conn.execute(
            runs.update()
            .where(runs.c.schedule_id == spec.schedule_id, runs.c.due_at == due)
            .values(status=status.value, finished_at=now(), detail="; ".join(errors))
        )
    return RunResult(spec, due, status, tuple(sent), tuple(errors))


def _pack(engine, spec: ScheduleSpec, due: dt.datetime, near_band: float) -> Pack:
    period = window_period(spec.window, due.date())
    request = ReviewRequest(
        period, Compare.PREVIOUS, previous(period), due.date(), spec.plant or None
    )
    return prepare(engine, request, near_band)


def _attachment(spec: ScheduleSpec, pack: Pack) -> Attachment | None:
    if spec.report is not Report.REVIEW_PACK:
        return None
    fmt = Format(spec.format)
    options = {"charts": _native()} if fmt is Format.PDF else {}
    name = f"{pack.title.replace(' ', '_').replace('·', '-')}.{fmt.value}"
    return Attachment(name, export(pack, fmt, **options), MIME[fmt])


def _native():
    """PDF charts drawn without a browser: the worker must not depend on Chromium."""
    from kpi.review.pdf_export import ChartMode

    return ChartMode.NATIVE


def compose(
    spec: ScheduleSpec,
    pack: Pack,
    recipient: str,
    attachment: Attachment | None,
    outbound: Outbound,
) -> Message:
    """The message: each objective's sentence, then a link to the review page."""
    counts = pack.status_counts()
    lines = [
        f"{pack.title}, compared with {pack.comparison.label}.",
        f"Objectives: {counts['met']} met, {counts['near']} nearly met, {counts['missed']} missed.",
        "",
        *(f"- {o.sentence}" for o in pack.objectives),
        "",
        f"Open the review: {outbound.link('review', {'period': pack.period.code})}",
    ]
    channel = channel_of(recipient)
    if attachment and channel is Channel.WEBHOOK:
        lines.append(f"(The {attachment.name} attachment is sent by e-mail only.)")
        attachment = None
    subject = f"[Quality KPIs] {spec.name}: {pack.period.label}"
    return Message(channel, recipient, subject, "\n".join(lines), attachment)
