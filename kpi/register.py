"""The KPI register (ISO 9001 §9.1.1): what is monitored, how, how often, by whom.

Generated from the catalogue on every call, never typed by hand. Each KPI carries a
definition version: a SHA-256 over its catalogue entry, the SQL of the relations its
measures are summed over and the code that turns sums into a value, so the version
changes whenever what the figure means changes. Owners and monitoring frequencies are
the only hand-kept part (admins edit them; every change is audited).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import inspect
import json

import pandas as pd
import sqlalchemy as sa

from kpi import clock, metrics, status
from kpi.catalogue import CATALOGUE, KPI, Formula
from kpi.metrics import connected
from kpi.settings import Settings
from kpi.sources import RELATIONS
from kpi.store import now, record_audit
from kpi.tables import kpi_owners
from kpi.targets import list_targets, target_history

AUDIT_OWNER = "register.owner"
DEFAULT_FREQUENCY = "weekly on the dashboard; per period in the management review"
VERSION_CHARS = 12  # shown; definition_version(full=True) gives all 64
COLUMNS = [
    "kpi",
    "label",
    "definition",
    "formula",
    "inputs",
    "unit",
    "direction",
    "grain",
    "dimensions",
    "frequency",
    "owner",
    "targets_in_force",
    "definition_version",
]
# the code every KPI value passes through: sums -> value -> status
_ENGINE_CODE = (metrics.build_sql, metrics.inner_sql, metrics._value, metrics._empty_mask,
                status.decide)  # fmt: skip


class RegisterError(ValueError):
    """An unknown KPI or an empty owner; the message is for users."""


def _jsonable(value: object) -> object:
    if isinstance(value, set | frozenset):  # sorted: a set's order changes between runs
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    return value if isinstance(value, int | float | str | type(None)) else str(value)


def definition_text(kpi: KPI) -> str:
    """Everything that defines a KPI's figures, as canonical text (what the version hashes)."""
    body = {
        "entry": _jsonable(dataclasses.asdict(kpi)),
        "relations": [_jsonable(dataclasses.asdict(r)) for r in RELATIONS[kpi.source]],
        "factors": [definition_text(CATALOGUE[f]) for f in kpi.factors],
        "code": [inspect.getsource(fn) for fn in _ENGINE_CODE],
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False)


def definition_version(kpi: KPI | str, full: bool = False) -> str:
    """SHA-256 of ``definition_text``; the first 12 hex digits unless ``full``."""
    entry = CATALOGUE[kpi] if isinstance(kpi, str) else kpi
    digest = hashlib.sha256(definition_text(entry).encode("utf-8")).hexdigest()
    return digest if full else digest[:VERSION_CHARS]


def formula_text(kpi: KPI) -> str:
    if kpi.formula is Formula.PRODUCT:
        return " × ".join(kpi.factors)
    if kpi.formula is Formula.SUM or kpi.denominator is None:
        return f"Σ {kpi.numerator}"
    return f"Σ {kpi.numerator} / Σ {kpi.denominator}"


def _grain(kpi: KPI) -> str:
    date_col = RELATIONS[kpi.source][-1].date_col
    return " × ".join([date_col, *(d.value for d in kpi.dims)]) + " (any period: day…year)"


def owners(bind: sa.Engine | sa.Connection) -> dict[str, dict]:
    with connected(bind) as conn:
        return {r.kpi: dict(r._mapping) for r in conn.execute(sa.select(kpi_owners))}


def set_owner(
    engine: sa.Engine, settings: Settings, kpi: str, owner: str, frequency: str | None = None
) -> None:
    """Set who owns a KPI (and how often it is reviewed): one audited transaction."""
    if kpi not in CATALOGUE:
        raise RegisterError(f"unknown KPI {kpi!r}; choose from {', '.join(CATALOGUE)}")
    owner = owner.strip()
    if not owner:
        raise RegisterError("an owner needs a name (a person or a role)")
    with engine.begin() as conn:
        old = conn.execute(sa.select(kpi_owners).where(kpi_owners.c.kpi == kpi)).first()
        freq = (frequency or "").strip() or (old.frequency if old else "")
        conn.execute(kpi_owners.delete().where(kpi_owners.c.kpi == kpi))
        conn.execute(
            kpi_owners.insert().values(
                kpi=kpi, owner=owner, frequency=freq, updated_at=now(), updated_by=settings.user
            )
        )
        before = f"{old.owner} / {old.frequency or 'default'}" if old else "(none)"
        record_audit(conn, settings.user, AUDIT_OWNER, kpi,
                     f"{before} -> {owner} / {freq or 'default'}")  # fmt: skip


def _in_force(targets: pd.DataFrame, kpi: str, day: dt.date) -> str:
    rows = targets[targets["kpi"] == kpi]
    parts = []
    for r in rows.itertuples(index=False):
        start, end = _date(r.valid_from), _date(r.valid_to)
        if (start and start > day) or (end and end < day):
            continue
        scope = "all" if r.scope_dim == "all" else f"{r.scope_dim}={r.scope_value}"
        source = " (catalogue default)" if r.updated_by == "catalogue default" else ""
        parts.append(f"{scope}: {r.value:g}{source}")
    return "; ".join(parts)


def _date(value: object) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def register_frame(bind: sa.Engine | sa.Connection, today: dt.date | None = None) -> pd.DataFrame:
    """One row per catalogue KPI, in catalogue order."""
    day = today or clock.today()
    kept, targets = owners(bind), list_targets(bind)
    rows = []
    for k in CATALOGUE.values():
        own = kept.get(k.name, {})
        rows.append([k.name, k.label, k.definition, formula_text(k),
                     ", ".join(i.value for i in k.inputs), k.unit.value, f"{k.direction} is better",
                     _grain(k), ", ".join(d.value for d in k.dims),
                     own.get("frequency") or DEFAULT_FREQUENCY, own.get("owner") or "(unassigned)",
                     _in_force(targets, k.name, day), definition_version(k)])  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def history_frame(bind: sa.Engine | sa.Connection) -> pd.DataFrame:
    """Target and owner changes, newest first (from the audit log)."""
    from kpi.tables import audit_log

    query = sa.select(audit_log).where(audit_log.c.action == AUDIT_OWNER)
    with connected(bind) as conn:
        owner_rows = pd.DataFrame(conn.execute(query).mappings().all(),
                                  columns=[c.name for c in audit_log.columns])  # fmt: skip
    both = pd.concat([target_history(bind), owner_rows], ignore_index=True)
    both = both.sort_values("event_id", ascending=False, ignore_index=True)
    return both[["event_id", "occurred_at", "user_name", "action", "subject", "detail"]]
