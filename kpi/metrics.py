"""Compute any catalogue KPI by grain, dimensions and filters, always as Σnumerator/Σdenominator.

One SQL query per source: the inner SELECT sums the source's measures per period and
dimension values; the outer SELECT evaluates each KPI's numerator and denominator
expressions on those sums. Values are then derived in pandas, so a zero denominator
yields an empty value (NaN), never 0 and never an error.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import sqlalchemy as sa

from kpi import clock, dialect
from kpi.catalogue import CATALOGUE, KPI, Dim, Formula, Grain, Source, get_kpi
from kpi.grains import period_sql
from kpi.lines import with_owners
from kpi.numbers import clean
from kpi.sources import Relation, pick_relation

COLUMNS_TAIL = ["kpi", "value", "numerator", "denominator", "target", "status"]
_TRUE = {"true", "yes", "y", "1", "planned"}
_FALSE = {"false", "no", "n", "0", "unplanned"}


@dataclass(frozen=True)
class Query:
    """A validated KPI request (what the report CLI and the dashboard filters build)."""

    kpis: tuple[str, ...]
    grain: Grain = Grain.TOTAL
    by: tuple[Dim, ...] = ()
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    where: tuple[tuple[Dim, str], ...] = field(default=())
    as_of: dt.date | None = None

    @property
    def as_of_date(self) -> dt.date:
        return self.as_of or clock.today()


def make_query(
    kpis: Iterable[str],
    grain: Grain | str = Grain.TOTAL,
    by: Iterable[Dim | str] = (),
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    where: Mapping[Dim | str, str] | Iterable[tuple[Dim | str, str]] = (),
    as_of: dt.date | None = None,
) -> Query:
    """Validate names against the catalogue; raises ValueError with a user-facing message."""
    names = tuple(dict.fromkeys(k.strip() for k in kpis if k.strip()))
    if not names:
        raise ValueError("give at least one KPI")
    entries = [get_kpi(n) for n in names]
    grain = _enum(Grain, grain, "grain")
    dims = tuple(dict.fromkeys(_enum(Dim, d, "dimension") for d in by))
    pairs = where.items() if isinstance(where, Mapping) else where
    filters = tuple((_enum(Dim, d, "dimension"), _norm_value(_enum(Dim, d, "dimension"), v))
                    for d, v in pairs)  # fmt: skip
    for dim in list(dims) + [d for d, _ in filters]:
        bad = [k.name for k in entries if dim not in k.dims]
        if bad:
            raise ValueError(f"dimension {dim.value!r} does not apply to {', '.join(bad)}")
    common = set.intersection(*(set(k.dims) for k in entries))
    dims = with_owners(dims, [d for d, _ in filters], common)  # a line is a line of a plant
    if date_from and date_to and date_from > date_to:
        raise ValueError(f"--from {date_from} is after --to {date_to}")
    return Query(names, grain, dims, date_from, date_to, filters, as_of)


def _enum(enum: type, value: object, what: str):
    try:
        return enum(str(value).strip().lower())
    except ValueError:
        choices = ", ".join(e.value for e in enum)
        raise ValueError(f"unknown {what} {value!r}; choose from {choices}") from None


def _norm_value(dim: Dim, value: str) -> str:
    """``planned`` filters accept yes/no/true/false; other values match exactly."""
    if dim is not Dim.PLANNED:
        return value
    low = value.strip().lower()
    if low in _TRUE | _FALSE:
        return "true" if low in _TRUE else "false"
    raise ValueError(f"planned must be true or false, not {value!r}")


@contextmanager
def connected(bind: sa.Engine | sa.Connection):
    """Use a caller's connection (e.g. inside a transaction) or open one from an engine."""
    if isinstance(bind, sa.Connection):
        yield bind
    else:
        with bind.connect() as conn:
            yield conn


