"""Check a file end to end in a scratch in-memory DuckDB and hand back typed rows.

The scratch database is separate from the store, so a rejected file never touches
stored data, and the store's single writer is held only for the short insert.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from kpi.ingest import read, typed, validate
from kpi.ingest.problems import MAX_LISTED_PROBLEMS, FileRejected, Problem
from kpi.schema import Kind, KindSpec, detect_kind

Progress = Callable[[str, float], None]


@dataclass
class Checked:
    """The result of checking one file: typed rows, or the problems that stop it."""

    kind: Kind | None
    rows: pa.Table | None = None
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[str] = field(default_factory=list)
    date_span: tuple | None = None


def check_file(
    path: Path,
    data: bytes,
    kind: Kind | None,
    defaults: dict[str, str],
    progress: Progress | None = None,
) -> Checked:
    """Run every check on ``data`` (also readable at ``path``); never raises on bad input."""
    report = progress or (lambda stage, fraction: None)
    try:
        source = read.inspect(path, data)
        detected = detect_kind(list(source.headers))
        spec = validate.require_kind(kind or detected)
        problems = validate.header_problems(spec, source.headers, detected)
        if problems:
            return Checked(kind=spec.kind, problems=problems, problem_count=len(problems))
        with duckdb.connect() as scratch:
            report("reading", 0.1)
            rows = read.load_raw(scratch, source)
            report("validating", 0.4)
            return _check_rows(scratch, source, spec, rows, defaults, report)
    except FileRejected as rejected:
        return Checked(kind=kind, problems=rejected.problems, problem_count=len(rejected.problems))


def _check_rows(
    scratch: duckdb.DuckDBPyConnection,
    source: read.TextFile,
    spec: KindSpec,
    row_count: int,
    defaults: dict[str, str],
    report: Progress,
) -> Checked:
    warnings = _extra_column_warning(spec, source.headers)
    structural = read.structural_problems(scratch, source.headers)
    if row_count == 0 and not structural:
        problem = Problem("The file has a header but no data rows.", line=1)
        return Checked(kind=spec.kind, problems=[problem], problem_count=1)
    present = validate.column_map(spec, source.headers)
    typed.create_parsed(scratch, spec, present, defaults)
    rules = validate.build_rules(spec, present)
    bad_rows = validate.count_bad_rows(scratch, rules)
    cells, cell_total = validate.failing_cells(scratch, rules) if bad_rows else ([], 0)
    cross = typed.over_produced(scratch, spec)
    dupes = typed.duplicate_keys(scratch, spec)
    total = len(structural) + cell_total + len(cross) + len(dupes)
    if total:
        problems = structural + _locate(source, scratch, rules, cells, cross, dupes, spec)
        return Checked(
            spec.kind,
            problems=problems[:MAX_LISTED_PROBLEMS],
            problem_count=total,
            warnings=warnings,
        )
    report("preparing", 0.7)
    return Checked(
        spec.kind,
        rows=typed.typed_rows(scratch, spec),
        warnings=warnings,
        date_span=typed.date_span(scratch, spec),
    )


def _extra_column_warning(spec: KindSpec, headers: tuple[str, ...]) -> list[str]:
    extra = validate.extra_columns(spec, headers)
    if not extra:
        return []
    return ["ignored unknown column(s): " + ", ".join(extra)]


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
