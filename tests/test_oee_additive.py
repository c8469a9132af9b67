"""OEE that adds up (issue 13 §3): OEE = Σ(good × ideal cycle) / Σ PBT at every split.

Golden files in tests/golden/oee_split/ (values worked out by hand in its README entry),
and a property test on random data: the numerators and denominators of OEE, availability,
performance and the time-weighted quality factor, and every waterfall step, add up over
any split to the total; availability × performance × quality = OEE.
"""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from pathlib import Path

import pytest
from golden.kpi_fixtures import GOLDEN, load_bytes, to_csv
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi.drilldown import oee_waterfall
from kpi.ingest import Outcome, ingest_bytes
from kpi.metrics import compute, make_query
from kpi.schema import Kind
from kpi.settings import load_settings
from kpi.store import create_engine
from kpi.summary import ensure_current

DAY = dt.date(2025, 3, 3)
DOWN_DAY = dt.date(2025, 3, 4)
FACTORS = ("availability", "performance", "oee_quality")
OEE_KPIS = (*FACTORS, "oee")


@pytest.fixture
def split(engine, settings):
    for kind in (Kind.PRODUCTION, Kind.DOWNTIME):
        path = GOLDEN / "oee_split" / f"{kind.value}.csv"
        load_bytes(engine, settings, kind, path.read_bytes(), path.name)
    return engine


def _by(engine, by=(), use_summary=True, day=DAY):
    query = make_query(OEE_KPIS, "total", by, day, day)
    return compute(engine, query, use_summary=use_summary)


@pytest.mark.parametrize("use_summary", [True, False])
def test_total_oee_is_fully_productive_time_over_pbt(split, use_summary):
    """Was 0.7467 (A × P × count yield of the pooled sums); by hand it is 660 / 900."""
    df = _by(split, use_summary=use_summary).set_index("kpi")
    assert (df.loc["oee", "numerator"], df.loc["oee", "denominator"]) == (660, 900)
    assert df.loc["oee", "value"] == pytest.approx(660 / 900, rel=1e-9)
    assert df.loc["oee_quality", "value"] == pytest.approx(660 / 700, rel=1e-9)
    per_line = _by(split, ["line"], use_summary).set_index(["line", "kpi"])["value"]
    assert per_line[("L1", "oee")] == pytest.approx(360 / 450, rel=1e-9)
    assert per_line[("L2", "oee")] == pytest.approx(300 / 450, rel=1e-9)


def test_split_by_product_adds_back_up(split):
    whole = _by(split).set_index("kpi")
    parts = _by(split, ["product"])
    oee = parts[parts["kpi"] == "oee"]
    assert oee["numerator"].sum() == whole.loc["oee", "numerator"]
    assert oee["denominator"].sum() == whole.loc["oee", "denominator"]


def test_waterfall_quality_loss_is_time_weighted(split):
    """The true quality loss is 40 scrapped units × 1 min = 40 min (was 28.0)."""
    steps = oee_waterfall(split, DAY, DAY).set_index("step")["minutes"]
    assert steps["quality loss"] == pytest.approx(-40)
    assert steps["fully productive time"] == pytest.approx(660)
    assert steps["performance loss"] == pytest.approx(-(760 - 700))


@pytest.mark.parametrize("use_summary", [True, False])
def test_line_down_the_whole_shift_has_oee_zero(split, use_summary):
    """Availability 0 / 480 and OEE 0 / 480, not an empty value (performance stays empty)."""
    df = _by(split, use_summary=use_summary, day=DOWN_DAY).set_index("kpi")["value"]
    assert df["availability"] == 0
    assert df["oee"] == 0
    assert math.isnan(df["performance"])


# --- property test -------------------------------------------------------------------------

DATES = [dt.date(2025, 3, 3), dt.date(2025, 3, 4)]
KEY = dict(
    date=st.sampled_from(DATES),
    shift=st.sampled_from(["A", "B"]),
    plant=st.sampled_from(["P1", "P2"]),
    line=st.sampled_from(["L1", "L2"]),
    machine=st.sampled_from(["", "M1", "M2"]),
)


