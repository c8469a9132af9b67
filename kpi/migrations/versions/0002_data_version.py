"""A data version bumped by every write, so caches in other processes know they are stale.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table("data_version", sa.Column("version", sa.BigInteger, nullable=False))
    op.bulk_insert(table, [{"version": 1}])


def downgrade() -> None:
    op.drop_table("data_version")
