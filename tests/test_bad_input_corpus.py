"""Bad-input corpus: every case fails cleanly, with a clear message, and changes nothing.

The store holds the demo year. After each bad file, the KPI report and the ledger must
be exactly what they were before.
"""

from __future__ import annotations

import gzip
import io
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from kpi import metrics, store
from kpi.demo import seed_demo
from kpi.ingest import Outcome
from kpi.ingest.imports import import_file
from kpi.schema import Kind
from kpi.settings import load_settings
from tests.bad_input_files import text_cases

HEADER = (
    "date,shift,plant,line,machine,product,planned_minutes,ideal_cycle_seconds,"
    "units_produced,units_scrapped,units_reworked\n"
)
ROW = "2026-11-02,A,Plant 1,L1,M1,P-100,480,30,800,12,5\n"


def _rows(count: int) -> str:
    """``count`` valid rows with distinct keys (one product per row)."""
    return "".join(ROW.replace("P-100", f"P-{i}") for i in range(count))


def _xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["date", "shift"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


CASES: dict[str, tuple[bytes, str]] = {
    "empty file": (b"", "empty"),
    "whitespace only": (b"\r\n  \n\t\n", "empty"),
    "header only": (HEADER.encode(), "no data rows"),
    "binary": (bytes(range(256)) * 4, "binary"),
    "gzip": (gzip.compress((HEADER + ROW).encode()), "gzip"),
    "excel disguised as csv": (_xlsx_bytes(), "Excel"),
    "utf-16": ((HEADER + ROW).encode("utf-16"), "UTF-16"),
    "latin-1": ((HEADER + ROW.replace("P-100", "Kühler")).encode("latin-1"), "not UTF-8"),
    "wrong delimiter": ((HEADER + ROW).replace(",", ":").encode(), "which kind"),
    "rows use another delimiter": ((HEADER + ROW.replace(",", ";")).encode(), "Expected 11"),
    "duplicated header row": ((HEADER + HEADER + ROW).encode(), "YYYY-MM-DD"),
    "missing column": ((HEADER.replace(",units_scrapped", "") + ROW).encode(), "missing"),
    "blank header name": ((HEADER.replace("shift", "") + ROW).encode(), "no header name"),
    "text in numbers": ((HEADER + ROW.replace("800", "eight hundred")).encode(), "not a number"),
    "negative counts": ((HEADER + ROW.replace(",12,", ",-12,")).encode(), "negative"),
    "scrap above produced": ((HEADER + ROW.replace(",12,", ",900,")).encode(), "exceed"),
    "impossible date": ((HEADER + ROW.replace("2026-11-02", "2026-02-30")).encode(), "real"),
    "ambiguous date": ((HEADER + ROW.replace("2026-11-02", "03/01/2026")).encode(), "guessed"),
    "absurd minutes": ((HEADER + ROW.replace(",480,", ",4800,")).encode(), "maximum"),
    "absurd count": ((HEADER + ROW.replace(",800,", ",80000000000,")).encode(), "maximum"),
    "duplicate key": ((HEADER + ROW + ROW).encode(), "repeats line 2"),
    "formula injection": ((HEADER + ROW.replace("P-100", '=HYPERLINK("x")')).encode(), "formula"),
    "formula after a minus (#14)": (
        (HEADER + ROW.replace("P-100", "-1+cmd|' /C calc'!A0")).encode(),
        "formula",
    ),
    "formula after a plus (#14)": ((HEADER + ROW.replace("P-100", "+1+1")).encode(), "formula"),
    "formula after a tab (#14)": ((HEADER + ROW.replace("P-100", '"\t=1+1"')).encode(), "formula"),
    "digit separator (#14)": ((HEADER + ROW.replace(",800,", ",1_5,")).encode(), "'_'"),
    "thousands mark in a semicolon file (#14)": (
        (HEADER + ROW.replace(",800,", ",12.000,")).replace(",", ";").encode(),
        "import profile that sets the decimal and thousands marks",
    ),
    "decimal comma in a semicolon file (#14)": (
        (HEADER + ROW.replace(",480,", ",1.200,")).replace(",", ";").encode(),
        "read two ways",
    ),
    "NUL after the first 64 KB (#14)": (
        (HEADER + _rows(2000) + ROW.replace("Plant 1", "Plant \x001")).encode(),
        "U+0000",
    ),
    "zero-width space in a name (#14)": (
        (HEADER + ROW.replace("L1", "L\u200b1")).encode(),
        "U+200B",
    ),
    "right-to-left override in a name (#14)": (
        (HEADER + ROW.replace("P-100", "\u202e001-P")).encode(),
        "U+202E",
    ),
    "full-width formula (#14)": ((HEADER + ROW.replace("P-100", "＝1+1")).encode(), "formula"),
    "line break inside a name (#14)": (
        (HEADER + ROW.replace("P-100", '"P-\n100"')).encode(),
        "line break",
    ),
    "extremely long line": ((HEADER + ROW.replace("P-100", "P" * 2_000_000)).encode(), "too long"),
    "long name": ((HEADER + ROW.replace("P-100", "P" * 500)).encode(), "longer than 200"),
    "unterminated quote": ((HEADER + ROW.replace("P-100", '"P-100')).encode(), "field"),
    "html page": (b"<!DOCTYPE html><html><body>Login</body></html>\n", "which kind"),
    "json": (b'[{"date": "2026-11-02", "shift": "A"}]\n', "which kind"),
    "one bad row among 100,000": (
        (
            HEADER
            + _rows(60_000)
            + ROW.replace("800", "8OO")
            + _rows(40_000)[0:0]
            + "".join(ROW.replace("P-100", f"Q-{i}") for i in range(40_000))
        ).encode(),
        "line 60002",
    ),
    **text_cases(),
}


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    settings = load_settings(f"duckdb:///{folder / 'demo.duckdb'}", user="corpus")
    engine = store.create_engine(settings)
    seed_demo(engine, settings)
    engine.dispose()
    return folder / "demo.duckdb"


def _snapshot(engine) -> tuple[pd.DataFrame, pd.DataFrame, dict]:  # noqa: ANN001
    query = metrics.make_query(["scrap_rate", "oee", "otd", "downtime_minutes"], "month")
    report = metrics.compute(engine, query)
    ledger = store.list_batches(engine)
    return report, ledger, store.current_row_counts(engine)


@pytest.mark.parametrize("case", sorted(CASES))
def test_bad_input_fails_cleanly_and_changes_nothing(
    seeded: Path, tmp_path: Path, case: str
) -> None:
    content, words = CASES[case]
    db = tmp_path / "kpi.duckdb"
    shutil.copyfile(seeded, db)
    settings = load_settings(f"duckdb:///{db}", user="corpus")
    engine = store.create_engine(settings)
    before = _snapshot(engine)
    path = tmp_path / "upload.csv"
    path.write_bytes(content)
    result = import_file(engine, settings, path, kind=None, file_name="upload.csv")
    assert result.outcome is Outcome.REJECTED, result.summary()
    text = " | ".join(p.describe() for p in result.problems)
    assert words in text, text
    assert "Traceback" not in text and "Error:" not in text.split("CSV:")[0]
    after = _snapshot(engine)
    pd.testing.assert_frame_equal(after[0], before[0])
    pd.testing.assert_frame_equal(after[1], before[1])
    assert after[2] == before[2]
    engine.dispose()


def test_corpus_has_at_least_25_cases() -> None:
    assert len(CASES) >= 25


def test_unicode_names_load_intact(engine, settings, tmp_path: Path) -> None:
    names = ROW.replace("Plant 1", "Planta Ñandú").replace("L1", "Línea 漢字 ✓")
    path = tmp_path / "unicode.csv"
    path.write_text(HEADER + names, encoding="utf-8")
    result = import_file(engine, settings, path)
    assert result.outcome is Outcome.LOADED
    frame = metrics.compute(engine, metrics.make_query(["units_produced"], "total", ["line"]))
    assert frame["line"].tolist() == ["Línea 漢字 ✓"]
    assert Kind.PRODUCTION.value in store.current_row_counts(engine)


def test_a_200_mb_file_with_one_bad_row_at_the_end(seeded: Path, tmp_path: Path) -> None:
    """Large input streams through bounded memory and is still rejected whole."""
    from kpi.synthetic import write_production_csv

    path = write_production_csv(tmp_path / "big.csv", 4_100_000)
    with path.open("a", encoding="utf-8") as out:
        out.write("2099-01-01,A,Plant 1,L1,M1,P-100,480,30,-1,0,0\n")
    assert path.stat().st_size > 200_000_000
    db = tmp_path / "kpi.duckdb"
    shutil.copyfile(seeded, db)
    settings = load_settings(f"duckdb:///{db}", user="corpus")
    engine = store.create_engine(settings)
    before = _snapshot(engine)
    result = import_file(engine, settings, path)
    assert result.outcome is Outcome.REJECTED
    assert (4_100_002, "units_produced") in [(p.line, p.column) for p in result.problems]
    assert {p.line for p in result.problems} == {4_100_002}
    after = _snapshot(engine)
    pd.testing.assert_frame_equal(after[0], before[0])
    assert after[2] == before[2]
    engine.dispose()
