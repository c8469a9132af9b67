"""Undo that asks (issue 16 item 5): a preview of what goes, then a confirmation.

The CLI runs in a subprocess; the interactive answer is typed on a real pseudo-terminal.
The page runs through AppTest on a copy of the demo database.
"""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from kpi import store
from kpi.ingest import ingest_file, undo_preview
from kpi.schema import Kind
from kpi.settings import load_settings
from tests.conftest import ROOT, run_cli

SAMPLES = ROOT / "data" / "samples"
APP = str(ROOT / "app.py")
PREVIEW = "removes 20 production rows dated 2026-11-02 to 2026-11-03"


def _statuses(db_url: str) -> list[str]:
    engine = store.create_engine(load_settings(db_url))
    try:
        return store.list_batches(engine)["status"].tolist()
    finally:
        engine.dispose()


def _loaded(db_url: str) -> None:
    loaded = run_cli("ingest", "--db", db_url, str(SAMPLES / "production.csv"))
    assert loaded.returncode == 0, loaded.stderr


def test_preview_counts_rows_dates_and_what_is_restored(engine, settings, write_csv) -> None:
    first = ingest_file(engine, settings, SAMPLES / "production.csv")
    lines = (SAMPLES / "production.csv").read_text().splitlines()
    correction = write_csv("fix.csv", "\n".join([lines[0], *lines[1:3]]) + "\n")
    second = ingest_file(engine, settings, correction)
    preview = undo_preview(engine, second.batch_id)
    assert preview.withdraw.kind is Kind.PRODUCTION and preview.withdraw.rows == 2
    # the correction replaced the whole (date, shift, plant, line) scope of its two rows
    assert preview.restore.rows > 0 and str(preview.restore.first) == "2026-11-02"
    assert not preview.refused
    refused = undo_preview(engine, first.batch_id)
    assert f"undo batch {second.batch_id} first" in refused.refused
    assert "There is no batch 99" in undo_preview(engine, 99).refused
    assert _statuses(settings.db_url) == ["active"] * 2


def test_cli_without_a_terminal_and_without_yes_refuses_and_changes_nothing(db_url) -> None:
    _loaded(db_url)
    refused = run_cli("undo", "1", "--db", db_url)
    assert refused.returncode == 2
    assert PREVIEW in refused.stdout and "--yes" in refused.stderr
    assert _statuses(db_url) == ["active"]


def test_cli_yes_undoes_after_printing_the_preview(db_url) -> None:
    _loaded(db_url)
    done = run_cli("undo", "1", "--yes", "--db", db_url)
    assert done.returncode == 0, done.stderr
    assert PREVIEW in done.stdout and "batch 1 undone" in done.stdout
    assert _statuses(db_url) == ["undone"]


def _undo_on_a_terminal(db_url: str, answer: bytes) -> tuple[int, str]:
    """Run ``undo 1`` with a pseudo-terminal as stdin/stdout and type ``answer``."""
    parent, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "kpi", "undo", "1", "--db", db_url],
        cwd=ROOT,
        stdin=child,
        stdout=child,
        stderr=child,
    )
    os.close(child)
    seen = b""
    while b"[y/N]" not in seen:
        ready, _, _ = select.select([parent], [], [], 120)
        assert ready, seen
        seen += os.read(parent, 4096)
    os.write(parent, answer)
    try:
        while chunk := os.read(parent, 4096):
            seen += chunk
    except OSError:  # the terminal closes when the program ends
        pass
    code = proc.wait(timeout=120)
    os.close(parent)
    return code, seen.decode()


@pytest.mark.parametrize(
    ("answer", "code", "status"), [(b"n\n", 1, "active"), (b"y\n", 0, "undone")]
)
def test_cli_asks_on_a_terminal(db_url, answer: bytes, code: int, status: str) -> None:
    _loaded(db_url)
    got, text = _undo_on_a_terminal(db_url, answer)
    assert got == code, text
    assert PREVIEW in text
    assert _statuses(db_url) == [status]


def test_the_page_shows_what_goes_and_undoes_only_after_yes(demo_db: str) -> None:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/upload.py").run()
    newest = int(
        store.list_batches(store.create_engine(load_settings(demo_db))).iloc[0]["batch_id"]
    )
    at.button(key="undo").click().run()
    assert not at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert f"Undo batch {newest}" in shown and "rows dated" in shown
    assert _statuses(demo_db)[0] == "active"  # asked, not done
    at.button(key="undo_cancel").click().run()
    assert "undo_confirm" not in [b.key for b in at.button]
    assert _statuses(demo_db)[0] == "active"
    at.button(key="undo").click().run()
    at.button(key="undo_confirm").click().run()
    assert not at.exception
    assert any("undone" in s.value for s in at.success)
    assert _statuses(demo_db)[0] == "undone"
    picker = next(b for b in at.selectbox if b.label == "Batch")
    assert picker.value == newest and "undone" in picker.format_func(newest)  # not "active"


def test_readme_try_it_never_undoes_demo_data() -> None:
    readme = (ROOT / "README.md").read_text()
    block = readme[readme.index("Try it with the sample files") :]
    block = block[: block.index("```", block.index("```bash") + 3)]
    commands = [line for line in block.splitlines() if line.startswith("python -m kpi")]
    assert any(" undo " in line for line in commands)
    assert all('--db "$SCRATCH"' in line for line in commands)  # never the demo database
    assert 'SCRATCH="duckdb:///$(mktemp -d)/' in block
