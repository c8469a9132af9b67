"""What the loader reports back: problems found in a file and the outcome of a load."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from kpi.schema import Kind

MAX_LISTED_PROBLEMS = 1000


class Outcome(StrEnum):
    LOADED = "loaded"
    ALREADY_LOADED = "already_loaded"
    REJECTED = "rejected"
    CHECKED = "checked"  # a dry run: valid, and what it would replace is known; nothing stored


@dataclass(frozen=True)
class Problem:
    """One reason a file cannot be loaded, in words a QA technician understands.

    ``line`` counts the header as line 1; it is None for problems with the file as a whole.
    """

    problem: str
    line: int | None = None
    column: str | None = None
    value: str | None = None
    sheet: str | None = None  # set for Excel workbooks: ``line`` is then the sheet row

    def describe(self) -> str:
        where = f"line {self.line}" if self.line is not None else "file"
        if self.sheet is not None:
            where = f"sheet '{self.sheet}'" + (f", row {self.line}" if self.line else "")
        if self.column:
            where += f", column '{self.column}'"
        shown = "" if self.value is None else f" (value {self.value!r})"
        return f"{where}: {self.problem}{shown}"


class FileRejected(Exception):
    """Raised inside the pipeline to stop at a file-level problem; carries all problems."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(p.describe() for p in problems[:3]))
        self.problems = problems


@dataclass
class IngestResult:
    """The outcome of one file: loaded, already loaded (no-op) or rejected with its problems."""

    file_name: str
    outcome: Outcome
    kind: Kind | None = None
    batch_id: int | None = None
    rows_loaded: int = 0
    rows_replaced: int = 0
    sha256: str = ""
    problems: list[Problem] = field(default_factory=list)
    problem_count: int = 0
    warnings: list[str] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)  # what a correction replaces, by key

    @property
    def errors(self) -> list[Problem]:
        return self.problems

    @property
    def ok(self) -> bool:
        return self.outcome is not Outcome.REJECTED

    def summary(self) -> str:
        """The one-line summary the CLI prints per file."""
        kind = self.kind.value if self.kind else "unknown kind"
        if self.outcome is Outcome.LOADED:
            text = (
                f"{self.file_name}: loaded {self.rows_loaded} {kind} rows as batch "
                f"{self.batch_id}, replaced {self.rows_replaced} earlier rows"
            )
        elif self.outcome is Outcome.CHECKED:
            text = (
                f"{self.file_name}: valid; loading it would add {self.rows_loaded} {kind} rows "
                f"and replace {self.rows_replaced} earlier rows; nothing was stored"
            )
        elif self.outcome is Outcome.ALREADY_LOADED:
            text = f"{self.file_name}: already loaded as batch {self.batch_id}; nothing changed"
        else:
            text = (
                f"{self.file_name}: rejected ({kind}), {self.problem_count} problem(s); "
                "nothing was loaded"
            )
        if self.warnings:
            text += " [warning: " + "; ".join(self.warnings) + "]"
        return text
