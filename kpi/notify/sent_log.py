"""The record of every outbound message: when, to whom, what, and the attachment's hash.

Why one table for notifications and scheduled packs: an auditor asking "what did
leadership receive in March" gets one list, and the schedule runner uses the same rows to
know which recipients of a run already have their copy (so a retry never sends twice).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from enum import StrEnum

import pandas as pd
import sqlalchemy as sa

from kpi.metrics import connected
from kpi.notify.channels import DeliveryError, Message, send
from kpi.notify.config import SmtpConfig
from kpi.store import next_id, now
from kpi.tables import sent_messages


class SendStatus(StrEnum):
    SENT = "sent"
    FAILED = "failed"


def attachment_hash(message: Message) -> str:
    return hashlib.sha256(message.attachment.data).hexdigest() if message.attachment else ""


def send_and_record(
    engine: sa.Engine,
    message: Message,
    smtp: SmtpConfig | None,
    source: str,
    due_at: dt.datetime | None = None,
    when: dt.datetime | None = None,
) -> tuple[int, str]:
    """Send one message, then record it in its own short transaction: (message id, error).

    The send happens outside any transaction, so a slow mail server never holds the
    database; an empty error means it was sent. ``when`` is the pass's clock (now).
    """
    error = ""
    try:
        send(message, smtp)
    except DeliveryError as exc:
        error = str(exc)
    status = SendStatus.FAILED if error else SendStatus.SENT
    with engine.begin() as conn:
        message_id = next_id(conn, sent_messages.c.message_id)
        conn.execute(
            sent_messages.insert().values(
                message_id=message_id, sent_at=when or now(), source=source, due_at=due_at,
                channel=message.channel.value, recipient=message.recipient,
                subject=message.subject,
                attachment_name=message.attachment.name if message.attachment else "",
                attachment_sha256=attachment_hash(message), status=status.value, error=error,
            )
        )  # fmt: skip
    return message_id, error


def sent_to(conn: sa.Connection, source: str, due_at: dt.datetime) -> set[str]:
    """Recipients that already have their copy of one schedule run."""
    query = sa.select(sent_messages.c.recipient).where(
        sent_messages.c.source == source,
        sent_messages.c.due_at == due_at,
        sent_messages.c.status == SendStatus.SENT.value,
    )
    return set(conn.execute(query).scalars())


def last_sent(conn: sa.Connection, source: str) -> dt.datetime | None:
    query = sa.select(sa.func.max(sent_messages.c.sent_at)).where(
        sent_messages.c.source == source, sent_messages.c.status == SendStatus.SENT.value
    )
    return conn.execute(query).scalar()


def list_sent(bind: sa.Engine | sa.Connection, limit: int = 500) -> pd.DataFrame:
    """The newest messages first (sent and failed)."""
    query = sa.select(sent_messages).order_by(sent_messages.c.message_id.desc()).limit(limit)
    with connected(bind) as conn:
        rows = conn.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in sent_messages.columns])
