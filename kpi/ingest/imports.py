"""The front door for any file a user brings: CSV or Excel, canonical or through a profile.

Everything ends in the same loader, so the same checks, ledger and undo apply. Problems
are reported against the user's own file: its lines (or sheet rows) and its headers.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from pathlib import Path

import sqlalchemy as sa

from kpi import encodings, profiles
from kpi.ingest import disk, excel, intake
from kpi.ingest.check import Progress
from kpi.ingest.intake import Intake
from kpi.ingest.load import PLAIN, Options, Recipe, ingest_file
from kpi.ingest.problems import FileRejected, IngestResult, Outcome, Problem
from kpi.ingest.profiled import transform
from kpi.ingest.transform import FORMAT_MISMATCH, Transformed
from kpi.profiles import Profile
from kpi.schema import KINDS, ColType, Kind
from kpi.settings import Settings


def import_file(
    engine: sa.Engine,
    settings: Settings,
    path: Path,
    kind: Kind | None = None,
    profile: Profile | None = None,
    sheet: str = "",
    lookup: Path | None = None,
    progress: Progress | None = None,
    file_name: str | None = None,
    taken: Intake | None = None,
    options: Options = PLAIN,
    encoding: str = "utf-8",
) -> IngestResult:
    """Load ``path`` (CSV or .xlsx), optionally through an import profile.

    ``encoding`` is for a text file read without a profile (a profile names its own):
    one of :data:`kpi.encodings.ENCODINGS`, or "auto" to use a guess that is sure.

    Every step reads one private copy of the file, hashed as it was copied (``taken``
    when the caller already made it, as the CLI does one file ahead), never ``path``
    again: a file rewritten during the load cannot mix two contents.
    """
    name = file_name or Path(path).name
    if taken is None:
        with intake.private_copy(settings, Path(path)) as copy:
            return import_file(
                engine, settings, path, kind, profile, sheet, lookup, progress, name, copy,
                options, encoding,
            )  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="kpi-import-") as folder:
        sheet_used = ""
        try:
            with disk.disk_full_refused():  # a sheet or a mapped file is written first
                readable, sheet_used = _as_csv(taken.path, profile, sheet, Path(folder))
                if profile is None and not sheet_used:
                    readable, encoding = _decoded(readable, encoding, Path(folder))
                lookup_copy, lookup_sha = _private_lookup(lookup, Path(folder))
                mapped = (
                    transform(readable, profile, Path(folder), lookup_copy) if profile else None
                )
        except FileRejected as rejected:
            kind, problems = (profile.kind if profile else kind), rejected.problems
            if sheet_used:  # a profile's problems on a sheet's rows name the sheet
                problems = [p if p.sheet else dataclasses.replace(p, sheet=sheet_used)
                            for p in problems]  # fmt: skip
            return IngestResult(
                name, Outcome.REJECTED, kind, problems=problems, problem_count=len(problems)
            )
        target = mapped.path if mapped else readable
        kind = profile.kind if profile else kind
        recipe = _recipe(sheet_used, profile, lookup_sha, encoding)
        result = ingest_file(engine, settings, target, kind, progress, name, taken, recipe, options)
    return _in_user_terms(result, mapped, sheet_used)


def _decoded(path: Path, encoding: str, folder: Path) -> tuple[Path, str]:
    """A text file read without a profile, as UTF-8, and the encoding it was read with."""
    if encoding == "auto":
        guess = encodings.detect_file(path)
        if not guess.sure:
            message = (
                f"The file's encoding is not certain ({guess.describe()}); nothing was "
                "loaded. Name the encoding (e.g. --encoding cp1252)."
            )
            raise FileRejected([Problem(message)])
        encoding = str(guess.encoding)
    if encoding in encodings.UTF8:
        return path, "utf-8"  # the loader reads UTF-8 with or without a BOM
    return encodings.to_utf8(path, encoding, folder / "decoded.csv"), encoding


def _recipe(sheet: str, profile: Profile | None, lookup_sha: str, encoding: str) -> Recipe:
    """How the bytes were read: part of the load's identity (another encoding of the same
    bytes is other text; without a profile it takes the profile version's place)."""
    if profile is None:
        read_as = "" if encoding in encodings.UTF8 else f"encoding:{encoding}"
        return Recipe(sheet, profile_version=read_as, lookup_sha256=lookup_sha)
    return Recipe(sheet, profile.name, profiles.version(profile), lookup_sha)


def _private_lookup(lookup: Path | None, folder: Path) -> tuple[Path | None, str]:
    """A private copy of the lookup file and its hash: part of the load's identity."""
    if lookup is None:
        return None, ""
    data = Path(lookup).read_bytes()  # a lookup is small: one read, then only the copy
    copy = folder / "lookup-source.csv"
    copy.write_bytes(data)
    return copy, hashlib.sha256(data).hexdigest()


def _as_csv(path: Path, profile: Profile | None, sheet: str, folder: Path) -> tuple[Path, str]:
    """A workbook's chosen sheet as CSV (rows = lines); any other file as it is."""
    if not excel.is_workbook(path):
        return path, ""
    target = folder / "sheet.csv"
    chosen = excel.sheet_to_csv(
        path, sheet or (profile.sheet if profile else ""), _date_headers(profile), target
    )
    return target, chosen


def _date_headers(profile: Profile | None) -> set[str]:
    """Headers whose numbers are Excel date serials: canonical date columns, or mapped ones."""
    names = {
        c.name
        for spec in KINDS.values()
        for c in spec.columns
        if c.type in (ColType.DATE, ColType.TIMESTAMP)
    }
    if profile is not None:
        spec = KINDS[Kind(profile.kind)]
        names |= {
            source.lower()
            for canonical, source in profile.columns.items()
            if spec.column(canonical).type in (ColType.DATE, ColType.TIMESTAMP)
        }
        names |= {h.lower() for how in profile.computed.values() for h in how.date_columns()}
    return names


def _in_user_terms(result: IngestResult, mapped: Transformed | None, sheet: str) -> IngestResult:
    """Point each problem at the user's own line (or sheet row) and header."""
    if mapped is not None:
        result.warnings = [*mapped.warnings, *result.warnings]
    if mapped is None and not sheet:
        return result
    result.problems = [_relocate(p, mapped, sheet) for p in result.problems]
    return result


def _relocate(problem: Problem, mapped: Transformed | None, sheet: str) -> Problem:
    line, column = problem.line, problem.column
    if mapped is not None:
        if line == 1:
            line = mapped.header_line
        elif line is not None and line >= 2 and line - 2 < len(mapped.source_lines):
            line = mapped.source_lines[line - 2]
        if column in mapped.labels:
            column = f"{mapped.labels[column]} → {column}"
    text, value = problem.problem, problem.value
    if value is not None and FORMAT_MISMATCH in value:
        value, date_format = value.split(FORMAT_MISMATCH, 1)
        text = f"does not match the date format {date_format} set in the import profile"
    return dataclasses.replace(
        problem, problem=text, line=line, column=column, value=value, sheet=sheet or None
    )
