"""Corrections: which stored rows a new batch replaces, and what it replaced, by key.

A correction replaces only the rows it restates: rows of other keys (another machine or
product in the same shift) are kept, unless the whole-shift option is chosen. Replaced
rows stay as history (``replaced_by`` = the correcting batch), so an undo restores them.
"""

from __future__ import annotations

import sqlalchemy as sa

from kpi.schema import SHIFT_SCOPE, KindSpec, Replace
from kpi.tables import FACT_TABLES


def replace_key(spec: KindSpec, whole_shift: bool = False) -> tuple[str, ...]:
    """The columns whose values a stored row must share with a new row to be replaced.

    Keyed kinds use their full natural key (production: date, shift, plant, line,
    machine, product), event lists their scope; other keys in the same shift are kept.
    """
    if whole_shift and "shift" in spec.names:
        return SHIFT_SCOPE
    return spec.natural_key if spec.replace is Replace.BY_KEY else spec.scope_key


def retire_replaced(
    conn: sa.Connection, spec: KindSpec, batch_id: int, key: tuple[str, ...] | None = None
) -> int:
    """Mark current rows that the new batch corrects as replaced by it; returns their count."""
    table = FACT_TABLES[spec.kind]
    new = table.alias("incoming")
    same_key = [_same(new.c[name], table.c[name]) for name in key or replace_key(spec)]
    statement = (
        sa.update(table)
        .where(
            table.c.replaced_by.is_(None),
            table.c.batch_id != batch_id,
            sa.exists().where(new.c.batch_id == batch_id, *same_key),
        )
        .values(replaced_by=batch_id)
    )
    return int(conn.execute(statement).rowcount or 0)


def _same(a: sa.ColumnElement, b: sa.Column) -> sa.ColumnElement[bool]:
    """Equal, where two blanks (NULL machine, say) are the same key too."""
    return a.is_not_distinct_from(b) if b.nullable else a == b


_LISTED_KEYS = 20


def replaced_by_key(
    conn: sa.Connection, spec: KindSpec, batch_id: int, key: tuple[str, ...]
) -> list[str]:
    """What the batch replaced, one line per key ("date 2026-03-02, shift A, ...: 2 row(s)")."""
    table = FACT_TABLES[spec.kind]
    columns = [table.c[name] for name in key]
    query = (
        sa.select(*columns, sa.func.count())
        .where(table.c.replaced_by == batch_id)
        .group_by(*columns)
        .order_by(*columns)
    )
    rows = conn.execute(query.limit(_LISTED_KEYS + 1)).all()
    lines = [
        ", ".join(
            f"{name} {'(blank)' if v is None else v}" for name, v in zip(key, row[:-1], strict=True)
        )
        + f": {row[-1]} row(s)"
        for row in rows[:_LISTED_KEYS]
    ]
    if len(rows) > _LISTED_KEYS:
        lines.append("… and more")
    return lines
