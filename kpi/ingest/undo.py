"""Undo a batch: withdraw its rows and restore exactly what it had replaced."""

from __future__ import annotations

import sqlalchemy as sa

from kpi import dialect, store, summary
from kpi.schema import Kind
from kpi.settings import Settings
from kpi.tables import FACT_TABLES, batches


class UndoRefused(Exception):
    """The undo would break history (unknown batch, already undone, or corrected since)."""


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
