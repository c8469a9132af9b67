"""Tables declared in code (reflection is broken with duckdb-engine 0.17 on DuckDB 2.0).

Fact tables are derived from the input-kind contract in ``kpi.schema`` so the two can
never drift apart. Every fact row carries the batch that loaded it (``batch_id``) and,
once a later file corrects it or an undo withdraws it, the batch that retired it
(``replaced_by``). Current data is simply ``replaced_by IS NULL``.
"""

from __future__ import annotations

import sqlalchemy as sa

from kpi.schema import KINDS, ColType, Kind

metadata = sa.MetaData()

_SQL_TYPES: dict[ColType, type[sa.types.TypeEngine]] = {
    ColType.TEXT: sa.String,
    ColType.DATE: sa.Date,
    ColType.TIMESTAMP: sa.DateTime,
    ColType.COUNT: sa.BigInteger,
    ColType.NUMBER: sa.Float,
    ColType.BOOL: sa.Boolean,
}

# grain: one row per accepted or undone file load
batches = sa.Table(
    "batches",
    metadata,
    sa.Column("batch_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("file_name", sa.String, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("rows_loaded", sa.Integer, nullable=False),
    sa.Column("rows_replaced", sa.Integer, nullable=False),
    sa.Column("warnings", sa.String, nullable=False, server_default=""),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("loaded_at", sa.DateTime, nullable=False),
    sa.Column("loaded_by", sa.String, nullable=False),
    sa.Column("undone_at", sa.DateTime),
    sa.Column("undone_by", sa.String),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
)


def _fact_table(kind: Kind) -> sa.Table:
    spec = KINDS[kind]
    columns = [
        sa.Column(c.name, _SQL_TYPES[c.type], nullable=not c.required and c.default is None)
        for c in spec.columns
    ]
    return sa.Table(
        kind.value,
        metadata,
        # no secondary indexes: DuckDB's zone maps serve these filters, and ART index
        # upkeep would make bulk loads several times slower
        sa.Column("batch_id", sa.Integer, nullable=False),
        sa.Column("replaced_by", sa.Integer),
        *columns,
    )


# grain: one row per input row of the kind (current and history)
FACT_TABLES: dict[Kind, sa.Table] = {kind: _fact_table(kind) for kind in Kind}

# grain: one row per objective (kpi x scope x validity window)
targets = sa.Table(
    "targets",
    metadata,
    sa.Column("target_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kpi", sa.String, nullable=False),
    sa.Column("scope_dim", sa.String, nullable=False),  # all | plant | line | product
    sa.Column("scope_value", sa.String, nullable=False, server_default=""),
    sa.Column("value", sa.Float, nullable=False),
    sa.Column("valid_from", sa.Date),
    sa.Column("valid_to", sa.Date),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String, nullable=False),
)

# grain: one row per change to anything a user is accountable for (uploads, undo, targets)
audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("occurred_at", sa.DateTime, nullable=False),
    sa.Column("user_name", sa.String, nullable=False),
    sa.Column("action", sa.String, nullable=False),
    sa.Column("subject", sa.String, nullable=False),
    sa.Column("detail", sa.String, nullable=False, server_default=""),
)

# grain: one row per saved import profile (the profile itself is JSON in body)
import_profiles = sa.Table(
    "import_profiles",
    metadata,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("body", sa.String, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String, nullable=False),
)

# grain: one row per account (built-in login, or an OIDC e-mail mapped to a role)
users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("role", sa.String, nullable=False),
    sa.Column("email", sa.String),
    sa.Column("password_hash", sa.String),  # argon2id; empty for OIDC-only accounts
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# grain: one row per failed login attempt (for rate limiting)
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("name", sa.String, nullable=False),
    sa.Column("failed_at", sa.DateTime, nullable=False),
)


# --- KPI engine summary tables (kept current by kpi.summary.refresh_dates at every load) ---

_SUMMARY_MEASURES = (
    ("prod_rows", sa.BigInteger),
    ("planned_minutes", sa.Double),
    ("ideal_minutes", sa.Double),
    ("ideal_missing", sa.BigInteger),
    ("units_produced", sa.BigInteger),
    ("units_scrapped", sa.BigInteger),
    ("units_reworked", sa.BigInteger),
    ("planned_stop_minutes", sa.Double),  # matched downtime, allocated by planned-minutes share
    ("unplanned_stop_minutes", sa.Double),
    ("unplanned_stops", sa.Double),
)


def _measure_columns(extra: tuple[tuple[str, type[sa.types.TypeEngine]], ...] = ()) -> list:
    return [sa.Column(name, typ, nullable=False) for name, typ in _SUMMARY_MEASURES + extra]


# grain: one row per current production date x shift x plant x line x machine x product
summary_oee_day = sa.Table(
    "summary_oee_day",
    metadata,
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("shift", sa.String, nullable=False),
    sa.Column("plant", sa.String, nullable=False),
    sa.Column("line", sa.String, nullable=False),
    sa.Column("machine", sa.String),
    sa.Column("product", sa.String, nullable=False),
    *_measure_columns(),
)

# grain: one row per date x plant x line with any current production, downtime or defects
summary_line_day = sa.Table(
    "summary_line_day",
    metadata,
    sa.Column("date", sa.Date, nullable=False),
    sa.Column("plant", sa.String, nullable=False),
    sa.Column("line", sa.String, nullable=False),
    *_measure_columns(
        (
            ("dt_rows", sa.BigInteger),
            ("dt_minutes", sa.Double),
            ("dt_unplanned_minutes", sa.Double),
            ("dt_unplanned_stops", sa.BigInteger),
            ("defect_rows", sa.BigInteger),
            ("defect_quantity", sa.BigInteger),
        )
    ),
)

# grain: one row per delivery kind (deliveries|receipts) x due_date x done date x plant
summary_delivery_day = sa.Table(
    "summary_delivery_day",
    metadata,
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("done_date", sa.Date),  # ship_date or received_date; NULL = open
    sa.Column("plant", sa.String),
    sa.Column("lines", sa.BigInteger, nullable=False),
    sa.Column("in_full_lines", sa.BigInteger, nullable=False),
    sa.Column("ordered_missing", sa.BigInteger, nullable=False),
    sa.Column("done_qty_missing", sa.BigInteger, nullable=False),
)

# grain: one row per summarised kind: the batch-ledger fingerprint its summary was built from
summary_state = sa.Table(
    "summary_state",
    metadata,
    sa.Column("kind", sa.String, primary_key=True),
    sa.Column("fingerprint", sa.String, nullable=False),
)
