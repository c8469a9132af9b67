"""OEE as Σ(good × ideal) / Σ PBT: the day summaries gain good × ideal minutes.

Existing summary rows cannot know the new column, so they are emptied and every stored
production date is marked pending: readers use the raw rows until the next rebuild.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"

_SUMMARIES = ("summary_line_day", "summary_oee_day")


def upgrade() -> None:
    for name in _SUMMARIES:
        op.execute(f"DELETE FROM {name}")
        op.add_column(
            name, sa.Column("good_ideal_minutes", sa.Double(), nullable=False, server_default="0")
        )
    op.execute(
        "INSERT INTO summary_pending (batch_id, kind, first_date, last_date) "
        "SELECT max(batch_id), 'production', min(date), max(date) FROM production "
        "HAVING count(*) > 0"
    )


def downgrade() -> None:
    for name in _SUMMARIES:
        op.drop_column(name, "good_ideal_minutes")
