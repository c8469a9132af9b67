"""Characteristic specs: the unit, nominal and limits a measured characteristic is held to.

Why data, not code: specs change with drawings and customers, so QA edits them, each
change in the audit log (like targets). A spec is valid from ``valid_from`` to
``valid_to`` (either may be open); windows of one product x characteristic never
overlap, so every measurement has at most one spec. A new revision is made by ending the
old window (``end_spec``) and setting the new one from the next day.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass, replace

import pandas as pd
import sqlalchemy as sa

from kpi.grains import parse_date
from kpi.ingest.names import normalise
from kpi.metrics import connected
from kpi.settings import Settings
from kpi.store import audit_history, next_id, now, record_audit
from kpi.tables import characteristic_specs

AUDIT_ACTIONS = ("spec.set", "spec.end", "spec.import")
MAX_SUBGROUP = 25  # the X̄-R / X̄-S constants tables end at n = 25
COLUMNS = [c.name for c in characteristic_specs.columns]
IMPORT_COLUMNS = (
    "product", "characteristic", "unit", "nominal", "lsl", "usl", "subgroup_size",
    "valid_from", "valid_to", "cpk_min",
)  # fmt: skip
DEFAULT_CPK_MIN = 1.33  # the usual customer minimum (AIAG PPAP); a spec may require more


class SpecError(ValueError):
    """Invalid spec input; ``problems`` lists every error found."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Spec:
    """One spec as entered: limits may be None (one-sided), but not both."""

    product: str
    characteristic: str
    unit: str
    nominal: float | None
    lsl: float | None
    usl: float | None
    subgroup_size: int = 5
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    cpk_min: float | None = None  # the required capability; None: DEFAULT_CPK_MIN

    def describe(self) -> str:
        window = f"{self.valid_from or '…'} to {self.valid_to or '…'}"
        return f"{self.product} / {self.characteristic} ({window})"

    def limits(self) -> str:
        def shown(value: float | None) -> str:
            return "-" if value is None else f"{value:.7g}"

        return (
            f"{shown(self.lsl)} .. {shown(self.usl)} {self.unit}, nominal {shown(self.nominal)}, "
            f"n={self.subgroup_size}, minimum Cpk {shown(self.cpk_min or DEFAULT_CPK_MIN)}"
        )


def validate(spec: Spec) -> list[str]:
    """Every reason the spec cannot be stored, in words for QA."""
    problems = [
        f"{name} is required"
        for name in ("product", "characteristic", "unit")
        if not getattr(spec, name).strip()
    ]
    numbers = {"nominal": spec.nominal, "lsl": spec.lsl, "usl": spec.usl}
    problems += [
        f"{k} is not a finite number"
        for k, v in numbers.items()
        if v is not None and not math.isfinite(v)
    ]
    if spec.lsl is None and spec.usl is None:
        problems.append("give at least one limit (lsl or usl); one-sided specs are allowed")
    elif spec.lsl is not None and spec.usl is not None and not spec.lsl < spec.usl:
        problems.append(f"lsl {spec.lsl:g} must be below usl {spec.usl:g}")
    elif spec.nominal is not None and not _within(spec.nominal, spec.lsl, spec.usl):
        problems.append(f"nominal {spec.nominal:g} lies outside the limits")
    if spec.cpk_min is not None and not (math.isfinite(spec.cpk_min) and 0 < spec.cpk_min <= 10):
        problems.append("cpk_min must be a number above 0 and at most 10 (e.g. 1.33 or 1.67)")
    if not 1 <= spec.subgroup_size <= MAX_SUBGROUP:
        problems.append(f"subgroup_size must be 1 to {MAX_SUBGROUP}")
    if spec.valid_from and spec.valid_to and spec.valid_to < spec.valid_from:
        problems.append("valid_to is before valid_from")
    return problems


def _within(value: float, low: float | None, high: float | None) -> bool:
    return (low is None or value >= low) and (high is None or value <= high)