def compute(
    bind: sa.Engine | sa.Connection,
    query: Query,
    *,
    near_band: float = 0.10,
    use_summary: bool = True,
    with_targets: bool = True,
) -> pd.DataFrame:
    """KPI values as period, <by dims>, kpi, value, numerator, denominator, target, status."""
    from kpi.coverage import blank_uncovered
    from kpi.targets import attach_targets  # targets imports metrics helpers

    frames = []
    with connected(bind) as conn:
        for source, entries in _by_source(query.kpis).items():
            wide = _query_source(conn, source, entries, query, use_summary)
            frames.append(_to_long(wide, entries, query))
        out = frames[0] if len(frames) == 1 else _order(pd.concat(frames), query)
        out = blank_uncovered(conn, out, query)  # "no data", never a value (issue 13 §8)
        if with_targets:
            out = attach_targets(conn, out, query, near_band)
        else:
            out["target"], out["status"] = np.nan, None
    return out[["period", *[d.value for d in query.by], *COLUMNS_TAIL]]


def _by_source(names: tuple[str, ...]) -> dict[Source, list[KPI]]:
    groups: dict[Source, list[KPI]] = {}
    for name in names:
        kpi = CATALOGUE[name]
        groups.setdefault(kpi.source, []).append(kpi)
    return groups


def inner_sql(
    rel: Relation, query: Query, measures: set[str] | None = None
) -> tuple[str, dict[str, object]]:
    """Measure sums per period and dimension values (the only place rows are aggregated).

    ``measures`` limits the sums to those the requested KPIs use (n_rows is always kept).
    """
    period = period_sql(query.grain, rel.date_col)
    keys = [f"{rel.dims[d]} AS {d.value}" for d in query.by]
    cols = [f"{period or 'CAST(NULL AS DATE)'} AS period", *keys]
    cols += [
        f"CAST({agg} AS DOUBLE PRECISION) AS {m}"
        for m, agg in rel.measures.items()
        if measures is None or m in measures or m == "n_rows"
    ]
    conds, params = where_conditions(rel, query)
    group = [g for g in [period, *(rel.dims[d] for d in query.by)] if g]
    sql = f"SELECT {', '.join(cols)} FROM {rel.sql}"
    sql += f" WHERE {' AND '.join(conds)}" if conds else ""
    sql += f" GROUP BY {', '.join(group)}" if group else ""
    return sql, params


def build_sql(rel: Relation, entries: list[KPI], query: Query) -> tuple[str, dict[str, object]]:
    """Outer: each KPI's numerator/denominator/empty flag evaluated on the inner sums."""
    exprs = [e for k in _with_factors(entries) for e in (k.numerator, k.denominator, k.empty_when)]
    used = set(_WORD.findall(" ".join(e for e in exprs if e)))
    inner, params = inner_sql(rel, query, used & set(rel.measures))
    outer = ["period", *[d.value for d in query.by], "n_rows"]
    for kpi in _with_factors(entries):
        outer.append(f"{kpi.numerator} AS {kpi.name}__num")
        outer.append(f"{kpi.denominator or 'NULL'} AS {kpi.name}__den")
        empty = f"CASE WHEN {kpi.empty_when} THEN 1 ELSE 0 END" if kpi.empty_when else "0"
        outer.append(f"{empty} AS {kpi.name}__empty")
    order = ", ".join(f"{c} NULLS FIRST" for c in _keys(query))
    sql = f"SELECT {', '.join(outer)} FROM ({inner}) AS s WHERE n_rows > 0 ORDER BY {order}"
    return sql, params


def measure_sums(
    bind: sa.Engine | sa.Connection, source: Source, query: Query, use_summary: bool = True
) -> pd.DataFrame:
    """The raw measure sums of one source per group (for waterfalls and custom charts)."""
    needed = set(query.by) | {d for d, _ in query.where}
    with connected(bind) as conn:
        rel = pick_relation(source, needed, use_summary, _stale(conn, source, use_summary))
        sql, params = inner_sql(rel, query)
        return read_frame(conn, f"SELECT * FROM ({sql}) AS s WHERE n_rows > 0", params)


