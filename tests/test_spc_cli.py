"""``python -m kpi spc`` end to end: files loaded by ``python -m kpi ingest`` give a known chart."""

from __future__ import annotations

import csv
import io
import json
import math

from tests.conftest import run_cli

HEADER = "date,shift,plant,line,machine,product,planned_minutes,units_produced,units_scrapped\n"


def _production(write_csv) -> str:
    rows = [
        f"2026-03-{d:02d},A,Plant 1,L1,M1,P-1,480,1000,{80 if d == 10 else 20}\n"
        for d in range(1, 11)
    ]
    return str(write_csv("production.csv", HEADER + "".join(rows)))


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_p_chart_of_scrap_rate_names_the_point_beyond_the_limit(db_url, write_csv):
    assert run_cli("ingest", "--db", db_url, _production(write_csv)).returncode == 0
    done = run_cli("spc", "--kpi", "scrap_rate", "--grain", "day", "--where", "line=L1",
                   "--db", db_url)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "period,value,n,center,ucl,lcl,signals"
    rows = _rows(done.stdout)
    assert len(rows) == 10
    p_bar = 260 / 10000  # 9 x 20 + 80 scrapped of 10 x 1000
    sigma = math.sqrt(p_bar * (1 - p_bar) / 1000)
    for row in rows:
        assert row["n"] == "1000"
        assert float(row["center"]) == p_bar
        assert math.isclose(float(row["ucl"]), p_bar + 3 * sigma, rel_tol=1e-12)
        assert math.isclose(float(row["lcl"]), p_bar - 3 * sigma, rel_tol=1e-12)
    # Nine days at 0.02 sit 1.19 sigma under a centre pulled up by day 10: WE3 from the
    # fifth day, WE4 from the eighth; day 10 itself is far beyond the UCL (WE1).
    signals = [r["signals"] for r in rows]
    assert signals == ["", "", "", "", "WE3", "WE3", "WE3", "WE3;WE4", "WE3;WE4", "WE1"]
    assert rows[-1]["value"] == "0.08"


def test_baseline_freezes_the_limits_and_json_output(db_url, write_csv):
    run_cli("ingest", "--db", db_url, _production(write_csv))
    done = run_cli("spc", "--kpi", "scrap_rate", "--grain", "day", "--db", db_url,
                   "--baseline-from", "2026-03-01", "--baseline-to", "2026-03-09",
                   "--from", "2026-03-05", "--format", "json", "--rules", "nelson")  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert [r["period"] for r in rows] == [f"2026-03-{d:02d}" for d in range(5, 11)]
    assert rows[0]["center"] == 0.02  # the baseline days only
    assert rows[-1]["signals"] == "N1"


def test_c_chart_of_defects_clamps_the_lower_limit(db_url, write_csv):
    body = "date,shift,line,defect,quantity\n" + "".join(
        f"2026-03-{d:02d},A,L1,Burr,{20 if d == 10 else 4}\n" for d in range(1, 11)
    )
    assert run_cli("ingest", "--db", db_url, str(write_csv("defects.csv", body))).returncode == 0
    done = run_cli("spc", "--kpi", "defects", "--grain", "day", "--db", db_url)
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stdout)
    c_bar = 56 / 10
    assert float(rows[0]["center"]) == c_bar
    assert math.isclose(float(rows[0]["ucl"]), c_bar + 3 * math.sqrt(c_bar))
    assert rows[0]["lcl"] == "0" and rows[0]["n"] == ""
    assert rows[-1]["signals"] == "WE1"


UNITS = [100, 200, 100, 400, 200, 100, 300, 150]
DEFECTS = [2, 5, 1, 9, 4, 2, 6, 40]  # the last day: 40 defects on 150 units


def _defects_and_units(write_csv) -> tuple[str, str]:
    prod = HEADER + "".join(
        f"2026-03-{d:02d},A,Plant 1,L1,M1,P-1,480,{n},0\n" for d, n in enumerate(UNITS, 1)
    )
    defects = "date,shift,plant,line,product,defect,quantity\n" + "".join(
        f"2026-03-{d:02d},A,Plant 1,L1,P-1,Burr,{c}\n" for d, c in enumerate(DEFECTS, 1)
    )
    return str(write_csv("production.csv", prod)), str(write_csv("defects.csv", defects))


