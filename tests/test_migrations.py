"""Schema migrations: upgrades keep every report, kpi/tables.py matches the head revision,
a database ahead of the code is refused, and PostgreSQL follows the same path.

Reports are compared through the real ``report`` command (``kpi.cli.main``) for every
catalogue KPI, against a database built fresh at the head revision from the same files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from conftest import ROOT, run_cli
from streamlit.testing.v1 import AppTest

from kpi import cli, migrate, store
from kpi.catalogue import CATALOGUE
from kpi.ingest import Outcome, ingest_file
from kpi.settings import load_settings

# the kinds the previous release (and revision 0001) knows; measurements came with 0010
OLD_KINDS = ("production", "downtime", "deliveries", "receipts", "defects")
SAMPLES = [ROOT / "data" / "samples" / f"{kind}.csv" for kind in OLD_KINDS]
PREVIOUS_RELEASE = "817e5d4"
PG_URL = os.environ.get("KPI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _report(url: str, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """Every catalogue KPI by day and plant, and in total, as the CLI prints them."""
    shown = {}
    for grain, by in (("day", ["--by", "plant"]), ("total", [])):
        capsys.readouterr()
        argv = ["report", "--kpi", ",".join(CATALOGUE), "--grain", grain, *by]
        code = cli.main([*argv, "--as-of", "2026-11-30", "--db", url])
        out = capsys.readouterr()
        assert code == 0, out.err
        shown[grain] = out.out
    assert shown["day"].count("\n") > 50, "the samples fill the report"
    return shown


def _ingest_samples(engine: sa.Engine, url: str) -> None:
    settings = load_settings(url, user="tester")
    for path in SAMPLES:
        assert ingest_file(engine, settings, path).outcome is Outcome.LOADED, path


def _fresh_at_head(tmp_path: Path) -> str:
    url = f"duckdb:///{tmp_path / 'fresh.duckdb'}"
    engine = store.create_engine(load_settings(url))
    _ingest_samples(engine, url)
    engine.dispose()
    return url


def test_revision_files_are_one_linear_history_alembic_agrees_with():
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(migrate.SCRIPTS))
    walked = [s.revision for s in script.walk_revisions("base", "heads")]
    assert list(reversed(walked)) == migrate.revisions()
    assert script.get_heads() == [migrate.head_revision()]
    assert migrate.revisions()[0] == migrate.BASELINE


# --- (a) a database at the first revision, filled, upgraded: every report as if fresh ---


def test_first_revision_filled_then_upgraded_reports_as_fresh(previous_release, tmp_path, capsys):
    """Created at revision 0001 by today's migrations, filled by the release that schema
    belongs to (today's loader writes tables 0001 lacks), then upgraded in place."""
    url = f"duckdb:///{tmp_path / 'old.duckdb'}"
    engine = store.open_engine(load_settings(url))  # no automatic upgrade: stay at 0001
    migrate.upgrade(engine, target=migrate.BASELINE)
    engine.dispose()
    _ingest_with_previous_release(previous_release, url)
    engine = store.open_engine(load_settings(url))
    before, after = migrate.upgrade(engine)
    assert (before.revision, after) == (migrate.BASELINE, migrate.head_revision())
    assert migrate.differences(engine) == []
    engine.dispose()
    assert _report(url, capsys) == _report(_fresh_at_head(tmp_path), capsys)


def _ingest_with_previous_release(previous_release: Path, url: str) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KPI_DB_URL")}
    old = subprocess.run(
        [sys.executable, "-m", "kpi", "ingest", *map(str, SAMPLES), "--db", url],
        cwd=previous_release,  # `-m kpi` imports the old package from here
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert old.returncode == 0, old.stdout + old.stderr


# --- (b) a database made by the previous release's own code, upgraded by the CLI ---


@pytest.fixture(scope="module")
def previous_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The previous release's code, unpacked with ``git archive`` (the repo is untouched)."""
    folder = tmp_path_factory.mktemp("previous-release")
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", PREVIOUS_RELEASE, "kpi"],
        capture_output=True,
    )
    if archive.returncode != 0:
        pytest.skip(f"commit {PREVIOUS_RELEASE} is not in this clone (shallow?)")
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive.stdout, check=True)
    return folder


def test_previous_release_database_upgrades_in_place(previous_release, tmp_path, capsys):
    url = f"duckdb:///{tmp_path / 'previous.duckdb'}"
    _ingest_with_previous_release(previous_release, url)
    assert "alembic_version" not in _tables(url)

    done = run_cli("db", "upgrade", "--db", url)
    assert done.returncode == 0, done.stderr
    assert "before schema migrations" in done.stdout
    version = run_cli("db", "version", "--db", url)
    assert f"current: {migrate.head_revision()} (up to date)" in version.stdout

    engine = store.open_engine(load_settings(url))
    assert migrate.differences(engine) == []
    engine.dispose()
    assert _report(url, capsys) == _report(_fresh_at_head(tmp_path), capsys)


