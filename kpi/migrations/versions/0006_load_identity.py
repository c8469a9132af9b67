"""Load identity: the sheet, profile (name and version) and lookup file a batch was read with.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.add_column("batches", sa.Column("sheet", sa.String(), server_default="", nullable=False))
    op.add_column(
        "batches", sa.Column("profile_name", sa.String(), server_default="", nullable=False)
    )
    op.add_column(
        "batches", sa.Column("profile_version", sa.String(), server_default="", nullable=False)
    )
    op.add_column(
        "batches", sa.Column("lookup_sha256", sa.String(), server_default="", nullable=False)
    )
