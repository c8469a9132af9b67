"""Check a file end to end in a scratch in-memory DuckDB and hand back typed rows.

Used when the fast path (``kpi.ingest.fast``) found that something is wrong: the
scratch database is separate from the store, so naming the problems never touches
stored data, and it may spill to disk so a huge bad file cannot exhaust memory.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from kpi.ingest import names, read, typed, validate
from kpi.ingest.problems import MAX_LISTED_PROBLEMS, FileRejected, Problem
from kpi.schema import Kind, KindSpec, detect_kind

Progress = Callable[[str, float], None]
_SCRATCH_MEMORY = "512MB"


@dataclass
class Checked:
    """What the detailed check found: every problem (the first ones listed) and warnings."""

    kind: Kind | None
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[str] = field(default_factory=list)


def check_file(
    path: Path,
    kind: Kind | None,
    defaults: dict[str, str],
    progress: Progress | None = None,
) -> Checked:
    """Run every check on the file at ``path`` and name each problem; never raises on bad input."""
    report = progress or (lambda stage, fraction: None)
    try:
        source = read.inspect(path)
        read.check_utf8(path)
        detected = detect_kind(list(source.headers))
        spec = validate.require_kind(kind or detected)
        problems = validate.header_problems(spec, source.headers, detected)
        if problems:
            return Checked(kind=spec.kind, problems=problems, problem_count=len(problems))
        with tempfile.TemporaryDirectory(prefix="kpi-check-") as spill, duckdb.connect() as scratch:
            scratch.execute(f"SET temp_directory = '{spill}'")
            scratch.execute(f"SET memory_limit = '{_SCRATCH_MEMORY}'")
            rows = read.load_raw(scratch, source)
            report("validating", 0.7)
            return _check_rows(scratch, source, spec, rows, defaults)
    except FileRejected as rejected:
        return Checked(kind=kind, problems=rejected.problems, problem_count=len(rejected.problems))


def _check_rows(
    scratch: duckdb.DuckDBPyConnection,
    source: read.TextFile,
    spec: KindSpec,
    row_count: int,
    defaults: dict[str, str],
) -> Checked:
    warnings = validate.extra_column_warning(spec, source.headers)
    structural = read.structural_problems(scratch, source.headers)
    if row_count == 0 and not structural:
        problem = Problem("The file has a header but no data rows.", line=1)
        return Checked(kind=spec.kind, problems=[problem], problem_count=1)
    present = validate.column_map(spec, source.headers)
    typed.create_parsed(scratch, spec, present, defaults)
    free = {name: (name, validate.raw_name(name)) for name in typed.free_text(spec, present)}
    names.unify(scratch, "parsed", free, "true")  # what the loader stores: NFKC, one case
    rules = validate.build_rules(spec, present, source.delimiter)
    bad_rows = validate.count_bad_rows(scratch, rules)
    cells, cell_total = validate.failing_cells(scratch, rules) if bad_rows else ([], 0)
    cross = typed.over_produced(scratch, spec)
    dupes = typed.duplicate_keys(scratch, spec)
    total = len(structural) + cell_total + len(cross) + len(dupes)
    problems = structural + _locate(source, scratch, rules, cells, cross, dupes, spec)
    return Checked(spec.kind, problems[:MAX_LISTED_PROBLEMS], total, warnings)


def _locate(
    source: read.TextFile,
    scratch: duckdb.DuckDBPyConnection,
    rules: list[validate.Rule],
    value_rows: list[tuple],
    cross: list[tuple[int, str]],
    dupes: list[tuple[int, int]],
    spec: KindSpec,
) -> list[Problem]:
    """Turn row indices into file line numbers and readable problems, in file order."""
    indices = [r[0] for r in value_rows] + [c[0] for c in cross]
    indices += [d for pair in dupes for d in pair]
    lines = read.line_numbers(source, sorted(set(indices)), read.rejected_lines(scratch))
    found: list[tuple[int, Problem]] = []
    for index, rule_index, value in value_rows:
        rule = rules[rule_index]
        found.append((index, Problem(rule.message, lines.get(index), rule.column, value)))
    for index, text in cross:
        problem = Problem(
            "scrapped + reworked units exceed the units produced",
            lines.get(index),
            "units_scrapped",
            text,
        )
        found.append((index, problem))
    key = ", ".join(spec.natural_key)
    for index, first in dupes:
        problem = Problem(
            f"repeats line {lines.get(first)}: the same {key} appears twice",
            lines.get(index),
            spec.natural_key[0],
            None,
        )
        found.append((index, problem))
    found.sort(key=lambda pair: pair[0])
    return [problem for _, problem in found]
