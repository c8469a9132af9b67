"""Golden tests: hand-made files in tests/golden/, expected values written out as fractions.

Every case runs twice: answered from the summary tables and from the raw fact rows.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest
from golden.kpi_fixtures import load_golden

from kpi.metrics import compute, make_query

AS_OF = dt.date(2025, 1, 10)
W = "2024-12-30"  # ISO week 1 of 2025 starts on Monday 30 December 2024

# grain, by, where, kpi, period, dimension values, numerator, denominator (None: a sum)
CASES = [
    ("week", "line", {}, "availability", W, ("L1",), 1250, 1380),
    ("week", "line", {}, "performance", W, ("L1",), 1150, 1250),
    ("week", "line", {}, "yield", W, ("L1",), 1762, 1800),
    ("week", "line", {}, "scrap_rate", W, ("L1",), 22, 1800),
    ("week", "line", {}, "rework_rate", W, ("L1",), 16, 1800),
    ("week", "line", {}, "oee", W, ("L1",), 194 + 198 + 441 + 294, 1380),  # Σ good × ideal
    ("week", "line", {}, "oee_quality", W, ("L1",), 194 + 198 + 441 + 294, 1150),
    ("week", "line", {}, "mtbf_minutes", W, ("L1",), 1250, 2),
    ("week", "line", {}, "units_produced", W, ("L1",), 1800, None),
    ("week", "line", {}, "units_scrapped", W, ("L1",), 22, None),
    ("week", "line", {}, "availability", W, ("L2",), 900, 930),
    ("week", "line", {}, "performance", W, ("L2",), 700, 900),
    ("week", "line", {}, "yield", W, ("L2",), 1348, 1400),
    # every unplanned stop, as in `stops`: the L2 stop of 2025-01-01 has no production row
    ("week", "line", {}, "mtbf_minutes", W, ("L2",), 900, 3),
    ("week", "line", {}, "downtime_minutes", W, ("L1",), 190, None),
    ("week", "line", {}, "unplanned_downtime_minutes", W, ("L1",), 130, None),
    ("week", "line", {}, "stops", W, ("L1",), 2, None),
    ("week", "line", {}, "mttr_minutes", W, ("L1",), 130, 2),
    ("week", "line", {}, "downtime_minutes", W, ("L2",), 75, None),
    ("week", "line", {}, "stops", W, ("L2",), 3, None),
    ("week", "line", {}, "mttr_minutes", W, ("L2",), 45, 3),
    ("month", "line", {}, "availability", "2024-12-01", ("L1",), 770, 900),
    ("month", "line", {}, "availability", "2025-01-01", ("L1",), 480, 480),
    ("month", "line", {}, "availability", "2024-12-01", ("L2",), 450, 480),
    ("month", "line", {}, "availability", "2025-01-01", ("L2",), 450, 450),
    ("year", "", {}, "units_produced", "2024-01-01", (), 400 + 200 + 800 + 900, None),
    ("quarter", "", {}, "units_produced", "2025-01-01", (), 300 + 600, None),
    ("day", "shift", {}, "availability", "2024-12-31", ("N",), 360, 450),
    ("total", "product", {}, "availability", None, ("X",), 1465, 1605),
    ("total", "product", {}, "availability", None, ("Y",), 685, 705),
    ("total", "", {}, "availability", None, (), 2150, 2310),
    ("total", "", {}, "downtime_minutes", None, (), 265, None),
    ("total", "", {"shift": "N"}, "scrap_rate", None, (), 9, 900),
    ("day", "", {"line": "L2"}, "downtime_minutes", "2025-01-01", (), 15, None),
    ("total", "reason", {}, "downtime_minutes", None, ("Jam",), 75, None),
    ("total", "reason", {}, "stops", None, ("Break",), 0, None),
    ("total", "planned", {}, "downtime_minutes", None, ("true",), 90, None),
    ("total", "planned", {}, "downtime_minutes", None, ("false",), 175, None),
    ("total", "", {}, "defects", None, (), 17, None),
    ("total", "defect", {}, "defects", None, ("Burr",), 14, None),
    ("week", "line", {}, "defects", W, ("L1",), 15, None),
    ("total", "disposition", {}, "defects", None, ("rework",), 7, None),
    # defects per unit: Σ defects / Σ units over the same group (a ratio of sums); L1 has
    # no defects on 1 January, which counts as 0 defects over its 300 units
    ("week", "line", {}, "defects_per_unit", W, ("L1",), 5 + 3 + 7, 1800),
    ("week", "line", {}, "defects_per_unit", W, ("L2",), 2, 1400),
    ("day", "line", {}, "defects_per_unit", "2025-01-01", ("L1",), 0, 300),
    ("total", "product", {}, "defects_per_unit", None, ("X",), 5 + 7 + 2, 2700),
    ("total", "", {"shift": "N"}, "defects_per_unit", None, (), 7, 900),
    ("total", "", {}, "otd", None, (), 3, 5),
    ("total", "", {}, "otif", None, (), 2, 5),
    ("total", "", {}, "days_late", None, (), 2 + 4, 2),
    ("total", "customer", {}, "otd", None, ("C1",), 2, 3),
    ("total", "customer", {}, "otd", None, ("C2",), 1, 2),
    ("week", "", {}, "otd", W, (), 3, 4),
    ("week", "", {}, "otd", "2025-01-06", (), 0, 1),
    ("week", "", {}, "otd", "2025-01-20", (), 0, 0),
    ("total", "", {}, "supplier_otd", None, (), 1, 3),
    ("total", "supplier", {}, "supplier_otd", None, ("S1",), 1, 2),
    ("total", "supplier", {}, "supplier_otd", None, ("S2",), 0, 1),
    ("total", "", {}, "supplier_otif", None, (), 1, 3),  # PO1 in full; PO2 late; PO3 open
]


@pytest.fixture
def golden(engine, settings):
    load_golden(engine, settings)
    return engine


def pick(df: pd.DataFrame, kpi: str, period: str | None, by: list[str], values: tuple) -> dict:
    rows = df[df["kpi"] == kpi]
    if period is None:
        rows = rows[rows["period"].isna()]
    else:
        rows = rows[rows["period"] == dt.date.fromisoformat(period)]
    for dim, value in zip(by, values, strict=True):
        rows = rows[rows[dim] == value]
    assert len(rows) == 1, rows
    return rows.iloc[0].to_dict()


@pytest.mark.parametrize("use_summary", [True, False], ids=["summary", "raw"])
@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[3]}-{c[0]}-{c[1]}-{c[4]}-{c[5]}")
def test_golden_value(golden, case, use_summary):
    grain, by, where, kpi, period, values, num, den = case
    dims = [by] if by else []
    query = make_query([kpi], grain, dims, where=where, as_of=AS_OF)
    row = pick(compute(golden, query, use_summary=use_summary), kpi, period, dims, values)
    assert row["numerator"] == pytest.approx(num)
    if den is None:
        assert row["value"] == pytest.approx(num)
        assert math.isnan(row["denominator"])
    elif den == 0:
        assert row["denominator"] == 0 and math.isnan(row["value"])
    else:
        assert row["denominator"] == pytest.approx(den)
        # figures are cleaned to 10 significant digits (kpi.numbers)
        assert row["value"] == pytest.approx(num / den, rel=1e-9)


def test_oee_is_product_of_factors(golden):
    factors = ("availability", "performance", "oee_quality")
    query = make_query([*factors, "oee"], "week", ["line"])
    df = compute(golden, query).set_index(["line", "kpi"])["value"]
    for line in ("L1", "L2"):
        a, p, q = (df[(line, k)] for k in factors)
        assert df[(line, "oee")] == pytest.approx(a * p * q, rel=1e-9)  # cleaned figures


def test_line_without_production_has_no_oee_row(golden):
    query = make_query(["availability"], "day", where={"line": "L2"})
    days = set(compute(golden, query)["period"])
    assert days == {dt.date(2024, 12, 30), dt.date(2025, 1, 2)}


def test_as_of_treats_later_shipments_as_open(golden):
    query = make_query(["otd", "days_late"], as_of=dt.date(2025, 1, 3))
    df = compute(golden, query).set_index("kpi")
    assert (df.loc["otd", "numerator"], df.loc["otd", "denominator"]) == (3, 4)
    assert df.loc["days_late", "value"] == 1


def test_columns_and_order(golden):
    query = make_query(["yield", "scrap_rate"], "month", ["plant", "line"])
    df = compute(golden, query)
    assert list(df.columns) == [
        "period", "plant", "line", "kpi", "value", "numerator", "denominator", "target", "status"
    ]  # fmt: skip
    assert list(df["kpi"][:2]) == ["yield", "scrap_rate"]
    assert df["period"].is_monotonic_increasing
