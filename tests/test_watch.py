"""The drop folder: real files in tmp_path, the real CLI (once and looping), a real DuckDB."""

from __future__ import annotations

import csv
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from kpi import profiles, store
from kpi.profiles import Profile
from kpi.schema import Kind
from kpi.settings import load_settings
from kpi.watch import settled, snapshot, watch_once
from tests.conftest import ROOT, run_cli

SAMPLES = ROOT / "data" / "samples"
GERMAN = (
    "Datum;Schicht;Linie;Artikel;Planzeit;Menge;Ausschuss\n"
    "02.03.2026;Früh;L1;Zahnrad;480,5;1.250;12\n"
)
GERMAN_PROFILE = Profile(
    "mes-de", Kind.PRODUCTION,
    columns={"date": "Datum", "shift": "Schicht", "line": "Linie", "product": "Artikel",
             "planned_minutes": "Planzeit", "units_produced": "Menge",
             "units_scrapped": "Ausschuss"},
    constants={"plant": "Werk 1"}, date_formats={"date": "%d.%m.%Y"}, decimal=",",
    thousands=".", delimiter=";",
)  # fmt: skip


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    folder = tmp_path / "drop"
    folder.mkdir()
    return folder


def test_once_loads_refuses_and_leaves_files_being_written(drop: Path, db_url: str):
    for name in ("production.csv", "production_broken.csv"):
        (drop / name).write_bytes((SAMPLES / name).read_bytes())
    (drop / "downtime.csv.part").write_bytes((SAMPLES / "downtime.csv").read_bytes())
    (drop / ".~lock.defects.csv").write_text("x")
    done = run_cli("watch", str(drop), "--once", "--settle", "0.2", "--user", "dropbot",
                   "--db", db_url)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert "production.csv: loaded 20 production rows as batch 1" in done.stdout
    assert (drop / "loaded" / "production.csv").is_file()
    assert (drop / "refused" / "production_broken.csv").is_file()
    with open(drop / "refused" / "production_broken.csv.problems.csv", encoding="utf-8-sig") as f:
        problems = list(csv.DictReader(f))
    assert len(problems) == 6 and list(problems[0]) == ["line", "column", "value", "problem"]
    assert problems[0]["line"] == "3" and problems[0]["problem"] == "is not a real calendar date"
    left = sorted(p.name for p in drop.iterdir() if p.is_file())
    assert left == [".~lock.defects.csv", "downtime.csv.part"]
    engine = store.create_engine(load_settings(db_url))
    ledger = store.list_batches(engine)
    assert ledger[["file_name", "loaded_by"]].values.tolist() == [["production.csv", "dropbot"]]
    audit = store.list_audit(engine)
    assert audit[["user_name", "action"]].values.tolist() == [["dropbot", "upload"]]
    engine.dispose()
    (drop / "downtime.csv.part").rename(drop / "downtime.csv")  # the writer is done
    again = run_cli("watch", str(drop), "--once", "--settle", "0.2", "--db", db_url)
    assert again.returncode == 0 and "loaded 32 downtime rows" in again.stdout, again.stdout


def test_the_profile_the_upload_page_suggests_is_used(drop: Path, settings, engine):
    profiles.save(engine, GERMAN_PROFILE, "tester")
    engine.dispose()
    (drop / "mes-week-10.csv").write_text(GERMAN, encoding="utf-8")
    (drop / "production.csv").write_bytes((SAMPLES / "production.csv").read_bytes())
    (drop / "other.csv").write_text("a;b\n1;2\n")
    done, _ = watch_once(settings, drop, 0.1)
    by_name = {h.result.file_name: h for h in done}
    assert by_name["mes-week-10.csv"].profile == "mes-de"
    assert by_name["mes-week-10.csv"].result.rows_loaded == 1
    assert by_name["production.csv"].profile == "" and by_name["production.csv"].result.batch_id
    assert by_name["other.csv"].moved_to == drop / "refused" / "other.csv"
    (drop / "production.csv").write_bytes((SAMPLES / "production.csv").read_bytes())
    (again,) = watch_once(settings, drop, 0.1)[0]
    assert "already loaded as batch" in again.result.summary()
    assert again.moved_to.parent == drop / "loaded" and again.moved_to.name != "production.csv"
    assert (drop / "loaded" / "production.csv").is_file()


def test_a_profile_needing_a_lookup_file_is_refused_with_the_reason(drop: Path, settings, engine):
    example = profiles.read_file(ROOT / "data" / "profiles" / "maven-line-downtime.toml")
    profiles.save(engine, example, "tester")
    engine.dispose()
    (drop / "line-downtime.csv").write_text("Batch|1|2\nBatch|Emergency stop|Batch change\nb1|5|\n")
    (handled,) = watch_once(settings, drop, 0.1)[0]
    assert handled.profile == "maven-line-downtime"
    assert "Upload the lookup file" in handled.problems_csv.read_text(encoding="utf-8-sig")


def test_a_growing_file_is_not_settled(drop: Path):
    path = drop / "production.csv"
    path.write_text("date,shift\n")
    first = snapshot(drop)
    with path.open("a") as f:
        f.write("2026-03-02,A\n")
    second = snapshot(drop)
    assert settled(first, second) == []
    assert settled(second, snapshot(drop)) == [path]


def _write_slowly(path: Path, data: bytes, pieces: int, pause: float) -> None:
    step = len(data) // pieces + 1
    with path.open("wb") as f:
        for i in range(0, len(data), step):
            f.write(data[i : i + step])
            f.flush()
            time.sleep(pause)


def test_the_loop_waits_for_a_slow_writer_and_a_rename(drop: Path, db_url: str):
    watcher = subprocess.Popen(
        [sys.executable, "-m", "kpi", "watch", str(drop), "--interval", "1", "--db", db_url,
         "--user", "dropbot"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(watcher.stdout), daemon=True)
    reader.start()
    try:
        data = (SAMPLES / "production.csv").read_bytes()
        writer = threading.Thread(
            target=_write_slowly, args=(drop / "production.csv", data, 8, 0.25)
        )
        writer.start()
        _write_slowly(drop / "downtime.csv.tmp", (SAMPLES / "downtime.csv").read_bytes(), 4, 0.3)
        (drop / "downtime.csv.tmp").rename(drop / "downtime.csv")
        writer.join()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and sum(" loaded " in ln for ln in lines) < 2:
            time.sleep(0.3)
    finally:
        watcher.terminate()
        watcher.wait(timeout=30)
        reader.join(timeout=10)
    out = "".join(lines)
    assert "loaded 20 production rows" in out and "loaded 32 downtime rows" in out, out
    assert sorted(p.name for p in (drop / "loaded").iterdir()) == ["downtime.csv", "production.csv"]
    engine = store.create_engine(load_settings(db_url))
    assert sorted(store.list_batches(engine)["rows_loaded"]) == [20, 32], "whole files, once each"
    engine.dispose()
