"""Notifications over a real SMTP server (aiosmtpd) and a real HTTP receiver, on the demo year.

The demo has 8 current signals: on L5 two target misses (scrap, OEE) and two SPC
signals (scrap, availability); elsewhere two SPC signals (L2, L3) and two target misses
for a customer and a supplier (no plant or line).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from kpi import store
from kpi.actions import NewAction, create_action
from kpi.alerts import acknowledge
from kpi.notify.channels import Channel, Message, send
from kpi.notify.config import ConfigError, Outbound, load_outbound, read_secrets
from kpi.notify.run import notify
from kpi.notify.sent_log import list_sent
from kpi.notify.signals import Event, collect_signals
from kpi.notify.subscriptions import (
    Cadence,
    Subscription,
    SubscriptionError,
    add_subscription,
    list_subscriptions,
    remove_subscription,
)
from kpi.settings import load_settings
from kpi.tables import notified_signals
from tests.conftest import run_cli
from tests.outbound_servers import body, smtp_inbox, tls_smtp_inbox, webhook  # noqa: F401

MORNING = dt.datetime(2026, 11, 2, 9, 0)


@pytest.fixture
def demo(demo_db: str):
    engine = store.create_engine(load_settings(demo_db))
    yield engine
    engine.dispose()


def test_immediate_email_one_message_per_new_signal_never_twice(demo, smtp_inbox):  # noqa: F811
    inbox, outbound = smtp_inbox
    add_subscription(demo, "ana", Subscription("ana", "ana@example.com", lines=("L5",)))
    expected = [g for g in collect_signals(demo, outbound, MORNING.date()) if g.line == "L5"]
    assert len(expected) >= 3, "the demo's L5 drift raises signals"
    done = notify(demo, outbound, MORNING)
    assert [d.error for d in done] == [""] * len(expected)
    subjects = sorted(m["Subject"] for m in inbox.mails)
    assert len(subjects) == len(expected) and all("line=L5" in s for s in subjects), subjects
    scrap = next(g for g in expected if g.kpi == "scrap_rate")
    mail = next(m for m in inbox.mails if scrap.title in m["Subject"])
    text = body(mail)
    assert scrap.message in text and scrap.link in text
    assert scrap.link.startswith("http://kpi.example:8501/spc?kpi=scrap_rate&chart=")
    assert inbox.rcpts[0] == ["ana@example.com"]
    again = notify(demo, outbound, MORNING + dt.timedelta(hours=1))
    assert again == [] and len(inbox.mails) == len(expected), "a signal is sent once"
    log = list_sent(demo)
    assert len(log) == len(expected) and set(log["status"]) == {"sent"}
    assert set(log["recipient"]) == {"ana@example.com"}


def test_filters_by_kpi_event_and_plant(demo, smtp_inbox):  # noqa: F811
    inbox, outbound = smtp_inbox
    spc_only = Subscription("bo", "bo@example.com", events=(Event.SPC_SIGNAL,), plants=("Plant 1",))
    add_subscription(demo, "bo", spc_only)
    add_subscription(demo, "cy", Subscription("cy", "cy@example.com", kpis=("otd",)))
    signals = collect_signals(demo, outbound, MORNING.date())
    notify(demo, outbound, MORNING)
    got = {(r[0], m["Subject"]) for r, m in zip(inbox.rcpts, inbox.mails, strict=True)}
    bo = {s for r, s in got if r == "bo@example.com"}
    spc_plant_1 = [g for g in signals if g.event is Event.SPC_SIGNAL and g.plant == "Plant 1"]
    assert len(bo) == len(spc_plant_1) > 0
    assert all("SPC signal" in s and "plant=Plant 1" in s for s in bo), bo
    cy = [s for r, s in got if r == "cy@example.com"]
    otd = [g for g in signals if g.kpi == "otd"]
    assert len(cy) == len(otd) > 0 and all("Target missed: On-time delivery [" in s for s in cy)


def test_daily_digest_to_a_webhook_once_a_day(demo, webhook):  # noqa: F811
    sub = Subscription("dee", webhook.url, cadence=Cadence.DAILY, digest_hour=8)
    add_subscription(demo, "dee", sub)
    outbound = Outbound(None, "http://kpi.example")
    assert notify(demo, outbound, MORNING.replace(hour=7)) == [] and webhook.bodies == []
    done = notify(demo, outbound, MORNING.replace(hour=8))
    assert len(done) == 1 and done[0].error == ""
    assert list(webhook.bodies[0]) == ["text"], "a Slack-compatible payload"
    text = webhook.bodies[0]["text"]
    signals = collect_signals(demo, outbound, MORNING.date())
    n = len(signals)
    assert text.startswith(f"*[Quality KPIs] Daily digest 2026-11-02: {n} new signal(s)*")
    spc = sum(g.link.startswith("http://kpi.example/spc?") for g in signals)
    assert text.count("Open the chart: http://kpi.example/spc?") == spc > 0
    assert notify(demo, outbound, MORNING.replace(hour=18)) == []
    acknowledge(demo, "qa", "spc:scrap_rate:line=L5:week:2026-10-19")  # nothing new next day
    assert notify(demo, outbound, MORNING + dt.timedelta(days=1)) == []
    assert len(webhook.bodies) == 1


def test_overdue_action_and_failed_delivery_retried(demo, webhook):  # noqa: F811
    add_subscription(demo, "eve", Subscription("eve", webhook.url, events=(Event.OVERDUE_ACTION,)))
    outbound = Outbound(None, "http://kpi.example")
    late = NewAction("scrap_rate", "Fix the L5 die", "Ana", dt.date(2026, 10, 30), {"line": "L5"})
    action_id = create_action(demo, "qa", late)
    webhook.status = 500
    failed = notify(demo, outbound, MORNING)
    assert len(failed) == 1 and "HTTP 500" in failed[0].error
    webhook.status = 200
    sent = notify(demo, outbound, MORNING + dt.timedelta(minutes=5))
    assert len(sent) == 1 and sent[0].error == ""
    text = webhook.bodies[-1]["text"]
    assert f"Corrective action overdue: #{action_id} Scrap rate [line=L5]" in text
    assert (
        "due on 2026-10-30" in text and "http://kpi.example/actions?kpi=scrap_rate&line=L5" in text
    )
    assert list(list_sent(demo)["status"]) == ["sent", "failed"]
    assert notify(demo, outbound, MORNING + dt.timedelta(minutes=10)) == []


def test_email_through_starttls_with_login(demo, tls_smtp_inbox):  # noqa: F811
    inbox, config = tls_smtp_inbox
    add_subscription(demo, "fay", Subscription("fay", "fay@example.com", kpis=("oee",)))
    done = notify(demo, Outbound(config), MORNING)
    oee = [g for g in collect_signals(demo, Outbound(config), MORNING.date()) if g.kpi == "oee"]
    assert [d.error for d in done] == [""] * len(oee) and oee
    assert set(inbox.logins) == {"mailer"} and all("OEE [" in m["Subject"] for m in inbox.mails)


def test_starttls_refused_when_the_certificate_is_not_trusted(demo, tls_smtp_inbox):  # noqa: F811
    inbox, config = tls_smtp_inbox
    add_subscription(demo, "fay", Subscription("fay", "fay@example.com", kpis=("oee",)))
    untrusted = Outbound(type(config)(**{**config.__dict__, "ca_file": ""}))
    done = notify(demo, untrusted, MORNING)
    assert "CERTIFICATE_VERIFY_FAILED" in done[0].error and inbox.mails == []


def test_cli_dry_run_prints_and_stores_nothing_then_sends(demo_db, demo, smtp_inbox, monkeypatch):  # noqa: F811
    inbox, outbound = smtp_inbox
    add_subscription(demo, "gus", Subscription("gus", "gus@example.com", lines=("L2",)))
    demo.dispose()  # the CLI is another process: DuckDB allows one writer
    dry = run_cli("notify", "--dry-run", "--db", demo_db)
    assert dry.returncode == 0, dry.stderr
    assert "would send email to gus@example.com: [Quality KPIs] SPC signal:" in dry.stdout
    assert "line=L2;plant=Plant 1" in dry.stdout
    assert "Open the chart: http://localhost:8501/spc?" in dry.stdout
    with demo.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(notified_signals)).scalar() == 0
    demo.dispose()
    monkeypatch.setenv("KPI_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("KPI_SMTP_PORT", str(outbound.smtp.port))
    monkeypatch.setenv("KPI_SMTP_STARTTLS", "false")
    sent = run_cli("notify", "--db", demo_db)
    assert sent.returncode == 0, sent.stderr
    lines = [ln for ln in dry.stdout.splitlines() if ln.startswith("would send email")]
    assert "sent email to gus@example.com" in sent.stdout and len(inbox.mails) == len(lines)
    assert run_cli("notify", "--db", demo_db).stdout.strip() == "nothing to send"


def test_settings_from_env_over_secrets_file(tmp_path: Path):
    secrets = {"smtp": {"host": "mail.corp", "port": 2525, "user": "u", "password": "p"}}
    config = load_outbound({"KPI_SMTP_PORT": "587"}, secrets).smtp
    assert (config.host, config.port, config.starttls, config.password) == (
        "mail.corp",
        587,
        True,
        "p",
    )
    assert load_outbound({}, {}).smtp is None
    with pytest.raises(ConfigError, match="KPI_SMTP_PORT"):
        load_outbound({"KPI_SMTP_HOST": "h", "KPI_SMTP_PORT": "x"}, {})
    file = tmp_path / "secrets.toml"
    file.write_text(
        '[smtp]\nhost = "relay"\nstarttls = false\n[kpi]\napp_url = "https://kpi.corp"\n'
    )
    from_file = load_outbound({}, read_secrets(file))
    assert from_file.smtp.host == "relay" and not from_file.smtp.starttls
    assert from_file.link("spc", {"kpi": "oee"}) == "https://kpi.corp/spc?kpi=oee"


def test_bad_subscriptions_are_refused_and_removal_is_per_owner(engine):
    with pytest.raises(SubscriptionError, match="address"):
        add_subscription(engine, "x", Subscription("x", "not an address"))
    with pytest.raises(SubscriptionError, match="unknown KPI nope"):
        add_subscription(engine, "x", Subscription("x", "x@example.com", kpis=("nope",)))
    with pytest.raises(SubscriptionError, match="events"):
        add_subscription(engine, "x", Subscription("x", "x@example.com", events=()))
    sub_id = add_subscription(engine, "x", Subscription("x", "x@example.com"))
    with pytest.raises(SubscriptionError, match="of y"):
        remove_subscription(engine, "y", sub_id, owner="y")
    remove_subscription(engine, "x", sub_id, owner="x")
    assert list_subscriptions(engine) == []


def test_only_admins_choose_webhooks_and_subjects_stay_one_header(engine, smtp_inbox):  # noqa: F811
    hook = Subscription("vera", "https://hooks.example/x")
    with pytest.raises(SubscriptionError, match="only an admin"):
        add_subscription(engine, "vera", hook, allow_webhook=False)
    inbox, outbound = smtp_inbox
    sneaky = Message(Channel.EMAIL, "a@example.com", "Weekly\r\nBcc: evil@example.com", "hi")
    send(sneaky, outbound.smtp)
    assert inbox.mails[0]["Subject"] == "Weekly Bcc: evil@example.com"
    assert inbox.mails[0]["Bcc"] is None and inbox.rcpts == [["a@example.com"]]
