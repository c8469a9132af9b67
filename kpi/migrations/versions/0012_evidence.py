"""Evidence for auditors: KPI owners, internal audits and findings, frozen review snapshots.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    op.create_table(
        "audit_findings",
        sa.Column("finding_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("finding", sa.String(), nullable=False),
        sa.Column("severity", sa.String(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("finding_id"),
    )
    op.create_table(
        "internal_audits",
        sa.Column("audit_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("audit_date", sa.Date(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("auditor", sa.String(), server_default="", nullable=False),
        sa.Column("process", sa.String(), server_default="", nullable=False),
        sa.Column("plant", sa.String(), server_default="", nullable=False),
        sa.Column("line", sa.String(), server_default="", nullable=False),
        sa.Column("kpi", sa.String(), server_default="", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("audit_id"),
    )
    op.create_table(
        "kpi_owners",
        sa.Column("kpi", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), server_default="", nullable=False),
        sa.Column("frequency", sa.String(), server_default="", nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("kpi"),
    )
    op.create_table(
        "review_exports",
        sa.Column("review_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("format", sa.String(), nullable=False),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("review_id", "format"),
    )
    op.create_table(
        "review_snapshots",
        sa.Column("review_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("snapshot", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("review_id"),
    )
