"""Quality objectives (ISO 9001 §6.2): targets by scope and validity window, and status.

Which target applies to a KPI value: among the stored targets valid on the reference day
(``kpi.target_rule``: the period's last day, clipped to --to and the as-of date), the
most specific scope the row is pinned to wins (product > line > plant > all); ties go to the latest
valid_from, then the newest entry. Without a stored target the catalogue default applies.
Status is met, near or missed, decided on numerator / denominator (``kpi.status``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import pandas as pd
import sqlalchemy as sa

from kpi.catalogue import CATALOGUE, Dim, Direction, get_kpi
from kpi.grains import parse_date
from kpi.metrics import Query, connected
from kpi.settings import Settings
from kpi.status import Ideal, decide, exact_value, ideal_of
from kpi.store import audit_history, next_id, now, record_audit
from kpi.tables import targets
from kpi.target_rule import reference_date


class Scope(StrEnum):
    ALL = "all"
    PLANT = "plant"
    LINE = "line"
    PRODUCT = "product"


MAX_BAND = 10.0  # a near band of 1000 % is surely a typo
SPECIFICITY = {Scope.ALL: 0, Scope.PLANT: 1, Scope.LINE: 2, Scope.PRODUCT: 3}
AUDIT_ACTIONS = ("target.set", "target.delete", "target.import")


class TargetError(ValueError):
    """Invalid target input; ``problems`` lists every error found (with CSV line numbers)."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class TargetSpec:
    kpi: str
    scope_dim: Scope
    scope_value: str
    value: float
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    near_band: float | None = None  # None: the global near band (KPI_NEAR_BAND)

    def describe(self) -> str:
        scope = "all" if self.scope_dim is Scope.ALL else f"{self.scope_dim}={self.scope_value}"
        window = f"{self.valid_from or '…'}..{self.valid_to or '…'}"
        return f"{self.kpi} [{scope}] {window}"


def status_of(
    value: float, target: float, direction: Direction, band: float, ratio: bool = True
) -> str | None:
    """Met, near or missed for one value (see kpi.status); None when a number is missing."""
    higher = Ideal.ONE if ratio else Ideal.UNBOUNDED
    ideal = Ideal.ZERO if direction is Direction.LOWER else higher
    return decide([value], [target], [ideal.value], band)[0]


def load_targets(conn: sa.Connection, kpis: tuple[str, ...] | None = None) -> pd.DataFrame:
    query = sa.select(targets)
    if kpis:
        query = query.where(targets.c.kpi.in_(kpis))
    rows = conn.execute(query.order_by(targets.c.target_id)).mappings().all()
    df = pd.DataFrame(rows, columns=[c.name for c in targets.columns])
    # targets.value is a 32-bit FLOAT in DuckDB: 0.88 reads back as 0.8799999952. Seven
    # significant digits recover what the user typed.
    df["value"] = [float(f"{v:.7g}") for v in df["value"]]
    df["near_band"] = [float(f"{v:.7g}") if pd.notna(v) else np.nan for v in df["near_band"]]
    df["target_id"] = df["target_id"].astype("Int64")
    return df


def list_targets(bind: sa.Engine | sa.Connection) -> pd.DataFrame:
    """Stored targets plus one row per catalogue default (target_id empty)."""
    with connected(bind) as conn:
        stored = load_targets(conn)
    defaults = pd.DataFrame(
        [
            {"kpi": k.name, "scope_dim": "all", "scope_value": "", "value": k.default_target}
            for k in CATALOGUE.values()
            if k.default_target is not None
        ]
    ).assign(updated_by="catalogue default")
    return pd.concat([stored, defaults], ignore_index=True)


def attach_targets(
    conn: sa.Connection, df: pd.DataFrame, query: Query, near_band: float
) -> pd.DataFrame:
    """Add ``target`` and ``status`` columns to a metrics frame (in place, and returned).

    KPIs without stored targets get their catalogue default in one vectorised step; only
    rows of KPIs with stored targets are resolved one distinct (period, scope) at a time.
    """
    kpis = df["kpi"].to_numpy(dtype=object)
    result = np.full(len(df), np.nan)
    ideals = np.full(len(df), Ideal.ZERO.value, dtype=object)
    for name in query.kpis:
        mask = kpis == name
        result[mask] = _default(name)
        ideals[mask] = ideal_of(CATALOGUE[name]).value
    with_targets = _kpis_with_targets(conn) & set(query.kpis)
    bands = np.full(len(df), near_band)
    if with_targets:
        custom = np.isin(kpis, list(with_targets))
        picked = _resolve(df[custom], load_targets(conn, query.kpis), query)
        result[custom], own_band = picked[:, 0], picked[:, 1]
        bands[custom] = np.where(np.isnan(own_band), near_band, own_band)
    df["target"] = result
    value = exact_value(df["numerator"], df["denominator"])
    value[df["value"].isna().to_numpy()] = np.nan  # empty stays empty (e.g. ideal missing)
    df["status"] = decide(value, result, ideals, bands)
    return df


