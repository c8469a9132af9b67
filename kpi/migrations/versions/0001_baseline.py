"""Baseline: the schema of the last release before migrations (kpi/tables.py at 817e5d4).

Written out table by table, never from kpi.tables, so later edits there cannot change
history. Each table is created only when missing: a database made by an earlier release
already has them (those releases created missing tables whenever they opened a database),
and is adopted here as it is.

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _create_table(name: str, *items: sa.SchemaItem) -> None:
    existing = sa.inspect(op.get_bind()).get_table_names()
    if name not in existing:
        op.create_table(name, *items)


def upgrade() -> None:
    _create_table(
        "alert_acks",
        sa.Column("alert_id", sa.String(), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged_by", sa.String(), nullable=False),
        sa.Column("note", sa.String(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("alert_id"),
    )
    _create_table(
        "audit_log",
        sa.Column("event_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("user_name", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("subject", sa.String(), nullable=False),
        sa.Column("detail", sa.String(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    _create_table(
        "batches",
        sa.Column("batch_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("file_name", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows_loaded", sa.Integer(), nullable=False),
        sa.Column("rows_replaced", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.String(), server_default="", nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("loaded_at", sa.DateTime(), nullable=False),
        sa.Column("loaded_by", sa.String(), nullable=False),
        sa.Column("undone_at", sa.DateTime(), nullable=True),
        sa.Column("undone_by", sa.String(), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("batch_id"),
    )
    _create_table(
        "corrective_action_history",
        sa.Column("change_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("changed_by", sa.String(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("old_value", sa.String(), server_default="", nullable=False),
        sa.Column("new_value", sa.String(), server_default="", nullable=False),
        sa.PrimaryKeyConstraint("change_id"),
    )
    _create_table(
        "corrective_actions",
        sa.Column("action_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kpi", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("grain", sa.String(), nullable=True),
        sa.Column("period", sa.Date(), nullable=True),
        sa.Column("alert_id", sa.String(), nullable=True),
        sa.Column("description", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("root_cause", sa.String(), server_default="", nullable=False),
        sa.Column("action_taken", sa.String(), server_default="", nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("effectiveness", sa.String(), server_default="", nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("action_id"),
    )
    _create_table(
        "defects",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(), nullable=False),
        sa.Column("plant", sa.String(), nullable=True),
        sa.Column("line", sa.String(), nullable=False),
        sa.Column("product", sa.String(), nullable=True),
        sa.Column("defect", sa.String(), nullable=False),
        sa.Column("quantity", sa.BigInteger(), nullable=False),
        sa.Column("disposition", sa.String(), nullable=True),
    )
    _create_table(
        "deliveries",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.String(), nullable=False),
        sa.Column("line_no", sa.String(), nullable=False),
        sa.Column("customer", sa.String(), nullable=True),
        sa.Column("product", sa.String(), nullable=True),
        sa.Column("plant", sa.String(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("ship_date", sa.Date(), nullable=True),
        sa.Column("quantity_ordered", sa.Double(), nullable=True),
        sa.Column("quantity_shipped", sa.Double(), nullable=True),
    )
    _create_table(
        "downtime",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(), nullable=False),
        sa.Column("plant", sa.String(), nullable=True),
        sa.Column("line", sa.String(), nullable=False),
        sa.Column("machine", sa.String(), nullable=True),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("minutes", sa.Double(), nullable=False),
        sa.Column("planned", sa.Boolean(), nullable=False),
        sa.Column("start", sa.DateTime(), nullable=True),
    )
    _create_table(
        "import_profiles",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("body", sa.String(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    _create_table(
        "login_failures",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("failed_at", sa.DateTime(), nullable=False),
    )
    _create_table(
        "production",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(), nullable=False),
        sa.Column("plant", sa.String(), nullable=True),
        sa.Column("line", sa.String(), nullable=False),
        sa.Column("machine", sa.String(), nullable=True),
        sa.Column("product", sa.String(), nullable=False),
        sa.Column("planned_minutes", sa.Double(), nullable=False),
        sa.Column("ideal_cycle_seconds", sa.Double(), nullable=True),
        sa.Column("units_produced", sa.BigInteger(), nullable=False),
        sa.Column("units_scrapped", sa.BigInteger(), nullable=False),
        sa.Column("units_reworked", sa.BigInteger(), nullable=False),
    )
    _create_table(
        "receipts",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.Column("po_id", sa.String(), nullable=False),
        sa.Column("line_no", sa.String(), nullable=False),
        sa.Column("supplier", sa.String(), nullable=False),
        sa.Column("product", sa.String(), nullable=True),
        sa.Column("plant", sa.String(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("received_date", sa.Date(), nullable=True),
        sa.Column("quantity_ordered", sa.Double(), nullable=True),
        sa.Column("quantity_received", sa.Double(), nullable=True),
    )
    _create_table(
        "review_decisions",
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.Column("item_no", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("text", sa.String(), nullable=False),
        sa.Column("owner", sa.String(), server_default="", nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(), server_default="open", nullable=False),
    )
    _create_table(
        "review_records",
        sa.Column("review_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("period", sa.String(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("comparison", sa.String(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("plant", sa.String(), server_default="", nullable=False),
        sa.Column("figures", sa.String(), nullable=False),
        sa.Column("notes", sa.String(), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.Column("saved_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("review_id"),
    )
    _create_table(
        "spc_baselines",
        sa.Column("kpi", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("baseline_from", sa.Date(), nullable=False),
        sa.Column("baseline_to", sa.Date(), nullable=False),
        sa.Column("frozen_at", sa.DateTime(), nullable=False),
        sa.Column("frozen_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("kpi", "scope"),
    )
    _create_table(
        "spc_exclusions",
        sa.Column("kpi", sa.String(), nullable=False),
        sa.Column("scope", sa.String(), nullable=False),
        sa.Column("grain", sa.String(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("excluded_at", sa.DateTime(), nullable=False),
        sa.Column("excluded_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("kpi", "scope", "grain", "period"),
    )
    _create_table(
        "summary_delivery_day",
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("done_date", sa.Date(), nullable=True),
        sa.Column("plant", sa.String(), nullable=True),
        sa.Column("lines", sa.BigInteger(), nullable=False),
        sa.Column("in_full_lines", sa.BigInteger(), nullable=False),
        sa.Column("ordered_missing", sa.BigInteger(), nullable=False),
        sa.Column("done_qty_missing", sa.BigInteger(), nullable=False),
    )
    _create_table(
        "summary_line_day",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("plant", sa.String(), nullable=False),
        sa.Column("line", sa.String(), nullable=False),
        sa.Column("prod_rows", sa.BigInteger(), nullable=False),
        sa.Column("planned_minutes", sa.Double(), nullable=False),
        sa.Column("ideal_minutes", sa.Double(), nullable=False),
        sa.Column("ideal_missing", sa.BigInteger(), nullable=False),
        sa.Column("units_produced", sa.BigInteger(), nullable=False),
        sa.Column("units_scrapped", sa.BigInteger(), nullable=False),
        sa.Column("units_reworked", sa.BigInteger(), nullable=False),
        sa.Column("planned_stop_minutes", sa.Double(), nullable=False),
        sa.Column("unplanned_stop_minutes", sa.Double(), nullable=False),
        sa.Column("unplanned_stops", sa.Double(), nullable=False),
        sa.Column("dt_rows", sa.BigInteger(), nullable=False),
        sa.Column("dt_minutes", sa.Double(), nullable=False),
        sa.Column("dt_unplanned_minutes", sa.Double(), nullable=False),
        sa.Column("dt_unplanned_stops", sa.BigInteger(), nullable=False),
        sa.Column("defect_rows", sa.BigInteger(), nullable=False),
        sa.Column("defect_quantity", sa.BigInteger(), nullable=False),
    )
    _create_table(
        "summary_oee_day",
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("shift", sa.String(), nullable=False),
        sa.Column("plant", sa.String(), nullable=False),
        sa.Column("line", sa.String(), nullable=False),
        sa.Column("machine", sa.String(), nullable=True),
        sa.Column("product", sa.String(), nullable=False),
        sa.Column("prod_rows", sa.BigInteger(), nullable=False),
        sa.Column("planned_minutes", sa.Double(), nullable=False),
        sa.Column("ideal_minutes", sa.Double(), nullable=False),
        sa.Column("ideal_missing", sa.BigInteger(), nullable=False),
        sa.Column("units_produced", sa.BigInteger(), nullable=False),
        sa.Column("units_scrapped", sa.BigInteger(), nullable=False),
        sa.Column("units_reworked", sa.BigInteger(), nullable=False),
        sa.Column("planned_stop_minutes", sa.Double(), nullable=False),
        sa.Column("unplanned_stop_minutes", sa.Double(), nullable=False),
        sa.Column("unplanned_stops", sa.Double(), nullable=False),
    )
    _create_table(
        "summary_pending",
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("first_date", sa.Date(), nullable=False),
        sa.Column("last_date", sa.Date(), nullable=False),
    )
    _create_table(
        "summary_state",
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("fingerprint", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("kind"),
    )
    _create_table(
        "targets",
        sa.Column("target_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("kpi", sa.String(), nullable=False),
        sa.Column("scope_dim", sa.String(), nullable=False),
        sa.Column("scope_value", sa.String(), server_default="", nullable=False),
        sa.Column("value", sa.Double(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_to", sa.Date(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("updated_by", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("target_id"),
    )
    _create_table(
        "users",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("email", sa.String(), nullable=True),
        sa.Column("password_hash", sa.String(), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    raise NotImplementedError("the baseline cannot be downgraded: restore a backup instead")
