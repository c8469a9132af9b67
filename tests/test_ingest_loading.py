"""Loading semantics: every kind, tolerant dialects, idempotent reload, corrections, undo."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
import sqlalchemy as sa

from kpi import store
from kpi.ingest import Outcome, UndoRefused, ingest_bytes, undo_batch
from kpi.schema import Kind
from kpi.specs import Spec, set_spec
from kpi.tables import FACT_TABLES

PRODUCTION = (
    "date,shift,plant,line,machine,product,planned_minutes,ideal_cycle_seconds,"
    "units_produced,units_scrapped,units_reworked\n"
    "2026-03-02,A,Plant 1,L1,M1,P-100,480,30,800,12,5\n"
    "2026-03-02,N,Plant 1,L1,M1,P-100,480,30,700,9,3\n"
    "2026-03-02,A,Plant 1,L2,,P-200,480,,400,4,\n"
)


def current(engine: sa.Engine, kind: Kind) -> pd.DataFrame:
    table = FACT_TABLES[kind]
    data_columns = [c for c in table.c if c.name not in ("batch_id", "replaced_by")]
    query = sa.select(table).where(table.c.replaced_by.is_(None)).order_by(*data_columns)
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).mappings().all())
    return frame.drop(columns=["batch_id", "replaced_by"], errors="ignore")


def load(engine, settings, text: str | bytes, name: str = "f.csv", kind=None):  # noqa: ANN001, ANN201
    data = text.encode() if isinstance(text, str) else text
    return ingest_bytes(engine, settings, data, name, kind)


def test_production_is_typed_with_defaults(engine, settings) -> None:
    result = load(engine, settings, PRODUCTION)
    assert (result.outcome, result.rows_loaded, result.kind) == (Outcome.LOADED, 3, Kind.PRODUCTION)
    rows = current(engine, Kind.PRODUCTION)
    assert rows["date"].tolist() == [dt.date(2026, 3, 2)] * 3
    # ordered by date, shift, plant, line: (A, L1), (A, L2), (N, L1)
    assert rows["units_reworked"].tolist() == [5, 0, 3]
    assert rows["machine"].isna().tolist() == [False, True, False]
    assert rows["ideal_cycle_seconds"].isna().tolist() == [False, True, False]


def test_optional_plant_defaults_to_settings(engine, settings) -> None:
    load(engine, settings, "date,shift,line,reason,minutes\n2026-03-02,A,L1,Jam,5.5\n")
    rows = current(engine, Kind.DOWNTIME)
    assert rows.loc[0, "plant"] == settings.default_plant
    assert rows.loc[0, "planned"] is False or rows.loc[0, "planned"] == False  # noqa: E712
    assert rows.loc[0, "minutes"] == 5.5


def test_each_kind_loads(engine, settings) -> None:
    files = {
        Kind.DOWNTIME: "date,shift,plant,line,machine,reason,minutes,planned,start\n"
        "2026-03-02,N,Plant 1,L1,M1,Break,30,yes,2026-03-03 02:00\n",
        Kind.DELIVERIES: "order_id,line_no,customer,product,plant,due_date,ship_date,"
        "quantity_ordered,quantity_shipped\nSO-1,1,Acme,P-100,Plant 1,2026-03-05,,100,\n",
        Kind.RECEIPTS: "po_id,line_no,supplier,product,plant,due_date,received_date,"
        "quantity_ordered,quantity_received\nPO-1,1,Steelco,Coil,Plant 1,2026-03-01,"
        "2026-03-04,10,10\n",
        Kind.DEFECTS: "date,shift,plant,line,product,defect,quantity,disposition\n"
        "2026-03-02,A,Plant 1,L1,P-100,Burr,7,Scrap\n",
        Kind.MEASUREMENTS: "date,shift,plant,line,machine,product,characteristic,subgroup,"
        "value,unit\n2026-03-02,A,Plant 1,L1,M1,P-100,length,S1,-0.25,mm\n",
    }
    set_spec(engine, settings, Spec("P-100", "length", "mm", 0.0, -1.0, 1.0))
    for kind, text in files.items():
        result = load(engine, settings, text)
        assert (result.outcome, result.kind) == (Outcome.LOADED, kind), result.summary()
    assert current(engine, Kind.DOWNTIME).loc[0, "start"] == pd.Timestamp("2026-03-03 02:00")
    assert pd.isna(current(engine, Kind.DELIVERIES).loc[0, "ship_date"])
    assert current(engine, Kind.DEFECTS).loc[0, "disposition"] == "scrap"
    assert current(engine, Kind.MEASUREMENTS).loc[0, "value"] == -0.25
    assert store.current_row_counts(engine) == {k.value: 1 for k in Kind} | {"production": 0}


def _dialect_variants() -> dict[str, bytes]:
    lines = PRODUCTION.strip().split("\n")
    header = lines[0].split(",")
    order = list(reversed(range(len(header))))
    shuffled = [",".join(line.split(",")[i] for i in order) for line in lines]
    extra = [lines[0] + ",comment"] + [line + ",hello" for line in lines[1:]]
    shouty = [",".join(f"  {h.upper()} " for h in header)] + lines[1:]
    return {
        "bom": b"\xef\xbb\xbf" + PRODUCTION.encode(),
        "crlf": PRODUCTION.replace("\n", "\r\n").encode(),
        "cr": PRODUCTION.replace("\n", "\r").encode(),
        "semicolon": PRODUCTION.replace(",", ";").encode(),
        "tab": PRODUCTION.replace(",", "\t").encode(),
        "pipe": PRODUCTION.replace(",", "|").encode(),
        "quoted": "\n".join(",".join(f'"{c}"' for c in line.split(",")) for line in lines).encode(),
        "shuffled": "\n".join(shuffled).encode(),
        "extra": "\n".join(extra).encode(),
        "header_case": "\n".join(shouty).encode(),
    }


@pytest.mark.parametrize("variant", sorted(_dialect_variants()))
def test_tolerant_inputs_load_like_clean_ones(tmp_path, settings, engine, variant: str) -> None:
    load(engine, settings, PRODUCTION)
    expected = current(engine, Kind.PRODUCTION)
    other_settings = type(settings)(db_url=f"duckdb:///{tmp_path / 'other.duckdb'}", user="t")
    other = store.create_engine(other_settings)
    result = load(other, other_settings, _dialect_variants()[variant])
    assert result.outcome is Outcome.LOADED, [p.describe() for p in result.problems]
    pd.testing.assert_frame_equal(current(other, Kind.PRODUCTION), expected)
    other.dispose()


def test_same_bytes_twice_is_a_no_op(engine, settings) -> None:
    first = load(engine, settings, PRODUCTION)
    again = load(engine, settings, PRODUCTION, name="renamed.csv")
    assert again.outcome is Outcome.ALREADY_LOADED
    assert again.batch_id == first.batch_id
    assert f"already loaded as batch {first.batch_id}" in again.summary()
    assert len(store.list_batches(engine)) == 1
    assert store.current_row_counts(engine)["production"] == 3


def test_correction_replaces_shift_scope_and_undo_restores(engine, settings) -> None:
    load(engine, settings, PRODUCTION)
    before = current(engine, Kind.PRODUCTION)
    corrected = (
        PRODUCTION.split("\n")[0] + "\n"
        "2026-03-02,A,Plant 1,L1,M1,P-100,480,30,810,2,5\n"
        "2026-03-02,A,Plant 1,L1,M2,P-100,480,30,100,1,0\n"
    )
    result = load(engine, settings, corrected)
    assert (result.rows_loaded, result.rows_replaced) == (2, 1)
    after = current(engine, Kind.PRODUCTION)
    assert sorted(after["units_produced"]) == [100, 400, 700, 810]
    with pytest.raises(UndoRefused, match="undo batch 2 first"):
        undo_batch(engine, settings, 1)
    message = undo_batch(engine, settings, result.batch_id)
    assert "withdrew 2 rows, restored 1" in message
    restored = current(engine, Kind.PRODUCTION)
    pd.testing.assert_frame_equal(restored, before)
    with pytest.raises(UndoRefused, match="already undone"):
        undo_batch(engine, settings, result.batch_id)
    with pytest.raises(UndoRefused, match="no batch 99"):
        undo_batch(engine, settings, 99)


def test_deliveries_upsert_by_key_and_keep_history(engine, settings) -> None:
    header = "order_id,line_no,customer,due_date,ship_date,quantity_ordered,quantity_shipped\n"
    load(engine, settings, header + "SO-1,1,Acme,2026-03-05,,100,\nSO-1,2,Acme,2026-03-05,,5,\n")
    update = load(
        engine,
        settings,
        header + "SO-1,1,Acme,2026-03-05,2026-03-04,100,100\nSO-2,1,Bolt,2026-03-09,,7,\n",
    )
    assert (update.rows_loaded, update.rows_replaced) == (2, 1)
    rows = current(engine, Kind.DELIVERIES).set_index(["order_id", "line_no"])
    assert rows.loc[("SO-1", "1"), "ship_date"] == dt.date(2026, 3, 4)
    assert len(rows) == 3
    table = FACT_TABLES[Kind.DELIVERIES]
    with engine.connect() as conn:
        history = conn.execute(sa.select(sa.func.count()).select_from(table)).scalar()
    assert history == 4, "the replaced line is kept as history"


def test_undo_after_reload_and_reload_after_undo(engine, settings) -> None:
    first = load(engine, settings, PRODUCTION)
    undo_batch(engine, settings, first.batch_id)
    assert store.current_row_counts(engine)["production"] == 0
    again = load(engine, settings, PRODUCTION)
    assert again.outcome is Outcome.LOADED and again.batch_id == first.batch_id + 1
    assert store.current_row_counts(engine)["production"] == 3


def test_original_bytes_are_archived_and_audited(engine, settings) -> None:
    data = PRODUCTION.replace("\n", "\r\n").encode()
    result = load(engine, settings, data, name="../../etc/passwd")
    assert store.archive_path(settings, result.sha256).read_bytes() == data
    ledger = store.list_batches(engine)
    assert ledger.loc[0, "file_name"] == "../../etc/passwd"  # a label only, never a path
    assert ledger.loc[0, "loaded_by"] == "tester"
    audit = store.list_audit(engine)
    assert audit.loc[0, "action"] == "upload" and audit.loc[0, "user_name"] == "tester"


def test_a_rejected_or_rerouted_load_leaves_no_archive_copy_behind(engine, settings) -> None:
    """The archive copy runs beside the load; only an accepted file keeps one."""
    bad = PRODUCTION.replace(",800,", ",-800,", 1)
    assert load(engine, settings, bad).outcome is Outcome.REJECTED
    padded = PRODUCTION.replace(",L1,", ", L1 ,")  # the native path steps aside for this
    result = load(engine, settings, padded)
    assert result.outcome is Outcome.LOADED, result.summary()
    folder = store.archive_path(settings, result.sha256).parent
    assert [p.name for p in folder.iterdir()] == [result.sha256]
    assert store.archive_path(settings, result.sha256).read_text() == padded
