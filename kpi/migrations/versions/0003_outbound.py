"""Outbound: subscriptions, signals already notified, schedules, their runs and every message sent.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    op.create_table(
        "notified_signals",
        sa.Column("subscription_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("signal_id", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("message", sa.String(), nullable=False),
        sa.Column("link", sa.String(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("message_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("subscription_id", "signal_id"),
    )
    op.create_table(
        "schedule_runs",
        sa.Column("schedule_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.Column("detail", sa.String(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("schedule_id", "due_at"),
    )
    op.create_table(
        "schedules",
        sa.Column("schedule_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("rule", sa.String(), nullable=False),
        sa.Column("report", sa.String(), nullable=False),
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("format", sa.String(), server_default="", nullable=False),
        sa.Column("plant", sa.String(), server_default="", nullable=False),
        sa.Column("recipients", sa.String(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("schedule_id"),
    )
    op.create_table(
        "sent_messages",
        sa.Column("message_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=True),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("recipient", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("attachment_name", sa.String(), server_default="", nullable=False),
        sa.Column("attachment_sha256", sa.String(length=64), server_default="", nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("error", sa.String(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("message_id"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("subscription_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("user_name", sa.String(), nullable=False),
        sa.Column("channel", sa.String(), nullable=False),
        sa.Column("address", sa.String(), nullable=False),
        sa.Column("kpis", sa.String(), server_default="", nullable=False),
        sa.Column("plants", sa.String(), server_default="", nullable=False),
        sa.Column("lines", sa.String(), server_default="", nullable=False),
        sa.Column("events", sa.String(), nullable=False),
        sa.Column("cadence", sa.String(), nullable=False),
        sa.Column("digest_hour", sa.Integer(), server_default="7", nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("subscription_id"),
    )