@st.composite
def production_row(draw) -> dict:
    produced = draw(st.integers(0, 600))
    scrapped = draw(st.integers(0, produced))
    return {k: draw(v) for k, v in KEY.items()} | dict(
        product=draw(st.sampled_from(["X", "Y", "Z"])),
        planned_minutes=draw(st.integers(300, 480)),
        ideal_cycle_seconds=draw(st.sampled_from([1, 7.5, 30, 45])),
        units_produced=produced,
        units_scrapped=scrapped,
        units_reworked=draw(st.integers(0, produced - scrapped)),
    )


@st.composite
def downtime_row(draw) -> dict:
    return {k: draw(v) for k, v in KEY.items()} | dict(
        reason="Jam", minutes=draw(st.integers(1, 30)), planned=draw(st.sampled_from(["yes", "no"]))
    )


def _unique(rows: list[dict]) -> list[dict]:
    keys = ("date", "shift", "plant", "line", "machine", "product")
    return list({tuple(r[k] for k in keys): r for r in rows}.values())


def _load(engine, cfg, kind: Kind, rows: list[dict]) -> None:
    result = ingest_bytes(engine, cfg, to_csv(kind, rows), f"{kind.value}.csv", kind)
    assert result.outcome is Outcome.LOADED, [p.describe() for p in result.problems]


def _assert_splits_add_up(engine) -> None:
    whole = compute(engine, make_query(OEE_KPIS)).set_index("kpi")
    for by in (["line"], ["plant", "line"], ["product"], ["machine"], ["shift", "product"]):
        parts = compute(engine, make_query(OEE_KPIS, "total", by))
        sums = parts.groupby("kpi")[["numerator", "denominator"]].sum(min_count=1)
        for kpi in OEE_KPIS:
            for col in ("numerator", "denominator"):
                assert sums.loc[kpi, col] == pytest.approx(
                    whole.loc[kpi, col], rel=1e-9, abs=1e-9, nan_ok=True
                )  # "no data" (no downtime file) on both sides
        # a line or machine split also groups by its plant (and line): a line is (plant, line)
        keys = [c for c in ("plant", "line", "machine", "shift", "product") if c in parts]
        _assert_product(parts.set_index([*keys, "kpi"])["value"].unstack("kpi"))
    _assert_product(whole["value"].to_frame().T)


def _assert_product(values) -> None:
    for _, row in values.iterrows():
        a, p, q = (row[k] for k in FACTORS)
        if all(math.isfinite(v) for v in (a, p, q)):
            assert a * p * q == pytest.approx(row["oee"], rel=1e-9, abs=1e-12)


def _assert_waterfall_adds_up(engine) -> None:
    whole = oee_waterfall(engine).set_index("step")["minutes"]
    lines = compute(engine, make_query(["oee"], "total", ["plant", "line"]))
    parts = [
        oee_waterfall(engine, where={"plant": p, "line": ln}).set_index("step")["minutes"]
        for p, ln in zip(lines["plant"], lines["line"], strict=True)
    ]
    for step in whole.index:
        assert sum(part[step] for part in parts) == pytest.approx(whole[step], abs=1e-6)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    production=st.lists(production_row(), min_size=1, max_size=14),
    downtime=st.lists(downtime_row(), max_size=10),
)
def test_random_splits_add_up_and_factors_multiply_to_oee(production, downtime):
    folder = tempfile.TemporaryDirectory()
    cfg = load_settings("duckdb:///" + str(Path(folder.name) / "p.duckdb"), user="prop")
    engine = create_engine(cfg)
    try:
        _load(engine, cfg, Kind.PRODUCTION, _unique(production))
        if downtime:
            _load(engine, cfg, Kind.DOWNTIME, downtime)
        ensure_current(engine)
        _assert_splits_add_up(engine)
        _assert_waterfall_adds_up(engine)
    finally:
        engine.dispose()
        folder.cleanup()
