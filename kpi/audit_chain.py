"""The audit log as a hash chain: each entry carries the hash of the one before it.

Why: rows edited or deleted directly in the database must not go unnoticed. Every
entry's hash covers its own fields and the previous entry's hash, so changing or
removing any entry breaks the link at the entry after it, which ``verify`` names.
Entries written before the chain existed (no hash) are reported, not trusted.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import sqlalchemy as sa

from kpi.tables import audit_log

GENESIS = ""  # the first chained entry's previous hash


@dataclass(frozen=True)
class Verdict:
    """The result of walking the chain: entries checked, legacy ones, the first break."""

    checked: int
    unchained: int = 0
    broken_at: int | None = None  # event_id of the first entry whose link fails
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None


def entry_hash(row: dict, previous: str) -> str:
    """SHA-256 over the entry's fields and the previous entry's hash, in a fixed form."""
    fields = [
        int(row["event_id"]),
        row["occurred_at"].isoformat(),
        row["user_name"],
        row["action"],
        row["subject"],
        row["detail"] or "",
        previous,
    ]
    text = json.dumps(fields, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def last_hash(conn: sa.Connection) -> str:
    """The newest entry's hash (the previous hash of the next entry)."""
    query = sa.select(audit_log.c.entry_hash).order_by(audit_log.c.event_id.desc()).limit(1)
    return conn.execute(query).scalar() or GENESIS


def verify(conn: sa.Connection) -> Verdict:
    """Walk the log in event order; stop at the first entry whose link does not hold."""
    rows = conn.execute(sa.select(audit_log).order_by(audit_log.c.event_id)).mappings()
    previous, checked, unchained, chained, last_id = GENESIS, 0, 0, False, 0
    for row in rows:
        event = int(row["event_id"])
        if row["entry_hash"] is None and not chained:
            unchained, last_id = unchained + 1, event
            continue
        if chained and event != last_id + 1:
            return Verdict(
                checked, unchained, event, f"entries {last_id + 1}..{event - 1} are missing"
            )
        if row["prev_hash"] != previous:
            return Verdict(checked, unchained, event, "its link to the entry before does not match")
        if row["entry_hash"] != entry_hash(dict(row), previous):
            return Verdict(
                checked, unchained, event, "its content was changed after it was written"
            )
        previous, checked, chained, last_id = row["entry_hash"], checked + 1, True, event
    return Verdict(checked, unchained)
