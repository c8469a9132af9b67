"""Frozen review records (ISO 9001 §7.5.3, §9.3.3): what the meeting saw, kept unchanged.

A snapshot holds every figure of the review with its numerator, denominator, target and
status (the period and its comparison), the data cut-off (the newest batch and its load
time), each KPI's definition version, the decisions, notes and audit findings, and the
SHA-256 of the files exported at saving. It is written once, as canonical JSON with its
own SHA-256, and never updated: opening a saved review shows it, and ``changes_since``
recomputes the same figures on today's data to list, figure by figure, what a correction
has changed since.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math

import pandas as pd
import sqlalchemy as sa

from kpi.metrics import connected
from kpi.register import definition_version
from kpi.review.figures import totals
from kpi.review.model import ALL_KPIS, Pack, ReviewRequest
from kpi.review.periods import parse_compare, parse_period
from kpi.tables import batches, review_exports, review_snapshots

FIGURE_KEYS = ("value", "numerator", "denominator", "target", "status")
REL_TOL = 1e-9


class SnapshotError(ValueError):
    """A missing or altered snapshot; the message is for users."""


def _clean(value: object) -> object:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dt.date | dt.datetime | pd.Timestamp):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value


def canonical(body: dict) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _figures(conn, request: ReviewRequest, pack: Pack, near_band: float) -> list[dict]:
    rows = []
    for role, period in (("period", pack.period), ("comparison", pack.comparison)):
        frame = totals(conn, period, request, pack.as_of, near_band)
        for r in frame.to_dict("records"):
            rows.append({"role": role, "period": period.code, "kpi": r["kpi"],
                         **{k: _clean(r.get(k)) for k in FIGURE_KEYS}})  # fmt: skip
    return rows


def cut_off(conn: sa.Connection) -> dict:
    """The newest batch in the ledger and when it was loaded (or undone)."""
    row = conn.execute(
        sa.select(batches.c.batch_id, batches.c.loaded_at, batches.c.undone_at)
        .order_by(batches.c.batch_id.desc())
        .limit(1)
    ).first()
    if row is None:
        return {"last_batch_id": None, "loaded_at": None}
    return {"last_batch_id": row.batch_id, "loaded_at": _clean(row.loaded_at)}


def build(conn: sa.Connection, pack: Pack, near_band: float, notes: dict, decisions: list,
          exports: dict[str, str]) -> dict:  # fmt: skip
    """The snapshot body (a plain dict) of one review being saved, read on ``conn``."""
    findings = pack.audit_findings if pack.audit_findings is not None else pd.DataFrame()
    capability = pack.capability if pack.capability is not None else pd.DataFrame()
    return {
        "period": pack.period.code,
        "comparison": pack.comparison.code,
        "compare": pack.request.compare_code,
        "as_of": pack.as_of.isoformat(),
        "plant": pack.request.plant or "",
        "near_band": near_band,
        "figures": _figures(conn, pack.request, pack, near_band),
        "sentences": {o.kpi: o.sentence for o in pack.objectives},
        "suppliers": [
            {k: _clean(v) for k, v in r.items()} for r in pack.suppliers.to_dict("records")
        ],  # fmt: skip
        "capability": [  # measured characteristics' Cpk as presented (issue 18)
            {k: _clean(v) for k, v in r.items()} for r in capability.to_dict("records")
        ],  # fmt: skip
        "cut_off": cut_off(conn),
        "definition_versions": {k: definition_version(k, full=True) for k in ALL_KPIS},
        "notes": notes,
        "decisions": [d.to_dict() for d in decisions],
        "audit_findings": [
            {k: _clean(v) for k, v in r.items()} for r in findings.to_dict("records")
        ],  # fmt: skip
        "exports": exports,
    }


def store_snapshot(conn: sa.Connection, review_id: int, body: dict, stamp: dt.datetime) -> str:
    text = canonical(body)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    conn.execute(review_snapshots.insert().values(
        review_id=review_id, snapshot=text, sha256=digest, created_at=stamp))  # fmt: skip
    for fmt, entry in body["exports"].items():
        conn.execute(review_exports.insert().values(review_id=review_id, format=fmt,
                                                    created_at=stamp, **entry))  # fmt: skip
    return digest


def load(bind: sa.Engine | sa.Connection, review_id: int) -> dict | None:
    """The snapshot of a saved review (None for reviews saved before snapshots existed);
    SnapshotError when its text no longer matches the hash stored with it."""
    query = sa.select(review_snapshots).where(review_snapshots.c.review_id == review_id)
    with connected(bind) as conn:
        row = conn.execute(query).first()
    if row is None:
        return None
    if hashlib.sha256(row.snapshot.encode("utf-8")).hexdigest() != row.sha256:
        raise SnapshotError(f"the snapshot of review {review_id} was altered after saving")
    return json.loads(row.snapshot)


def _same(a: object, b: object) -> bool:
    if a is None or b is None:
        return a is b
    if isinstance(a, float | int) and isinstance(b, float | int):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=1e-12)
    return a == b


def changes_since(bind: sa.Engine | sa.Connection, snapshot: dict) -> pd.DataFrame:
    """Figure by figure, what differs between the snapshot and the same figures today
    (same periods, plant, as-of date and near band); empty when nothing changed."""
    compare, baseline = parse_compare(snapshot["compare"])
    request = ReviewRequest(parse_period(snapshot["period"]), compare, baseline,
                            dt.date.fromisoformat(snapshot["as_of"]),
                            snapshot["plant"] or None)  # fmt: skip
    now: dict[tuple[str, str], dict] = {}
    with connected(bind) as conn:
        for code in {f["period"] for f in snapshot["figures"]}:
            frame = totals(conn, parse_period(code), request, request.as_of,
                           snapshot["near_band"])  # fmt: skip
            now.update({(code, r["kpi"]): r for r in frame.to_dict("records")})
    rows = []
    for saved in snapshot["figures"]:
        current = {k: _clean(v) for k, v in now.get((saved["period"], saved["kpi"]), {}).items()}
        diff = [k for k in FIGURE_KEYS if not _same(saved[k], current.get(k))]
        if diff:
            row = {"period": saved["period"], "kpi": saved["kpi"], "changed": ", ".join(diff)}
            for k in FIGURE_KEYS:
                row[f"saved_{k}"], row[f"now_{k}"] = saved[k], current.get(k)
            rows.append(row)
    return pd.DataFrame(rows)


def figures_frame(snapshot: dict) -> pd.DataFrame:
    """The snapshot's figures as a table (one row per period role x KPI)."""
    frame = pd.DataFrame(snapshot["figures"])
    if not frame.empty:
        frame["definition_version"] = [snapshot["definition_versions"].get(k, "")[:12]
                                       for k in frame["kpi"]]  # fmt: skip
    return frame


def open_saved(bind: sa.Engine | sa.Connection, review_id: int) -> dict:
    """A saved review as recorded: its record, frozen snapshot, the figures that changed
    since (empty frame: none), and whether it predates snapshots."""
    from kpi.review.records import review_by_id

    review = review_by_id(bind, review_id)
    body = load(bind, review_id)
    changes = changes_since(bind, body) if body is not None else pd.DataFrame()
    return {**review, "snapshot": body, "changes": changes, "changed": not changes.empty}
