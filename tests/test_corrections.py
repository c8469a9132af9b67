"""A correction replaces only the rows it restates (same full key); other keys are kept.
What it would replace is shown before anything is stored (CLI --dry-run, Upload page)."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.ingest import ingest_bytes
from kpi.ingest.imports import import_file
from kpi.ingest.load import Options
from kpi.settings import load_settings
from kpi.tables import FACT_TABLES
from tests.conftest import ROOT, run_cli

HEADER = "date,shift,line,machine,product,planned_minutes,units_produced,units_scrapped\n"
M1 = HEADER + "2026-03-02,A,L1,M1,P,480,1000,10\n"
M2 = HEADER + "2026-03-02,A,L1,M2,P,480,2000,20\n"


def _units(engine: sa.Engine) -> int:
    table = FACT_TABLES["production"]
    query = sa.select(sa.func.sum(table.c.units_produced)).where(table.c.replaced_by.is_(None))
    with engine.connect() as conn:
        return int(conn.execute(query).scalar() or 0)


def test_per_machine_files_of_one_shift_add_up(engine, settings) -> None:
    """Failed before: the second machine's file replaced the first (2,000 instead of 3,000)."""
    ingest_bytes(engine, settings, M1.encode(), "m1.csv")
    second = ingest_bytes(engine, settings, M2.encode(), "m2.csv")
    assert second.rows_replaced == 0, second.summary()
    assert _units(engine) == 3000
    corrected = ingest_bytes(engine, settings, M1.replace(",1000,", ",1100,").encode(), "fix.csv")
    assert corrected.rows_replaced == 1
    assert corrected.replaced == [
        "date 2026-03-02, shift A, plant Plant 1, line L1, machine M1, product P: 1 row(s)"
    ]
    assert _units(engine) == 3100


def test_a_blank_machine_is_a_key_too(engine, settings) -> None:
    """Rows without a machine are corrected by rows without a machine (NULL = NULL here)."""
    blank = HEADER + "2026-03-02,A,L1,,P,480,500,5\n"
    ingest_bytes(engine, settings, blank.encode(), "b.csv")
    ingest_bytes(engine, settings, M1.encode(), "m1.csv")
    fixed = ingest_bytes(engine, settings, blank.replace(",500,", ",600,").encode(), "b2.csv")
    assert fixed.rows_replaced == 1
    assert _units(engine) == 1600


def test_per_machine_downtime_files_are_both_kept(engine, settings) -> None:
    header = "date,shift,line,machine,reason,minutes\n"
    ingest_bytes(engine, settings, (header + "2026-03-02,A,L1,M1,jam,10\n").encode(), "d1.csv")
    second = ingest_bytes(
        engine, settings, (header + "2026-03-02,A,L1,M2,jam,20\n").encode(), "d2.csv"
    )
    assert second.rows_replaced == 0
    assert store.current_row_counts(engine)["downtime"] == 2


def test_whole_shift_option_replaces_every_row_of_the_shift(engine, settings, tmp_path) -> None:
    ingest_bytes(engine, settings, M1.encode(), "m1.csv")
    ingest_bytes(engine, settings, M2.encode(), "m2.csv")
    only = HEADER + "2026-03-02,A,L1,M3,P,480,700,7\n"
    result = ingest_bytes(engine, settings, only.encode(), "m3.csv")
    assert result.rows_replaced == 0
    path = tmp_path / "shift.csv"
    path.write_text(HEADER + "2026-03-02,A,L1,M3,P,480,900,7\n")
    whole = import_file(engine, settings, path, options=Options(whole_shift=True))
    assert whole.rows_replaced == 3, whole.summary()
    assert _units(engine) == 900


def test_cli_dry_run_shows_what_would_be_replaced_and_stores_nothing(tmp_path: Path) -> None:
    db = ["--db", f"duckdb:///{tmp_path / 'kpi.duckdb'}"]
    (tmp_path / "m1.csv").write_text(M1)
    (tmp_path / "m2.csv").write_text(M2)
    (tmp_path / "fix.csv").write_text(M1.replace(",1000,", ",1100,"))
    assert (
        run_cli("ingest", *db, str(tmp_path / "m1.csv"), str(tmp_path / "m2.csv")).returncode == 0
    )
    checked = run_cli("ingest", *db, "--dry-run", str(tmp_path / "fix.csv"))
    assert checked.returncode == 0, checked.stderr
    assert "would add 1 production rows and replace 1 earlier rows" in checked.stdout
    assert "machine M1, product P: 1 row(s)" in checked.stdout
    assert "machine M2" not in checked.stdout
    ledger = run_cli("batches", *db)
    assert "fix.csv" not in ledger.stdout
    whole = run_cli("ingest", *db, "--dry-run", "--replace-shift", str(tmp_path / "fix.csv"))
    assert "replace 2 earlier rows" in whole.stdout, whole.stdout
    assert len(list((tmp_path / "kpi.duckdb.archive").iterdir())) == 2  # the two loaded files


def test_upload_page_checks_what_a_correction_would_replace(demo_db: str) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/upload.py").run()
    at.get("file_uploader")[0].set_value([("m1.csv", M1.encode(), "text/csv")])
    at.run()
    at.button(key="commit").click().run()
    fix = M1.replace(",1000,", ",1100,") + "2026-03-02,A,L1,M9,P,480,5,0\n"
    at.get("file_uploader")[0].set_value([("fix.csv", fix.encode(), "text/csv")])
    at.run()
    at.button(key="dry_run").click().run()
    assert not at.exception
    assert any("replace 1 earlier rows" in i.value for i in at.info), [i.value for i in at.info]
    assert any("machine M1, product P: 1 row(s)" in t.value for t in at.text)
    engine = store.create_engine(load_settings(demo_db))
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT file_name FROM batches")).scalars().all()
    engine.dispose()
    assert "fix.csv" not in names and "m1.csv" in names