def _kpis_with_targets(conn: sa.Connection) -> set[str]:
    """One tiny query, so the common case (no stored targets) stays cheap."""
    return set(conn.execute(sa.text("SELECT DISTINCT kpi FROM targets")).scalars())


def _resolve(df: pd.DataFrame, stored: pd.DataFrame, query: Query) -> np.ndarray:
    """Per row: (target value, its own near band or NaN), as an n x 2 array."""
    fixed = {d.value: v for d, v in query.where}
    as_of = query.as_of_date
    cache: dict[tuple, tuple[float, float]] = {}
    out = np.full((len(df), 2), np.nan)
    for i, row in enumerate(df.itertuples(index=False)):
        pins = {s: _pin(row, fixed, s) for s in (Scope.PLANT, Scope.LINE, Scope.PRODUCT)}
        ref = reference_date(query.grain, row.period, query.date_to, as_of)
        key = (row.kpi, ref, tuple(pins.values()))
        if key not in cache:
            cache[key] = _pick(stored[stored["kpi"] == row.kpi], pins, ref, row.kpi)
        out[i] = cache[key]
    return out


def _default(kpi: str) -> float:
    value = CATALOGUE[kpi].default_target
    return np.nan if value is None else value


def _pin(row, fixed: dict[str, str], scope: Scope) -> str | None:
    value = getattr(row, scope.value, None) if scope.value in row._fields else None
    if value is None or (isinstance(value, float) and math.isnan(value)):
        value = fixed.get(scope.value)
    return value


def _pick(
    rows: pd.DataFrame, pins: dict[Scope, str | None], ref: dt.date, kpi: str
) -> tuple[float, float]:
    best: tuple | None = None
    for t in rows.itertuples(index=False):
        scope = Scope(t.scope_dim)
        if scope is not Scope.ALL and pins.get(scope) != t.scope_value:
            continue
        if (t.valid_from and t.valid_from > ref) or (t.valid_to and t.valid_to < ref):
            continue
        rank = (SPECIFICITY[scope], t.valid_from or dt.date.min, t.target_id)
        if best is None or rank > best[0]:
            best = (rank, t.value, t.near_band)
    return (float(best[1]), float(best[2])) if best else (_default(kpi), np.nan)


def validate(spec: TargetSpec) -> list[str]:
    """Every problem with one target, as user-facing messages."""
    problems = []
    try:
        kpi = get_kpi(spec.kpi)
    except KeyError as exc:
        return [str(exc.args[0])]
    allowed = [Scope.ALL] + [s for s in Scope if s is not Scope.ALL and Dim(s.value) in kpi.dims]
    if spec.scope_dim not in allowed:
        problems.append(
            f"scope {spec.scope_dim} does not apply to {kpi.name}; use {', '.join(allowed)}"
        )
    if spec.scope_dim is not Scope.ALL and not spec.scope_value:
        problems.append(f"scope {spec.scope_dim} needs a value, e.g. {spec.scope_dim}=L1")
    if not math.isfinite(spec.value) or spec.value < 0:
        problems.append(f"target value must be a number ≥ 0, not {spec.value}")
    band = spec.near_band
    if band is not None and not (math.isfinite(band) and 0 <= band <= MAX_BAND):
        problems.append(f"near band must be between 0 and {MAX_BAND:.0%}, not {band}")
    if spec.valid_from and spec.valid_to and spec.valid_from > spec.valid_to:
        problems.append(f"valid_from {spec.valid_from} is after valid_to {spec.valid_to}")
    return problems


def parse_value(text: str) -> float:
    """'2%' and '0.02' both mean two percent."""
    raw = text.strip()
    try:
        return float(raw[:-1]) / 100 if raw.endswith("%") else float(raw)
    except ValueError:
        raise ValueError(f"bad target value {text!r}; use e.g. 0.02 or 2%") from None


