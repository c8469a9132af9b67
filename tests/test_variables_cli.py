"""Issue 18: measured characteristics through ingest and the CLI.

Montgomery's piston rings (tests/pistonrings.py, R qcc's data and printed output: centre
74.00118, σ 0.009785039, X̄ limits 73.98805 / 74.0143, R UCL 0.04812533) are loaded as a
measurements file against a spec, then charted and studied with ``python -m kpi spc`` and
``python -m kpi capability``; exclusions and a frozen baseline change the limits as on the
SPC page.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math

import pytest
import sqlalchemy as sa

from kpi.cli import main
from kpi.ingest import Outcome, ingest_bytes
from kpi.spc_store import freeze_baseline
from kpi.specs import Spec, end_spec, list_specs, set_spec
from kpi.tables import audit_log
from kpi.variables import Measured, measured_chart
from kpi.variables_store import exclude_subgroup
from tests.conftest import run_cli
from tests.pistonrings import QCC_SAMPLES

HEADER = "date,shift,plant,line,machine,product,characteristic,subgroup,value,unit\n"
ITEM = ("--product", "PR-1", "--characteristic", "inside diameter")
SIGMA = 0.009785039  # qcc: R̄ / d2 of the 25 phase-I samples


def _file(samples) -> bytes:
    """One subgroup an hour from 2026-01-05 06:00, shifts of eight hours."""
    rows = []
    for i, values in enumerate(samples):
        taken = dt.datetime(2026, 1, 5, 6) + dt.timedelta(hours=i)
        shift = "ABN"[((taken.hour - 6) % 24) // 8]
        day = taken.date() if taken.hour >= 6 else taken.date() - dt.timedelta(days=1)
        for v in values:
            rows.append(f"{day},{shift},Plant 1,L1,,PR-1,inside diameter,"
                        f"{taken:%Y-%m-%d %H:%M},{v},mm\n")  # fmt: skip
    return (HEADER + "".join(rows)).encode()


@pytest.fixture
def rings(engine, settings):
    set_spec(engine, settings, Spec("PR-1", "inside diameter", "mm", 74.0, 73.95, 74.05, 5))
    result = ingest_bytes(engine, settings, _file(QCC_SAMPLES[:25]), "rings.csv")
    assert result.outcome is Outcome.LOADED, result
    return engine


def _cli(capsys, *argv: str) -> tuple[int, list[dict[str, str]], str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, list(csv.DictReader(io.StringIO(out.out))), out.err


def test_xbar_r_of_the_piston_rings_through_ingest_and_the_cli(rings, db_url, capsys):
    code, rows, err = _cli(capsys, "spc", *ITEM, "--db", db_url)
    assert code == 0, err
    assert len(rows) == 25 and {r["n"] for r in rows} == {"5"}
    first = rows[0]
    assert math.isclose(float(first["center"]), 74.00118, abs_tol=5e-6)
    assert math.isclose(float(first["ucl"]), 74.0143, abs_tol=5e-5)
    assert math.isclose(float(first["lcl"]), 73.98805, abs_tol=5e-6)
    assert math.isclose(float(first["spread_ucl"]), 0.04812533, abs_tol=5e-8)
    assert all(r["signals"] == "" for r in rows)  # phase I is in control (qcc, Montgomery)


def test_capability_of_the_piston_rings_matches_a_hand_computation(rings, db_url, capsys):
    code, rows, err = _cli(capsys, "capability", *ITEM, "--db", db_url)
    assert code == 0, err
    got = {r["index"]: float(r["value"]) for r in rows}
    assert math.isclose(got["Cp"], 0.10 / (6 * SIGMA), rel_tol=1e-6)  # 1.7033
    mean = sum(sum(s) for s in QCC_SAMPLES[:25]) / 125  # x̄̄ = 74.00118 as printed
    assert math.isclose(got["Cpk"], (74.05 - mean) / (3 * SIGMA), rel_tol=1e-6)  # 1.6632
    assert got["cpk_min"] == 1.33 and got["n"] == 125.0


def test_one_sided_spec_gives_only_the_upper_index(engine, settings, db_url, capsys):
    set_spec(engine, settings, Spec("PR-1", "inside diameter", "mm", None, None, 74.05, 5))
    ingest_bytes(engine, settings, _file(QCC_SAMPLES[:25]), "rings.csv")
    code, rows, _ = _cli(capsys, "capability", *ITEM, "--db", db_url)
    names = {r["index"] for r in rows if r["ci_low"]}
    assert code == 0 and names == {"Cpu", "Ppu"}


def test_an_excluded_subgroup_and_a_frozen_baseline_change_the_limits(rings, settings, db_url,
                                                                      capsys):  # fmt: skip
    item = Measured("PR-1", "inside diameter")
    label = measured_chart(rings, item).chart.frame["subgroup"].iloc[0]
    exclude_subgroup(rings, settings.user, item.chart_key, item.where, label, "gauge check")
    _, rows, _ = _cli(capsys, "spc", *ITEM, "--db", db_url)
    assert rows[0]["excluded"] == "True" and rows[1]["excluded"] == "False"
    assert not math.isclose(float(rows[0]["center"]), 74.00118, abs_tol=5e-6)
    freeze_baseline(rings, settings.user, item.chart_key, item.where,
                    dt.date(2026, 1, 5), dt.date(2026, 1, 5))  # fmt: skip
    _, frozen, _ = _cli(capsys, "spc", *ITEM, "--db", db_url)
    assert frozen[0]["center"] != rows[0]["center"]
    with rings.connect() as conn:
        actions = conn.execute(sa.select(audit_log.c.action)).scalars().all()
    assert {"spc.exclude", "spc.baseline"} <= set(actions)


def test_usage_errors_exit_2_with_a_message(rings, db_url):
    done = run_cli("spc", *ITEM, "--chart", "p", "--db", db_url)
    assert done.returncode == 2 and "xbar-r|xbar-s|imr" in done.stderr
    assert "Traceback" not in done.stderr
    done = run_cli("capability", "--product", "PR-1", "--characteristic", "bore", "--db", db_url)
    assert done.returncode == 2 and "no readings of PR-1 · bore" in done.stderr


def test_no_spec_in_force_at_the_window_end_is_said(engine, settings, db_url, capsys):
    set_spec(engine, settings, Spec("PR-1", "inside diameter", "mm", 74.0, 73.95, 74.05, 5))
    ingest_bytes(engine, settings, _file(QCC_SAMPLES[:18]), "rings.csv")  # all on 5 January
    spec_id = int(list_specs(engine)["spec_id"].iloc[0])
    end_spec(engine, settings, spec_id, dt.date(2026, 1, 5))
    code, _, err = _cli(capsys, "capability", *ITEM, "--to", "2026-01-06", "--db", db_url)
    assert code == 2 and "no spec in force" in err
    code, rows, _ = _cli(capsys, "capability", *ITEM, "--to", "2026-01-05", "--db", db_url)
    assert code == 0 and rows[0]["index"] == "Cp"


def test_a_spec_sets_its_own_required_cpk(engine, settings, db_url, capsys):
    """The minimum is a target like any other: per spec, validated, audited."""
    code = main(["specs", "set", "PR-1", "inside diameter", "--unit", "mm", "--lsl", "73.95",
                 "--usl", "74.05", "--cpk-min", "1.8", "--db", db_url])  # fmt: skip
    assert code == 0 and "spec" in capsys.readouterr().out
    ingest_bytes(engine, settings, _file(QCC_SAMPLES[:25]), "rings.csv")
    _, rows, _ = _cli(capsys, "capability", *ITEM, "--db", db_url)
    assert {r["index"]: r["value"] for r in rows}["cpk_min"] == "1.8"
    code = main(["specs", "set", "PR-1", "bore", "--unit", "mm", "--usl", "1",
                 "--cpk-min", "0", "--db", db_url])  # fmt: skip
    assert code == 2 and "cpk_min must be a number above 0" in capsys.readouterr().err
    with engine.connect() as conn:
        details = conn.execute(sa.select(audit_log.c.detail)).scalars().all()
    assert any("minimum Cpk 1.8" in (d or "") for d in details)


def test_the_chart_names_the_file_and_loader_behind_its_readings(rings, settings):
    """Issue 17 lineage on a variables chart: batch, file, hash and who loaded it."""
    from kpi.lineage import rows_batches
    from kpi.schema import Kind

    readings = measured_chart(rings, Measured("PR-1", "inside diameter")).readings
    found = rows_batches(rings, Kind.MEASUREMENTS, readings)
    assert len(found) == 1 and found.iloc[0]["rows"] == 125
    assert found.iloc[0]["file_name"] == "rings.csv" and found.iloc[0]["loaded_by"] == "tester"
    assert len(found.iloc[0]["sha256"]) == 64
