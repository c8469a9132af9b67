"""The native fast path stores exactly what the text path (the checker's parsing) stores.

The native path lets DuckDB's typed CSV reader parse dates and numbers, and checks free
text once per distinct value. It may refuse more files than the text path (they then
go to the text path), but whenever it accepts a file its rows must equal the text
path's, and whenever it calls a file bad the text path must call it bad too.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, event, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from kpi import store
from kpi.ingest import Outcome, fast, ingest_file, read
from kpi.ingest.fast import NeedsDetailedCheck, NotPlain, Parse
from kpi.schema import KINDS, ColType, Column, Kind
from kpi.settings import Settings, load_settings
from kpi.synthetic import write_production_csv
from kpi.tables import FACT_TABLES

NUMBERS = [
    "5", "0", "480", " 7 ", "\t9", "+5", "-5", "1e3", "2.5", ".5", "5.", "inf", "nan",
    "Infinity", "0x10", "1_000", "1 000", "٣", "５", "", " ", "1e400", "-0", "00012",
    "2000000000", "1440", "1441", "0.0", "1_5", "12.000", "1.200", "1,5", "1.250,5", "0.500",
]  # fmt: skip
DATES = [
    "2026-01-05", " 2026-01-05 ", "2026-1-5", "2026-02-30", "2026-01-05T00:00", "20260105",
    "05/01/2026", "2026/01/05", "+2026-01-05", "26-01-05", "", " ", "2026-13-01",
    "2025-12-31", "0001-01-01", "1900-01-01", "1969-12-31", "1970-01-01", "2099-12-31",
    "2100-01-01", "epoch", "infinity", "-infinity", "EPOCH", " Infinity ",
]  # fmt: skip
TEXTS = [
    "A", "B", "L1", "P-100", "Plant 1", " L1", "L1 ", "\tL1", "L1\t", "\u00a0L1", "L1\u00a0",
    "\u3000L1", "=SUM(A1)", "+cmd", "-x", "-1", "@a", "Ölwerk", "", " ", "x" * 201,
    "é" * 150, "line;2", 'say "hi"', "a,b", "Ｌ１", "l1", "＝1", "\u00a0", "e\u0301",
]  # fmt: skip
PRODUCTION = KINDS[Kind.PRODUCTION]


@pytest.fixture(scope="module")
def native_store(tmp_path_factory: pytest.TempPathFactory) -> tuple[sa.Engine, Settings]:
    folder = tmp_path_factory.mktemp("native")
    settings = load_settings(f"duckdb:///{folder / 'kpi.duckdb'}", "tester")
    return store.create_engine(settings), settings


# production's own valid values keep scrap + rework within the units produced
PRODUCTION_VALID = {
    "shift": ["A", "B", "Night"],
    "machine": ["M1", "M-2"],
    "planned_minutes": ["480", "1440", "7.5"],
    "ideal_cycle_seconds": ["30", "2.5"],
    "units_produced": ["800", "1000"],
    "units_scrapped": ["0", "12"],
    "units_reworked": ["0", "5"],
}
VALID_BY_TYPE = {
    ColType.DATE: ["2026-01-05", "2026-01-06", "2026-02-28", "2025-12-31"],
    ColType.TEXT: ["L1", "Plant 2", "P-100", "Ölwerk 7", "ACME GmbH"],
    ColType.COUNT: ["0", "5", "12"],
    ColType.NUMBER: ["7.5", "30", "480"],
    ColType.BOOL: ["yes", "no", "1", "false"],
    ColType.TIMESTAMP: ["2026-01-05 06:15", "2026-01-05T06:15:00"],
}
ODD_BY_TYPE = {
    ColType.DATE: DATES,
    ColType.TEXT: TEXTS,
    ColType.COUNT: NUMBERS,
    ColType.NUMBER: NUMBERS,
    ColType.BOOL: ["maybe", " yes ", "Y", "", "2"],
    ColType.TIMESTAMP: [
        "05/01/2026 06:15",
        "",
        "2026-01-05",
        " 2026-01-05 06:15 ",
        "25:00",
        "epoch",
        "infinity",
    ],  # fmt: skip
}


def _valid(column: Column, kind: Kind) -> list[str]:
    if column.choices:
        return list(column.choices)
    if kind is Kind.PRODUCTION and column.name in PRODUCTION_VALID:
        return PRODUCTION_VALID[column.name]
    return VALID_BY_TYPE[column.type]


def _odd(column: Column) -> list[str]:
    if column.choices:
        return ["Scrap", " rework ", "junk", ""]
    return ODD_BY_TYPE[column.type]


@st.composite
def _file(draw: st.DrawFn) -> tuple[Kind, list[list[str]]]:
    """A kind and its rows: mostly valid cells, up to two odd ones a row, so files of every
    outcome come up."""
    kind = draw(st.sampled_from(list(Kind)))
    columns = KINDS[kind].columns
    rows = []
    for _ in range(draw(st.integers(1, 4))):
        row = [draw(st.sampled_from(_valid(column, kind))) for column in columns]
        for index in draw(st.lists(st.integers(0, len(row) - 1), max_size=2)):
            row[index] = draw(st.sampled_from(_odd(columns[index])))
        rows.append(row)
    return kind, rows


def _write(folder: Path, kind: Kind, rows: list[list[str]], delimiter: str) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
    writer.writerow(KINDS[kind].names)
    writer.writerows(rows)
    path = folder / "native.csv"
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def _attempt(engine: sa.Engine, path: Path, kind: Kind, parse: Parse) -> object:
    """The stored rows of the attempt, or the exception class it raised; always rolled back."""
    source = read.inspect(path)
    spec, table = KINDS[kind], FACT_TABLES[kind]
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            fast.stream_into_store(conn, source, spec, {"plant": "Plant 1"}, 9, None, parse)
            columns = [table.c[name] for name in spec.names]
            query = sa.select(*columns).where(table.c.batch_id == 9).order_by(*columns)
            return [tuple(row) for row in conn.execute(query)]
        except (NotPlain, NeedsDetailedCheck) as exc:
            return type(exc)
        finally:
            transaction.rollback()


@hypothesis_settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(file=_file(), delimiter=st.sampled_from([",", ";"]))
def test_native_path_never_disagrees_with_the_text_path(
    native_store: tuple[sa.Engine, Settings],
    tmp_path: Path,
    file: tuple[Kind, list[list[str]]],
    delimiter: str,
) -> None:
    engine, _ = native_store
    kind, rows = file
    path = _write(tmp_path, kind, rows, delimiter)
    native = _attempt(engine, path, kind, Parse.NATIVE)
    text = _attempt(engine, path, kind, Parse.TEXT)
    outcome = native.__name__ if isinstance(native, type) else "loaded"
    event(f"{kind.value} native: {outcome}")
    if native is NotPlain:
        return  # the native path stepped aside; the text path decides alone
    if native is NeedsDetailedCheck:
        assert text is NeedsDetailedCheck, (
            f"native called a file bad that the text path loads: {rows}"
        )
        return
    assert native == text, rows


def _good_rows(pad: str) -> str:
    lines = [",".join(PRODUCTION.names)]
    for day in range(1, 6):
        cells = [f"2026-03-0{day}", "A", "Plant 1", "L1", "M1", "P-100", "480", "30", "800", "12"]
        lines.append(
            ",".join(f"{pad}{cell}{pad}" if not cell[0].isdigit() else cell for cell in cells)
            + ",5"
        )
    return "\n".join(lines) + "\n"


def test_padded_names_load_through_the_text_path_and_are_stored_trimmed(
    engine: sa.Engine, settings: Settings, tmp_path: Path
) -> None:
    padded = tmp_path / "padded.csv"
    padded.write_text(_good_rows("  "))
    source = read.inspect(padded)
    with engine.connect() as conn, pytest.raises(NotPlain), conn.begin():
        fast.stream_into_store(conn, source, PRODUCTION, {}, 1, None, Parse.NATIVE)
    result = ingest_file(engine, settings, padded)
    assert result.outcome is Outcome.LOADED, result.summary()
    with engine.connect() as conn:
        names = conn.execute(sa.text("SELECT DISTINCT line, product FROM production")).all()
    assert names == [("L1", "P-100")]


def test_a_rule_broken_late_in_a_file_is_named_by_line(
    engine: sa.Engine, settings: Settings, tmp_path: Path
) -> None:
    body = _good_rows("").splitlines()
    body[4] = body[4].replace(",800,12,5", ",800,900,5")
    path = tmp_path / "late.csv"
    path.write_text("\n".join(body) + "\n")
    result = ingest_file(engine, settings, path)
    assert result.outcome is Outcome.REJECTED
    assert [(p.line, p.column) for p in result.problems] == [(5, "units_scrapped")]
    assert store.is_empty(engine)


@pytest.mark.duckdb_only  # the DuckDB fast path's own internals
def test_a_broken_rule_goes_straight_to_the_checker_without_a_second_pass(
    engine: sa.Engine, tmp_path: Path
) -> None:
    """A rule broken on the native path is the same rule on the text path: no retry."""
    body = _good_rows("").replace(",800,12,5", ",800,-12,5", 1)
    path = tmp_path / "negative.csv"
    path.write_text(body)
    with engine.connect() as conn, pytest.raises(NeedsDetailedCheck), conn.begin():
        fast.stream_into_store(conn, read.inspect(path), PRODUCTION, {}, 1, None, Parse.NATIVE)


@pytest.mark.duckdb_only  # the DuckDB fast path's own internals
@pytest.mark.parametrize("body", ["good", "bad"])
def test_the_insertion_order_setting_is_reset_after_every_load(
    engine: sa.Engine, settings: Settings, tmp_path: Path, body: str
) -> None:
    """The loader turns insertion order off for its own transaction only."""
    text = _good_rows("")
    path = tmp_path / "load.csv"
    path.write_text(text if body == "good" else text.replace(",800,12,5", ",800,-12,5", 1))
    ingest_file(engine, settings, path)
    with engine.connect() as conn:
        setting = "SELECT current_setting('preserve_insertion_order')"
        assert conn.exec_driver_sql(setting).scalar() is True


def test_a_file_quoting_the_guard_words_is_not_mistaken_for_a_broken_rule(
    engine: sa.Engine, settings: Settings, tmp_path: Path
) -> None:
    """DuckDB's parse errors quote the line; a product named like the guard's message must
    not pass for it (the guard's message carries a fresh random word on every load)."""
    header = ",".join(PRODUCTION.names)
    path = tmp_path / "row breaks a rule.csv"
    path.write_text(
        f"{header}\n\u00a02026-03-02,A,Plant 1,L1,M1,row breaks a rule,480,30,800,12,5\n"
    )
    result = ingest_file(engine, settings, path)
    assert result.outcome is Outcome.LOADED, result.summary()
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT date, product FROM production")).one()
    assert (str(stored[0]), stored[1]) == ("2026-03-02", "row breaks a rule")


def test_the_progress_bar_says_when_a_file_is_read_a_second_time(
    engine: sa.Engine, settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file the native path steps aside for is read again; the bar says why it restarts."""
    monkeypatch.setattr(fast, "_POLL_SECONDS", 0.005)
    plain = write_production_csv(tmp_path / "plain.csv", 300_000)
    padded = tmp_path / "padded.csv"
    padded.write_text(plain.read_text().replace(",L1,", ", L1,"))
    stages: list[str] = []
    result = ingest_file(engine, settings, padded, progress=lambda stage, _: stages.append(stage))
    assert result.outcome is Outcome.LOADED, result.summary()
    assert "loading" in stages
    assert "loading again, reading every cell as text" in stages
    assert stages.index("loading") < stages.index("loading again, reading every cell as text")