def list_specs(bind: sa.Engine | sa.Connection, product: str | None = None) -> pd.DataFrame:
    """Stored specs (all windows), by product, characteristic and window."""
    t = characteristic_specs
    order = (t.c.product, t.c.characteristic, t.c.valid_from.nulls_first(), t.c.spec_id)
    query = sa.select(t).order_by(*order)
    if product:
        query = query.where(sa.func.lower(t.c.product) == product.lower())
    with connected(bind) as conn:
        rows = conn.execute(query).mappings().all()
    return pd.DataFrame(rows, columns=COLUMNS)


def set_spec(engine: sa.Engine, settings: Settings, spec: Spec) -> int:
    """Insert, or update the stored spec with the same product, characteristic and window;
    refused (nothing saved) when invalid or when the window overlaps another one."""
    with engine.begin() as conn:
        return _upsert(conn, spec, settings.user, "spec.set")


def _same_item(spec: Spec) -> sa.ColumnElement[bool]:
    t = characteristic_specs
    return sa.and_(
        sa.func.lower(t.c.product) == spec.product.strip().lower(),
        sa.func.lower(t.c.characteristic) == spec.characteristic.strip().lower(),
    )


def _upsert(conn: sa.Connection, spec: Spec, user: str, action: str) -> int:
    spec = _normalised(spec)
    problems = validate(spec)
    if problems:
        raise SpecError([f"{spec.describe()}: {p}" for p in problems])
    t = characteristic_specs
    window = sa.and_(
        _eq_or_null(t.c.valid_from, spec.valid_from), _eq_or_null(t.c.valid_to, spec.valid_to)
    )
    old = conn.execute(sa.select(t.c.spec_id).where(_same_item(spec), window)).scalar()
    _refuse_overlap(conn, spec, old)
    values = {
        "product": spec.product.strip(),
        "characteristic": spec.characteristic.strip(),
        "unit": spec.unit.strip(),
        "nominal": spec.nominal,
        "lsl": spec.lsl,
        "usl": spec.usl,
        "subgroup_size": spec.subgroup_size,
        "cpk_min": spec.cpk_min,
        "valid_from": spec.valid_from,
        "valid_to": spec.valid_to,
        "updated_at": now(),
        "updated_by": user,
    }
    if old is not None:
        conn.execute(t.update().where(t.c.spec_id == old).values(values))
        spec_id, verb = int(old), "changed to"
    else:
        spec_id, verb = int(next_id(conn, t.c.spec_id)), "new"
        conn.execute(t.insert().values(spec_id=spec_id, **values))
    record_audit(conn, user, action, spec.describe(), f"spec {spec_id}: {verb} {spec.limits()}")
    return spec_id


def _normalised(spec: Spec) -> Spec:
    """Names in the store's one normal form (NFKC, trimmed), as loaded measurements have:
    a spec in "µm" (micro sign) must match readings in "μm" (the Greek mu NFKC gives)."""
    texts = ("product", "characteristic", "unit")
    return replace(spec, **{name: normalise(getattr(spec, name)) for name in texts})


def _eq_or_null(column: sa.Column, value: dt.date | None) -> sa.ColumnElement[bool]:
    return column.is_(None) if value is None else column == value


def _refuse_overlap(conn: sa.Connection, spec: Spec, own_id: int | None) -> None:
    """Two windows of one characteristic must not share a day (which spec would apply?)."""
    t = characteristic_specs
    overlap = [_same_item(spec), t.c.spec_id != (own_id if own_id is not None else -1)]
    if spec.valid_to is not None:
        overlap.append(sa.or_(t.c.valid_from.is_(None), t.c.valid_from <= spec.valid_to))
    if spec.valid_from is not None:
        overlap.append(sa.or_(t.c.valid_to.is_(None), t.c.valid_to >= spec.valid_from))
    row = conn.execute(sa.select(t.c.spec_id, t.c.valid_from, t.c.valid_to).where(*overlap)).first()
    if row is not None:
        raise SpecError(
            [
                f"{spec.describe()}: overlaps spec {row.spec_id} (valid {row.valid_from or '…'} to "
                f"{row.valid_to or '…'}); end that one first (specs end {row.spec_id} --on DATE)"
            ]
        )


