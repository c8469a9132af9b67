"""Consistent backup and restore of the embedded DuckDB store and its file archive.

A backup is taken inside the process that owns the database (the CLI when the app is
stopped, or the app's own admin action while it runs): a checkpoint, then DuckDB's
``COPY FROM DATABASE`` into a new file, which reads one consistent snapshot.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb
import sqlalchemy as sa

from kpi import store
from kpi.settings import Settings


class BackupError(Exception):
    """A backup or restore that was refused; the message says why."""


def backup(engine: sa.Engine, settings: Settings, target: Path) -> Path:
    """Copy the database (and archived originals) to ``target``, which must not exist."""
    target = Path(target).resolve()
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name.")
    if not store.is_duckdb(engine):
        raise BackupError("Backups of non-DuckDB stores are done with that database's tools.")
    target.parent.mkdir(parents=True, exist_ok=True)
    with engine.connect() as conn:
        conn.exec_driver_sql("CHECKPOINT")
        name = conn.exec_driver_sql("SELECT current_database()").scalar()
        conn.commit()
        conn.exec_driver_sql(f"ATTACH '{_quoted(target)}' AS kpi_backup")
        conn.commit()
        try:
            conn.exec_driver_sql(f'COPY FROM DATABASE "{name}" TO kpi_backup')
            conn.commit()
        except BaseException:
            conn.rollback()
            raise
        finally:
            conn.exec_driver_sql("DETACH kpi_backup")
            conn.commit()
    if settings.archive_dir.is_dir():
        shutil.copytree(settings.archive_dir, _archive_of(target))
    return target


def restore(settings: Settings, source: Path) -> Path:
    """Replace the database with ``source``; the current file is kept beside it first."""
    source, current = Path(source).resolve(), settings.duckdb_path
    if current is None:
        raise BackupError("Restore works on a DuckDB file database only.")
    _check_is_backup(source)
    _check_not_in_use(current)
    kept = current.with_name(current.name + f".before-restore-{store.now():%Y%m%d-%H%M%S}")
    if current.exists():
        shutil.copyfile(current, kept)
    shutil.copyfile(source, current)
    wal = current.with_name(current.name + ".wal")
    wal.unlink(missing_ok=True)
    if _archive_of(source).is_dir():
        shutil.copytree(_archive_of(source), settings.archive_dir, dirs_exist_ok=True)
    return kept


def _check_is_backup(source: Path) -> None:
    try:
        with duckdb.connect(str(source), read_only=True) as con:
            con.execute("SELECT count(*) FROM batches").fetchall()
    except duckdb.Error as exc:
        raise BackupError(f"{source} is not a backup of this app: {exc}") from None


def _check_not_in_use(current: Path) -> None:
    if not current.exists():
        return
    try:
        duckdb.connect(str(current)).close()
    except duckdb.IOException:
        raise BackupError("The database is in use (is the app running?); stop it first.") from None


def _archive_of(database: Path) -> Path:
    return database.with_name(database.name + ".archive")


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")
