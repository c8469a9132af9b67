"""How the software itself is verified (ISO 9001 §7.1.5): generated, never typed by hand.

The statement has three parts, each read from its source of truth:

- the golden and textbook tests: parsed from ``tests/`` with ``ast`` at run time (a test
  counts when its file or its own name or docstring says "golden" or "textbook");
- their last pass: ``data/verification-runs.json``, written by the test suite itself at
  the end of every pytest session (``tests/conftest.py``); absent on an installation
  where the suite never ran, and then the statement says so;
- the data-validation rules applied at load: built by the loader's own rule compiler
  (``kpi.ingest.validate.build_rules``) for every input kind and column.
"""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
RUNS_FILE = ROOT / "data" / "verification-runs.json"
MARKERS = ("golden", "textbook")


@dataclass(frozen=True)
class ReferenceTest:
    file: str
    name: str
    doc: str

    @property
    def node(self) -> str:
        return f"tests/{self.file}::{self.name}"


def _is_reference(file: str, name: str, doc: str) -> bool:
    text = f"{file} {name} {doc}".lower()
    return any(m in text for m in MARKERS)


def reference_tests(tests: Path = TESTS) -> list[ReferenceTest]:
    """Every golden or textbook test function in the suite, in file order."""
    found = []
    for path in sorted(tests.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in tree.body:
            if isinstance(node, ast.FunctionDef) and node.name.startswith("test"):
                doc = (ast.get_docstring(node) or "").strip().split("\n\n")[0]
                if _is_reference(path.name, node.name, doc):
                    found.append(ReferenceTest(path.name, node.name, " ".join(doc.split())))
    return found


def last_runs(path: Path = RUNS_FILE) -> dict[str, dict]:
    """node id -> {"outcome", "finished_at"} of the newest recorded run of each test."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def record_runs(outcomes: dict[str, str], finished_at: str, path: Path = RUNS_FILE) -> None:
    """Merge one session's outcomes of reference tests into the runs file (tests call it)."""
    wanted = {t.node for t in reference_tests(path.parent.parent / "tests")}
    session: dict[str, bool] = {}
    for node, outcome in outcomes.items():  # a parametrised test passes when all its cases do
        base = node.split("[", 1)[0]
        if base in wanted:
            session[base] = session.get(base, True) and outcome == "passed"
    runs = last_runs(path)
    for base, passed in session.items():
        entry = runs.setdefault(base, {})
        entry.update(outcome="passed" if passed else "failed", finished_at=finished_at)
        if passed:
            entry["last_pass"] = finished_at
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(runs, indent=1, sort_keys=True), encoding="utf-8")


def tests_frame(tests: Path = TESTS, runs_file: Path = RUNS_FILE) -> pd.DataFrame:
    runs = last_runs(runs_file)
    rows = [{"test": t.node, "what it checks": t.doc or t.name.replace("_", " "),
             "last outcome": runs.get(t.node, {}).get("outcome", "not recorded"),
             "last pass": runs.get(t.node, {}).get("last_pass", "")}
            for t in reference_tests(tests)]  # fmt: skip
    return pd.DataFrame(rows, columns=["test", "what it checks", "last outcome", "last pass"])


def validation_rules_frame() -> pd.DataFrame:
    """Every check the loader applies to a file, by kind and column (from the rule compiler)."""
    from kpi.ingest.validate import build_rules
    from kpi.schema import KINDS

    rows = []
    for spec in KINDS.values():
        present = {name: name for name in spec.names}
        for rule in build_rules(spec, present):
            rows.append({"kind": spec.kind.value, "column": rule.column,
                         "rejected when the value": rule.message})  # fmt: skip
    df = pd.DataFrame(rows, columns=["kind", "column", "rejected when the value"])
    return df.drop_duplicates(ignore_index=True)


def statement(tests: pd.DataFrame, rules: pd.DataFrame) -> str:
    """One paragraph for the register page and its exports."""
    passed = tests["last pass"].astype(bool).sum() if not tests.empty else 0
    newest = max((p for p in tests["last pass"] if p), default="never recorded here")
    return (
        f"The figures are verified by {len(tests)} golden and textbook tests (small input "
        f"files with hand-computed results, and published textbook examples); {passed} of "
        f"them have a recorded pass, the newest at {newest}. Every file is checked at load "
        f"against {len(rules)} validation rules; a file with any failing cell is refused "
        "whole, with each problem named by row and column."
    )