def end_spec(engine: sa.Engine, settings: Settings, spec_id: int, last_day: dt.date) -> None:
    """Close a spec's window on ``last_day`` (inclusive), e.g. before a new revision starts."""
    t = characteristic_specs
    with engine.begin() as conn:
        row = conn.execute(sa.select(t).where(t.c.spec_id == spec_id)).first()
        if row is None:
            raise SpecError([f"no spec with id {spec_id}"])
        if row.valid_from is not None and last_day < row.valid_from:
            raise SpecError([f"spec {spec_id} starts on {row.valid_from}, after {last_day}"])
        fields = {k: row._mapping[k] for k in Spec.__dataclass_fields__}
        _refuse_overlap(conn, replace(Spec(**fields), valid_to=last_day), spec_id)  # a later end
        conn.execute(
            t.update()
            .where(t.c.spec_id == spec_id)
            .values(valid_to=last_day, updated_at=now(), updated_by=settings.user)
        )
        subject = f"{row.product} / {row.characteristic}"
        detail = f"spec {spec_id}: valid to {row.valid_to or '…'} -> {last_day}"
        record_audit(conn, settings.user, "spec.end", subject, detail)


def parse_import(text: str) -> list[Spec]:
    """Read a specs CSV (IMPORT_COLUMNS; limits may be blank); every error, by line."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    headers = [(h or "").strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in ("product", "characteristic", "unit") if c not in headers]
    if missing:
        raise SpecError([f"missing column(s): {', '.join(missing)}; expected {IMPORT_COLUMNS}"])
    specs, problems = [], []
    for line_no, raw in enumerate(reader, start=2):
        row = {(k or "").strip().lower(): (v or "").strip() for k, v in raw.items()}
        try:
            spec = spec_from_text(row)
        except ValueError as exc:
            problems.append(f"line {line_no}: {exc}")
            continue
        problems += [f"line {line_no}: {p}" for p in validate(spec)]
        specs.append(spec)
    if problems:
        raise SpecError(problems)
    return specs


def spec_from_text(row: dict[str, str]) -> Spec:
    """A spec from text fields (CSV row, CLI options); blank numbers and dates are None."""

    def number(name: str) -> float | None:
        text = (row.get(name) or "").strip()
        return parse_number(text, name) if text else None

    def day(name: str) -> dt.date | None:
        text = (row.get(name) or "").strip()
        return parse_date(text) if text else None

    size = (row.get("subgroup_size") or "5").strip()
    if not size.isdigit():
        raise ValueError(f"subgroup_size {size!r} is not a whole number")
    return Spec(
        row.get("product", ""),
        row.get("characteristic", ""),
        row.get("unit", ""),
        number("nominal"),
        number("lsl"),
        number("usl"),
        int(size),
        day("valid_from"),
        day("valid_to"),
        number("cpk_min"),
    )


def parse_number(text: str, name: str) -> float:
    """A plain decimal (no digit separators: ``float`` would read '1_5' as 15)."""
    try:
        if "_" in text:
            raise ValueError
        return float(text)
    except ValueError:
        raise ValueError(f"{name} {text!r} is not a number") from None


def import_specs(engine: sa.Engine, settings: Settings, text: str, file_name: str) -> int:
    """All rows or none: validate everything first, then write in one audited transaction."""
    return set_specs(engine, settings, parse_import(text), file_name)


def set_specs(engine: sa.Engine, settings: Settings, specs: list[Spec], source: str) -> int:
    """Set many specs in one audited transaction: all of them, or none (any SpecError)."""
    with engine.begin() as conn:
        for spec in specs:
            _upsert(conn, spec, settings.user, "spec.import")
        record_audit(conn, settings.user, "spec.import", source, f"{len(specs)} specs")
    return len(specs)


def spec_history(bind: sa.Engine | sa.Connection) -> pd.DataFrame:
    """Every audited spec change, newest first."""
    return audit_history(bind, AUDIT_ACTIONS)
