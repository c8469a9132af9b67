"""Measurements: loaded against their specs, corrected by subgroup, undone, read back in order."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from kpi import store
from kpi.ingest import Outcome, ingest_bytes, undo_batch
from kpi.measurements import spec_for, subgroups
from kpi.schema import Kind
from kpi.specs import Spec, end_spec, set_spec

HEADER = "date,shift,plant,line,machine,product,characteristic,subgroup,value,unit\n"
SHIFT = "2026-03-02,A,Plant 2,L5,Hobber 51,GR-520"
GOOD = HEADER + "".join(
    f"{SHIFT},tooth,{sg},{v},µm\n"
    for sg, values in (("2026-03-02 09:00", (1.5, -2.0, 0.5)), ("2026-03-02 07:00", (3, 4, -5)))
    for v in values
)
SPEC = Spec("GR-520", "tooth", "µm", 0.0, -20.0, 20.0, 3)


def _load(engine, settings, text: str, name: str = "m.csv"):  # noqa: ANN001, ANN202
    return ingest_bytes(engine, settings, text.encode(), name)


def _stored(engine: sa.Engine) -> int:
    return store.current_row_counts(engine)["measurements"]


def test_a_good_file_loads_and_reads_back_in_time_order(engine, settings) -> None:
    set_spec(engine, settings, SPEC)
    result = _load(engine, settings, GOOD)
    assert (result.outcome, result.kind, result.rows_loaded) == (
        Outcome.LOADED,
        Kind.MEASUREMENTS,
        6,
    )
    frame = subgroups(engine, "gr-520", "TOOTH", plant="Plant 2", line="L5")
    # the 07:00 subgroup was taken first, though the file lists it second
    assert frame["subgroup"].tolist() == [1, 1, 1, 2, 2, 2]
    assert sorted(frame["value"].head(3)) == [-5.0, 3.0, 4.0]
    assert frame["subgroup_start"].iloc[0] == pd.Timestamp("2026-03-02 07:00")
    # what the variables charts take (kpi.spc_readings): datetimes, never text to guess
    assert pd.api.types.is_datetime64_any_dtype(frame["subgroup_start"])
    assert set(frame["batch_id"]) == {result.batch_id}
    assert subgroups(engine, "GR-520", "tooth", line="L6").empty
    assert subgroups(engine, "GR-520", "tooth", date_from=dt.date(2026, 3, 3)).empty
    spec = spec_for(engine, "GR-520", "tooth", dt.date(2026, 3, 2))
    assert (spec.lsl, spec.usl, spec.subgroup_size) == (-20.0, 20.0, 3)


def test_text_subgroup_ids_are_ordered_by_their_shift(engine, settings) -> None:
    set_spec(engine, settings, SPEC)
    rows = [
        ("2026-03-02", "B", "S1", 1),
        ("2026-03-02", "A", "S1", 2),
        ("2026-03-01", "N", "S9", 3),
    ]
    text = HEADER + "".join(
        f"{d},{s},Plant 2,L5,,GR-520,tooth,{sg},{v},µm\n" for d, s, sg, v in rows
    )
    assert _load(engine, settings, text).ok
    frame = subgroups(engine, "GR-520", "tooth")
    assert frame["value"].tolist() == [3.0, 2.0, 1.0]  # night of the 1st, then A, then B
    assert frame["subgroup"].tolist() == [1, 2, 3]
    assert frame["subgroup_id"].tolist() == ["S9", "S1", "S1"]


@pytest.mark.parametrize(
    ("bad_row", "column", "value", "says"),
    [
        (f"{SHIFT},runout,S1,0.1,µm", "characteristic", "runout", "has no spec"),
        (f"{SHIFT},tooth,S1,0.1,mm", "unit", "mm", "differs from the spec's unit"),
        (f"{SHIFT},tooth,S1,1.2.3,µm", "value", "1.2.3", "is not a number"),
        (
            "2026-01-05,A,Plant 2,L5,Hobber 51,GR-520,tooth,S1,0.1,µm",
            "characteristic",
            "tooth",
            "has no spec",
        ),  # outside the spec's window
    ],
)
def test_a_bad_row_is_named_and_nothing_loads(engine, settings, bad_row, column, value, says):  # noqa: ANN001
    set_spec(engine, settings, Spec(**{**SPEC.__dict__, "valid_from": dt.date(2026, 2, 1)}))
    text = GOOD + bad_row + "\n"
    result = _load(engine, settings, text)
    assert result.outcome is Outcome.REJECTED
    assert [(p.line, p.column, p.value) for p in result.problems] == [(8, column, value)]
    assert says in result.problems[0].problem
    assert _stored(engine) == 0
    assert store.list_batches(engine).empty


def test_a_correction_restates_whole_subgroups_and_undo_restores_them(engine, settings) -> None:
    set_spec(engine, settings, SPEC)
    first = _load(engine, settings, GOOD, "first.csv")
    fix = HEADER + f"{SHIFT},tooth,2026-03-02 07:00,7.25,µm\n{SHIFT},tooth,2026-03-02 07:00,8,µm\n"
    second = _load(engine, settings, fix, "fix.csv")
    assert (second.outcome, second.rows_loaded, second.rows_replaced) == (Outcome.LOADED, 2, 3)
    frame = subgroups(engine, "GR-520", "tooth")
    assert sorted(frame["value"]) == [-2.0, 0.5, 1.5, 7.25, 8.0]  # the 09:00 subgroup is kept
    assert set(frame["batch_id"]) == {first.batch_id, second.batch_id}
    undo_batch(engine, settings, second.batch_id)
    assert sorted(subgroups(engine, "GR-520", "tooth")["value"]) == [-5.0, -2.0, 0.5, 1.5, 3.0, 4.0]


def test_a_new_spec_revision_applies_from_its_first_day(engine, settings) -> None:
    spec_id = set_spec(engine, settings, SPEC)
    end_spec(engine, settings, spec_id, dt.date(2026, 3, 1))
    set_spec(
        engine, settings, Spec("GR-520", "tooth", "mm", 0.0, -0.02, 0.02, 3, dt.date(2026, 3, 2))
    )
    assert spec_for(engine, "GR-520", "tooth", dt.date(2026, 3, 1)).unit == "µm".replace("µ", "μ")
    assert spec_for(engine, "GR-520", "tooth", dt.date(2026, 3, 2)).unit == "mm"
    result = _load(engine, settings, GOOD)  # readings of 2 March in µm: the new spec says mm
    assert result.outcome is Outcome.REJECTED
    assert {p.column for p in result.problems} == {"unit"}
    assert _load(engine, settings, GOOD.replace("µm", "mm")).outcome is Outcome.LOADED


def test_an_import_profile_maps_a_foreign_export_and_spec_problems_name_its_lines(
    engine, settings, write_csv
) -> None:
    from kpi.ingest.imports import import_file
    from kpi.profiles import Profile

    profile = Profile(
        name="cmm-export",
        kind=Kind.MEASUREMENTS,
        columns={
            "date": "Datum",
            "shift": "Schicht",
            "line": "Linie",
            "product": "Teil",
            "characteristic": "Merkmal",
            "subgroup": "Stichprobe",
            "value": "Messwert",
            "unit": "Einheit",
        },  # fmt: skip
        constants={"plant": "Plant 2"},
        date_formats={"date": "%d.%m.%Y"},
        decimal=",",
        delimiter=";",
        skip_lines=1,
    )
    head = "CMM export\nDatum;Schicht;Linie;Teil;Merkmal;Stichprobe;Messwert;Einheit\n"
    rows = "02.03.2026;A;L5;GR-520;tooth;S1;-1,5;µm\n02.03.2026;A;L5;GR-520;tooth;S1;2,25;µm\n"
    set_spec(engine, settings, SPEC)
    bad = import_file(
        engine,
        settings,
        write_csv("b.csv", head + rows + rows.replace("tooth", "lead")),
        profile=profile,
    )
    assert bad.outcome is Outcome.REJECTED
    assert [(p.line, p.column) for p in bad.problems] == [
        (5, "Merkmal → characteristic"),
        (6, "Merkmal → characteristic"),
    ]
    good = import_file(engine, settings, write_csv("g.csv", head + rows), profile=profile)
    assert good.outcome is Outcome.LOADED, [p.describe() for p in good.problems]
    assert sorted(subgroups(engine, "GR-520", "tooth")["value"]) == [-1.5, 2.25]


def test_a_wide_export_with_one_column_per_reading_loads_through_a_profile(
    engine, settings, write_csv
) -> None:
    """Issue 18: a subgroup per row, readings x1..x3 in columns; a 0 is a reading, a blank
    cell is none, and a bad cell names its line and reading column."""
    from kpi.ingest.imports import import_file
    from kpi.profiles import Profile, WideLayout

    profile = Profile(
        name="wide-gauge",
        kind=Kind.MEASUREMENTS,
        columns={"date": "Day", "shift": "Shift", "line": "Line", "product": "Part",
                 "characteristic": "Feature", "subgroup": "Time", "unit": "Unit"},
        constants={"plant": "Plant 2"},
        wide=WideLayout(value_columns=("x1", "x2", "x3")),
    )  # fmt: skip
    head = "Day,Shift,Line,Part,Feature,Time,Unit,x1,x2,x3\n"
    rows = ("2026-03-02,A,L5,GR-520,tooth,2026-03-02 07:00,µm,1.5,0,-2\n"
            "2026-03-02,A,L5,GR-520,tooth,2026-03-02 09:00,µm,3,4,\n")  # fmt: skip
    set_spec(engine, settings, SPEC)
    bad = import_file(engine, settings, write_csv("b.csv", head + rows.replace("4,", "x,")),
                      profile=profile)  # fmt: skip
    assert bad.outcome is Outcome.REJECTED and _stored(engine) == 0
    assert [p.line for p in bad.problems] == [3]
    good = import_file(engine, settings, write_csv("g.csv", head + rows), profile=profile)
    assert good.outcome is Outcome.LOADED, [p.describe() for p in good.problems]
    frame = subgroups(engine, "GR-520", "tooth")
    assert frame.groupby("subgroup")["value"].apply(sorted).tolist() == [[-2.0, 0.0, 1.5],
                                                                         [3.0, 4.0]]  # fmt: skip
