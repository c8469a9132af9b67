"""The report and targets commands, run in a subprocess as a user would."""

from __future__ import annotations

import csv
import io
import json

import pytest
from conftest import run_cli
from golden.kpi_fixtures import load_golden

AS_OF = ["--as-of", "2025-01-10"]


@pytest.fixture
def golden_db(engine, settings, db_url):
    load_golden(engine, settings)
    engine.dispose()  # one DuckDB writer at a time: the subprocess opens the file next
    return db_url


def _csv(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_columns_order_and_precision(golden_db):
    out = run_cli("report", "--kpi", "availability,scrap_rate", "--grain", "week",
                  "--by", "plant,line", "--db", golden_db)  # fmt: skip
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0] == "period,plant,line,kpi,value,numerator,denominator,target,status"
    # values are printed to 10 significant digits (kpi.numbers): no binary noise
    assert lines[1] == f"2024-12-30,P1,L1,availability,{round(1250 / 1380, 10)!r},1250,1380,0.9,met"
    assert lines[2] == f"2024-12-30,P1,L1,scrap_rate,{round(22 / 1800, 11)!r},22,1800,0.02,met"


def test_total_period_is_empty_and_sum_has_no_denominator(golden_db):
    out = run_cli("report", "--kpi", "downtime_minutes", "--grain", "total", "--db", golden_db)
    assert _csv(out.stdout) == [
        dict(period="", kpi="downtime_minutes", value="265", numerator="265",
             denominator="", target="", status="")
    ]  # fmt: skip


def test_filters_where_from_to(golden_db):
    out = run_cli("report", "--kpi", "units_produced", "--grain", "day", "--from", "2024-12-31",
                  "--to", "2025-01-01", "--where", "line=L1", "--db", golden_db)  # fmt: skip
    rows = _csv(out.stdout)
    assert [(r["period"], r["value"]) for r in rows] == [
        ("2024-12-31", "900"),
        ("2025-01-01", "300"),
    ]


def test_json_and_table_formats(golden_db):
    out = run_cli("report", "--kpi", "otd,otif,days_late", "--by", "customer", *AS_OF,
                  "--format", "json", "--db", golden_db)  # fmt: skip
    records = json.loads(out.stdout)
    assert records[0] == {
        "period": None, "customer": "C1", "kpi": "otd", "value": round(2 / 3, 10), "numerator": 2,
        "denominator": 3, "target": 0.98, "status": "missed",
    }  # fmt: skip
    table = run_cli("report", "--kpi", "supplier_otd", *AS_OF, "--format", "table",
                    "--db", golden_db)  # fmt: skip
    assert table.returncode == 0 and "supplier_otd" in table.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["--kpi", "nope"], "unknown KPI"),
        (["--kpi", "oee", "--grain", "fortnight"], "unknown grain"),
        (["--kpi", "oee", "--by", "colour"], "unknown dimension"),
        (["--kpi", "oee", "--by", "customer"], "does not apply"),
        (["--kpi", "oee", "--where", "reason=Jam"], "does not apply"),
        (["--kpi", "oee", "--where", "line"], "DIM=VALUE"),
        (["--kpi", "oee", "--from", "2025-13-01"], "bad date"),
        (["--kpi", "oee", "--to", "3/1/2025"], "bad date"),
        (["--kpi", "otd", "--as-of", "yesterday"], "bad date"),
        (["--kpi", "oee", "--from", "2025-02-01", "--to", "2025-01-01"], "after"),
    ],
)
def test_bad_arguments_exit_2(db_url, args, message):
    out = run_cli("report", *args, "--db", db_url)
    assert out.returncode == 2
    assert message in out.stderr and "Traceback" not in out.stderr


def test_empty_database_prints_header_only(db_url):
    out = run_cli("report", "--kpi", "oee", "--by", "line", "--db", db_url)
    assert (
        out.returncode == 0
        and out.stdout == "period,plant,line,kpi,value,numerator,denominator,target,status\n"
    )


def test_targets_cli_round_trip(golden_db, tmp_path):
    ok = run_cli("targets", "set", "availability", "95%", "--scope", "line=L1", "--db", golden_db)
    assert ok.returncode == 0, ok.stderr
    bad = run_cli("targets", "set", "otd", "0.9", "--scope", "line=L1", "--db", golden_db)
    assert bad.returncode == 2 and "does not apply" in bad.stderr
    path = tmp_path / "targets.csv"
    path.write_text("kpi,scope,value,valid_from,valid_to\nscrap_rate,plant=P1,1.5%,2024-01-01,\n")
    imp = run_cli("targets", "import", str(path), "--db", golden_db)
    assert imp.returncode == 0 and "1 targets imported" in imp.stdout
    listed = run_cli("targets", "list", "--format", "csv", "--db", golden_db)
    assert "availability,line,L1,0.95" in listed.stdout
    report = run_cli("report", "--kpi", "availability,scrap_rate", "--by", "plant,line",
                     "--db", golden_db)  # fmt: skip
    rows = {(r["line"], r["kpi"]): r for r in _csv(report.stdout)}
    assert rows[("L1", "availability")]["target"] == "0.95"
    # about 0.91: not near 0.95, as near needs 1 - value <= (1 - 0.95) x 1.1 (issue 13 §7)
    assert rows[("L1", "availability")]["status"] == "missed"
    assert rows[("L2", "scrap_rate")]["target"] == "0.015"
    history = run_cli("targets", "history", "--format", "csv", "--db", golden_db)
    assert history.stdout.count("target.") >= 3


def test_ingest_defers_summaries_and_the_next_report_rebuilds_them(tmp_path, db_url):
    """A CLI load leaves the summaries pending (never wrong: KPIs read raw rows), and
    the first command that reads KPIs rebuilds them once, saying so on stderr."""
    import sqlalchemy as sa
    from golden.kpi_fixtures import GOLDEN

    files = [str(GOLDEN / f"{k}.csv") for k in ("production", "downtime", "defects")]
    loaded = run_cli("ingest", *files, "--db", db_url)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        pending = conn.execute(sa.text("SELECT kind FROM summary_pending ORDER BY 1")).scalars()
        assert list(pending) == ["defects", "downtime", "production"]
        assert conn.execute(sa.text("SELECT count(*) FROM summary_line_day")).scalar() == 0
    engine.dispose()
    args = ["report", "--kpi", "scrap_rate,downtime_minutes", "--grain", "total", "--db", db_url]
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    assert "updating KPI summaries for 3 load(s) dated 2024-12-30 to 2025-01-02" in first.stderr
    engine = sa.create_engine(db_url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM summary_pending")).scalar() == 0
        assert conn.execute(sa.text("SELECT count(*) FROM summary_line_day")).scalar() > 0
    engine.dispose()
    second = run_cli(*args)
    assert second.stderr == "" and second.stdout == first.stdout
    assert "downtime_minutes,265,265" in second.stdout
