"""Issue 14's bad inputs: each is refused with a clear message by the loader, the CLI
and the Upload page, the process survives, and nothing is stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.ingest import Outcome
from kpi.ingest.imports import import_file
from tests.bad_input_files import excel_cases
from tests.conftest import run_cli
from tests.test_pages_apptest import open_page
from ui.registry import PageId

EXCEL = sorted(excel_cases())


def _refusal(result) -> str:  # noqa: ANN001
    assert result.outcome is Outcome.REJECTED, result.summary()
    return " | ".join(p.describe() for p in result.problems)


@pytest.mark.parametrize("case", EXCEL)
def test_loader_refuses_each_workbook_and_stores_nothing(engine, settings, tmp_path, case) -> None:
    name, data, words = excel_cases()[case]
    path = tmp_path / name
    path.write_bytes(data)
    text = _refusal(import_file(engine, settings, path, file_name=name))
    assert words in text, text
    assert store.list_batches(engine).empty
    assert not any(store.current_row_counts(engine).values())


@pytest.mark.parametrize("case", EXCEL)
def test_cli_refuses_each_workbook_and_survives(tmp_path: Path, case: str) -> None:
    name, data, words = excel_cases()[case]
    path = tmp_path / name
    path.write_bytes(data)
    done = run_cli("ingest", "--db", f"duckdb:///{tmp_path / 'kpi.duckdb'}", str(path))
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    output = done.stdout + done.stderr
    assert words in output and "Traceback" not in output, output[-2000:]


@pytest.mark.parametrize("case", EXCEL)
def test_upload_page_previews_each_workbook_with_a_message(empty_db: str, case: str) -> None:
    name, data, words = excel_cases()[case]
    at: AppTest = open_page(PageId.UPLOAD)
    at.get("file_uploader")[0].set_value([(name, data, "application/octet-stream")])
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    shown = " | ".join(w.value for w in [*at.warning, *at.error])
    assert words in shown, shown
