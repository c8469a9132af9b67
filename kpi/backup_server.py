"""Backup and restore on a database server (PostgreSQL), in the same portable format.

A server backup is a DuckDB file like the embedded one's, so one backup format serves
both backends and a backup can be opened, checked or restored anywhere. The backup
reads one snapshot (a REPEATABLE READ transaction); the restore replaces every table in
one transaction, so readers see the old data or the new, never a mix. As on the file
backend, the live audit log is kept (a restore never rewinds the audit trail) and the
restore itself is recorded.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from kpi import dbcopy, dialect, store
from kpi.settings import Settings, load_settings
from kpi.tables import audit_log, data_version, metadata

_KEPT = {audit_log.name, data_version.name}


def backup(engine: sa.Engine, target: Path) -> Path:
    """Copy every table of the server database into the new DuckDB file ``target``."""
    copy = store.create_engine(load_settings(f"duckdb:///{target}"))
    try:
        snapshot = engine.connect().execution_options(isolation_level="REPEATABLE READ")
        with snapshot as reader, copy.begin() as writer:
            dbcopy.copy_tables(reader, writer, {data_version.name})
    finally:
        copy.dispose()
    return target


def restore(settings: Settings, source: Path) -> None:
    """Replace every table but the audit log with the backup's, in one transaction."""
    backup_file = store.create_engine(load_settings(f"duckdb:///{source}"))
    server = store.create_engine(settings)
    from kpi.backup import _sha256  # the backup file is hashed in chunks, never read whole

    digest = _sha256(source)
    try:
        with backup_file.connect() as reader, server.begin() as writer:
            dialect.lock_writes(writer)
            for table in reversed(metadata.sorted_tables):
                if table.name not in _KEPT:
                    writer.execute(table.delete())
            dbcopy.copy_tables(reader, writer, _KEPT)
            store.record_audit(
                writer, settings.user, "restore", "database", f"from {source} ({digest[:12]})"
            )
    finally:
        backup_file.dispose()
        server.dispose()
