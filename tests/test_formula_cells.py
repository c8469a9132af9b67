"""Cells a spreadsheet would run as formulas: refused on load, neutralised in CLI CSVs."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from kpi.ingest import Outcome, ingest_bytes
from kpi.tables import FACT_TABLES
from tests.conftest import run_cli

HEADER = "date,shift,line,product,planned_minutes,units_produced,units_scrapped\n"


@pytest.mark.parametrize("name", ["-1+cmd|' /C calc'!A0", "+1+1", "-x", "@SUM(A1)", "=1"])
def test_formula_like_names_are_refused_by_both_paths(engine, settings, name: str) -> None:
    """Failed before for '-1+cmd...' and '+1+1': a digit after the sign let them through."""
    data = f"{HEADER}2026-03-02,A,L1,{name},480,900,9\n".encode()
    result = ingest_bytes(engine, settings, data, "f.csv")
    assert result.outcome is Outcome.REJECTED, result.summary()
    assert "formula" in result.problems[0].problem
    assert (result.problems[0].line, result.problems[0].column) == (2, "product")


@pytest.mark.parametrize("name", ["-1", "+5", "-2.5", "1e3"])
def test_plain_numbers_as_names_still_load(engine, settings, name: str) -> None:
    data = f"{HEADER}2026-03-02,A,L1,{name},480,900,9\n".encode()
    assert ingest_bytes(engine, settings, data, "n.csv").outcome is Outcome.LOADED


def _csv_cells(text: str) -> set[str]:
    return {cell for row in csv.reader(io.StringIO(text)) for cell in row}


def test_cli_csv_output_neutralises_formula_cells(engine, settings, db_url) -> None:
    """Failed before: ``actions list`` and ``report`` printed such cells as they were."""
    ingest_bytes(engine, settings, f"{HEADER}2026-03-02,A,L1,P,480,900,9\n".encode(), "p.csv")
    with engine.begin() as conn:  # a name stored before names were checked
        conn.execute(sa.update(FACT_TABLES["production"]).values(line="-1+cmd|' /C calc'!A0"))
    engine.dispose()
    added = run_cli(
        "actions", "add", "--db", db_url, "--kpi", "scrap_rate", "--description", "=1+1",
        "--owner", "@boss", "--due", "2026-04-01",
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    listed = run_cli("actions", "list", "--db", db_url, "--format", "csv")
    cells = _csv_cells(listed.stdout)
    assert "'=1+1" in cells and "'@boss" in cells and "=1+1" not in cells
    report = run_cli("report", "--db", db_url, "--kpi", "units_produced", "--by", "line")
    assert report.returncode == 0, report.stderr
    assert "'-1+cmd|' /C calc'!A0" in _csv_cells(report.stdout), report.stdout
