"""Scheduled packs: rules, the runner against a real SMTP server and HTTP receiver, the CLI."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
import sqlalchemy as sa

from kpi import auth, store
from kpi.notify.config import Outbound, SmtpConfig
from kpi.notify.sent_log import list_sent
from kpi.review.periods import PeriodKind
from kpi.schedules.book import (
    Report,
    ScheduleError,
    ScheduleSpec,
    add_schedule,
    schedules_frame,
)
from kpi.schedules.rules import Window, parse_rule, window_period
from kpi.schedules.runner import RunStatus, _claim, run_due
from kpi.settings import load_settings
from kpi.tables import schedule_runs, schedules
from tests.conftest import run_cli
from tests.outbound_servers import body, free_port, smtp_inbox, webhook  # noqa: F401

MONDAY = dt.datetime(2026, 10, 26, 8, 0)


def test_rules_parse_and_fall_due():
    rule = parse_rule("Weekly  MON 07:00")
    assert rule.text == "weekly mon 07:00"
    due = rule.due_between(dt.datetime(2026, 10, 5, 7, 0), dt.datetime(2026, 10, 26, 7, 0))
    assert due == [dt.datetime(2026, 10, d, 7, 0) for d in (12, 19, 26)]
    quarterly = parse_rule("quarterly 2 06:00").due_between(
        dt.datetime(2026, 1, 1), dt.datetime(2026, 12, 31)
    )
    assert [d.date().isoformat() for d in quarterly] == [
        "2026-01-02", "2026-04-02", "2026-07-02", "2026-10-02"]  # fmt: skip
    assert len(parse_rule("daily 23:59").due_between(MONDAY, MONDAY + dt.timedelta(days=3))) == 3
    for bad, why in [("weekly 07:00", "weekday"), ("monthly 31 07:00", "1 to 28"),
                     ("daily 24:00", "HH:MM"), ("every monday", "use daily")]:  # fmt: skip
        with pytest.raises(ValueError, match=why):
            parse_rule(bad)


def test_windows_are_the_complete_period_before_the_due_date():
    week = window_period(Window.LAST_WEEK, dt.date(2026, 11, 2))
    assert (week.start, week.end) == (dt.date(2026, 10, 26), dt.date(2026, 11, 1))
    assert window_period(Window.LAST_WEEK, dt.date(2026, 11, 4)).start == dt.date(2026, 10, 26)
    assert window_period(Window.LAST_MONTH, dt.date(2026, 1, 5)).code == "2025-12"
    assert window_period(Window.LAST_QUARTER, dt.date(2026, 1, 1)).code == "2025-Q4"
    assert window_period(Window.LAST_QUARTER, dt.date(2026, 11, 2)).code == "2026-Q3"
    assert window_period(Window.LAST_YEAR, dt.date(2026, 3, 1)).kind is PeriodKind.YEAR


@pytest.fixture
def demo(demo_db: str):
    engine = store.create_engine(load_settings(demo_db))
    yield engine
    engine.dispose()


def _weekly_pack(demo, *recipients: str) -> int:
    spec = ScheduleSpec(
        "Weekly review", "weekly mon 07:00", recipients, Report.REVIEW_PACK, Window.LAST_WEEK,
        "xlsx", starts_at=dt.datetime(2026, 10, 1),
    )  # fmt: skip
    return add_schedule(demo, "admin", spec)


def test_catches_up_once_after_downtime_and_never_sends_twice(demo, smtp_inbox, webhook):  # noqa: F811
    inbox, outbound = smtp_inbox
    auth.add_user(demo, "pm", auth.Role.ADMIN, "admin", email="pm@example.com")
    _weekly_pack(demo, "leader@example.com", "role:admin", webhook.url)
    (result,) = run_due(demo, outbound, MONDAY)
    assert result.status is RunStatus.SENT and result.due_at == dt.datetime(2026, 10, 26, 7)
    assert sorted(result.recipients) == sorted(
        ["leader@example.com", "pm@example.com", webhook.url]
    )
    assert (
        run_due(demo, outbound, MONDAY) == []
        and run_due(demo, outbound, MONDAY.replace(hour=23)) == []
    )
    assert len(inbox.mails) == 2 and len(webhook.bodies) == 1
    mail = inbox.mails[0]
    assert mail["Subject"] == "[Quality KPIs] Weekly review: 2026-10-19 to 2026-10-25"
    text = body(mail)
    assert (
        "Management review 2026-10-19 to 2026-10-25, compared with 2026-10-12 to 2026-10-18" in text
    )
    assert (
        "- Scrap rate " in text
        and "Open the review: http://kpi.example:8501/review?period=" in text
    )
    (part,) = list(mail.iter_attachments())
    data = part.get_content()
    assert part.get_filename().endswith(".xlsx") and data[:2] == b"PK"
    log = list_sent(demo)
    assert set(log["attachment_sha256"]) - {""} == {hashlib.sha256(data).hexdigest()}
    assert set(log["source"]) == {"schedule 1"} and set(log["status"]) == {"sent"}
    assert "attachment is sent by e-mail only" in webhook.bodies[0]["text"]
    runs = schedules_frame(demo).iloc[0]
    assert (runs["last_run"], runs["last_status"]) == (dt.datetime(2026, 10, 26, 7), "sent")
    (nxt,) = run_due(demo, outbound, dt.datetime(2026, 11, 2, 7, 0))
    assert nxt.status is RunStatus.SENT and len(inbox.mails) == 4


def test_missed_runs_are_recorded_and_a_failed_recipient_is_retried_alone(
    demo, smtp_inbox, webhook
):  # noqa: F811
    inbox, live = smtp_inbox
    _weekly_pack(demo, "leader@example.com", webhook.url)
    down = Outbound(SmtpConfig("127.0.0.1", free_port(), starttls=False), live.app_url)
    (failed,) = run_due(demo, down, MONDAY)
    assert failed.status is RunStatus.FAILED and failed.recipients == (webhook.url,)
    assert "leader@example.com: SMTP 127.0.0.1" in failed.errors[0]
    (retry,) = run_due(demo, live, MONDAY + dt.timedelta(minutes=1))
    assert retry.status is RunStatus.SENT and retry.recipients == ("leader@example.com",)
    assert len(webhook.bodies) == 1 and len(inbox.mails) == 1
    assert run_due(demo, live, MONDAY + dt.timedelta(minutes=2)) == []
    log = list_sent(demo)
    newest_first = list(zip(log["recipient"], log["status"], strict=True))
    leader = "leader@example.com"
    assert newest_first == [(leader, "sent"), (webhook.url, "sent"), (leader, "failed")]
    with demo.connect() as conn:
        runs = conn.execute(sa.select(schedule_runs).order_by("due_at")).all()
    assert [(r.due_at.day, r.status) for r in runs] == [
        (5, "missed"), (12, "missed"), (19, "missed"), (26, "sent")]  # fmt: skip


def test_bad_schedules_are_refused(engine):
    def spec(**kw):
        base = dict(name="x", rule="daily 07:00", recipients=("a@example.com",))
        return ScheduleSpec(**(base | kw))

    for kw, why in [
        ({"rule": "hourly"}, "schedule: bad schedule"),
        ({"recipients": ()}, "recipients: name at least one"),
        ({"recipients": ("role:boss",)}, "roles are viewer, qa, admin"),
        ({"recipients": ("nobody",)}, "neither an e-mail address"),
        ({"report": Report.REVIEW_PACK}, "format: a review pack is sent as"),
        ({"format": "pdf"}, "a summary has no attachment"),
        ({"name": " "}, "name"),
    ]:
        with pytest.raises(ScheduleError, match=why):
            add_schedule(engine, "admin", spec(**kw))
    assert schedules_frame(engine).empty


def test_cli_schedules_and_worker_once(db_url, smtp_inbox, monkeypatch):  # noqa: F811
    inbox, outbound = smtp_inbox
    bad = run_cli("schedules", "add", "--name", "x", "--when", "weekly someday 07:00",
                  "--to", "a@example.com", "--db", db_url)  # fmt: skip
    assert bad.returncode == 2 and "bad weekday" in bad.stderr
    added = run_cli("schedules", "add", "--name", "Daily summary", "--when", "daily 00:00",
                    "--to", "qa@example.com", "--period", "last-day", "--db", db_url)  # fmt: skip
    assert added.returncode == 0 and "saved schedule 1" in added.stdout
    listing = run_cli("schedules", "list", "--db", db_url)
    assert "Daily summary" in listing.stdout and "daily 00:00" in listing.stdout
    engine = store.create_engine(load_settings(db_url))
    with engine.begin() as conn:  # created two days ago: today's run is due now
        conn.execute(schedules.update().values(starts_at=store.now() - dt.timedelta(days=2)))
    engine.dispose()
    monkeypatch.setenv("KPI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KPI_SMTP_PORT", str(outbound.smtp.port))
    monkeypatch.setenv("KPI_SMTP_STARTTLS", "false")
    dry = run_cli("worker", "--once", "--dry-run", "--db", db_url)
    assert dry.returncode == 0 and "would send to qa@example.com" in dry.stdout and not inbox.mails
    first = run_cli("worker", "--once", "--db", db_url)
    assert first.returncode == 0, first.stderr
    assert "'Daily summary'" in first.stdout and "sent to qa@example.com" in first.stdout
    assert len(inbox.mails) == 1 and "Daily summary" in inbox.mails[0]["Subject"]
    again = run_cli("worker", "--once", "--db", db_url)
    assert again.returncode == 0 and again.stdout == "" and len(inbox.mails) == 1
    assert run_cli("schedules", "disable", "1", "--db", db_url).returncode == 0
    assert run_cli("schedules", "remove", "1", "--db", db_url).returncode == 0
    assert run_cli("schedules", "remove", "1", "--db", db_url).returncode == 2


def test_a_run_is_claimed_once_even_by_two_workers(engine):
    """The race between reading the runs and claiming one: the primary key decides."""
    due = [dt.datetime(2026, 10, 19, 7), dt.datetime(2026, 10, 26, 7)]
    assert _claim(engine, 1, due, MONDAY) is True
    assert _claim(engine, 1, due[1:], MONDAY) is False, "the second worker backs off"
    with engine.connect() as conn:
        rows = conn.execute(sa.select(schedule_runs).order_by("due_at")).all()
    assert [r.status for r in rows] == ["missed", "running"]
