"""Issue 13 §9: the smaller items found on the way, each on a small golden file."""

from __future__ import annotations

from conftest import run_cli
from golden.kpi_fixtures import GOLDEN, load_bytes

from kpi.schema import Kind

FILES = GOLDEN / "small"


def _load(engine, settings, *names: str) -> None:
    for name in names:
        path = FILES / name
        load_bytes(
            engine, settings, Kind(name.split(".")[0].split("_")[0]), path.read_bytes(), name
        )


def test_review_for_one_plant_without_corrective_actions(engine, settings, db_url, tmp_path):
    _load(engine, settings, "production.csv")
    engine.dispose()
    out = tmp_path / "q1.xlsx"
    done = run_cli("review", "--period", "2025-Q1", "--plant", "P1", "--format", "xlsx",
                   "--out", str(out), "--as-of", "2025-04-15", "--db", db_url)  # fmt: skip
    assert done.returncode == 0, done.stderr  # was exit 3: KeyError: 'status'
    assert out.stat().st_size > 0