def _tables(url: str) -> set[str]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            return set(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


# --- (c) refusals: a database ahead of the code; behind it with KPI_AUTO_UPGRADE=0 ---


@pytest.fixture
def ahead_db(tmp_path: Path) -> str:
    url = f"duckdb:///{tmp_path / 'kpi.duckdb'}"
    store.create_engine(load_settings(url)).dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    return url


def test_database_ahead_is_refused_by_every_command(ahead_db):
    for argv in (["report", "--kpi", "oee"], ["db", "upgrade"]):
        out = run_cli(*argv, "--db", ahead_db)
        assert out.returncode == 3, (argv, out.stderr)
        assert "revision 9999" in out.stderr and f"needs revision {migrate.head_revision()}" in (
            out.stderr
        )
        assert "Traceback" not in out.stderr
    version = run_cli("db", "version", "--db", ahead_db)
    assert "current: 9999 (ahead of this version" in version.stdout
    engine = sa.create_engine(ahead_db)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM batches")).scalar() == 0
    engine.dispose()


def test_database_ahead_is_an_error_on_the_page_not_a_traceback(ahead_db, monkeypatch):
    from tests.conftest import _use_db

    _use_db(monkeypatch, Path(ahead_db.removeprefix("duckdb:///")))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("revision 9999" in e.value for e in at.error), [e.value for e in at.error]


def test_no_auto_upgrade_refuses_then_db_upgrade_adopts(tmp_path, monkeypatch):
    url = f"duckdb:///{tmp_path / 'kpi.duckdb'}"
    engine = store.open_engine(load_settings(url))
    migrate.upgrade(engine, target=migrate.BASELINE)  # the schema of the last such release
    engine.dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:  # as a release before migrations left it
        conn.execute(sa.text("DROP TABLE alembic_version"))
    engine.dispose()
    monkeypatch.setenv(migrate.AUTO_UPGRADE_ENV, "0")
    refused = run_cli("batches", "--db", url)
    assert refused.returncode == 3
    assert "python -m kpi db upgrade" in refused.stderr and "Traceback" not in refused.stderr
    assert "alembic_version" not in _tables(url)
    assert run_cli("db", "upgrade", "--db", url).returncode == 0
    assert run_cli("batches", "--db", url).returncode == 0


# --- kpi/tables.py matches the head revision, and that check can fail ---


@pytest.fixture(params=["duckdb", "postgresql"])
def head_engine(request, tmp_path) -> Iterator[sa.Engine]:
    url = f"duckdb:///{tmp_path / 'kpi.duckdb'}" if request.param == "duckdb" else None
    with _pg_schema() if url is None else _nothing() as pg_url:
        engine = store.open_engine(load_settings(url or pg_url))
        migrate.upgrade(engine)
        yield engine
        engine.dispose()


def test_tables_py_matches_the_head_revision(head_engine):
    assert migrate.differences(head_engine) == [], "add a revision: python -m kpi db diff"


def test_the_comparison_sees_a_changed_table(head_engine):
    from kpi import tables

    changed = sa.MetaData()
    for table in tables.metadata.sorted_tables:
        table.to_metadata(changed)
    changed.tables["targets"].append_column(sa.Column("note", sa.String))
    changed.tables["batches"].c.rows_loaded.type = sa.REAL()
    changed.tables["users"].c.email.nullable = False
    kinds = sorted(d[0] for d in _flat(head_engine, changed))
    assert kinds == ["add_column", "modify_nullable", "modify_type"]


def _flat(engine: sa.Engine, metadata: sa.MetaData) -> list:
    return [d[0] if isinstance(d, list) else d for d in migrate.differences(engine, metadata)]


# --- a later revision (written here) runs on both backends, data kept ---

LATER_REVISION = """
import sqlalchemy as sa
from alembic import op

revision = "{next}"
down_revision = "{head}"


def upgrade() -> None:
    op.add_column("targets", sa.Column("note", sa.String(), nullable=True))
    op.create_index("ix_batches_kind", "batches", ["kind"])
    with op.batch_alter_table("batches", recreate="always") as batch:
        batch.drop_column("warnings")
        batch.add_column(sa.Column("origin", sa.String(), nullable=False, server_default="cli"))
"""


def test_a_later_revision_alters_tables_and_keeps_rows(head_engine, tmp_path):
    from kpi.tables import batches, targets

    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.SCRIPTS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    head = migrate.head_revision()
    later = f"{int(head) + 1:04d}"
    text = LATER_REVISION.format(next=later, head=head)
    (scripts / "versions" / f"{later}_test.py").write_text(text, encoding="utf-8")
    with head_engine.begin() as conn:  # plain rows: the loaders are not ported to PG yet
        conn.execute(batches.insert(), [_batch(1), _batch(2)])
        conn.execute(targets.insert(), [_target()])

    state, after = migrate.upgrade(head_engine, scripts=scripts)
    assert (state.revision, after) == (head, later)
    with head_engine.connect() as conn:
        kept = conn.execute(sa.text("SELECT batch_id, origin FROM batches ORDER BY 1")).all()
        notes = conn.execute(sa.text("SELECT value, note FROM targets")).all()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("batches")}
    assert [tuple(r) for r in kept] == [(1, "cli"), (2, "cli")]
    assert [tuple(r) for r in notes] == [(0.85, None)]
    assert "warnings" not in columns


