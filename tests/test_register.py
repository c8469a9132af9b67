"""KPI register (ISO 9001 §9.1.1) and the verification statement (§7.1.5)."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys

import openpyxl
import pytest

from kpi import register, verification
from kpi.catalogue import CATALOGUE
from kpi.cli import main
from kpi.register import RegisterError, definition_version, register_frame, set_owner
from kpi.targets import Scope, TargetSpec, set_target
from tests.conftest import ROOT


def test_every_catalogue_kpi_is_in_the_register_once(engine):
    frame = register_frame(engine)
    assert list(frame["kpi"]) == list(CATALOGUE)
    scrap = frame.set_index("kpi").loc["scrap_rate"]
    assert scrap["formula"] == "Σ units_scrapped / Σ units_produced"
    assert scrap["targets_in_force"] == "all: 0.02 (catalogue default)"
    assert scrap["owner"] == "(unassigned)"


def test_the_definition_version_changes_when_a_catalogue_entry_changes(engine, monkeypatch):
    before = register_frame(engine).set_index("kpi")["definition_version"]
    changed = dataclasses.replace(CATALOGUE["scrap_rate"], numerator="units_reworked")
    monkeypatch.setitem(CATALOGUE, "scrap_rate", changed)
    after = register_frame(engine).set_index("kpi")["definition_version"]
    assert after["scrap_rate"] != before["scrap_rate"]
    assert after.drop("scrap_rate").equals(before.drop("scrap_rate")), "others keep theirs"
    relabelled = dataclasses.replace(CATALOGUE["oee"], default_target=0.8)
    assert definition_version(relabelled) != definition_version("oee")


def test_the_definition_version_is_the_same_in_every_process():
    code = "from kpi.register import definition_version as v; print(v('otd'), v('oee'))"
    seen = {
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "PYTHONHASHSEED": seed}, check=True).stdout
        for seed in ("1", "2", "3")
    }  # fmt: skip
    assert seen == {f"{definition_version('otd')} {definition_version('oee')}\n"}


def test_owner_and_targets_in_force_are_audited_and_shown(engine, settings):
    set_owner(engine, settings, "scrap_rate", "Quality manager", "daily")
    set_target(engine, settings, TargetSpec("scrap_rate", Scope.LINE, "L5", 0.015))
    row = register_frame(engine).set_index("kpi").loc["scrap_rate"]
    assert (row["owner"], row["frequency"]) == ("Quality manager", "daily")
    assert "line=L5: 0.015" in row["targets_in_force"]
    history = register.history_frame(engine)
    assert list(history["action"][:2]) == ["target.set", register.AUDIT_OWNER]
    assert "Quality manager / daily" in history["detail"][1]
    with pytest.raises(RegisterError, match="unknown KPI"):
        set_owner(engine, settings, "nope", "x")


def test_register_cli_formats(db_url, tmp_path, capsys):
    assert main(["register", "--db", db_url, "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["kpi"] for r in rows] == list(CATALOGUE)
    assert main(["register", "owner", "otd", "Logistics lead", "--db", db_url]) == 0
    xlsx, pdf = tmp_path / "r.xlsx", tmp_path / "r.pdf"
    assert main(["register", "--db", db_url, "--format", "xlsx", "--out", str(xlsx)]) == 0
    book = openpyxl.load_workbook(io.BytesIO(xlsx.read_bytes()))
    assert {"register", "history", "statement", "reference tests"} <= set(book.sheetnames)
    sheet = book["register"]
    owners = {r[0]: r[10] for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert owners["otd"] == "Logistics lead"
    assert main(["register", "--db", db_url, "--format", "pdf", "--out", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert main(["register", "owner", "nope", "x", "--db", db_url]) == 2
    assert main(["register", "--db", db_url, "--format", "pdf"]) == 2  # needs --out


def test_reference_tests_are_read_from_the_suite():
    nodes = {t.node for t in verification.reference_tests()}
    assert "tests/test_metrics_golden.py::test_golden_value" in nodes
    assert any(n.startswith("tests/test_spc_textbook.py::") for n in nodes)
    assert not any("test_register" in n for n in nodes)


def test_a_session_records_the_last_pass(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_golden_x.py").write_text(
        'def test_a():\n    """Golden: a."""\n\ndef test_b():\n    pass\n', encoding="utf-8"
    )
    runs = tmp_path / "data" / "runs.json"
    outcomes = {"tests/test_golden_x.py::test_a[duckdb]": "passed",
                "tests/test_golden_x.py::test_a[postgresql]": "passed",
                "tests/test_golden_x.py::test_b": "failed"}  # fmt: skip
    verification.record_runs(outcomes, "2026-12-01 10:00 UTC", runs)
    verification.record_runs({"tests/test_golden_x.py::test_a[duckdb]": "failed"},
                             "2026-12-02 10:00 UTC", runs)  # fmt: skip
    frame = verification.tests_frame(tmp_path / "tests", runs).set_index("test")
    a, b = frame.loc["tests/test_golden_x.py::test_a"], frame.loc["tests/test_golden_x.py::test_b"]
    assert (a["last outcome"], a["last pass"]) == ("failed", "2026-12-01 10:00 UTC")
    assert (b["last outcome"], b["last pass"]) == ("failed", "")
    assert a["what it checks"] == "Golden: a."


def test_validation_rules_come_from_the_loader():
    rules = verification.validation_rules_frame()
    production = rules[rules["kind"] == "production"]
    assert set(production["column"]) >= {"date", "units_produced", "planned_minutes"}
    assert any("required" in m for m in production["rejected when the value"])


def test_register_cli_prints_the_verification_statement(db_url, capsys):
    assert main(["register", "--verification", "--format", "json", "--db", db_url]) == 0
    statement, _, body = capsys.readouterr().out.partition("\n")
    assert statement.startswith("The figures are verified by ")
    tests = json.loads(body)
    assert {t["test"] for t in tests} == {t.node for t in verification.reference_tests()}
