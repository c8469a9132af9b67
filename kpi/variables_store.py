"""Subgroups left out of a variables chart's limits, with the reason, audited.

Why a table of its own: attribute charts leave out a period (a date at a grain), while a
measured characteristic leaves out one subgroup (a gauge error at 14:00), named by the
stable label ``kpi.variables.subgroup_labels`` gives it.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa

from kpi.metrics import connected
from kpi.spc_store import scope_key
from kpi.store import now, record_audit
from kpi.tables import variables_exclusions

T = variables_exclusions
MEASURE_PREFIX = "measure:"  # chart keys of measured characteristics: measure:product/name


def chart_key(product: str, characteristic: str) -> str:
    """The key baselines, exclusions, alerts and actions of a characteristic are stored
    under (names compare ignoring case, as everywhere in the store)."""
    return f"{MEASURE_PREFIX}{product.strip().casefold()}/{characteristic.strip().casefold()}"


def is_measure_key(key: str) -> bool:
    return key.startswith(MEASURE_PREFIX)


def split_key(key: str) -> tuple[str, str]:
    """(product, characteristic) of a chart key, as stored (lower case)."""
    product, _, name = key.removeprefix(MEASURE_PREFIX).partition("/")
    return product, name


def chart_label(key: str) -> str:
    """What a KPI or measured characteristic is called in lists, alerts and messages."""
    if not is_measure_key(key):
        from kpi.catalogue import CATALOGUE

        return CATALOGUE[key].label
    product, name = split_key(key)
    return f"{product.upper()} · {name} (measured)"


def check_key(bind: sa.Engine | sa.Connection, key: str) -> None:
    """A chart key must name a characteristic that has a spec (it arrives by URL)."""
    from kpi.tables import characteristic_specs as specs

    product, name = split_key(key)
    query = sa.select(sa.func.count()).where(
        sa.func.lower(specs.c.product) == product, sa.func.lower(specs.c.characteristic) == name
    )
    with connected(bind) as conn:
        if not conn.execute(query).scalar():
            raise KeyError(f"no measured characteristic {key.removeprefix(MEASURE_PREFIX)!r}")


def _key(chart_key: str, scope: str, subgroup: str | None = None) -> sa.ColumnElement[bool]:
    key = (T.c.chart_key == chart_key) & (T.c.scope == scope)
    return key if subgroup is None else key & (T.c.subgroup == subgroup)


def list_subgroup_exclusions(
    bind: sa.Engine | sa.Connection, chart_key: str, where: Mapping[str, str] | None
) -> dict[str, str]:
    """{subgroup label: reason} of the chart's scope."""
    query = sa.select(T.c.subgroup, T.c.reason).where(_key(chart_key, scope_key(where)))
    with connected(bind) as conn:
        return dict(conn.execute(query.order_by(T.c.subgroup)).all())


def exclude_subgroup(
    engine: sa.Engine,
    user: str,
    chart_key: str,
    where: Mapping[str, str] | None,
    subgroup: str,
    reason: str,
) -> None:
    """Leave one subgroup out of the limits; a reason is required (it stays on the chart)."""
    if not reason.strip():
        raise ValueError("say why the subgroup is excluded (e.g. 'gauge not zeroed')")
    scope = scope_key(where)
    with engine.begin() as conn:
        conn.execute(T.delete().where(_key(chart_key, scope, subgroup)))
        conn.execute(
            T.insert().values(
                chart_key=chart_key, scope=scope, subgroup=subgroup, reason=reason.strip(),
                excluded_at=now(), excluded_by=user,
            )
        )  # fmt: skip
        record_audit(conn, user, "spc.exclude", f"{chart_key} [{scope}] {subgroup}", reason)


def include_subgroup(
    engine: sa.Engine, user: str, chart_key: str, where: Mapping[str, str] | None, subgroup: str
) -> None:
    """Put an excluded subgroup back into the limits."""
    scope = scope_key(where)
    with engine.begin() as conn:
        if conn.execute(T.delete().where(_key(chart_key, scope, subgroup))).rowcount:
            subject = f"{chart_key} [{scope}] {subgroup}"
            record_audit(conn, user, "spc.include", subject, "exclusion removed")
