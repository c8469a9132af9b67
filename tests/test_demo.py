"""The demo generator: reproducible, realistic enough for every chart, and loadable as is."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from kpi import store
from kpi.demo import generate, seed_demo, seed_if_empty, to_csv_bytes
from kpi.ingest import Outcome, ingest_file
from kpi.schema import KINDS, Kind
from kpi.settings import Settings

END = pd.Timestamp("2026-10-31")
ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "samples"
SCOPE = ["date", "shift", "plant", "line"]


@pytest.fixture(scope="module")
def frames() -> dict[Kind, pd.DataFrame]:
    return generate()


def _rate(frame: pd.DataFrame) -> float:
    return frame.units_scrapped.sum() / frame.units_produced.sum()


def _on_time(frame: pd.DataFrame, actual: str) -> pd.Series:
    done = frame[frame[actual].notna()]
    return (done[actual] <= done.due_date).groupby(done.iloc[:, 2]).mean()


def test_same_seed_gives_identical_frames(frames: dict[Kind, pd.DataFrame]) -> None:
    again = generate(7)
    for kind in Kind:
        pd.testing.assert_frame_equal(frames[kind], again[kind])


def test_other_seed_gives_other_data(frames: dict[Kind, pd.DataFrame]) -> None:
    other = generate(8)
    assert not other[Kind.PRODUCTION].equals(frames[Kind.PRODUCTION])


def test_canonical_columns_and_fixed_calendar(frames: dict[Kind, pd.DataFrame]) -> None:
    assert set(frames) == set(Kind)
    for kind, frame in frames.items():
        assert tuple(frame.columns) == KINDS[kind].names
        assert len(frame) > 0
    production = frames[Kind.PRODUCTION]
    assert production.date.min() == pd.Timestamp("2025-11-01")
    assert production.date.max() == END


def test_generates_fast() -> None:
    started = time.perf_counter()
    generate(11)
    assert time.perf_counter() - started < 2.0


def test_custom_window() -> None:
    short = generate(start=dt.date(2026, 1, 5), days=14)[Kind.PRODUCTION]
    assert short.date.min() == pd.Timestamp("2026-01-05")
    assert short.date.max() <= pd.Timestamp("2026-01-18")


def test_plant_structure(frames: dict[Kind, pd.DataFrame]) -> None:
    production = frames[Kind.PRODUCTION]
    assert production.plant.nunique() == 2
    assert production.line.nunique() == 6
    assert set(production["shift"]) == {"A", "B", "N"}
    assert 7 <= production["product"].nunique() <= 9
    machines_per_line = production.groupby("line").machine.nunique()
    assert machines_per_line.between(1, 2).all()
    assert (production.planned_minutes == 480).all()
    assert (production.ideal_cycle_seconds > 0).all()
    assert not production.duplicated(list(KINDS[Kind.PRODUCTION].natural_key)).any()


def test_some_lines_do_not_run_every_day(frames: dict[Kind, pd.DataFrame]) -> None:
    production = frames[Kind.PRODUCTION]
    days_run = production.groupby("line").date.nunique()
    assert days_run.max() >= 350
    assert (days_run < 300).sum() >= 2
    sundays = production[production.date.dt.day_of_week == 6]
    assert sundays.line.nunique() < 6


def test_counts_are_consistent(frames: dict[Kind, pd.DataFrame]) -> None:
    production = frames[Kind.PRODUCTION]
    counts = production[["units_produced", "units_scrapped", "units_reworked"]]
    assert all(pd.api.types.is_integer_dtype(t) for t in counts.dtypes)
    assert (counts >= 0).all().all()
    assert (
        production.units_scrapped + production.units_reworked <= production.units_produced
    ).all()


def test_performance_is_85_to_95_percent_after_downtime(frames: dict[Kind, pd.DataFrame]) -> None:
    production, downtime = frames[Kind.PRODUCTION], frames[Kind.DOWNTIME]
    lost = downtime.groupby([*SCOPE, "machine"]).minutes.sum()
    run = 480 - lost.reindex(production.set_index([*SCOPE, "machine"]).index, fill_value=0)
    ideal_minutes = production.units_produced * production.ideal_cycle_seconds / 60
    performance = ideal_minutes.to_numpy() / run.to_numpy()
    assert performance.min() >= 0.84 and performance.max() <= 0.951


def test_downtime_minutes_and_reasons(frames: dict[Kind, pd.DataFrame]) -> None:
    downtime = frames[Kind.DOWNTIME]
    assert downtime.minutes.gt(0).all() and downtime.minutes.le(1440).all()
    assert downtime.groupby([*SCOPE, "machine"]).minutes.sum().max() <= 480
    assert downtime.start.notna().all()
    planned = set(downtime[downtime.planned].reason)
    assert {"Break", "Planned maintenance", "No demand"} <= planned
    assert not planned & set(downtime[~downtime.planned].reason)
    breaks = downtime[downtime.reason == "Break"]
    assert len(breaks) == len(frames[Kind.PRODUCTION]) and (breaks.minutes == 30).all()


def test_unplanned_downtime_has_a_pareto_shape(frames: dict[Kind, pd.DataFrame]) -> None:
    unplanned = frames[Kind.DOWNTIME].query("~planned")
    by_reason = unplanned.groupby("reason").minutes.sum().sort_values(ascending=False)
    assert len(by_reason) >= 7
    share = by_reason / by_reason.sum()
    assert share.iloc[:3].sum() > 0.5
    assert share.iloc[0] > 4 * share.iloc[-1]


def test_night_stops_start_within_their_shift(frames: dict[Kind, pd.DataFrame]) -> None:
    night = frames[Kind.DOWNTIME].query("shift == 'N'")
    offset = night.start - (night.date + pd.Timedelta(hours=22))
    assert offset.min() >= pd.Timedelta(0)
    assert offset.max() < pd.Timedelta(hours=8)
    assert (night.start.dt.date > night.date.dt.date).any()


def test_scrap_rate_steps_down_after_april(frames: dict[Kind, pd.DataFrame]) -> None:
    production = frames[Kind.PRODUCTION]
    before = production[production.date < "2026-04-01"]
    after = production[(production.date >= "2026-04-01") & (production.line != "L5")]
    assert 0.028 < _rate(before) < 0.037
    assert 0.015 < _rate(after) < 0.021
    assert _rate(before) - _rate(after) > 0.01


def test_line_l5_drifts_out_of_control(frames: dict[Kind, pd.DataFrame]) -> None:
    l5 = frames[Kind.PRODUCTION].query("line == 'L5'")
    earlier = l5[(l5.date >= "2026-04-01") & (l5.date < END - pd.Timedelta(days=42))]
    last_weeks = l5[l5.date > END - pd.Timedelta(days=14)]
    assert _rate(last_weeks) > 2.5 * _rate(earlier)
    production = frames[Kind.PRODUCTION]
    others = production[(production.line != "L5") & (production.date > last_weeks.date.min())]
    assert _rate(others) < 1.3 * _rate(earlier)


def test_defects_match_production_scrap_and_rework(frames: dict[Kind, pd.DataFrame]) -> None:
    production, defects = frames[Kind.PRODUCTION], frames[Kind.DEFECTS]
    totals = defects.pivot_table(
        index=SCOPE, columns="disposition", values="quantity", aggfunc="sum", fill_value=0
    )
    expected = production.groupby(SCOPE)[["units_scrapped", "units_reworked"]].sum()
    expected = expected[(expected.units_scrapped + expected.units_reworked) > 0]
    joined = expected.join(totals, how="outer").fillna(0)
    assert (joined.units_scrapped == joined.scrap).all()
    assert (joined.units_reworked == joined.rework).all()
    assert set(defects.disposition) == {"scrap", "rework"}


def test_defect_codes_have_a_pareto_shape(frames: dict[Kind, pd.DataFrame]) -> None:
    by_code = frames[Kind.DEFECTS].groupby("defect").quantity.sum().sort_values(ascending=False)
    assert len(by_code) >= 6
    assert by_code.index[0] == "Burr"
    assert by_code.iloc[0] > 5 * by_code.iloc[-1]


def test_deliveries_late_partial_and_open(frames: dict[Kind, pd.DataFrame]) -> None:
    deliveries = frames[Kind.DELIVERIES]
    shipped = deliveries[deliveries.ship_date.notna()]
    assert 6 <= deliveries.customer.nunique() <= 10
    assert (shipped.ship_date > shipped.due_date).sum() > 50
    assert (shipped.quantity_shipped < shipped.quantity_ordered).sum() > 20
    assert (shipped.quantity_shipped <= shipped.quantity_ordered).all()
    open_lines = deliveries[deliveries.ship_date.isna()]
    assert (open_lines.due_date <= END).sum() >= 3
    assert (open_lines.due_date > END).sum() >= 20
    assert open_lines.quantity_shipped.isna().all()
    assert deliveries.ship_date.max() <= END
    assert not deliveries.duplicated(["order_id", "line_no"]).any()
    assert (deliveries.groupby("order_id").line_no.nunique() > 1).any()


def test_two_suppliers_deliver_poorly(frames: dict[Kind, pd.DataFrame]) -> None:
    receipts = frames[Kind.RECEIPTS]
    assert receipts.supplier.nunique() == 6
    otd = _on_time(receipts, "received_date").sort_values()
    assert otd.iloc[1] < 0.8
    assert otd.iloc[2:].min() > 0.9
    assert not receipts.duplicated(["po_id", "line_no"]).any()


def test_csv_bytes_use_iso_dates_and_blanks() -> None:
    deliveries = generate(days=60)[Kind.DELIVERIES]
    text = to_csv_bytes(Kind.DELIVERIES, deliveries).decode()
    header, first = text.splitlines()[:2]
    assert header == ",".join(KINDS[Kind.DELIVERIES].names)
    assert first.split(",")[5].count("-") == 2
    assert ",," in text or text.rstrip().endswith(",")


def test_seed_demo_loads_without_errors(engine: sa.Engine, settings: Settings) -> None:
    results = seed_demo(engine, settings)
    assert [r.kind for r in results] == list(Kind)
    assert all(r.outcome is Outcome.LOADED and not r.errors for r in results)
    frames = generate()
    counts = store.current_row_counts(engine)
    assert counts == {kind.value: len(frames[kind]) for kind in Kind}


def test_seed_if_empty_seeds_only_once(engine: sa.Engine, settings: Settings) -> None:
    assert seed_if_empty(engine, settings) is True
    batches = len(store.list_batches(engine))
    assert seed_if_empty(engine, settings) is False
    assert len(store.list_batches(engine)) == batches == len(Kind)


@pytest.mark.parametrize("name", [kind.value for kind in Kind])
def test_sample_files_load_after_the_demo(name: str, engine: sa.Engine, settings: Settings) -> None:
    from kpi.demo_measurements import demo_specs
    from kpi.specs import set_specs

    set_specs(engine, settings, demo_specs(), "the demo's specs")  # readings need their specs
    result = ingest_file(engine, settings, SAMPLES / f"{name}.csv")
    assert result.outcome is Outcome.LOADED, [p.describe() for p in result.problems]
    assert result.kind is Kind(name)
    assert result.rows_loaded > 0


def test_sample_dates_are_after_the_demo_year() -> None:
    for name, column in [("production", "date"), ("deliveries", "due_date")]:
        dates = pd.to_datetime(pd.read_csv(SAMPLES / f"{name}.csv")[column], format="%Y-%m-%d")
        assert dates.min() > END


def test_sample_defects_match_sample_production() -> None:
    production = pd.read_csv(SAMPLES / "production.csv")
    defects = pd.read_csv(SAMPLES / "defects.csv")
    totals = defects.pivot_table(
        index=SCOPE, columns="disposition", values="quantity", aggfunc="sum"
    )
    expected = production.groupby(SCOPE)[["units_scrapped", "units_reworked"]].sum()
    joined = totals.join(expected, how="left")
    assert (joined.scrap == joined.units_scrapped).all()
    assert (joined.rework == joined.units_reworked).all()


def test_broken_sample_reports_each_documented_error(engine: sa.Engine, settings: Settings) -> None:
    result = ingest_file(engine, settings, SAMPLES / "production_broken.csv")
    assert result.outcome is Outcome.REJECTED
    lines = sorted(p.line for p in result.problems if p.line is not None)
    assert lines == [3, 4, 5, 6, 7, 8]
    assert store.current_row_counts(engine)["production"] == 0


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m kpi`` in a subprocess, as a user would run it from the repository."""
    command = [sys.executable, "-m", "kpi", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_cli_demo_in_subprocess(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'cli.duckdb'}"
    done = run_cli("demo", "--db", url)
    assert done.returncode == 0, done.stderr
    *lines, actions = done.stdout.strip().splitlines()
    assert len(lines) == len(Kind)
    assert all("loaded" in line for line in lines)
    assert actions == "opened 3 demo corrective actions (the L5 scrap drift)"
    again = run_cli("demo", "--db", url)
    assert again.returncode == 0, again.stderr
    assert all("already loaded" in line for line in again.stdout.strip().splitlines())


def test_demo_measures_every_product_against_its_spec(frames: dict[Kind, pd.DataFrame]) -> None:
    from kpi.demo_measurements import MEASURED_DAYS, SUBGROUP_SIZE, demo_specs

    readings = frames[Kind.MEASUREMENTS]
    specs = {(s.product, s.characteristic): s for s in demo_specs()}
    measured = set(readings.groupby(["product", "characteristic"]).groups)
    assert measured == set(specs)
    assert readings["date"].min() == END - pd.Timedelta(days=MEASURED_DAYS - 1)
    key = ["date", "shift", "plant", "line", "machine", "product", "characteristic", "subgroup"]
    assert (readings.groupby(key).size() == SUBGROUP_SIZE).all()
    units = readings.drop_duplicates(["product", "characteristic"])
    assert all(specs[(r.product, r.characteristic)].unit == r.unit for r in units.itertuples())
    assert (readings["value"] < 0).any(), "a deviation may be negative"
    assert any(s.lsl is None for s in specs.values()), "a one-sided spec"


def test_demo_tooth_thickness_drifts_on_l5_only(frames: dict[Kind, pd.DataFrame]) -> None:
    from kpi.demo_layout import DRIFT_DAYS, DRIFT_LINE
    from kpi.demo_measurements import DRIFT_CHARACTERISTIC, DRIFT_PRODUCT

    readings = frames[Kind.MEASUREMENTS]
    tooth = readings[
        (readings["product"] == DRIFT_PRODUCT)
        & (readings["characteristic"] == DRIFT_CHARACTERISTIC)
    ]
    drift_start = END - pd.Timedelta(days=DRIFT_DAYS - 1)
    last_week = tooth["date"] > END - pd.Timedelta(days=7)
    for line, moves in ((DRIFT_LINE, True), ("L6", False)):
        on = tooth["line"] == line
        before = tooth[on & (tooth["date"] < drift_start)]["value"]
        late = tooth[on & last_week]["value"]
        sigma = before.std()
        assert len(before) > 50 and len(late) > 50
        assert bool(late.mean() - before.mean() > 2 * sigma) == moves, line


def test_demo_kpi_inputs_do_not_depend_on_measurements(frames: dict[Kind, pd.DataFrame]) -> None:
    """The measurement stream is a fourth child seed: the other kinds are as before."""
    import numpy as np

    from kpi import demo_layout as lay
    from kpi.demo_plant import plant_frames

    plant_seed = np.random.SeedSequence(lay.DEFAULT_SEED).spawn(3)[0]
    production, _, _ = plant_frames(np.random.default_rng(plant_seed), lay.default_start(), 365)
    pd.testing.assert_frame_equal(
        production[list(KINDS[Kind.PRODUCTION].names)], frames[Kind.PRODUCTION]
    )
