"""Saved management reviews: the period, the figures as they stood, notes and decisions.

Why a record and not a re-computation: data can be corrected after the meeting, so the
review keeps the numbers the decisions were taken on (JSON), and the next review shows
what was decided last time. Every save is one transaction with an audit-log line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math

import sqlalchemy as sa

from kpi.metrics import connected
from kpi.review import snapshot
from kpi.review.model import Decision, DecisionStatus, ItemKind, Pack
from kpi.review.periods import Period, parse_period
from kpi.settings import Settings
from kpi.store import archive_path, next_id, now, record_audit
from kpi.tables import review_decisions, review_records

AUDIT_ACTION = "review.save"
AUDIT_STATUS = "review.decision_status"


class ReviewError(ValueError):
    """A saved review or decision that does not exist, or a bad status; message for users."""


def _clean(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def figures_json(pack: Pack) -> str:
    """The pack's figures as they stand now (NaN written as null)."""
    body = {
        "period": pack.period.code,
        "comparison": pack.comparison.code,
        "as_of": pack.as_of.isoformat(),
        "plant": pack.request.plant or "",
        "objectives": [
            {k: _clean(getattr(o, k)) for k in
             ("kpi", "value", "target", "status", "compare_value", "sentence")}
            for o in pack.objectives
        ],
        "suppliers": [{k: _clean(v) for k, v in row.items()}
                      for row in pack.suppliers.to_dict("records")],
    }  # fmt: skip
    return json.dumps(body, ensure_ascii=False)


def save_review(
    engine: sa.Engine,
    settings: Settings,
    pack: Pack,
    notes: dict[str, str] | None = None,
    decisions: list[Decision] | None = None,
    near_band: float | None = None,
) -> int:
    """Store one review record with its decisions and its frozen snapshot (figures with
    numerators and denominators, cut-off, definition versions, the exported files' hashes);
    returns the new review id. The exported files are kept in the archive by their hash."""
    notes = {k: v for k, v in (notes if notes is not None else pack.notes).items() if v.strip()}
    items = [d for d in (decisions if decisions is not None else pack.decisions) if d.text.strip()]
    pack.notes, pack.decisions = notes, items
    exports = _archive_exports(settings, pack)
    band = settings.near_band if near_band is None else near_band
    with engine.begin() as conn:
        review_id = next_id(conn, review_records.c.review_id)
        stamp = now()
        conn.execute(review_records.insert().values(
            review_id=review_id, period=pack.period.code, period_start=pack.period.start,
            period_end=pack.period.end, comparison=pack.request.compare_code, as_of=pack.as_of,
            plant=pack.request.plant or "", figures=figures_json(pack),
            notes=json.dumps(notes, ensure_ascii=False), saved_at=stamp, saved_by=settings.user,
        ))  # fmt: skip
        for i, d in enumerate(items, start=1):
            conn.execute(review_decisions.insert().values(
                review_id=review_id, item_no=i, kind=d.kind.value, text=d.text.strip(),
                owner=d.owner.strip(), due_date=d.due_date, status=d.status or "open",
            ))  # fmt: skip
        body = snapshot.build(conn, pack, band, notes, items, exports)
        digest = snapshot.store_snapshot(conn, review_id, body, stamp)
        detail = (f"review {review_id}: {len(items)} decisions/actions, notes on {len(notes)} "
                  f"inputs, snapshot {digest[:12]}")  # fmt: skip
        record_audit(conn, settings.user, AUDIT_ACTION, f"review {pack.period.code}", detail)
    return review_id


def _archive_exports(settings: Settings, pack: Pack) -> dict[str, dict]:
    """Export the pack as PPTX, PDF (native charts: no browser) and XLSX, keep each file in
    the archive under its SHA-256, and return name, hash and size per format."""
    from kpi.review import Format, export
    from kpi.review.pdf_export import ChartMode

    out = {}
    for fmt in Format:
        options = {"charts": ChartMode.NATIVE} if fmt is Format.PDF else {}
        data = export(pack, fmt, **options)
        digest = hashlib.sha256(data).hexdigest()
        path = archive_path(settings, digest)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        name = f"management-review-{pack.period.code}.{fmt.value}"
        out[fmt.value] = {"file_name": name, "sha256": digest, "size_bytes": len(data)}
    return out


