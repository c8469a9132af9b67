"""Helpers for the KPI engine tests: load golden files through the real loader."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import sqlalchemy as sa

from kpi.catalogue import CATALOGUE
from kpi.ingest import Outcome, ingest_bytes
from kpi.schema import KINDS, Kind
from kpi.settings import Settings
from kpi.summary import ensure_current

GOLDEN = Path(__file__).parent


def load_bytes(engine: sa.Engine, settings: Settings, kind: Kind, data: bytes, name: str) -> int:
    """Load one file through ``kpi.ingest`` and return its batch id (fails loudly if rejected).

    Then rebuilds the summaries, as the app does after an upload, so that tests asking
    for the summary path really read the summaries (a stale one would be bypassed).
    """
    result = ingest_bytes(engine, settings, data, name, kind)
    problems = [p.describe() for p in result.problems]
    assert result.outcome is Outcome.LOADED, (result.outcome, problems)
    ensure_current(engine)
    return int(result.batch_id)


def load_golden(engine: sa.Engine, settings: Settings, *kinds: Kind) -> None:
    """Load the golden file of each kind given, by default of every kind a KPI reads
    (measurements feed variables charts, not catalogue KPIs, and have no golden file)."""
    inputs = {kind for entry in CATALOGUE.values() for kind in entry.inputs}
    for kind in kinds or tuple(k for k in Kind if k in inputs):
        path = GOLDEN / f"{kind.value}.csv"
        load_bytes(engine, settings, kind, path.read_bytes(), path.name)


def to_csv(kind: Kind, rows: list[dict]) -> bytes:
    """Rows (dicts keyed by column name) as a CSV file of ``kind``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(KINDS[kind].names), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue().encode()
