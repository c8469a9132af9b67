"""Undo a batch: withdraw its rows and restore exactly what it had replaced.

``undo_preview`` says what an undo would do before anyone confirms it (the app and the
CLI both show it and ask); ``undo_batch`` does it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from kpi import dialect, store, summary
from kpi.schema import KINDS, ColType, Kind
from kpi.settings import Settings
from kpi.tables import FACT_TABLES, batches


class UndoRefused(Exception):
    """The undo would break history (unknown batch, already undone, or corrected since)."""


@dataclass(frozen=True)
class RowSpan:
    """Rows of one kind an undo touches, and the dates they cover."""

    kind: Kind
    rows: int
    first: dt.date | None
    last: dt.date | None

    def describe(self) -> str:
        if not self.rows:
            return f"0 {self.kind.value} rows"
        dates = f"{self.first}" if self.first == self.last else f"{self.first} to {self.last}"
        return f"{self.rows:,} {self.kind.value} rows dated {dates}"


@dataclass(frozen=True)
class UndoPreview:
    """What undoing one batch would withdraw and restore; ``refused`` says why it cannot."""

    batch_id: int
    file_name: str
    loaded_at: dt.datetime | None
    withdraw: RowSpan | None
    restore: RowSpan | None
    refused: str = ""

    def lines(self) -> list[str]:
        """The preview as plain text lines, for the CLI and the page."""
        if self.refused:
            return [self.refused]
        assert self.withdraw is not None and self.restore is not None
        head = (
            f"Undo batch {self.batch_id} ({self.file_name}, loaded {self.loaded_at:%Y-%m-%d %H:%M})"
        )
        return [
            head + ":",
            f"  removes {self.withdraw.describe()}",
            f"  restores {self.restore.describe()} that it had replaced",
        ]


def date_column(kind: Kind) -> str:
    """The kind's first date column: the date a row counts for (shift date, due date)."""
    return next(c.name for c in KINDS[kind].columns if c.type is ColType.DATE)


def undo_preview(engine: sa.Engine, batch_id: int) -> UndoPreview:
    """What ``undo_batch`` would do now; nothing is changed."""
    with engine.connect() as conn:
        row = conn.execute(sa.select(batches).where(batches.c.batch_id == batch_id)).first()
        if row is None:
            return UndoPreview(batch_id, "", None, None, None, f"There is no batch {batch_id}.")
        if row.status == store.BatchStatus.UNDONE:
            why = f"Batch {batch_id} was already undone on {row.undone_at}."
            return UndoPreview(batch_id, row.file_name, row.loaded_at, None, None, why)
        table = FACT_TABLES[Kind(row.kind)]
        try:
            _refuse_if_corrected_later(conn, table, batch_id)
        except UndoRefused as refused:
            return UndoPreview(batch_id, row.file_name, row.loaded_at, None, None, str(refused))
        withdraw = _span(
            conn, Kind(row.kind), table.c.batch_id == batch_id, table.c.replaced_by.is_(None)
        )
        restore = _span(
            conn, Kind(row.kind), table.c.replaced_by == batch_id, table.c.batch_id != batch_id
        )
    return UndoPreview(batch_id, row.file_name, row.loaded_at, withdraw, restore)


def _span(conn: sa.Connection, kind: Kind, *where: sa.ColumnElement[bool]) -> RowSpan:
    table = FACT_TABLES[kind]
    day = table.c[date_column(kind)]
    rows, first, last = conn.execute(
        sa.select(sa.func.count(), sa.func.min(day), sa.func.max(day)).where(*where)
    ).one()
    return RowSpan(kind, int(rows), first, last)


def undo_batch(engine: sa.Engine, settings: Settings, batch_id: int) -> str:
    """Revert ``batch_id`` in one transaction and return a one-line summary."""
    with store.WRITE_LOCK, engine.begin() as conn:
        dialect.lock_writes(conn)
        row = conn.execute(sa.select(batches).where(batches.c.batch_id == batch_id)).first()
        if row is None:
            raise UndoRefused(f"There is no batch {batch_id}.")
        if row.status == store.BatchStatus.UNDONE:
            raise UndoRefused(f"Batch {batch_id} was already undone on {row.undone_at}.")
        kind = Kind(row.kind)
        table = FACT_TABLES[kind]
        _refuse_if_corrected_later(conn, table, batch_id)
        restored = conn.execute(
            sa.update(table)
            .where(table.c.replaced_by == batch_id, table.c.batch_id != batch_id)
            .values(replaced_by=None)
        ).rowcount
        withdrawn = conn.execute(
            sa.update(table)
            .where(table.c.batch_id == batch_id, table.c.replaced_by.is_(None))
            .values(replaced_by=batch_id)
        ).rowcount
        conn.execute(
            sa.update(batches)
            .where(batches.c.batch_id == batch_id)
            .values(status=store.BatchStatus.UNDONE, undone_at=store.now(), undone_by=settings.user)
        )
        store.record_audit(
            conn,
            settings.user,
            "undo",
            f"batch {batch_id}",
            f"withdrew {withdrawn} rows, restored {restored}",
        )
        summary.mark_pending(conn, kind, batch_id)
    return f"batch {batch_id} undone: withdrew {withdrawn} rows, restored {restored} earlier rows"


def _refuse_if_corrected_later(conn: sa.Connection, table: sa.Table, batch_id: int) -> None:
    later = conn.execute(
        sa.select(sa.func.min(table.c.replaced_by)).where(
            table.c.batch_id == batch_id,
            table.c.replaced_by.is_not(None),
            table.c.replaced_by != batch_id,
        )
    ).scalar()
    if later is not None:
        raise UndoRefused(
            f"Rows of batch {batch_id} were corrected by batch {later}; undo batch {later} first."
        )