def _decisions(conn: sa.Connection, review_id: int) -> list[Decision]:
    query = (
        sa.select(review_decisions)
        .where(review_decisions.c.review_id == review_id)
        .order_by(review_decisions.c.item_no)
    )
    return [
        Decision(r.text, r.owner, ItemKind(r.kind), r.due_date, r.status, r.item_no)
        for r in conn.execute(query)
    ]


def _as_dict(conn: sa.Connection, row) -> dict:
    return {
        "review_id": row.review_id,
        "period": row.period,
        "period_label": parse_period(row.period).label,
        "comparison": row.comparison,
        "as_of": row.as_of,
        "plant": row.plant,
        "figures": json.loads(row.figures),
        "notes": json.loads(row.notes),
        "saved_at": f"{row.saved_at:%Y-%m-%d %H:%M}",
        "saved_by": row.saved_by,
        "decisions": _decisions(conn, row.review_id),
    }


def _latest(bind, condition) -> dict | None:
    query = (
        sa.select(review_records)
        .where(condition)
        .order_by(review_records.c.period_start.desc(), review_records.c.review_id.desc())
        .limit(1)
    )
    with connected(bind) as conn:
        row = conn.execute(query).first()
        return _as_dict(conn, row) if row else None


def previous_review(bind, period: Period, plant: str | None = None) -> dict | None:
    """The newest saved review of an earlier period (same plant scope)."""
    return _latest(
        bind,
        sa.and_(
            review_records.c.period_start < period.start, review_records.c.plant == (plant or "")
        ),
    )


def saved_review(bind, period: Period, plant: str | None = None) -> dict | None:
    """The newest saved record of exactly this period (to continue editing it)."""
    return _latest(
        bind,
        sa.and_(review_records.c.period == period.code, review_records.c.plant == (plant or "")),
    )


def list_reviews(bind) -> list[dict]:
    """Every saved review with its decisions, newest first."""
    query = sa.select(review_records).order_by(review_records.c.review_id.desc())
    with connected(bind) as conn:
        return [_as_dict(conn, row) for row in conn.execute(query).all()]


def review_by_id(bind, review_id: int) -> dict:
    """One saved review; ReviewError when there is none with that id."""
    query = sa.select(review_records).where(review_records.c.review_id == review_id)
    with connected(bind) as conn:
        row = conn.execute(query).first()
        if row is None:
            raise ReviewError(f"no saved review {review_id}")
        return _as_dict(conn, row)


def set_decision_status(
    engine: sa.Engine,
    settings: Settings,
    review_id: int,
    item_no: int,
    status: DecisionStatus | str,
) -> Decision:
    """Move one decision/action of a saved review to ``status``: one transaction with an
    audit-log line (old -> new). Setting the status it already has changes nothing."""
    try:
        new = DecisionStatus(status)
    except ValueError:
        allowed = ", ".join(s.value for s in DecisionStatus)
        raise ReviewError(f"bad status {status!r}; use one of {allowed}") from None
    where = sa.and_(review_decisions.c.review_id == review_id,
                    review_decisions.c.item_no == item_no)  # fmt: skip
    with engine.begin() as conn:
        row = conn.execute(sa.select(review_decisions).where(where)).first()
        if row is None:
            raise ReviewError(f"saved review {review_id} has no decision or action {item_no}")
        if row.status != new.value:
            conn.execute(review_decisions.update().where(where).values(status=new.value))
            subject = f"review {review_id} item {item_no}"
            record_audit(conn, settings.user, AUDIT_STATUS, subject,
                         f"{row.text}: {row.status} -> {new.value}")  # fmt: skip
    return Decision(row.text, row.owner, ItemKind(row.kind), row.due_date, new.value, item_no)