def _batch(batch_id: int) -> dict:
    return dict(batch_id=batch_id, kind="production", file_name=f"f{batch_id}.csv",
                sha256="0" * 64, rows_loaded=3, rows_replaced=0, status="active",
                loaded_at=store.now(), loaded_by="tester", size_bytes=10)  # fmt: skip


def _target() -> dict:
    return dict(target_id=1, kpi="oee", scope_dim="all", value=0.85,
                updated_at=store.now(), updated_by="tester")  # fmt: skip


# --- (d) PostgreSQL: the same upgrade path (the reports are the lead's port) ---


class _nothing:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


class _pg_schema:
    """A fresh schema per test on the server at KPI_TEST_PG_URL, dropped afterwards."""

    def __enter__(self) -> str:
        admin = sa.create_engine(PG_URL, connect_args={"connect_timeout": 3})
        try:
            admin.connect().close()
        except Exception as exc:  # no server: say so, as the README promises
            admin.dispose()
            pytest.skip(f"no PostgreSQL at {PG_URL} ({type(exc).__name__}); set KPI_TEST_PG_URL")
        self.admin, self.schema = admin, f"t_{uuid.uuid4().hex[:12]}"
        with admin.begin() as conn:
            conn.execute(sa.text(f"CREATE SCHEMA {self.schema}"))
        separator = "&" if "?" in PG_URL else "?"
        return f"{PG_URL}{separator}options=-csearch_path%3D{self.schema}"

    def __exit__(self, *exc: object) -> None:
        with self.admin.begin() as conn:
            conn.execute(sa.text(f"DROP SCHEMA {self.schema} CASCADE"))
        self.admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    with _pg_schema() as url:
        yield url


@pytest.mark.parametrize("start", ["empty", "baseline", "before migrations"])
def test_postgresql_upgrades_to_head_and_matches_tables(pg_url, start):
    engine = store.open_engine(load_settings(pg_url))
    if start != "empty":
        migrate.upgrade(engine, target=migrate.BASELINE)
    if start == "before migrations":
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE alembic_version"))
    store.init_schema(engine)  # what opening the store does
    with engine.connect() as conn:
        state = migrate.read_state(conn)
        assert conn.execute(sa.text("SELECT current_schema()")).scalar().startswith("t_")
    assert state.revision == migrate.head_revision()
    assert migrate.differences(engine) == []
    engine.dispose()


def test_line_scopes_saved_before_plants_get_their_plant(tmp_path):
    """Revision 0009: a baseline frozen for ``line=L5`` keeps applying once charts ask for
    (plant, line); a line name two plants share stays as it was."""
    url = f"duckdb:///{tmp_path / 'kpi.duckdb'}"
    engine = store.open_engine(load_settings(url))
    migrate.upgrade(engine, target="0008")
    with engine.begin() as conn:
        for plant, line in (("Plant 2", "L5"), ("Plant 1", "L2"), ("Plant 2", "L2")):
            conn.execute(
                sa.text(
                    "INSERT INTO production (batch_id, date, shift, plant, line, product, "
                    "planned_minutes, units_produced, units_scrapped, units_reworked) "
                    "VALUES (1, DATE '2026-01-05', 'A', :p, :l, 'X', 480, 1, 0, 0)"
                ),
                {"p": plant, "l": line},
            )
        for scope in ("line=L5", "line=L2", "all"):
            conn.execute(
                sa.text(
                    "INSERT INTO spc_baselines (kpi, scope, baseline_from, baseline_to, "
                    "frozen_at, frozen_by) VALUES ('scrap_rate', :s, DATE '2026-01-01', "
                    "DATE '2026-03-31', TIMESTAMP '2026-04-01 00:00:00', 'qa')"
                ),
                {"s": scope},
            )
    migrate.upgrade(engine)
    with engine.connect() as conn:
        scopes = set(conn.execute(sa.text("SELECT scope FROM spc_baselines")).scalars())
    engine.dispose()
    assert scopes == {"line=L5;plant=Plant 2", "line=L2", "all"}
