"""Consistent backup and restore of the embedded DuckDB store and its file archive.

A backup is taken inside the process that owns the database (the CLI when the app is
stopped, or the app's own admin action while it runs): a checkpoint, then DuckDB's
``COPY FROM DATABASE`` into a new file, which reads one consistent snapshot.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
from pathlib import Path

import duckdb
import sqlalchemy as sa

from kpi import store
from kpi.settings import Settings
from kpi.tables import metadata


class BackupError(Exception):
    """A backup or restore that was refused; the message says why."""


def backup(engine: sa.Engine, settings: Settings, target: Path) -> Path:
    """Copy the database (and archived originals) to ``target``, which must not exist."""
    target = Path(target).resolve()
    if target.exists():
        raise BackupError(f"{target} already exists; choose a new file name.")
    target.parent.mkdir(parents=True, exist_ok=True)
    if not store.is_duckdb(engine):  # a server: the same portable DuckDB file
        from kpi import backup_server

        backup_server.backup(engine, target)
        _copy_archive(settings, target)
        return target
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
    _copy_archive(settings, target)
    return target


def _copy_archive(settings: Settings, target: Path) -> None:
    if settings.archive_dir.is_dir():
        shutil.copytree(settings.archive_dir, _archive_of(target))


def backup_now(engine: sa.Engine, settings: Settings) -> Path:
    """A backup beside the database under a new dated name (the app's admin button), audited."""
    current = settings.duckdb_path
    folder = current.parent if current is not None else settings.archive_dir.parent
    stamp = f"{store.now():%Y%m%d-%H%M%S}"
    target = folder / "backups" / f"{current.stem if current else 'kpi'}-{stamp}.duckdb"
    written = backup(engine, settings, target)
    with store.WRITE_LOCK, engine.begin() as conn:
        store.record_audit(conn, settings.user, "backup", "database", f"written to {written}")
    return written


def restore(settings: Settings, source: Path) -> Path:
    """Replace the database with ``source`` atomically; returns where the old one was kept.

    Why: copying over the live file left it unopenable when the copy was killed or ran
    out of disk. The backup is copied to a new file beside the database, the live audit
    log is carried into it (a restore never rewinds the audit trail) with a record of
    the restore itself, it is verified, and only then swapped in with one rename. Until
    the rename the live database is untouched; after it, the restored one is complete.
    """
    source, current = Path(source).resolve(), settings.duckdb_path
    _check_is_backup(source)
    if current is None:  # a server: every table replaced in one transaction
        return _restore_server(settings, source)
    _check_not_in_use(current)
    stamp = f"{store.now():%Y%m%d-%H%M%S}"
    staged = current.with_name(f"{current.name}{_STAGED}{os.getpid()}-{stamp}")
    try:
        _stage(settings, source, current, staged)
        kept = _keep_current(current, stamp)
        if _archive_of(source).is_dir():  # content-addressed: adding files is harmless
            shutil.copytree(_archive_of(source), settings.archive_dir, dirs_exist_ok=True)
        if current.with_name(current.name + ".wal").exists():
            raise BackupError("The database has unsaved changes (a .wal file); open it once.")
        os.replace(staged, current)  # the one step that changes the live database
    except (OSError, duckdb.Error, sa.exc.SQLAlchemyError) as exc:
        raise BackupError(f"The restore failed and the database was not changed: {exc}") from None
    finally:
        staged.unlink(missing_ok=True)
        staged.with_name(staged.name + ".wal").unlink(missing_ok=True)
    return kept


_STAGED = ".restoring-"  # a restore's new file until it is swapped in


def _stage(settings: Settings, source: Path, current: Path, staged: Path) -> None:
    """Copy the backup to ``staged``, carry the live audit log over, record the restore."""
    shutil.copyfile(source, staged)
    if current.exists():
        _carry_audit_log(current, staged)
    engine = store.create_engine(dataclasses.replace(settings, db_url=f"duckdb:///{staged}"))
    try:
        with engine.begin() as conn:
            store.record_audit(
                conn, settings.user, "restore", "database",
                f"restored {source} (SHA-256 {_sha256(source)[:16]}) over {current}",
            )  # fmt: skip
        with engine.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")  # no .wal beside the file that is swapped in
    finally:
        engine.dispose()
    _verify(staged)


def _carry_audit_log(current: Path, staged: Path) -> None:
    """The staged file's audit log becomes the live one: history is never rewound."""
    with duckdb.connect(str(staged)) as con:
        con.execute(f"ATTACH '{_quoted(current)}' AS live (READ_ONLY)")
        columns = [r[0] for r in con.execute("DESCRIBE live.audit_log").fetchall()]
        names = ", ".join(f'"{c}"' for c in columns)
        con.execute("BEGIN")
        con.execute("DELETE FROM audit_log")
        con.execute(f"INSERT INTO audit_log ({names}) SELECT {names} FROM live.audit_log")
        con.execute("COMMIT")
        con.execute("DETACH live")
        con.execute("CHECKPOINT")


def _verify(staged: Path) -> None:
    """Every table of the store can be read from the staged file."""
    try:
        with duckdb.connect(str(staged), read_only=True) as con:
            for table in metadata.sorted_tables:
                con.execute(f'SELECT count(*) FROM "{table.name}"').fetchall()
    except duckdb.Error as exc:
        raise BackupError(
            f"The restored copy failed its check, nothing was changed: {exc}"
        ) from None


def _keep_current(current: Path, stamp: str) -> Path:
    """Keep the live file beside it (a hard link when possible: instant, no space)."""
    kept = current.with_name(current.name + f".before-restore-{stamp}")
    if current.exists():
        try:
            os.link(current, kept)
        except OSError:
            shutil.copyfile(current, kept)
    return kept


def clean_staged(settings: Settings) -> list[Path]:
    """Remove the staged files of restores killed before their swap (their process is gone)."""
    current = settings.duckdb_path
    if current is None or not current.parent.is_dir():
        return []
    removed = []
    for path in current.parent.glob(f"{current.name}{_STAGED}*"):
        pid = path.name[len(current.name + _STAGED) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


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


def _restore_server(settings: Settings, source: Path) -> Path:
    from kpi import backup_server

    try:
        backup_server.restore(settings, source)
    except (OSError, duckdb.Error, sa.exc.SQLAlchemyError) as exc:
        raise BackupError(f"The restore failed and the database was not changed: {exc}") from None
    if _archive_of(source).is_dir():
        shutil.copytree(_archive_of(source), settings.archive_dir, dirs_exist_ok=True)
    return source
