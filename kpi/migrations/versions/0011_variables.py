"""Variables charts: subgroups left out of a characteristic's limits (table variables_exclusions),
and the required minimum Cpk of a spec (characteristic_specs.cpk_min; NULL means 1.33).

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    op.create_table(
        "variables_exclusions",
        sa.Column("chart_key", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("subgroup", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("excluded_at", sa.DateTime(), nullable=False),
        sa.Column("excluded_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("chart_key", "scope", "subgroup"),
    )
    op.add_column("characteristic_specs", sa.Column("cpk_min", sa.Double(), nullable=True))
