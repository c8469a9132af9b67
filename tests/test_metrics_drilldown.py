"""Dashboard helpers on the golden files: drill rows, delivery lines, Paretos, waterfall,
freshness and data-quality warnings."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from golden.kpi_fixtures import load_bytes, load_golden, to_csv

from kpi.drilldown import (
    data_quality_warnings,
    defect_pareto,
    delivery_lines,
    downtime_pareto,
    drill_rows,
    freshness,
    oee_waterfall,
)
from kpi.ingest import ingest_bytes
from kpi.metrics import compute, make_query
from kpi.schema import Kind

AS_OF = dt.date(2025, 1, 10)


@pytest.fixture
def golden(engine, settings):
    load_golden(engine, settings)
    return engine


def test_drill_rows_match_the_kpi(golden):
    rows = drill_rows(golden, "scrap_rate", where={"line": "L1", "shift": "N"})
    assert list(rows["units_scrapped"]) == [9] and list(rows["batch_id"]) == [1]
    stops = drill_rows(golden, "stops", dt.date(2025, 1, 1), dt.date(2025, 1, 1))
    assert list(stops["reason"]) == ["Jam"]


def test_delivery_lines_status_and_days_late(golden):
    lines = delivery_lines(golden, AS_OF)
    status = dict(zip(lines["order_id"] + "/" + lines["line_no"], lines["status"], strict=True))
    assert status == {
        "SO5/1": "on time", "SO1/1": "on time", "SO1/2": "late", "SO2/1": "on time",
        "SO3/1": "open past due", "SO4/1": "open",
    }  # fmt: skip
    late = delivery_lines(golden, AS_OF, only_problems=True)
    assert list(zip(late["order_id"], late["days_late"], strict=True)) == [("SO3", 4), ("SO1", 2)]
    receipts = delivery_lines(golden, AS_OF, receipts=True, only_problems=True)
    assert list(receipts["po_id"]) == ["PO3", "PO2"]


def test_downtime_pareto(golden):
    pareto = downtime_pareto(golden)
    assert list(pareto["reason"]) == ["Electrical", "Jam", "Tooling"]
    assert list(pareto["minutes"]) == [90, 75, 10]
    assert list(pareto["stops"]) == [1, 3, 1]
    assert pareto["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    assert set(downtime_pareto(golden, planned=None)["reason"]) == {
        "Electrical",
        "Jam",
        "Tooling",
        "Break",
    }


def test_defect_pareto(golden):
    pareto = defect_pareto(golden, where={"line": "L1"})
    assert list(zip(pareto["defect"], pareto["quantity"], strict=True)) == [
        ("Burr", 12),
        ("Crack", 3),
    ]
    assert pareto["share"].iloc[0] == pytest.approx(12 / 15)


def test_oee_waterfall_adds_up_to_oee(golden):
    steps = oee_waterfall(golden, where={"line": "L1"}).set_index("step")["minutes"]
    assert steps["planned time"] == 1440
    assert steps["planned busy time (PBT)"] == 1380
    assert steps["actual production time (APT)"] == 1250
    losses = steps["planned stops"] + steps["availability loss"] + steps["performance loss"]
    losses += steps["quality loss"]
    assert steps["planned time"] + losses == pytest.approx(steps["fully productive time"])
    oee = compute(golden, make_query(["oee"], where={"line": "L1"}))["value"].iloc[0]
    assert steps["fully productive time"] / 1380 == pytest.approx(oee)


def test_freshness(golden):
    fresh = freshness(golden).set_index("kind")
    assert fresh.loc["production", "newest_date"] == dt.date(2025, 1, 2)
    assert fresh.loc["deliveries", "rows"] == 6
    assert fresh["last_loaded_at"].notna().all()


def test_data_quality_warning_for_downtime_without_production(golden):
    warnings = data_quality_warnings(golden)
    assert len(warnings) == 1
    row = warnings.iloc[0]
    assert (row["date"], row["shift"], row["line"], row["minutes"]) == (
        dt.date(2025, 1, 1),
        "A",
        "L2",
        15,
    )


def test_otif_empty_when_quantities_missing(engine, settings):
    rows = [
        dict(order_id="A", line_no=1, due_date="2025-01-02", ship_date="2025-01-01",
             quantity_ordered=10, quantity_shipped=10),
        dict(order_id="B", line_no=1, due_date="2025-01-02", ship_date="2025-01-01",
             quantity_ordered="", quantity_shipped=""),
    ]  # fmt: skip
    load_bytes(engine, settings, Kind.DELIVERIES, to_csv(Kind.DELIVERIES, rows), "d.csv")
    df = compute(engine, make_query(["otd", "otif"], as_of=AS_OF)).set_index("kpi")
    assert df.loc["otd", "value"] == 1.0
    assert df["value"].isna()["otif"] and df["numerator"].isna()["otif"]


def test_delivery_summary_is_rebuilt_or_bypassed(engine, settings):
    """A stale delivery summary (here: its fingerprint removed) is bypassed for raw rows
    until ``ensure_current`` rebuilds it; after a load it is stale until then too."""
    from kpi.summary import ensure_current, refresh_dates, stale_kinds
    from kpi.tables import summary_state

    load_golden(engine, settings, Kind.DELIVERIES, Kind.RECEIPTS)
    with engine.begin() as conn:
        assert stale_kinds(conn) == frozenset()
        conn.execute(summary_state.delete())
        assert stale_kinds(conn) == {"deliveries", "receipts"}
    before = compute(engine, make_query(["otd"], as_of=AS_OF))
    assert ensure_current(engine) == ["deliveries", "receipts"]
    with engine.connect() as conn:
        assert stale_kinds(conn) == frozenset()
    pd.testing.assert_frame_equal(before, compute(engine, make_query(["otd"], as_of=AS_OF)))
    rows = [dict(order_id="SO9", line_no=1, due_date="2025-01-02", ship_date="2025-01-09",
                 quantity_ordered=1, quantity_shipped=1)]  # fmt: skip
    ingest_bytes(engine, settings, to_csv(Kind.DELIVERIES, rows), "late.csv", Kind.DELIVERIES)
    with engine.connect() as conn:
        assert stale_kinds(conn) == {"deliveries"}, "the load left it stale"
    assert compute(engine, make_query(["otd"], as_of=AS_OF))["denominator"].iloc[0] == 6
    assert ensure_current(engine) == ["deliveries"]
    with engine.begin() as conn:
        assert stale_kinds(conn) == frozenset()
        refresh_dates(conn, Kind.DELIVERIES, None, None)
        assert stale_kinds(conn) == frozenset()
    assert compute(engine, make_query(["otd"], as_of=AS_OF))["numerator"].iloc[0] == 3


def test_every_summary_relation_names_the_kinds_that_make_it_stale():
    """A summary without a guard would be read while a load is pending: a wrong answer."""
    from kpi.sources import RELATIONS

    for source, relations in RELATIONS.items():
        for rel in relations:
            assert rel.raw or rel.guard, (source, rel.name)