def parse_scope(text: str | None) -> tuple[Scope, str]:
    """'all', 'line=L1', 'plant=Plant 1', 'product=P-100'."""
    if not text or text.strip().lower() == "all":
        return Scope.ALL, ""
    dim, sep, value = text.partition("=")
    try:
        scope = Scope(dim.strip().lower())
    except ValueError:
        raise ValueError(f"bad scope {text!r}; use all, plant=X, line=X or product=X") from None
    if not sep or not value.strip():
        raise ValueError(f"scope {text!r} needs a value, e.g. {scope}=X")
    return scope, value.strip()


def _upsert(conn: sa.Connection, spec: TargetSpec, user: str, action: str) -> int:
    """Same kpi, scope and window → update the value; otherwise insert. Audited."""
    same = sa.and_(
        targets.c.kpi == spec.kpi,
        targets.c.scope_dim == spec.scope_dim.value,
        targets.c.scope_value == spec.scope_value,
        _eq_or_null(targets.c.valid_from, spec.valid_from),
        _eq_or_null(targets.c.valid_to, spec.valid_to),
    )
    old = conn.execute(sa.select(targets.c.target_id, targets.c.value).where(same)).first()
    values = dict(value=spec.value, near_band=spec.near_band, updated_at=now(), updated_by=user)
    if old:
        conn.execute(targets.update().where(targets.c.target_id == old.target_id).values(values))
        target_id, detail = old.target_id, f"{old.value:.7g} -> {spec.value:.7g}"
    else:
        target_id, detail = next_id(conn, targets.c.target_id), f"new {spec.value:.7g}"
        conn.execute(
            targets.insert().values(
                target_id=target_id,
                kpi=spec.kpi,
                scope_dim=spec.scope_dim.value,
                scope_value=spec.scope_value,
                valid_from=spec.valid_from,
                valid_to=spec.valid_to,
                **values,
            )
        )
    record_audit(conn, user, action, spec.describe(), f"target {target_id}: {detail}")
    return int(target_id)


def _eq_or_null(column: sa.Column, value: dt.date | None):
    return column.is_(None) if value is None else column == value


def set_target(engine: sa.Engine, settings: Settings, spec: TargetSpec) -> int:
    """Validate, then insert or update one target in one audited transaction."""
    problems = validate(spec)
    if problems:
        raise TargetError(problems)
    with engine.begin() as conn:
        return _upsert(conn, spec, settings.user, "target.set")


def delete_target(engine: sa.Engine, settings: Settings, target_id: int) -> None:
    with engine.begin() as conn:
        row = conn.execute(sa.select(targets).where(targets.c.target_id == target_id)).first()
        if row is None:
            raise TargetError([f"no target with id {target_id}"])
        conn.execute(targets.delete().where(targets.c.target_id == target_id))
        spec = TargetSpec(
            row.kpi, Scope(row.scope_dim), row.scope_value, row.value, row.valid_from, row.valid_to
        )
        record_audit(conn, settings.user, "target.delete", spec.describe(), f"was {row.value:.7g}")


IMPORT_COLUMNS = ("kpi", "scope", "value", "valid_from", "valid_to", "near_band")


def parse_import(text: str) -> list[TargetSpec]:
    """Read a targets CSV (kpi,scope,value[,valid_from,valid_to,near_band]); every error."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("kpi", "value") if c not in headers]
    if missing:
        raise TargetError([f"missing column(s): {', '.join(missing)}; expected {IMPORT_COLUMNS}"])
    specs, problems = [], []
    for line_no, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        try:
            scope, scope_value = parse_scope(row.get("scope"))
            spec = TargetSpec(
                row.get("kpi", ""),
                scope,
                scope_value,
                parse_value(row.get("value", "")),
                parse_date(row["valid_from"]) if row.get("valid_from") else None,
                parse_date(row["valid_to"]) if row.get("valid_to") else None,
                parse_value(row["near_band"]) if row.get("near_band") else None,
            )
        except ValueError as exc:
            problems.append(f"line {line_no}: {exc}")
            continue
        problems += [f"line {line_no}: {p}" for p in validate(spec)]
        specs.append(spec)
    if problems:
        raise TargetError(problems)
    return specs


def import_targets(engine: sa.Engine, settings: Settings, text: str, file_name: str) -> int:
    """All rows or none: validate everything first, then write in one audited transaction."""
    specs = parse_import(text)
    with engine.begin() as conn:
        for spec in specs:
            _upsert(conn, spec, settings.user, "target.import")
        record_audit(conn, settings.user, "target.import", file_name, f"{len(specs)} targets")
    return len(specs)


def target_history(bind: sa.Engine | sa.Connection) -> pd.DataFrame:
    """Every audited target change, newest first."""
    return audit_history(bind, AUDIT_ACTIONS)
