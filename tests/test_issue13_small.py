"""Issue 13 §9: the smaller items found on the way, each on a small golden file."""

from __future__ import annotations

import datetime as dt
import json
import re

from conftest import ROOT, run_cli
from golden.kpi_fixtures import GOLDEN, load_bytes

from kpi.alerts import SPC_WATCH, current_alerts
from kpi.catalogue import CATALOGUE, Grain
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


def test_alerts_watch_defects_as_the_catalogue_and_readme_say(engine, settings):
    _load(engine, settings, "production_weekly.csv", "defects.csv")
    signals = [a for a in current_alerts(engine, Grain.WEEK) if a.kind.value == "spc_signal"]
    hit = [a for a in signals if a.kpi == "defects"]
    assert [(a.scope, a.period, a.value) for a in hit] == [
        ({"plant": "P1", "line": "L1"}, dt.date(2025, 3, 10), 12.0)
    ]
    watched = {k.name for k in CATALOGUE.values() if k.spc_watch}
    assert set(SPC_WATCH) == watched
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    listed = re.search(r"catalogue entry says `spc_watch` \(today: ([^)]*)\)", readme)
    assert listed and set(re.findall(r"`(\w+)`", listed.group(1))) == watched


def test_supplier_otif_beside_supplier_otd(engine, settings, db_url):
    _load(engine, settings, "receipts.csv")
    engine.dispose()
    out = run_cli("report", "--kpi", "supplier_otd,supplier_otif", "--as-of", "2025-03-10",
                  "--format", "json", "--db", db_url)  # fmt: skip
    assert out.returncode == 0, out.stderr
    got = {r["kpi"]: (r["value"], r["numerator"], r["denominator"]) for r in json.loads(out.stdout)}
    assert got == {"supplier_otd": (1, 2, 2), "supplier_otif": (0.5, 1, 2)}


def test_downtime_start_is_checked_against_date_and_shift(engine, settings, db_url):
    engine.dispose()
    bad = run_cli("ingest", str(GOLDEN / "shifts" / "downtime_bad.csv"), "--kind", "downtime",
                  "--db", db_url)  # fmt: skip
    assert bad.returncode != 0
    assert "line 3" in bad.stderr + bad.stdout and "line 5" in bad.stderr + bad.stdout
    assert "shift N" in bad.stderr + bad.stdout and "line 2" not in bad.stderr + bad.stdout
    good = run_cli("ingest", str(GOLDEN / "shifts" / "downtime_good.csv"), "--kind", "downtime",
                   "--db", db_url)  # fmt: skip
    assert good.returncode == 0, good.stderr + good.stdout
    rows = run_cli("report", "--kpi", "stops", "--db", db_url, "--format", "json")
    assert json.loads(rows.stdout)[0]["value"] == 5
