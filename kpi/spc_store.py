"""Frozen SPC baselines and excluded points, stored and audited.

Why stored: once a phase I baseline is frozen, every later look at the chart (page, CLI,
alerts) must judge new points against the same limits; and an excluded point must carry
the reason someone gave for leaving it out of the limits (ISO 9001 §7.5 records).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import sqlalchemy as sa

from kpi.catalogue import Grain, get_kpi
from kpi.metrics import connected
from kpi.store import now, record_audit
from kpi.tables import spc_baselines, spc_exclusions


def scope_key(where: Mapping[str, str] | None) -> str:
    """A stable text key for a filter set: 'all', or 'line=L5;plant=Plant 2' (sorted)."""
    if not where:
        return "all"
    return ";".join(f"{k}={v}" for k, v in sorted(where.items()))


def parse_scope(scope: str) -> dict[str, str]:
    """The inverse of ``scope_key``."""
    if not scope or scope == "all":
        return {}
    return dict(part.split("=", 1) for part in scope.split(";"))


def get_baseline(
    bind: sa.Engine | sa.Connection, kpi: str, where: Mapping[str, str] | None
) -> tuple[dt.date, dt.date] | None:
    query = sa.select(spc_baselines.c.baseline_from, spc_baselines.c.baseline_to).where(
        spc_baselines.c.kpi == kpi, spc_baselines.c.scope == scope_key(where)
    )
    with connected(bind) as conn:
        row = conn.execute(query).first()
    return (row[0], row[1]) if row else None


def freeze_baseline(
    engine: sa.Engine,
    user: str,
    kpi: str,
    where: Mapping[str, str] | None,
    start: dt.date,
    end: dt.date,
) -> None:
    """Freeze the limits of a KPI x scope to the baseline window (replaces an earlier one).

    ``kpi`` may also be a measured characteristic's key (``kpi.variables.Measured``).
    """
    if not kpi.startswith("measure:"):
        get_kpi(kpi)
    if start > end:
        raise ValueError(f"baseline starts {start} after it ends {end}")
    scope = scope_key(where)
    key = (spc_baselines.c.kpi == kpi) & (spc_baselines.c.scope == scope)
    with engine.begin() as conn:
        conn.execute(spc_baselines.delete().where(key))
        conn.execute(
            spc_baselines.insert().values(
                kpi=kpi, scope=scope, baseline_from=start, baseline_to=end,
                frozen_at=now(), frozen_by=user,
            )
        )  # fmt: skip
        record_audit(conn, user, "spc.baseline", f"{kpi} [{scope}]", f"{start}..{end}")


def clear_baseline(engine: sa.Engine, user: str, kpi: str, where: Mapping[str, str] | None):
    scope = scope_key(where)
    key = (spc_baselines.c.kpi == kpi) & (spc_baselines.c.scope == scope)
    with engine.begin() as conn:
        if conn.execute(spc_baselines.delete().where(key)).rowcount:
            record_audit(conn, user, "spc.baseline", f"{kpi} [{scope}]", "cleared")


def list_exclusions(
    bind: sa.Engine | sa.Connection, kpi: str, where: Mapping[str, str] | None, grain: Grain
) -> dict[dt.date, str]:
    """Excluded periods of a chart and the reason given for each."""
    t = spc_exclusions.c
    query = sa.select(t.period, t.reason).where(
        t.kpi == kpi, t.scope == scope_key(where), t.grain == Grain(grain).value
    )
    with connected(bind) as conn:
        return {row.period: row.reason for row in conn.execute(query.order_by(t.period))}


def exclude_point(
    engine: sa.Engine,
    user: str,
    kpi: str,
    where: Mapping[str, str] | None,
    grain: Grain,
    period: dt.date,
    reason: str,
) -> None:
    """Leave one period out of the limits; a reason is required."""
    if not reason.strip():
        raise ValueError("say why the point is excluded (e.g. 'power cut, known cause')")
    scope, grain = scope_key(where), Grain(grain)
    t = spc_exclusions.c
    key = (t.kpi == kpi) & (t.scope == scope) & (t.grain == grain.value) & (t.period == period)
    with engine.begin() as conn:
        conn.execute(spc_exclusions.delete().where(key))
        conn.execute(
            spc_exclusions.insert().values(
                kpi=kpi, scope=scope, grain=grain.value, period=period,
                reason=reason.strip(), excluded_at=now(), excluded_by=user,
            )
        )  # fmt: skip
        subject = f"{kpi} [{scope}] {grain.value} {period}"
        record_audit(conn, user, "spc.exclude", subject, reason.strip())


def include_point(
    engine: sa.Engine,
    user: str,
    kpi: str,
    where: Mapping[str, str] | None,
    grain: Grain,
    period: dt.date,
) -> None:
    """Put an excluded period back into the limits."""
    scope, grain = scope_key(where), Grain(grain)
    t = spc_exclusions.c
    key = (t.kpi == kpi) & (t.scope == scope) & (t.grain == grain.value) & (t.period == period)
    with engine.begin() as conn:
        if conn.execute(spc_exclusions.delete().where(key)).rowcount:
            subject = f"{kpi} [{scope}] {grain.value} {period}"
            record_audit(conn, user, "spc.include", subject, "exclusion removed")
