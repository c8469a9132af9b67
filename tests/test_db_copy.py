"""``db copy``: a plant moves from the embedded file to PostgreSQL (issue 15 §1)."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from kpi import dbcopy, store
from kpi.settings import load_settings
from tests import pg
from tests.conftest import ROOT, run_cli

SAMPLES = sorted(p for p in (ROOT / "data" / "samples").glob("*.csv") if "specs" not in p.name)


@pytest.fixture
def pg_target() -> str:
    if pg.unreachable_reason():
        pytest.skip(pg.unreachable_reason())
    with pg.database() as url:
        yield url


@pytest.fixture
def loaded_file(tmp_path: Path) -> str:
    url = f"duckdb:///{tmp_path / 'plant.duckdb'}"
    specs = str(ROOT / "data" / "samples" / "characteristic_specs.csv")  # for measurements.csv
    assert run_cli("specs", "import", specs, "--db", url).returncode == 0
    loaded = run_cli("ingest", "--db", url, *map(str, SAMPLES))
    assert loaded.returncode in (0, 1), loaded.stderr  # one sample is bad on purpose
    assert run_cli("targets", "set", "scrap_rate", "0.02", "--db", url).returncode in (0, 2)
    return url


def test_copy_to_postgresql_keeps_every_table_and_report(loaded_file, pg_target, tmp_path):
    done = run_cli(
        "db", "copy", "--from", loaded_file, "--to", pg_target,
        "--archive-to", str(tmp_path / "archive"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "KPI reports are identical" in done.stdout
    source, copy = (store.create_engine(load_settings(u)) for u in (loaded_file, pg_target))
    try:
        assert (
            store.list_batches(source)["sha256"].tolist()
            == store.list_batches(copy)["sha256"].tolist()
        )
        shas = set(store.list_batches(copy)["sha256"])
        assert {p.name for p in (tmp_path / "archive").iterdir()} == shas
        actions = store.list_audit(copy)["action"].tolist()
        assert actions[0] == "db.copy" and "upload" in actions
    finally:
        source.dispose()
        copy.dispose()
    again = run_cli("db", "copy", "--from", loaded_file, "--to", pg_target)
    assert again.returncode == 1 and "is not empty" in again.stderr


def test_a_copy_that_differs_is_caught(loaded_file, pg_target):
    src, dst = (store.create_engine(load_settings(u)) for u in (loaded_file, pg_target))
    try:
        dbcopy._copy_tables(src, dst, say=lambda _: None)
        assert dbcopy.verify(src, dst) > 50
        with dst.begin() as conn:
            conn.execute(sa.text("UPDATE production SET units_scrapped = units_scrapped + 1"))
        with pytest.raises(dbcopy.CopyRefused, match="differs"):
            dbcopy.verify(src, dst)
    finally:
        src.dispose()
        dst.dispose()