def test_defects_per_unit_defaults_to_a_u_chart_with_limits_per_day(db_url, write_csv):
    assert run_cli("ingest", "--db", db_url, *_defects_and_units(write_csv)).returncode == 0
    done = run_cli("spc", "--kpi", "defects_per_unit", "--grain", "day", "--db", db_url)
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stdout)
    u_bar = sum(DEFECTS) / sum(UNITS)  # 69 / 1550: a ratio of sums, not a mean of ratios
    assert [float(r["n"]) for r in rows] == UNITS
    for row, n, c in zip(rows, UNITS, DEFECTS, strict=True):
        assert float(row["value"]) == c / n
        assert math.isclose(float(row["center"]), u_bar, rel_tol=1e-12)
        # u limits ū ± 3√(ū/n), not the p chart's √(p̄(1−p̄)/n): wider for smaller days
        assert math.isclose(float(row["ucl"]), u_bar + 3 * math.sqrt(u_bar / n), rel_tol=1e-12)
        assert math.isclose(float(row["lcl"]), max(0.0, u_bar - 3 * math.sqrt(u_bar / n)),
                            rel_tol=1e-12, abs_tol=1e-15)  # fmt: skip
    # The last day is far above the UCL; the seven before sit 1.2 to 2.1 sigma under a centre
    # it pulls up, so four of five beyond 1 sigma (WE3) fires from the fifth day.
    signals = [r["signals"] for r in rows]
    assert signals == ["", "", "", "", "WE3", "WE3", "WE3", "WE1"]
    report = run_cli("report", "--kpi", "defects_per_unit", "--db", db_url)
    assert report.returncode == 0, report.stderr
    total = _rows(report.stdout)[0]
    assert (total["numerator"], total["denominator"]) == ("69", "1550")
    assert math.isclose(float(total["value"]), u_bar, rel_tol=1e-9)  # 10 significant digits


def test_defects_per_unit_refuses_p_and_np_charts(db_url, write_csv):
    run_cli("ingest", "--db", db_url, *_defects_and_units(write_csv))
    for chart in ("p", "np"):
        done = run_cli("spc", "--kpi", "defects_per_unit", "--grain", "day", "--chart", chart,
                       "--db", db_url)  # fmt: skip
        assert done.returncode == 2, done.stderr
        assert "is a rate (use u or imr)" in done.stderr


def test_bad_arguments_exit_with_code_2(db_url):
    for args in (
        ["--kpi", "nope", "--grain", "day"],
        ["--kpi", "scrap_rate", "--grain", "quarter"],
        ["--kpi", "scrap_rate", "--grain", "day", "--chart", "xbar"],
        ["--kpi", "defects", "--grain", "day", "--chart", "p"],
        ["--kpi", "scrap_rate", "--grain", "day", "--from", "2026-13-01"],
        ["--kpi", "scrap_rate", "--grain", "day", "--baseline-from", "2026-01-01"],
        ["--kpi", "scrap_rate", "--grain", "day", "--where", "customer=X"],
    ):
        done = run_cli("spc", *args, "--db", db_url)
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("error:")


def test_actions_cli_lifecycle_and_refused_move(db_url):
    done = run_cli("actions", "add", "--kpi", "scrap_rate", "--description", "L5 drift",
                   "--owner", "Ana", "--due", "2026-11-14", "--where", "line=L5",
                   "--user", "ana", "--db", db_url)  # fmt: skip
    assert done.returncode == 0 and "corrective action 1 opened" in done.stdout, done.stderr
    refused = run_cli("actions", "update", "1", "--status", "done", "--user", "ana", "--db", db_url)
    assert refused.returncode == 2 and "cannot go from open to done" in refused.stderr
    moved = run_cli("actions", "update", "1", "--status", "in_progress", "--root-cause", "hob",
                    "--action-taken", "replaced", "--user", "bo", "--db", db_url)  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    listed = _rows(run_cli("actions", "list", "--line", "L5", "--format", "csv",
                           "--db", db_url).stdout)  # fmt: skip
    assert [(r["action_id"], r["status"]) for r in listed] == [("1", "in_progress")]
    history = run_cli("actions", "history", "1", "--db", db_url).stdout
    assert "root_cause" in history and "bo" in history
