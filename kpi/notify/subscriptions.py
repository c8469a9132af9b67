"""Who wants which signals, where, how and how often (one row per subscription).

Filters are lists; an empty list means "all". A subscription filtered by plant or line
gets only signals inside that plant or line (a company-wide or per-customer signal has
neither, so it reaches only unfiltered subscriptions). KPIs are checked against the
catalogue, the one list of KPIs.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

import sqlalchemy as sa

from kpi.catalogue import CATALOGUE
from kpi.metrics import connected
from kpi.notify.channels import Channel, channel_of, check_address
from kpi.notify.signals import Event, Signal
from kpi.store import next_id, now, record_audit
from kpi.tables import notified_signals, subscriptions


class Cadence(StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"


CADENCE_LABELS = {Cadence.IMMEDIATE: "each signal at once", Cadence.DAILY: "daily digest"}


class SubscriptionError(ValueError):
    """A refused subscription, with a message naming the bad field."""


@dataclass(frozen=True)
class Subscription:
    user_name: str
    address: str
    events: tuple[Event, ...] = tuple(Event)
    cadence: Cadence = Cadence.IMMEDIATE
    kpis: tuple[str, ...] = ()
    plants: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()
    digest_hour: int = 7
    subscription_id: int | None = None
    channel: Channel = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "channel", channel_of(self.address))

    def matches(self, signal: Signal) -> bool:
        return (
            signal.event in self.events
            and (not self.kpis or signal.kpi in self.kpis)
            and (not self.plants or signal.plant in self.plants)
            and (not self.lines or signal.line in self.lines)
        )

    @property
    def source(self) -> str:
        """How its messages are labelled in the sent log."""
        return f"subscription {self.subscription_id}"


def _csv(values: Iterable[str]) -> str:
    return ",".join(v.strip() for v in values if v.strip())


def _split(text: str) -> tuple[str, ...]:
    return tuple(v for v in (text or "").split(",") if v)


def validate(sub: Subscription) -> Subscription:
    """The subscription with a checked address; SubscriptionError names what is wrong."""
    try:
        check_address(sub.address)
    except ValueError as exc:
        raise SubscriptionError(f"address: {exc}") from None
    unknown = [k for k in sub.kpis if k not in CATALOGUE]
    if unknown:
        raise SubscriptionError(f"kpis: unknown KPI {', '.join(unknown)}; see the catalogue")
    if not sub.events:
        raise SubscriptionError("events: choose at least one of " + ", ".join(Event))
    if not 0 <= sub.digest_hour <= 23:
        raise SubscriptionError(f"digest_hour: {sub.digest_hour} is not an hour (0-23)")
    if not sub.user_name.strip():
        raise SubscriptionError("user: a subscription belongs to a user")
    return sub


def add_subscription(
    engine: sa.Engine, by: str, sub: Subscription, allow_webhook: bool = True
) -> int:
    """Store a subscription (audited); returns its id.

    ``allow_webhook=False`` (the page, for non-admins): the worker POSTs to a webhook URL
    from inside the network, so only admins may choose where.
    """
    validate(sub)
    if sub.channel is Channel.WEBHOOK and not allow_webhook:
        raise SubscriptionError("address: only an admin may send signals to a webhook URL")
    with engine.begin() as conn:
        sub_id = next_id(conn, subscriptions.c.subscription_id)
        conn.execute(
            subscriptions.insert().values(
                subscription_id=sub_id, user_name=sub.user_name.strip(),
                channel=sub.channel.value, address=sub.address.strip(), kpis=_csv(sub.kpis),
                plants=_csv(sub.plants), lines=_csv(sub.lines), events=_csv(sub.events),
                cadence=Cadence(sub.cadence).value, digest_hour=sub.digest_hour,
                created_at=now(), created_by=by,
            )
        )  # fmt: skip
        record_audit(conn, by, "subscription.add", f"subscription {sub_id}", sub.address)
    return sub_id


def remove_subscription(engine: sa.Engine, by: str, sub_id: int, owner: str | None = None) -> None:
    """Delete one subscription (and its de-duplication rows); ``owner`` limits to one user's."""
    with engine.begin() as conn:
        query = subscriptions.delete().where(subscriptions.c.subscription_id == sub_id)
        if owner is not None:
            query = query.where(subscriptions.c.user_name == owner)
        if not conn.execute(query).rowcount:
            raise SubscriptionError(f"there is no subscription {sub_id}" + (
                f" of {owner}" if owner else ""))  # fmt: skip
        conn.execute(notified_signals.delete().where(notified_signals.c.subscription_id == sub_id))
        record_audit(conn, by, "subscription.remove", f"subscription {sub_id}")


def list_subscriptions(
    bind: sa.Engine | sa.Connection, user: str | None = None
) -> list[Subscription]:
    query = sa.select(subscriptions).order_by(subscriptions.c.subscription_id)
    if user is not None:
        query = query.where(subscriptions.c.user_name == user)
    with connected(bind) as conn:
        rows = conn.execute(query).all()
    return [
        Subscription(
            r.user_name, r.address, tuple(Event(e) for e in _split(r.events)),
            Cadence(r.cadence), _split(r.kpis), _split(r.plants), _split(r.lines),
            r.digest_hour, r.subscription_id,
        )
        for r in rows
    ]  # fmt: skip


def subscriptions_frame(bind: sa.Engine | sa.Connection, user: str | None = None):
    """Subscriptions as a table for the page (empty filter = "all")."""
    import pandas as pd

    columns = ["id", "user", "address", "events", "kpis", "plants", "lines", "cadence"]
    rows = [
        [s.subscription_id, s.user_name, s.address, ", ".join(s.events),
         ", ".join(s.kpis) or "all", ", ".join(s.plants) or "all", ", ".join(s.lines) or "all",
         s.cadence.value + (f" at {s.digest_hour:02d}:00" if s.cadence is Cadence.DAILY else "")]
        for s in list_subscriptions(bind, user)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)
