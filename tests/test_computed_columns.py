"""Computed columns in import profiles: through the real loader into real databases.

The DataCo-style order-line sample (data/samples/dataco-order-lines.csv, Windows-1252)
has no due date: it is the order date plus the scheduled shipping days. The expected
on-time delivery figure is computed here from the raw bytes with the standard library
only (a line is on time when it shipped within the scheduled days).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import openpyxl
import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kpi import cli, profiles
from kpi.computed import Computed, Op
from kpi.ingest import Outcome
from kpi.ingest.imports import import_file
from kpi.profile_drafts import preview_draft
from kpi.profiles import Profile, ProfileError
from kpi.schema import Kind
from kpi.tables import FACT_TABLES
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "samples" / "dataco-order-lines.csv"
DATACO = ROOT / "data" / "profiles" / "dataco-order-lines.toml"
AS_OF = "2026-12-31"


def rows_of(engine: sa.Engine, kind: Kind, batch_id: int | None = None) -> pd.DataFrame:
    table = FACT_TABLES[kind]
    query = sa.select(table).where(table.c.replaced_by.is_(None))
    if batch_id is not None:
        query = sa.select(table).where(table.c.batch_id == batch_id)
    with engine.connect() as conn:
        return pd.DataFrame(conn.execute(query.order_by(table.c.line_no)).mappings().all())


def independent_otd() -> tuple[int, int, set[str]]:
    """On-time lines, all lines and customer names, from the raw Windows-1252 bytes."""
    text = SAMPLE.read_bytes().decode("cp1252")
    on_time = total = 0
    names = set()
    for row in csv.DictReader(io.StringIO(text, newline="")):
        ordered = dt.datetime.strptime(row["order date (DateOrders)"], "%m/%d/%Y %H:%M")
        shipped = dt.datetime.strptime(row["shipping date (DateOrders)"], "%m/%d/%Y %H:%M")
        due = ordered.date() + dt.timedelta(days=int(row["Days for shipment (scheduled)"]))
        total += 1
        on_time += shipped.date() <= due
        names.add(f"{row['Customer Fname']} {row['Customer Lname']}")
    return on_time, total, names


def test_order_lines_through_the_cli_give_the_independent_otd(
    db_url: str, engine: sa.Engine, capsys
) -> None:
    code = cli.main(["ingest", "--db", db_url, "--profile", str(DATACO), str(SAMPLE)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "loaded 40 deliveries rows" in out
    cli.main(["report", "--db", db_url, "--kpi", "otd", "--grain", "total", "--as-of", AS_OF,
              "--format", "json"])  # fmt: skip
    (otd,) = json.loads(capsys.readouterr().out)
    on_time, total, names = independent_otd()
    assert 0 < on_time < total, "the sample has late and on-time lines"
    assert (otd["numerator"], otd["denominator"]) == (on_time, total)
    assert otd["value"] == pytest.approx(on_time / total, rel=1e-12)
    stored = rows_of(engine, Kind.DELIVERIES)
    assert set(stored["customer"]) == names
    assert "Renée O’Brien" in names and "Zoë Müller" in names  # cp1252-only ’ read right


ORDERS = Profile(
    name="orders",
    kind=Kind.DELIVERIES,
    columns={"order_id": "Auftrag", "ship_date": "Versand"},
    constants={"plant": "P1"},
    date_formats={"ship_date": "%d.%m.%Y"},
    decimal=",",
    computed={
        "due_date": Computed(Op.ADD_DAYS, ("Bestellt",), number="3", date_format="%d.%m.%Y"),
        "quantity_ordered": Computed(Op.MULTIPLY, ("Kartons", "Je Karton")),
        "customer": Computed(Op.CONCAT, ("Vorname", "Name"), separator=" "),
        "product": Computed(Op.LOOKUP, ("Art",), table={"Z": "Zahnrad", "W": "Welle"}),
    },
)
ORDERS_FILE = (
    "Auftrag;Bestellt;Versand;Kartons;Je Karton;Vorname;Name;Art\n"
    "A1;28.02.2026;03.03.2026;2;12,5;Zoë;Weiß;Z\n"
    "A2;01.03.2026;;4;10;;Núñez;W\n"
)


def test_each_operation_in_stored_rows(engine, settings, write_csv) -> None:
    result = import_file(engine, settings, write_csv("o.csv", ORDERS_FILE), profile=ORDERS)
    assert result.outcome is Outcome.LOADED, [p.describe() for p in result.problems]
    rows = rows_of(engine, Kind.DELIVERIES).sort_values("order_id")
    assert rows["due_date"].astype(str).tolist() == ["2026-03-03", "2026-03-04"]  # leap-free Feb
    assert rows["quantity_ordered"].tolist() == [25.0, 40.0]
    assert rows["customer"].tolist() == ["Zoë Weiß", "Núñez"]  # a blank part is left out
    assert rows["product"].tolist() == ["Zahnrad", "Welle"]


def test_days_between_in_the_preview(write_csv) -> None:
    profile = Profile(
        name="gap", kind=Kind.PRODUCTION, columns={"date": "d", "shift": "s", "line": "l",
        "product": "p", "planned_minutes": "m", "units_produced": "u"},
        constants={"units_scrapped": "0"},
        computed={"units_reworked": Computed(Op.DAYS_BETWEEN, ("b", "d"), date_format="%Y-%m-%d")},
    )  # fmt: skip
    text = "d,b,s,l,p,m,u\n2024-02-27,2024-03-01,A,L1,P,480,10\n2025-12-31,2026-01-01,A,L1,P,1,1\n"
    preview = preview_draft(write_csv("gap.csv", text), profile)
    assert preview.ok, preview.problems
    assert preview.rows["units_reworked"].tolist() == ["3", "1"]  # 2024 is a leap year


def test_a_computed_date_without_its_format_asks_for_it() -> None:
    shipped = profiles.read_file(DATACO)
    how = shipped.computed["due_date"]
    unformatted = Computed(how.op, how.columns)  # no date_format: only YYYY-MM-DD would do
    draft = Profile(
        **{**shipped.__dict__, "computed": {**shipped.computed, "due_date": unformatted}}
    )
    preview = preview_draft(SAMPLE, draft)
    assert not preview.ok and preview.formats_missing
    assert "'order date (DateOrders)' → due_date" in preview.formats_missing[0]
    assert "could be day/month or month/day" in preview.formats_missing[0]


@pytest.mark.parametrize(
    ("change", "line", "column", "value", "words"),
    [
        ("01.03.2026;;4", 3, "Bestellt → due_date", "2026-03-01", "date format %d.%m.%Y"),
        (";Núñez;W", 3, "Art → product", "X", "not in the lookup table"),
        (";4;10;", 3, "Kartons → quantity_ordered", "vier", "not a plain number"),
    ],
)
def test_a_value_that_does_not_compute_names_its_row(
    engine, settings, write_csv, change, line, column, value, words
) -> None:
    bad = {
        "01.03.2026;;4": ORDERS_FILE.replace("01.03.2026;;4", "2026-03-01;;4"),
        ";Núñez;W": ORDERS_FILE.replace(";Núñez;W", ";Núñez;X"),
        ";4;10;": ORDERS_FILE.replace(";4;10;", ";vier;10;"),
    }[change]
    result = import_file(engine, settings, write_csv("bad.csv", bad), profile=ORDERS)
    assert result.outcome is Outcome.REJECTED
    (problem,) = result.problems
    assert (problem.line, problem.column, problem.value) == (line, column, value)
    assert words in problem.problem
    assert rows_of(engine, Kind.DELIVERIES).empty


@pytest.mark.parametrize(
    ("computed", "message"),
    [
        ({"due_date": Computed(Op.MULTIPLY, ("a",), number="2")}, "cannot make a date"),
        ({"customer": Computed(Op.LOOKUP, ("a", "b"), table={"x": "y"})}, "source column"),
        ({"due_date": Computed(Op.ADD_DAYS, ("a",), number="2.5")}, "whole number of days"),
        ({"due_date": Computed(Op.ADD_DAYS, ("a",), number="1", date_format="%Q")}, "date format"),
        ({"order_id": Computed(Op.CONCAT, ("a",))}, "also computed"),
        ({"customer": Computed(Op.LOOKUP, ("a",))}, "table entries"),
        ({"colour": Computed(Op.CONCAT, ("a",))}, "Not columns of deliveries"),
    ],
)
def test_impossible_computed_columns_are_refused(computed: dict, message: str) -> None:
    with pytest.raises(ProfileError, match=message):
        Profile(name="x", kind=Kind.DELIVERIES, columns={"order_id": "n"}, computed=computed)


def test_computed_columns_round_trip_and_refuse_a_bad_op() -> None:
    for fmt in ("toml", "json"):
        assert profiles.loads(profiles.dumps(ORDERS, fmt), fmt) == ORDERS
    text = profiles.dumps(ORDERS).replace('op = "add_days"', 'op = "eval"')
    with pytest.raises(ProfileError, match="needs an op, one of: add_days"):
        profiles.loads(text)
    quoted = Computed(Op.LOOKUP, ("Art",), table={"Z'; DROP TABLE x; --": "it's"})
    assert Profile(**{**ORDERS.__dict__, "computed": {"product": quoted}})  # data, quoted


def test_quotes_in_profile_text_stay_data(engine, settings, write_csv) -> None:
    quoted = Computed(Op.LOOKUP, ("Art",), table={"Z'x": "it's"}, default="o'k")
    profile = Profile(**{**ORDERS.__dict__, "computed": {**ORDERS.computed, "product": quoted}})
    text = ORDERS_FILE.replace(";Z\n", ";Z'x\n")
    result = import_file(engine, settings, write_csv("q.csv", text), profile=profile)
    assert result.outcome is Outcome.LOADED, [p.describe() for p in result.problems]
    assert sorted(rows_of(engine, Kind.DELIVERIES)["product"]) == ["it's", "o'k"]


# lower case only: the loader stores case twins ("A-A", "a-a") with one spelling (names.py)
_NAME = st.text(alphabet="abcdeéüßñø’ ", min_size=1, max_size=8).map(str.strip).filter(bool)
_ROW = st.tuples(
    st.dates(dt.date(2020, 1, 1), dt.date(2030, 12, 31)),
    st.integers(0, 400),
    st.decimals(0, 9999, places=2, allow_nan=False),
    st.sampled_from(["1", "2,5", "0,1", "12"]),
    _NAME,
    st.sampled_from(["Z", "W", "Q"]),
)


@hypothesis_settings(
    max_examples=15,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking a load is slow
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(rows=st.lists(_ROW, min_size=1, max_size=20))
def test_preview_and_stored_rows_agree(engine, settings, tmp_path, rows) -> None:
    """Property: each computed column's preview value is the stored value."""
    profile = Profile(
        name="prop", kind=Kind.DELIVERIES, columns={"order_id": "No"}, decimal=",",
        computed={
            "due_date": Computed(Op.ADD_DAYS, ("Bestellt", "Tage"), date_format="%d.%m.%Y"),
            "quantity_ordered": Computed(Op.MULTIPLY, ("Menge", "Faktor")),
            "customer": Computed(Op.CONCAT, ("Name", "Name"), separator="-"),
            "product": Computed(Op.LOOKUP, ("Art",), table={"Z": "Zahnrad"}, default="andere"),
        },
    )  # fmt: skip
    lines = ["No;Bestellt;Tage;Menge;Faktor;Name;Art"] + [
        f"N{i};{d:%d.%m.%Y};{n};{str(q).replace('.', ',')};{f};{name};{art}"
        for i, (d, n, q, f, name, art) in enumerate(rows)
    ]
    path = tmp_path / "prop.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    preview = preview_draft(path, profile)
    assert preview.ok, preview.problems
    result = import_file(engine, settings, path, profile=profile)
    assert result.outcome in (Outcome.LOADED, Outcome.ALREADY_LOADED), result.problems
    stored = rows_of(engine, Kind.DELIVERIES, result.batch_id).sort_values("order_id")
    shown = preview.rows.sort_values("order_id")
    assert stored["due_date"].astype(str).tolist() == shown["due_date"].tolist()
    assert stored["customer"].tolist() == shown["customer"].tolist()
    assert stored["product"].tolist() == shown["product"].tolist()
    assert stored["quantity_ordered"].tolist() == [float(q) for q in shown["quantity_ordered"]]
    first = rows[0]
    assert shown.iloc[0]["due_date"] == str(first[0] + dt.timedelta(days=first[1]))


def test_a_computed_problem_on_a_sheet_names_the_sheet_and_row(engine, settings, tmp_path) -> None:
    book = openpyxl.Workbook()
    book.active.title = "Orders"
    for line in ORDERS_FILE.replace("28.02.2026", "bald").splitlines():
        book.active.append(line.split(";"))
    book.save(tmp_path / "orders.xlsx")
    result = import_file(engine, settings, tmp_path / "orders.xlsx", profile=ORDERS)
    assert result.outcome is Outcome.REJECTED
    (problem,) = result.problems
    assert problem.describe().startswith("sheet 'Orders', row 2, column 'Bestellt → due_date'")
