"""Turn an edited targets table (the Targets page's data editor) into one validated save.

All edited and new rows are written through ``kpi.targets.import_targets``: every row is
validated first and the writes happen in one audited transaction, so a bad row saves
nothing. Removed rows (and stored rows whose scope or window changed) are then deleted.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from kpi.settings import Settings
from kpi.targets import TargetError, delete_target, import_targets

EDIT_COLUMNS = [
    "target_id", "kpi", "scope_dim", "scope_value", "value", "valid_from", "valid_to", "near_band",
]  # fmt: skip
_KEY = ["kpi", "scope_dim", "scope_value", "valid_from", "valid_to"]


@dataclass(frozen=True)
class Changes:
    upserts: pd.DataFrame  # rows to write (EDIT_COLUMNS)
    deletes: tuple[int, ...]  # stored target ids to remove

    @property
    def empty(self) -> bool:
        return self.upserts.empty and not self.deletes


def _norm(df: pd.DataFrame) -> pd.DataFrame:
    out = df.reindex(columns=EDIT_COLUMNS).copy()
    for col in ("kpi", "scope_dim", "scope_value"):
        out[col] = out[col].fillna("").astype(str).str.strip()
    out["scope_dim"] = out["scope_dim"].replace("", "all")
    for col in ("valid_from", "valid_to"):
        out[col] = [_date(v) for v in out[col]]
    out["value"] = pd.to_numeric(out["value"], errors="coerce")
    out["near_band"] = pd.to_numeric(out["near_band"], errors="coerce")
    return out


def _date(value: object) -> dt.date | None:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, str):
        return dt.date.fromisoformat(value) if value.strip() else None
    return pd.Timestamp(value).date()


def diff(original: pd.DataFrame, edited: pd.DataFrame) -> Changes:
    """What changed between the table as shown and as edited (blank rows are ignored)."""
    before, after = _norm(original), _norm(edited)
    after = after[(after["kpi"] != "") | after["value"].notna()]
    old = {int(r.target_id): r for r in before.itertuples() if pd.notna(r.target_id)}
    upserts, deletes = [], []
    for row in after.itertuples():
        prior = old.get(int(row.target_id)) if pd.notna(row.target_id) else None
        prior = prior or _matching_default(before, row)
        if prior is not None and _same(prior, row):
            continue
        upserts.append(row)
        if prior is not None and pd.notna(prior.target_id) and _key(prior) != _key(row):
            deletes.append(int(prior.target_id))
    kept = {int(t) for t in after["target_id"].dropna()}
    deletes += [tid for tid in old if tid not in kept]
    frame = pd.DataFrame([r._asdict() for r in upserts], columns=["Index", *EDIT_COLUMNS])
    return Changes(frame.drop(columns="Index"), tuple(dict.fromkeys(deletes)))


def _matching_default(before: pd.DataFrame, row) -> object | None:
    """A catalogue-default row (no id) the edited row came from, matched by its key."""
    for r in before[before["target_id"].isna()].itertuples():
        if _key(r) == _key(row):
            return r
    return None


def _key(row) -> tuple:
    return tuple(getattr(row, c) for c in _KEY)


def _same(a, b) -> bool:
    return (
        _key(a) == _key(b)
        and math.isclose(float(a.value), float(b.value), rel_tol=1e-6)
        and _band(a.near_band) == _band(b.near_band)
    )


def _band(value: object) -> float | None:
    return None if pd.isna(value) else round(float(value), 6)


def to_import_csv(upserts: pd.DataFrame) -> str:
    """The rows in the targets CSV format that ``kpi.targets.parse_import`` reads."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["kpi", "scope", "value", "valid_from", "valid_to", "near_band"])
    for r in upserts.itertuples():
        scope = "all" if r.scope_dim == "all" else f"{r.scope_dim}={r.scope_value}"
        value = "" if pd.isna(r.value) else repr(float(r.value))
        band = "" if pd.isna(r.near_band) else repr(float(r.near_band))
        writer.writerow([r.kpi, scope, value, r.valid_from or "", r.valid_to or "", band])
    return out.getvalue()


def save(engine: sa.Engine, settings: Settings, changes: Changes) -> int:
    """Write the changes; raises TargetError (nothing saved) when any row is invalid."""
    if not changes.upserts.empty:
        import_targets(engine, settings, to_import_csv(changes.upserts), "targets page")
    for target_id in changes.deletes:
        delete_target(engine, settings, target_id)
    return len(changes.upserts) + len(changes.deletes)


__all__ = ["Changes", "TargetError", "diff", "save", "to_import_csv"]
