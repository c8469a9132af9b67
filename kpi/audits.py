"""Internal audits and their findings (ISO 9001 §9.2), feeding the review's §9.3.2 c 6.

An audit has a date, a title, an auditor and a scope (process, plant, line, KPI; empty =
not limited). A finding has a severity, a status and may point at the corrective action
that answers it. Every change is one transaction with an audit-log line.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd
import sqlalchemy as sa

from kpi.catalogue import CATALOGUE
from kpi.metrics import connected
from kpi.settings import Settings
from kpi.store import next_id, now, record_audit
from kpi.tables import audit_findings, corrective_actions, internal_audits

SCOPE_FIELDS = ("process", "plant", "line", "kpi")
FINDING_COLUMNS = ["finding_id", "audit_id", "audit_date", "title", "scope", "finding",
                   "severity", "status", "action_id", "action_status", "updated_at",
                   "updated_by"]  # fmt: skip


class Severity(StrEnum):
    MAJOR = "major"  # a nonconformity that puts the system's result at risk
    MINOR = "minor"
    OBSERVATION = "observation"
    IMPROVEMENT = "improvement"  # an opportunity for improvement


class FindingStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class AuditError(ValueError):
    """Bad audit or finding input; the message is for users."""


@dataclass(frozen=True)
class NewAudit:
    audit_date: dt.date
    title: str
    auditor: str = ""
    process: str = ""
    plant: str = ""
    line: str = ""
    kpi: str = ""


def _enum(enum: type[StrEnum], value: str, what: str) -> StrEnum:
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        raise AuditError(f"bad {what} {value!r}; use one of {', '.join(enum)}") from None


def add_audit(engine: sa.Engine, settings: Settings, new: NewAudit) -> int:
    """Record an internal audit; returns its id."""
    if not new.title.strip():
        raise AuditError("an audit needs a title (what was audited)")
    if new.kpi and new.kpi not in CATALOGUE:
        raise AuditError(f"unknown KPI {new.kpi!r}; choose from {', '.join(CATALOGUE)}")
    values = {f: getattr(new, f).strip() for f in ("title", "auditor", *SCOPE_FIELDS)}
    with engine.begin() as conn:
        audit_id = next_id(conn, internal_audits.c.audit_id)
        conn.execute(internal_audits.insert().values(
            audit_id=audit_id, audit_date=new.audit_date, **values, created_at=now(),
            created_by=settings.user))  # fmt: skip
        record_audit(conn, settings.user, "internal_audit.add", f"audit {audit_id}",
                     f"{new.audit_date}: {values['title']}")  # fmt: skip
    return audit_id


def _check_action(conn: sa.Connection, action_id: int | None) -> None:
    if action_id is None:
        return
    query = sa.select(corrective_actions.c.action_id).where(
        corrective_actions.c.action_id == action_id
    )
    if conn.execute(query).first() is None:
        raise AuditError(f"no corrective action with id {action_id}")


def add_finding(engine: sa.Engine, settings: Settings, audit_id: int, finding: str,
                severity: str, action_id: int | None = None) -> int:  # fmt: skip
    """Record one finding of an audit (open); returns its id."""
    level = _enum(Severity, severity, "severity")
    if not finding.strip():
        raise AuditError("a finding needs a text")
    with engine.begin() as conn:
        exists = internal_audits.c.audit_id == audit_id
        if conn.execute(sa.select(internal_audits.c.audit_id).where(exists)).first() is None:
            raise AuditError(f"no internal audit with id {audit_id}")
        _check_action(conn, action_id)
        finding_id = next_id(conn, audit_findings.c.finding_id)
        stamp = now()
        conn.execute(audit_findings.insert().values(
            finding_id=finding_id, audit_id=audit_id, finding=finding.strip(),
            severity=level.value, action_id=action_id, status=FindingStatus.OPEN.value,
            created_at=stamp, created_by=settings.user, updated_at=stamp,
            updated_by=settings.user))  # fmt: skip
        record_audit(conn, settings.user, "finding.add", f"finding {finding_id}",
                     f"audit {audit_id}, {level.value}: {finding.strip()}")  # fmt: skip
    return finding_id


def update_finding(engine: sa.Engine, settings: Settings, finding_id: int,
                   status: str | None = None, action_id: int | None = None) -> None:  # fmt: skip
    """Close or reopen a finding, or link it to a corrective action (audited: old -> new)."""
    new_status = _enum(FindingStatus, status, "status").value if status else None
    where = audit_findings.c.finding_id == finding_id
    with engine.begin() as conn:
        row = conn.execute(sa.select(audit_findings).where(where)).first()
        if row is None:
            raise AuditError(f"no finding with id {finding_id}")
        _check_action(conn, action_id)
        changes = {}
        if new_status and new_status != row.status:
            changes["status"] = (row.status, new_status)
        if action_id is not None and action_id != row.action_id:
            changes["action_id"] = (row.action_id, action_id)
        if not changes:
            return
        conn.execute(audit_findings.update().where(where).values(
            **{k: v[1] for k, v in changes.items()}, updated_at=now(),
            updated_by=settings.user))  # fmt: skip
        detail = "; ".join(f"{k}: {old} -> {new}" for k, (old, new) in changes.items())
        record_audit(conn, settings.user, "finding.update", f"finding {finding_id}", detail)


def scope_text(row: dict) -> str:
    parts = [f"{f}={row[f]}" for f in SCOPE_FIELDS if row.get(f)]
    return ", ".join(parts) or "whole system"


def list_audits(bind: sa.Engine | sa.Connection) -> pd.DataFrame:
    """Every audit, newest first, with its open and closed finding counts."""
    with connected(bind) as conn:
        audits = [dict(r._mapping) for r in conn.execute(
            sa.select(internal_audits).order_by(internal_audits.c.audit_date.desc(),
                                                internal_audits.c.audit_id.desc()))]  # fmt: skip
        counts = conn.execute(
            sa.select(audit_findings.c.audit_id, audit_findings.c.status, sa.func.count()).group_by(
                audit_findings.c.audit_id, audit_findings.c.status
            )
        ).all()
    by = {(a, s): n for a, s, n in counts}
    for a in audits:
        a["scope"] = scope_text(a)
        a["open_findings"] = by.get((a["audit_id"], "open"), 0)
        a["closed_findings"] = by.get((a["audit_id"], "closed"), 0)
    columns = ["audit_id", "audit_date", "title", "auditor", "scope", "open_findings",
               "closed_findings", *SCOPE_FIELDS, "created_at", "created_by"]  # fmt: skip
    return pd.DataFrame(audits, columns=columns)


def list_findings(
    bind: sa.Engine | sa.Connection,
    status: str | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    plant: str | None = None,
) -> pd.DataFrame:
    """Findings with their audit and the linked action's status, newest audit first.
    ``plant`` keeps audits of that plant and audits not limited to a plant."""
    f, a, c = audit_findings, internal_audits, corrective_actions
    query = (
        sa.select(f, a.c.audit_date, a.c.title, *(a.c[s] for s in SCOPE_FIELDS),
                  c.c.status.label("action_status"))
        .join(a, a.c.audit_id == f.c.audit_id)
        .outerjoin(c, c.c.action_id == f.c.action_id)
        .order_by(a.c.audit_date.desc(), f.c.finding_id)
    )  # fmt: skip
    if status:
        query = query.where(f.c.status == _enum(FindingStatus, status, "status").value)
    if date_from:
        query = query.where(a.c.audit_date >= date_from)
    if date_to:
        query = query.where(a.c.audit_date <= date_to)
    if plant:
        query = query.where(a.c.plant.in_([plant, ""]))
    with connected(bind) as conn:
        rows = [dict(r._mapping) for r in conn.execute(query)]
    for r in rows:
        r["scope"] = scope_text(r)
        r["action_id"] = r["action_id"] if r["action_id"] is not None else pd.NA
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def review_findings(
    bind: sa.Engine | sa.Connection, start: dt.date, end: dt.date, plant: str | None = None
) -> pd.DataFrame:
    """What §9.3.2 c 6 reports: findings of audits held in the period, and findings of
    earlier audits still open at its end (a plant review keeps its plant and unscoped)."""
    found = list_findings(bind, date_to=end, plant=plant)
    held = [pd.Timestamp(d).date() >= start for d in found["audit_date"]]
    keep = [h or s == FindingStatus.OPEN.value for h, s in zip(held, found["status"], strict=True)]
    return found[keep].reset_index(drop=True)
