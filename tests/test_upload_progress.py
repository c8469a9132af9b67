"""The Upload page's progress bar moves while a file loads (issue 14, item 17).

The loader reports progress from a side thread that polls DuckDB; Streamlit refuses
element updates from a thread without the script run's context (``NoSessionContext``),
so the bar used to stay at "reading" until the load ended.
"""

from __future__ import annotations

import threading
from pathlib import Path

from streamlit.testing.v1 import AppTest

from kpi.synthetic import write_production_csv
from tests.test_pages_apptest import open_page
from ui.registry import PageId


def _bar_moved_from_a_thread() -> None:
    import threading

    import streamlit as st

    from ui.upload import progress_reporter

    bar = st.progress(0.0, text="file.csv: reading")
    report = progress_reporter(bar, "file.csv")
    worker = threading.Thread(target=report, args=("loading", 0.42))
    worker.start()
    worker.join()


def test_a_report_from_another_thread_moves_the_bar() -> None:
    failures: list[BaseException] = []
    previous = threading.excepthook
    threading.excepthook = lambda args: failures.append(args.exc_value)
    try:
        at = AppTest.from_function(_bar_moved_from_a_thread).run()
    finally:
        threading.excepthook = previous
    assert not failures, failures
    bar = at.get("progress")[0]
    assert bar.value == 42 and "loading" in bar.proto.text


def test_a_real_upload_reports_progress_without_thread_errors(
    empty_db: str, tmp_path: Path
) -> None:
    """A file big enough for the loader's progress thread to report at least once."""
    data = write_production_csv(tmp_path / "big.csv", 600_000).read_bytes()
    failures: list[BaseException] = []
    previous = threading.excepthook
    threading.excepthook = lambda args: failures.append(args.exc_value)
    try:
        at = open_page(PageId.UPLOAD)
        at.get("file_uploader")[0].set_value([("big.csv", data, "text/csv")])
        at.run()
        at.button(key="commit").click().run()
    finally:
        threading.excepthook = previous
    assert not at.exception, [e.value for e in at.exception]
    assert any("loaded 600000" in s.value for s in at.success), [s.value for s in at.success]
    assert not failures, failures
