"""One notification pass: match new signals to subscriptions, then send what is due.

No floods: a (subscription, signal) pair is stored once, so a signal that stays on the
alert list is never sent again; an immediate subscription gets one message per new
signal (beyond ``MAX_SINGLE`` in one pass, the rest share one message); a daily one
gets one digest a day, from its hour on. A failed send leaves its signals pending for
the next pass. Sends happen outside transactions; each transaction is short.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from kpi.notify.channels import Message
from kpi.notify.config import Outbound
from kpi.notify.sent_log import last_sent, send_and_record
from kpi.notify.signals import Signal, collect_signals
from kpi.notify.subscriptions import Cadence, Subscription, list_subscriptions
from kpi.tables import notified_signals as seen

MAX_SINGLE = 10
APP_NAME = "Quality KPIs"


@dataclass(frozen=True)
class Pending:
    signal_id: str
    title: str
    message: str
    link: str


@dataclass(frozen=True)
class Planned:
    """A message about to be sent (or, in a dry run, that would be sent)."""

    subscription: Subscription
    message: Message
    signal_ids: tuple[str, ...]
    error: str | None = None  # set after sending: "" = sent


def notify(
    engine: sa.Engine, outbound: Outbound, at: dt.datetime, *, dry_run: bool = False,
    near_band: float = 0.10,
) -> list[Planned]:  # fmt: skip
    """Run one pass; returns what was sent (with errors) or, for a dry run, what would be."""
    subs = list_subscriptions(engine)
    if not subs:
        return []
    signals = collect_signals(engine, outbound, at.date(), near_band)
    pending = _pending(engine, subs, signals, at, dry_run)
    planned = [p for sub in subs for p in _compose(engine, sub, pending.get(sub.subscription_id,
               []), at)]  # fmt: skip
    if dry_run:
        return planned
    return [_send(engine, outbound, p, at) for p in planned]


def _pending(engine, subs, signals: list[Signal], at, dry_run: bool) -> dict[int, list[Pending]]:
    """Store each new (subscription, signal) pair, then return the unsent ones per subscription."""
    with engine.begin() as conn:
        known = {(r.subscription_id, r.signal_id) for r in conn.execute(sa.select(seen)).all()}
        new = [
            {"subscription_id": sub.subscription_id, "signal_id": s.signal_id, "title": s.title,
             "message": s.message, "link": s.link, "first_seen_at": at}
            for sub in subs for s in signals
            if sub.matches(s) and (sub.subscription_id, s.signal_id) not in known
        ]  # fmt: skip
        if new and not dry_run:
            conn.execute(seen.insert(), new)
        rows = conn.execute(sa.select(seen).where(seen.c.sent_at.is_(None))).mappings().all()
    out: dict[int, list[Pending]] = {}
    for row in [*rows, *(new if dry_run else [])]:
        item = Pending(row["signal_id"], row["title"], row["message"], row["link"])
        out.setdefault(row["subscription_id"], []).append(item)
    return out


def _compose(engine, sub: Subscription, items: list[Pending], at) -> list[Planned]:
    if not items:
        return []
    items = sorted(items, key=lambda p: p.signal_id)
    if sub.cadence is Cadence.DAILY:
        return [_digest(sub, items, at)] if _digest_due(engine, sub, at) else []
    singles = [
        Planned(sub, _message(sub, f"[{APP_NAME}] {p.title}", _text(p)), (p.signal_id,))
        for p in items[:MAX_SINGLE]
    ]
    rest = items[MAX_SINGLE:]
    if rest:
        subject = f"[{APP_NAME}] {len(rest)} more new signal(s)"
        text = "\n\n".join(f"{p.title}\n{_text(p)}" for p in rest)
        singles.append(Planned(sub, _message(sub, subject, text), tuple(p.signal_id for p in rest)))
    return singles


def _digest_due(engine: sa.Engine, sub: Subscription, at: dt.datetime) -> bool:
    if at.hour < sub.digest_hour:
        return False
    with engine.connect() as conn:
        last = last_sent(conn, sub.source)
    return last is None or last.date() < at.date()


def _digest(sub: Subscription, items: list[Pending], at: dt.datetime) -> Planned:
    subject = f"[{APP_NAME}] Daily digest {at.date()}: {len(items)} new signal(s)"
    text = "\n\n".join(f"{p.title}\n{_text(p)}" for p in items)
    return Planned(sub, _message(sub, subject, text), tuple(p.signal_id for p in items))


def _text(p: Pending) -> str:
    return f"{p.message}\nOpen the chart: {p.link}"


def _message(sub: Subscription, subject: str, text: str) -> Message:
    return Message(sub.channel, sub.address, subject, text)


def _send(engine: sa.Engine, outbound: Outbound, p: Planned, at: dt.datetime) -> Planned:
    message_id, error = send_and_record(
        engine, p.message, outbound.smtp, p.subscription.source, when=at
    )
    if not error:
        with engine.begin() as conn:
            conn.execute(
                seen.update()
                .where(seen.c.subscription_id == p.subscription.subscription_id,
                       seen.c.signal_id.in_(p.signal_ids))
                .values(sent_at=at, message_id=message_id)
            )  # fmt: skip
    return Planned(p.subscription, p.message, p.signal_ids, error)
