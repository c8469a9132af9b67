"""Encoding detection and strict decoding: the right characters, or a clear refusal."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from kpi import cli, encodings
from kpi.ingest import Outcome
from kpi.ingest.imports import import_file
from kpi.profiles import Profile
from kpi.schema import Kind
from kpi.tables import FACT_TABLES

HEADER = "order_id,customer,plant,due_date,ship_date\n"
ROWS = (
    "SO-1,Renée O’Brien,Plant 1,2026-11-02,2026-11-02\n"
    "SO-2,Zoë Müller,Plant 1,2026-11-03,2026-11-04\n"
    "SO-3,François Lefèvre – Lyon,Plant 1,2026-11-03,\n"
)
NAMES = ["Renée O’Brien", "Zoë Müller", "François Lefèvre – Lyon"]
TEXT = HEADER + ROWS


def customers(engine: sa.Engine) -> list[str]:
    table = FACT_TABLES[Kind.DELIVERIES]
    with engine.connect() as conn:
        query = sa.select(table.c.customer).order_by(table.c.order_id)
        return list(conn.execute(query).scalars())


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (TEXT.encode("cp1252"), "cp1252"),  # ’ and – are bytes 0x92 and 0x96: not Latin-1
        (TEXT.encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),  # with its BOM
        (TEXT.encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
        (b"a,b\n1,2\n", "utf-8"),  # plain ASCII reads the same in all of them
    ],
)
def test_the_encoding_is_detected_and_sure(data: bytes, expected: str) -> None:
    guess = encodings.detect(data)
    assert (guess.encoding, guess.sure) == (expected, True), guess
    assert "sure" in guess.describe()


def test_a_cut_multibyte_character_at_the_end_of_the_head_is_still_utf8() -> None:
    data = TEXT.encode("utf-8")
    cut = data.index("é".encode()) + 1  # inside the two bytes of é
    assert encodings.detect(data[:cut]).encoding == "utf-8"


def test_bytes_that_are_no_plausible_text_leave_the_guess_unsure() -> None:
    nonsense = bytes(range(0x80, 0x100)) * 8
    guess = encodings.detect(b"a,b\n" + nonsense)
    assert not guess.sure
    assert "choose" in guess.describe() or "unsure" in guess.describe()


def test_cp1252_loads_with_the_right_characters_without_naming_it(
    engine, settings, write_csv
) -> None:
    path = write_csv("orders.csv", TEXT.encode("cp1252"))
    result = import_file(engine, settings, path, encoding="auto")
    assert result.outcome is Outcome.LOADED, [p.describe() for p in result.problems]
    assert customers(engine) == NAMES
    again = import_file(engine, settings, path, encoding="latin-1")
    assert again.outcome is Outcome.REJECTED  # another decoding is another load: refused
    assert "control" in again.problems[0].problem  # 0x92 in Latin-1 is a C1 control


def test_a_utf16_file_loads_when_its_encoding_is_chosen(engine, settings, write_csv) -> None:
    path = write_csv("orders16.csv", TEXT.encode("utf-16"))
    refused = import_file(engine, settings, path)
    assert refused.outcome is Outcome.REJECTED and "UTF-16" in refused.problems[0].problem
    result = import_file(engine, settings, path, encoding="utf-16")
    assert result.outcome is Outcome.LOADED, [p.describe() for p in result.problems]
    assert customers(engine) == NAMES


def test_undecodable_bytes_are_refused_naming_the_line_and_the_encoding_to_try(
    engine, settings, write_csv
) -> None:
    path = write_csv("orders.csv", TEXT.encode("cp1252"))
    result = import_file(engine, settings, path)  # read as UTF-8
    assert result.outcome is Outcome.REJECTED
    problem = result.problems[0]
    assert problem.line == 2 and "not UTF-8" in problem.problem
    assert "Windows-1252 (cp1252)" in problem.problem and "--encoding cp1252" in problem.problem
    bad = path.read_bytes().replace("Zoë".encode("cp1252"), b"Zo\x81")  # 0x81: no cp1252 char
    path = write_csv("bad.csv", bad)
    refused = import_file(engine, settings, path, encoding="cp1252")
    assert refused.outcome is Outcome.REJECTED
    assert (refused.problems[0].line, refused.problems[0].value) == (3, "81 20 4d fc")
    assert "cannot be read as Windows-1252" in refused.problems[0].problem
    assert customers_empty(engine)


def customers_empty(engine: sa.Engine) -> bool:
    table = FACT_TABLES[Kind.DELIVERIES]
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0


def test_a_profile_in_the_wrong_encoding_says_which_to_choose(engine, settings, write_csv) -> None:
    profile = Profile(name="p", kind=Kind.DELIVERIES, encoding="utf-8", columns={
        "order_id": "order_id", "customer": "customer", "due_date": "due_date"})  # fmt: skip
    path = write_csv("orders.csv", TEXT.encode("cp1252"))
    result = import_file(engine, settings, path, profile=profile)
    assert result.outcome is Outcome.REJECTED
    (problem,) = result.problems
    assert problem.line == 2
    assert "cannot be read as UTF-8 (utf-8)" in problem.problem
    assert "looks like Windows-1252 (cp1252)" in problem.problem


def test_cli_ingest_with_auto_encoding(db_url: str, engine, write_csv, capsys) -> None:
    path = write_csv("orders.csv", TEXT.encode("cp1252"))
    assert cli.main(["ingest", "--db", db_url, str(path)]) == 1
    assert "--encoding cp1252" in capsys.readouterr().out
    assert cli.main(["ingest", "--db", db_url, "--encoding", "auto", str(path)]) == 0
    assert "loaded 3 deliveries rows" in capsys.readouterr().out
    assert customers(engine) == NAMES
    with pytest.raises(SystemExit):
        cli.main(["ingest", "--db", db_url, "--encoding", "ebcdic", str(path)])
    both = ["ingest", "--db", db_url, "--profile", "p", "--encoding", "cp1252", str(path)]
    assert cli.main(both) == 2
    assert "the profile names its own" in capsys.readouterr().err


def test_the_upload_preview_reads_with_the_guess_and_refuses_what_is_no_text() -> None:
    from kpi import uploads

    for data in (b"", bytes(range(256)) * 4):
        assert uploads.preview(data, "x.csv").unreadable
    guessed = uploads.preview(TEXT.encode("utf-16"), "x.csv")
    assert (guessed.encoding, guessed.kind) == ("utf-16", Kind.DELIVERIES)
    assert guessed.head["customer"].tolist() == NAMES
    wrong = uploads.preview(TEXT.encode("cp1252"), "x.csv", encoding="utf-8")
    assert not wrong.unreadable, "another encoding may read it: the user is asked"
    assert "looks like Windows-1252 (cp1252)" in wrong.problems[0]