def where_conditions(rel: Relation, query: Query) -> tuple[list[str], dict[str, object]]:
    conds: list[str] = []
    params: dict[str, object] = {}
    if query.date_from:
        conds.append(f"{rel.date_col} >= :date_from")
        params["date_from"] = query.date_from
    if query.date_to:
        conds.append(f"{rel.date_col} <= :date_to")
        params["date_to"] = query.date_to
    for i, (dim, value) in enumerate(query.where):
        conds.append(f"{rel.dims[dim]} = :w{i}")
        params[f"w{i}"] = value
    if "as_of" in rel.params:
        params["as_of"] = query.as_of_date
    return conds, params


def _with_factors(entries: list[KPI]) -> list[KPI]:
    """The requested KPIs plus the factor KPIs a product formula needs (each once)."""
    names = dict.fromkeys(f for k in entries for f in k.factors)
    names.update(dict.fromkeys(k.name for k in entries))
    return [CATALOGUE[n] for n in names]


def _query_source(
    conn: sa.Connection, source: Source, entries: list[KPI], query: Query, use_summary: bool
) -> pd.DataFrame:
    needed = set(query.by) | {d for d, _ in query.where}
    rel = pick_relation(source, needed, use_summary, _stale(conn, source, use_summary))
    sql, params = build_sql(rel, entries, query)
    return read_frame(conn, sql, params)


def _stale(conn: sa.Connection, source: Source, use_summary: bool) -> frozenset[str]:
    if not use_summary:
        return frozenset()
    from kpi.summary import stale_kinds  # summary imports sources, not metrics

    return stale_kinds(conn)


_WORD = re.compile(r"[a-z_]+")
read_frame = dialect.read_frame  # each backend's fastest way to a frame


def _to_long(wide: pd.DataFrame, entries: list[KPI], query: Query) -> pd.DataFrame:
    """One row per group x KPI (KPIs in request order within a group), built with numpy.

    Values, numerators and denominators are cleaned (kpi.numbers): no binary noise, and
    the summary and raw paths give identical figures.
    """
    values: dict[str, np.ndarray] = {}
    for kpi in _with_factors(entries):
        values[kpi.name] = _value(wide, kpi, values)
    n, k = len(wide), len(entries)
    out = {c: np.repeat(wide[c].to_numpy(dtype=object), k) for c in _keys(query)}
    out["kpi"] = np.tile(np.array([e.name for e in entries], dtype=object), n)
    out["value"] = clean(np.column_stack([values[e.name] for e in entries]).ravel())
    nums, dens = [], []
    for e in entries:
        num = wide[f"{e.name}__num"].to_numpy(dtype=float)
        nums.append(np.where(_empty_mask(wide, e), np.nan, num))
        dens.append(wide[f"{e.name}__den"].to_numpy(dtype=float))
    out["numerator"] = clean(np.column_stack(nums).ravel())
    out["denominator"] = clean(np.column_stack(dens).ravel())
    return pd.DataFrame(out)


def _keys(query: Query) -> list[str]:
    return ["period", *[d.value for d in query.by]]


def _empty_mask(wide: pd.DataFrame, kpi: KPI) -> np.ndarray:
    return wide[f"{kpi.name}__empty"].to_numpy(dtype=float) > 0


def _value(wide: pd.DataFrame, kpi: KPI, known: dict[str, np.ndarray]) -> np.ndarray:
    num = wide[f"{kpi.name}__num"].to_numpy(dtype=float)
    den = wide[f"{kpi.name}__den"].to_numpy(dtype=float)
    if kpi.formula is Formula.SUM:
        value = num
    elif kpi.formula is Formula.PRODUCT:
        value = np.ones(len(wide))
        for factor in kpi.factors:
            value = value * known[factor]
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(den != 0, num / den, np.nan)
    return np.where(_empty_mask(wide, kpi), np.nan, value)


def _order(df: pd.DataFrame, query: Query) -> pd.DataFrame:
    """Stable output order: period, then dimension values, then the requested KPI order."""
    rank = {name: i for i, name in enumerate(query.kpis)}
    df = df.assign(_k=df["kpi"].map(rank))
    keys = ["period", *[d.value for d in query.by], "_k"]
    df = df.sort_values(keys, na_position="first", kind="stable")
    return df.drop(columns="_k").reset_index(drop=True)
