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
    ColType.NUMBER: sa.Double,  # sa.Float is 32-bit REAL in DuckDB: 0.88 -> 0.8799999
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
    # how the bytes were read: with sha256 and kind, the identity of a load (the same
    # file through another sheet, profile, profile version or lookup is other data)
    sa.Column("sheet", sa.String, nullable=False, server_default=""),
    sa.Column("profile_name", sa.String, nullable=False, server_default=""),
    sa.Column("profile_version", sa.String, nullable=False, server_default=""),
    sa.Column("lookup_sha256", sa.String, nullable=False, server_default=""),
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
    sa.Column("value", sa.Double, nullable=False),
    sa.Column("valid_from", sa.Date),
    sa.Column("valid_to", sa.Date),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String, nullable=False),
    sa.Column("near_band", sa.Double),  # this target's near band; NULL: KPI_NEAR_BAND
)

# grain: one row per product x characteristic x validity window: what a measurement is
# checked against (unit) and judged by (limits); lsl or usl may be NULL (one-sided)
characteristic_specs = sa.Table(
    "characteristic_specs",
    metadata,
    sa.Column("spec_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("product", sa.String, nullable=False),
    sa.Column("characteristic", sa.String, nullable=False),
    sa.Column("unit", sa.String, nullable=False),
    sa.Column("nominal", sa.Double),
    sa.Column("lsl", sa.Double),
    sa.Column("usl", sa.Double),
    sa.Column("subgroup_size", sa.Integer, nullable=False),
    sa.Column("cpk_min", sa.Double),  # the required minimum Cpk; NULL: 1.33
    sa.Column("valid_from", sa.Date),  # NULL: since always
    sa.Column("valid_to", sa.Date),  # NULL: until further notice
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
    sa.Column("prev_hash", sa.String(64)),  # the previous entry's entry_hash ("" for the first)
    sa.Column("entry_hash", sa.String(64)),  # SHA-256 of this entry and prev_hash (audit_chain)
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

# grain: one row per failed login attempt (for rate limiting; capped, see kpi.sign_in)
login_failures = sa.Table(
    "login_failures",
    metadata,
    sa.Column("name", sa.String, nullable=False),
    sa.Column("failed_at", sa.DateTime, nullable=False),
    sa.Column("client", sa.String, nullable=False, server_default=""),  # the peer address
)

# grain: one row per signed-in browser (built-in accounts); only the token's SHA-256
sign_in_tokens = sa.Table(
    "sign_in_tokens",
    metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.String, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("last_used_at", sa.DateTime, nullable=False),
)


# grain: one row per named wall-screen display token (read-only, viewer rights); SHA-256 only
display_tokens = sa.Table(
    "display_tokens",
    metadata,
    sa.Column("name", sa.String, primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String, nullable=False),
    sa.Column("last_used_at", sa.DateTime),
    sa.Column("revoked_at", sa.DateTime),
    sa.Column("revoked_by", sa.String),
)

# --- KPI engine summary tables (a derived cache; see kpi.summary for how it stays true) ---

_SUMMARY_MEASURES = (
    ("prod_rows", sa.BigInteger),
    ("planned_minutes", sa.Double),
    ("ideal_minutes", sa.Double),
    ("good_ideal_minutes", sa.Double),  # Σ ideal cycle × good units: fully productive time
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

# grain: one row per load or undo whose dates the dated summaries do not reflect yet.
# Written in the load's own transaction, so a summary can lag its rows but never lie.
summary_pending = sa.Table(
    "summary_pending",
    metadata,
    sa.Column("batch_id", sa.Integer, nullable=False),
    sa.Column("kind", sa.String, nullable=False),
    sa.Column("first_date", sa.Date, nullable=False),
    sa.Column("last_date", sa.Date, nullable=False),
)


# --- SPC, alerts and corrective actions (ISO 9001 §9.1.3, §10.2) ---

# grain: one row per KPI x scope whose control limits are frozen to a baseline window
spc_baselines = sa.Table(
    "spc_baselines",
    metadata,
    sa.Column("kpi", sa.String, primary_key=True),
    sa.Column("scope", sa.String, primary_key=True),  # "all" or "line=L5;plant=Plant 2"
    sa.Column("baseline_from", sa.Date, nullable=False),
    sa.Column("baseline_to", sa.Date, nullable=False),
    sa.Column("frozen_at", sa.DateTime, nullable=False),
    sa.Column("frozen_by", sa.String, nullable=False),
)

# grain: one row per KPI x scope x grain x period left out of the control-limit computation
spc_exclusions = sa.Table(
    "spc_exclusions",
    metadata,
    sa.Column("kpi", sa.String, primary_key=True),
    sa.Column("scope", sa.String, primary_key=True),
    sa.Column("grain", sa.String, primary_key=True),
    sa.Column("period", sa.Date, primary_key=True),
    sa.Column("reason", sa.String, nullable=False),
    sa.Column("excluded_at", sa.DateTime, nullable=False),
    sa.Column("excluded_by", sa.String, nullable=False),
)

# grain: one row per measured characteristic x scope x subgroup left out of the limits
variables_exclusions = sa.Table(
    "variables_exclusions",
    metadata,
    sa.Column("chart_key", sa.String, primary_key=True),  # "measure:product/characteristic"
    sa.Column("scope", sa.String, primary_key=True),
    sa.Column("subgroup", sa.String, primary_key=True),  # kpi.variables.subgroup_labels
    sa.Column("reason", sa.String, nullable=False),
    sa.Column("excluded_at", sa.DateTime, nullable=False),
    sa.Column("excluded_by", sa.String, nullable=False),
)

# grain: one row per acknowledged alert (alert ids are deterministic keys, see kpi.alerts)
alert_acks = sa.Table(
    "alert_acks",
    metadata,
    sa.Column("alert_id", sa.String, primary_key=True),
    sa.Column("acknowledged_at", sa.DateTime, nullable=False),
    sa.Column("acknowledged_by", sa.String, nullable=False),
    sa.Column("note", sa.String, nullable=False, server_default=""),
)

# grain: one row per corrective action (its current state; changes are in the history)
corrective_actions = sa.Table(
    "corrective_actions",
    metadata,
    sa.Column("action_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("kpi", sa.String, nullable=False),
    sa.Column("scope", sa.String, nullable=False),  # "all" or "line=L5"
    sa.Column("grain", sa.String),
    sa.Column("period", sa.Date),  # the period that triggered it
    sa.Column("alert_id", sa.String),
    sa.Column("description", sa.String, nullable=False),
    sa.Column("owner", sa.String, nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("root_cause", sa.String, nullable=False, server_default=""),
    sa.Column("action_taken", sa.String, nullable=False, server_default=""),
    sa.Column("status", sa.String, nullable=False),
    sa.Column("effectiveness", sa.String, nullable=False, server_default=""),
    sa.Column("effective_from", sa.Date),  # the KPI after this date shows the effect
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String, nullable=False),
)

# grain: one row per changed field of a corrective action (creation included)
corrective_action_history = sa.Table(
    "corrective_action_history",
    metadata,
    sa.Column("change_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("action_id", sa.Integer, nullable=False),
    sa.Column("changed_at", sa.DateTime, nullable=False),
    sa.Column("changed_by", sa.String, nullable=False),
    sa.Column("field", sa.String, nullable=False),
    sa.Column("old_value", sa.String, nullable=False, server_default=""),
    sa.Column("new_value", sa.String, nullable=False, server_default=""),
)

# --- Management review records (kpi.review.records) ---

# grain: one row per saved management review (ISO 9001 §9.3): period, figures as they stood
review_records = sa.Table(
    "review_records",
    metadata,
    sa.Column("review_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("period", sa.String, nullable=False),  # canonical code, e.g. 2026-Q1
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("comparison", sa.String, nullable=False),  # previous | last-year | a period code
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("plant", sa.String, nullable=False, server_default=""),  # "" = all plants
    sa.Column("figures", sa.String, nullable=False),  # JSON: the pack's figures when saved
    sa.Column("notes", sa.String, nullable=False),  # JSON: section -> free text
    sa.Column("saved_at", sa.DateTime, nullable=False),
    sa.Column("saved_by", sa.String, nullable=False),
)

# grain: one row per decision or action recorded in a saved review
review_decisions = sa.Table(
    "review_decisions",
    metadata,
    sa.Column("review_id", sa.Integer, nullable=False),
    sa.Column("item_no", sa.Integer, nullable=False),
    sa.Column("kind", sa.String, nullable=False),  # decision | action
    sa.Column("text", sa.String, nullable=False),
    sa.Column("owner", sa.String, nullable=False, server_default=""),
    sa.Column("due_date", sa.Date),
    sa.Column("status", sa.String, nullable=False, server_default="open"),
)

# grain: one row; bumped by every write transaction, so a process (another replica, the
# app beside a cron load) knows its cached results are stale with one cheap read
data_version = sa.Table(
    "data_version",
    metadata,
    sa.Column("version", sa.BigInteger, nullable=False),
)

# --- Outbound: notifications, scheduled packs, every message sent (kpi.notify, kpi.schedules)

# grain: one row per user subscription to signals (empty filter text = everything)
subscriptions = sa.Table(
    "subscriptions",
    metadata,
    sa.Column("subscription_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("user_name", sa.String, nullable=False),
    sa.Column("channel", sa.String, nullable=False),  # email | webhook
    sa.Column("address", sa.String, nullable=False),  # e-mail address or webhook URL
    sa.Column("kpis", sa.String, nullable=False, server_default=""),  # comma list; "" = all
    sa.Column("plants", sa.String, nullable=False, server_default=""),
    sa.Column("lines", sa.String, nullable=False, server_default=""),
    sa.Column("events", sa.String, nullable=False),  # comma list of kpi.notify.Event
    sa.Column("cadence", sa.String, nullable=False),  # immediate | daily
    sa.Column("digest_hour", sa.Integer, nullable=False, server_default="7"),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String, nullable=False),
)

# grain: one row per subscription x signal it matched (the de-duplication key); sent_at
# stays NULL while the signal waits for its digest
notified_signals = sa.Table(
    "notified_signals",
    metadata,
    sa.Column("subscription_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("signal_id", sa.String, primary_key=True),
    sa.Column("title", sa.String, nullable=False),
    sa.Column("message", sa.String, nullable=False),
    sa.Column("link", sa.String, nullable=False),
    sa.Column("first_seen_at", sa.DateTime, nullable=False),
    sa.Column("sent_at", sa.DateTime),
    sa.Column("message_id", sa.Integer),  # the sent_messages row
)

# grain: one row per scheduled pack (when, what, to whom); edited by admins
schedules = sa.Table(
    "schedules",
    metadata,
    sa.Column("schedule_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("rule", sa.String, nullable=False),  # e.g. "weekly mon 07:00"
    sa.Column("report", sa.String, nullable=False),  # summary | review-pack
    sa.Column("period", sa.String, nullable=False),  # last-week | last-month | ...
    sa.Column("format", sa.String, nullable=False, server_default=""),  # pdf|xlsx|pptx; "" = none
    sa.Column("plant", sa.String, nullable=False, server_default=""),  # "" = all plants
    sa.Column("recipients", sa.String, nullable=False),  # addresses, role:NAME, webhook URLs
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("starts_at", sa.DateTime, nullable=False),  # no run is due before this
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String, nullable=False),
)

# grain: one row per schedule x due time handled (sent, failed, or missed during downtime);
# the primary key is what stops a second worker or a restart from sending twice
schedule_runs = sa.Table(
    "schedule_runs",
    metadata,
    sa.Column("schedule_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("due_at", sa.DateTime, primary_key=True),
    sa.Column("status", sa.String, nullable=False),  # running | sent | failed | missed
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime),
    sa.Column("detail", sa.String, nullable=False, server_default=""),
)

# grain: one row per message sent (or attempted) to one recipient, by any outbound feature
sent_messages = sa.Table(
    "sent_messages",
    metadata,
    sa.Column("message_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("sent_at", sa.DateTime, nullable=False),
    sa.Column("source", sa.String, nullable=False),  # "subscription 3" | "schedule 2"
    sa.Column("due_at", sa.DateTime),  # the schedule run it belongs to
    sa.Column("channel", sa.String, nullable=False),
    sa.Column("recipient", sa.String, nullable=False),
    sa.Column("subject", sa.String, nullable=False),
    sa.Column("attachment_name", sa.String, nullable=False, server_default=""),
    sa.Column("attachment_sha256", sa.String(64), nullable=False, server_default=""),
    sa.Column("status", sa.String, nullable=False),  # sent | failed
    sa.Column("error", sa.String, nullable=False, server_default=""),
)

# --- Evidence for auditors (ISO 9001 §7.5, §9.1, §9.2, §9.3; kpi.register, kpi.audits) ---

# grain: one row per catalogue KPI whose owner or monitoring frequency an admin has set
kpi_owners = sa.Table(
    "kpi_owners",
    metadata,
    sa.Column("kpi", sa.String, primary_key=True),
    sa.Column("owner", sa.String, nullable=False, server_default=""),
    sa.Column("frequency", sa.String, nullable=False, server_default=""),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String, nullable=False),
)

# grain: one row per internal audit (ISO 9001 §9.2); "" in a scope column = not limited
internal_audits = sa.Table(
    "internal_audits",
    metadata,
    sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("audit_date", sa.Date, nullable=False),
    sa.Column("title", sa.String, nullable=False),
    sa.Column("auditor", sa.String, nullable=False, server_default=""),
    sa.Column("process", sa.String, nullable=False, server_default=""),
    sa.Column("plant", sa.String, nullable=False, server_default=""),
    sa.Column("line", sa.String, nullable=False, server_default=""),
    sa.Column("kpi", sa.String, nullable=False, server_default=""),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String, nullable=False),
)

# grain: one row per finding of an internal audit (its current state; changes are audited)
audit_findings = sa.Table(
    "audit_findings",
    metadata,
    sa.Column("finding_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("audit_id", sa.Integer, nullable=False),
    sa.Column("finding", sa.String, nullable=False),
    sa.Column("severity", sa.String, nullable=False),  # major | minor | observation | ...
    sa.Column("action_id", sa.Integer),  # the corrective action that answers it
    sa.Column("status", sa.String, nullable=False),  # open | closed
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("created_by", sa.String, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String, nullable=False),
)

# grain: one row per saved review: the frozen figures as presented (never updated)
review_snapshots = sa.Table(
    "review_snapshots",
    metadata,
    sa.Column("review_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("snapshot", sa.String, nullable=False),  # canonical JSON (kpi.review.snapshot)
    sa.Column("sha256", sa.String(64), nullable=False),  # of snapshot: tampering shows
    sa.Column("created_at", sa.DateTime, nullable=False),
)

# grain: one row per saved review x exported file format (the file's SHA-256 when saved)
review_exports = sa.Table(
    "review_exports",
    metadata,
    sa.Column("review_id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("format", sa.String, primary_key=True),
    sa.Column("file_name", sa.String, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)
