"""A stored target may carry its own "near" band (else the catalogue default applies).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.add_column("targets", sa.Column("near_band", sa.Double(), nullable=True))
