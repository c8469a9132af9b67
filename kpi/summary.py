"""Daily summary tables kept current at ingest (filled in by the KPI engine)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from kpi.schema import Kind


def refresh_dates(conn: sa.Connection, kind: Kind, first: dt.date, last: dt.date) -> None:
    """Rebuild summary rows of ``kind`` for dates in [first, last] inside the caller's transaction."""
    return None
