"""Measured characteristics (issue 18): the ``measurements`` input kind and the
``characteristic_specs`` its readings are checked against (unit) and judged by (limits).

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "characteristic_specs",
        sa.Column("spec_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("product", sa.String(), nullable=False),
        sa.Column("characteristic", sa.String(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
        sa.Column("nominal", sa.Double(), nullable=True),
        sa.Column("lsl", sa.Double(), nullable=True),
        sa.Column("usl", sa.Double(), nullable=True),
        sa.Column("subgroup_size", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("spec_id"),
    )
    op.create_table(
        "measurements",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(), nullable=False),
        sa.Column("plant", sa.String(), nullable=True),
        sa.Column("line", sa.String(), nullable=False),
        sa.Column("machine", sa.String(), nullable=True),
        sa.Column("product", sa.String(), nullable=False),
        sa.Column("characteristic", sa.String(), nullable=False),
        sa.Column("subgroup", sa.String(), nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("unit", sa.String(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("measurements")
    op.drop_table("characteristic_specs")
