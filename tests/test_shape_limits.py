"""Line size and field-count limits (issue 14 items 16, 19): refused from the raw bytes,
before the loader takes the write lock, with the line and the limit named."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import sqlalchemy as sa

from kpi import store
from kpi.ingest import Outcome
from kpi.ingest.imports import import_file
from kpi.ingest.shape import MAX_FIELDS, mixed_endings
from kpi.settings import Settings
from tests.bad_input_files import HEADER, ROW, text_cases, wide_line
from tests.conftest import run_cli


def _refusal(result) -> str:  # noqa: ANN001
    assert result.outcome is Outcome.REJECTED, result.summary()
    return " | ".join(p.describe() for p in result.problems)


def _import_in_thread(engine: sa.Engine, settings: Settings, path: Path) -> list:
    """Run the import in another thread; returns [result] or [] if it did not finish."""
    done: list = []
    worker = threading.Thread(
        target=lambda: done.append(import_file(engine, settings, path)), daemon=True
    )
    worker.start()
    worker.join(timeout=60)  # generous: the old code took minutes
    return done


def test_a_line_of_100000_fields_is_refused_while_another_load_holds_the_lock(
    engine: sa.Engine, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "wide.csv"
    path.write_bytes(wide_line())
    with store.WRITE_LOCK:  # another upload is committing
        done = _import_in_thread(engine, settings, path)
    assert done, "the refusal waited for the write lock"
    text = _refusal(done[0])
    assert "line 3" in text and f"{MAX_FIELDS:,} fields per line" in text, text
    assert store.list_batches(engine).empty
    good = tmp_path / "good.csv"
    good.write_text(HEADER + ROW)
    assert import_file(engine, settings, good).outcome is Outcome.LOADED


def test_a_header_of_too_many_fields_names_the_limit(
    engine: sa.Engine, settings: Settings, tmp_path: Path
) -> None:
    path = tmp_path / "wide-header.csv"
    extra = "".join(f",x{i}" for i in range(MAX_FIELDS))
    path.write_text(HEADER.rstrip("\n") + extra + "\n" + ROW)
    text = _refusal(import_file(engine, settings, path))
    assert f"line 1: This line has {MAX_FIELDS + 11:,} fields" in text, text


def test_quoted_delimiters_do_not_count_as_fields(
    engine: sa.Engine, settings: Settings, tmp_path: Path
) -> None:
    """A long quoted text full of commas is one field, not a thousand."""
    path = tmp_path / "quoted.csv"
    path.write_text(HEADER + ROW.replace("P-100", '"P' + "," * 1200 + '"'))
    text = _refusal(import_file(engine, settings, path))
    assert "fields per line" not in text and "longer than 200" in text, text


@pytest.mark.parametrize("case", sorted(text_cases()))
def test_the_cli_names_what_is_wrong(tmp_path: Path, case: str) -> None:
    data, words = text_cases()[case]
    path = tmp_path / "upload.csv"
    path.write_bytes(data)
    done = run_cli("ingest", "--db", f"duckdb:///{tmp_path / 'kpi.duckdb'}", str(path))
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-2000:]
    assert words in output and "Traceback" not in output, output[-2000:]


def test_a_quoted_line_break_in_a_crlf_file_is_not_a_mix(tmp_path: Path) -> None:
    """Excel writes CRLF rows with LF inside quoted cells: that is one kind of ending."""
    path = tmp_path / "excel.csv"
    path.write_bytes(b'a,b\r\n1,"two\nlines"\r\n3,4\r\n')
    assert mixed_endings(path) is None
    path.write_bytes(b"a,b\r\n1,2\r\n3,4\n")
    assert mixed_endings(path).line == 3
