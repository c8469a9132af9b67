"""Characteristic specs: CLI set/list/end/import with audit entries, and the Specs page."""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from kpi import auth, store
from kpi.auth import Role
from kpi.cli import main
from kpi.settings import load_settings
from kpi.specs import list_specs, spec_history
from tests.test_pages_apptest import APP, SAMPLES
from ui.session import USER_KEY


def _engine(url: str):  # noqa: ANN202
    return store.create_engine(load_settings(url))


def test_set_and_list_through_the_cli_are_audited(db_url: str, capsys) -> None:  # noqa: ANN001
    args = ["--db", db_url]
    assert main(["specs", "set", "GR-520", "length", "--unit", "mm", "--nominal", "70",
                 "--lsl", "69.9", "--usl", "70.1", *args]) == 0  # fmt: skip
    assert main(["specs", "set", "GR-520", "flatness", "--unit", "mm", "--usl", "0.05", *args]) == 0
    assert main(["specs", "list", "--format", "csv", *args]) == 0
    listed = capsys.readouterr().out
    assert "GR-520,flatness,mm,,,0.05,5" in listed  # one-sided: no nominal, no lsl
    assert "GR-520,length,mm,70,69.9,70.1,5" in listed
    history = spec_history(_engine(db_url))
    assert history["action"].tolist() == ["spec.set", "spec.set"]
    assert history["detail"].iloc[0] == "spec 2: new - .. 0.05 mm, nominal -, n=5, minimum Cpk 1.33"


def test_a_spec_with_neither_limit_is_refused(db_url: str, capsys) -> None:  # noqa: ANN001
    code = main(["specs", "set", "GR-520", "length", "--unit", "mm", "--nominal", "70",
                 "--db", db_url])  # fmt: skip
    assert code == 2
    assert "at least one limit" in capsys.readouterr().err
    engine = _engine(db_url)
    assert list_specs(engine).empty and spec_history(engine).empty


@pytest.mark.parametrize(
    ("options", "says"),
    [
        (["--lsl", "2", "--usl", "1"], "must be below usl"),
        (["--usl", "1", "--n", "30"], "subgroup_size must be 1 to 25"),
        (["--usl", "1_0"], "is not a number"),
    ],
)
def test_bad_specs_exit_2_and_save_nothing(db_url: str, capsys, options, says) -> None:  # noqa: ANN001
    assert main(["specs", "set", "P", "c", "--unit", "mm", *options, "--db", db_url]) == 2
    assert says in capsys.readouterr().err
    assert list_specs(_engine(db_url)).empty


def test_overlapping_windows_are_refused_until_the_old_one_ends(db_url: str, capsys) -> None:  # noqa: ANN001
    base = ["specs", "set", "P", "c", "--unit", "mm", "--usl", "1", "--db", db_url]
    assert main(base) == 0
    assert main([*base, "--from", "2026-06-01"]) == 2
    assert "overlaps spec 1" in capsys.readouterr().err
    assert main(["specs", "end", "1", "--on", "2026-05-31", "--db", db_url]) == 0
    assert main([*base, "--from", "2026-06-01"]) == 0
    specs = list_specs(_engine(db_url))
    assert [str(d) for d in specs["valid_to"].tolist()][0] == "2026-05-31"
    actions = spec_history(_engine(db_url))["action"].tolist()
    assert actions == ["spec.set", "spec.end", "spec.set"]


def test_the_sample_specs_import_and_the_sample_readings_load(db_url: str, capsys) -> None:  # noqa: ANN001
    assert main(["ingest", str(SAMPLES / "measurements.csv"), "--db", db_url]) == 1
    assert "has no spec" in capsys.readouterr().out
    specs = SAMPLES / "characteristic_specs.csv"
    assert main(["specs", "import", str(specs), "--db", db_url]) == 0
    assert main(["ingest", str(SAMPLES / "measurements.csv"), "--db", db_url]) == 0
    assert store.current_row_counts(_engine(db_url))["measurements"] == 20


def test_the_sample_specs_are_the_demo_specs() -> None:
    from kpi.demo_measurements import demo_specs
    from kpi.specs import parse_import

    sample = parse_import((SAMPLES / "characteristic_specs.csv").read_text(encoding="utf-8"))
    assert sample == demo_specs()


# --- the Specs page ---


def _as(url: str, role: Role) -> AppTest:
    engine = _engine(url)
    auth.add_user(engine, "someone", role, by="test", password="a long password")
    at = AppTest.from_file(APP, default_timeout=120)
    at.session_state[USER_KEY] = auth.User("someone", role)
    at.run()
    at.switch_page("pages/specs.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_qa_sets_a_one_sided_spec_on_the_page(empty_db: str) -> None:
    at = _as(empty_db, Role.QA)
    at.text_input(key="s_product").input("GR-520")
    at.text_input(key="s_characteristic").input("runout")
    at.text_input(key="s_unit").input("mm")
    at.text_input(key="s_usl").input("0.03")
    at.button(key="s_save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any("Saved spec 1" in s.value for s in at.success)
    stored = list_specs(_engine(empty_db))
    assert stored[["product", "characteristic", "usl"]].values.tolist() == [
        ["GR-520", "runout", 0.03]
    ]
    assert pd.isna(stored["lsl"].iloc[0])
    history = spec_history(_engine(empty_db))
    assert history["user_name"].tolist() == ["someone"]


def test_qa_sees_why_a_spec_without_limits_is_refused(empty_db: str) -> None:
    at = _as(empty_db, Role.QA)
    at.text_input(key="s_product").input("GR-520")
    at.text_input(key="s_characteristic").input("runout")
    at.text_input(key="s_unit").input("mm")
    at.button(key="s_save").click().run()
    assert any("at least one limit" in e.value for e in at.error)
    assert list_specs(_engine(empty_db)).empty


def test_a_viewer_reads_specs_but_cannot_edit(demo_db: str) -> None:
    at = _as(demo_db, Role.VIEWER)
    assert not [b for b in at.button if b.key in ("s_save", "s_end")]
    assert any("Only QA and admins" in i.value for i in at.info)
    assert at.dataframe, "the specs table"


def test_ending_a_spec_later_cannot_overlap_the_next_revision(db_url: str, capsys) -> None:  # noqa: ANN001
    base = ["specs", "set", "P", "c", "--unit", "mm", "--usl", "1", "--db", db_url]
    assert main([*base, "--to", "2026-05-31"]) == 0
    assert main([*base, "--from", "2026-06-01"]) == 0
    assert main(["specs", "end", "1", "--on", "2026-06-15", "--db", db_url]) == 2
    assert "overlaps spec 2" in capsys.readouterr().err
    assert str(list_specs(_engine(db_url))["valid_to"].iloc[0]) == "2026-05-31"
