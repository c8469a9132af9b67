"""A full disk during a load (issue 14 item 19): the user is told the disk is full, not
"no single row could be blamed" or an engine error, and nothing is stored.

The disk is filled for real in a subprocess: RLIMIT_FSIZE makes every write past the
limit fail with EFBIG, as a full disk fails with ENOSPC (no tmpfs can be mounted here).
"""

from __future__ import annotations

import hashlib
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from kpi import store
from kpi.ingest.disk import is_disk_full
from kpi.settings import load_settings
from kpi.synthetic import write_production_csv
from tests.conftest import ROOT, run_cli


def _ingest_with_file_limit(db: Path, csv: Path, limit: int) -> subprocess.CompletedProcess:
    def limited() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a failed write, not a killed process
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "kpi", "ingest", "--db", f"duckdb:///{db}", str(csv)],
        cwd=ROOT, capture_output=True, text=True, timeout=300, preexec_fn=limited,
    )  # fmt: skip


@pytest.mark.parametrize("where", ["archive copy", "database"])
def test_a_full_disk_is_named_and_nothing_is_stored(tmp_path: Path, where: str) -> None:
    db = tmp_path / "kpi.duckdb"
    settings = load_settings(f"duckdb:///{db}")
    store.create_engine(settings).dispose()
    csv = write_production_csv(tmp_path / "production.csv", 100_000)
    if where == "database":  # the same bytes were archived before: only the database grows
        archived = store.archive_path(settings, hashlib.sha256(csv.read_bytes()).hexdigest())
        archived.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(csv, archived)
    done = _ingest_with_file_limit(db, csv, db.stat().st_size + 300_000)
    output = done.stdout + done.stderr
    assert done.returncode == 1, output[-2000:]
    assert "ran out of disk space" in output and "nothing was stored" in output, output[-2000:]
    assert "no single row" not in output and "Traceback" not in output
    listed = run_cli("batches", "--db", f"duckdb:///{db}")
    assert listed.returncode == 0 and "no batches" in listed.stdout, listed.stdout


def test_a_real_enospc_is_recognised() -> None:
    with pytest.raises(OSError) as raised, open("/dev/full", "wb", buffering=0) as full:
        full.write(b"x")
    assert is_disk_full(raised.value)
    assert not is_disk_full(OSError(2, "No such file or directory"))
