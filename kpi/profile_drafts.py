"""Library side of the Upload page's mapping editor: read a file through a draft profile.

The editor needs three things the loader does not: the user's own headers and first
rows as read with the draft's settings, the profiles whose headers fit a file, and a
preview of the first rows *as they will be loaded*. Everything goes through the same
conversion as ``kpi.ingest.imports.import_file`` (sheet to CSV, ``transform``), so
what the preview shows is what the load does. A date column whose values are not ISO
and has no format set is reported as needing one: dates are never guessed.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from kpi import profiles
from kpi.ingest import computed_sql, excel
from kpi.ingest.imports import _as_csv  # the very conversion the load uses
from kpi.ingest.problems import FileRejected
from kpi.ingest.profiled import transform
from kpi.ingest.transform import read_source, to_utf8
from kpi.profiles import WIDE_FILLED, Profile
from kpi.schema import KINDS, ColType, Kind

PREVIEW_ROWS = 20
COMPUTED_PREVIEW_ROWS = 5
SAMPLE_ROWS = 200
HEAD_BYTES = 256 * 1024  # a preview reads the file's head only, so a large file stays fast
DATE_FORMAT_EXAMPLES = "%Y-%m-%d, %d.%m.%Y, %d/%m/%Y, %m/%d/%Y, %d-%b-%y, %Y-%m-%d %H:%M"
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([ T]\d{1,2}:\d{2}(:\d{2})?)?")
_DAY_MONTH = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}( .*)?")


@dataclass
class Source:
    """The user's file as the draft reads it: its headers and first rows, all text."""

    headers: list[str] = field(default_factory=list)
    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: list[str] = field(default_factory=list)


@dataclass
class DraftPreview:
    """The first rows as they will be loaded, or why the draft cannot load the file."""

    rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    formats_missing: list[str] = field(default_factory=list)  # a profile defect: blocks a load

    @property
    def ok(self) -> bool:
        return not self.problems


def head_copy(data: bytes, target: Path, is_workbook: bool, encoding: str = "utf-8") -> Path:
    """Write the uploaded bytes, cut after the last whole line of the head for text files."""
    if not is_workbook and len(data) > HEAD_BYTES:
        data = _whole_lines(data[:HEAD_BYTES], encoding)
    target.write_bytes(data)
    return target


def _whole_lines(head: bytes, encoding: str) -> bytes:
    """The head up to its last line break; UTF-16 is cut between whole code units."""
    if encoding.startswith("utf-16"):
        big = encoding == "utf-16-be" or (encoding == "utf-16" and head[:2] == b"\xfe\xff")
        newline = b"\x00\n" if big else b"\n\x00"
        cut = len(head) - len(head) % 2
        while (cut := head.rfind(newline, 0, cut)) > 0 and cut % 2:
            pass
        return head[: cut + 2] if cut > 0 else head[: len(head) - len(head) % 2]
    cut = max(head.rfind(b"\n"), head.rfind(b"\r"))
    return head[: cut + 1] if cut > 0 else head


def upload_path(folder: Path, data: bytes) -> Path:
    """A temp name chosen by us (the uploaded name is only a label), by content type."""
    return folder / ("upload.xlsx" if data[:4] == excel.XLSX_MAGIC else "upload.csv")


@contextmanager
def _opened(path: Path, profile: Profile, sheet: str) -> Iterator[tuple[object, list[str]]]:
    """The source read with the profile's encoding and layout as table ``s`` of a scratch
    DuckDB, and its headers (both previews start here; FileRejected says why not)."""
    with tempfile.TemporaryDirectory(prefix="kpi-draft-") as tmp:
        folder = Path(tmp)
        readable, _ = _as_csv(path, profile, sheet, folder)
        text = to_utf8(readable, profile.encoding, folder)
        with duckdb.connect() as con:
            headers = read_source(
                con, text, "s", profile.skip_lines, profile.extra_header_lines, profile.delimiter
            )
            yield con, headers


def read_source_rows(path: Path, profile: Profile, sheet: str = "") -> Source:
    """Headers and first rows of ``path`` read with the profile's encoding and layout."""
    try:
        with _opened(path, profile, sheet) as (con, headers):
            frame = con.execute(
                f"SELECT * EXCLUDE (src_line) FROM s ORDER BY src_line LIMIT {SAMPLE_ROWS}"
            ).df()
    except FileRejected as rejected:
        return Source(problems=[p.describe() for p in rejected.problems])
    frame.columns = _unique(headers)[: len(frame.columns)]
    return Source(headers, frame)


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def missing_date_formats(profile: Profile, source: Source) -> list[str]:
    """Mapped or computed-from date columns whose sample values need a format the draft
    does not set."""
    problems = []
    for name, header in _dates_without_format(profile):
        values = _sample(source, header, profile.blank_values)
        odd = [v for v in values if not _ISO.fullmatch(v)]
        if not odd:
            continue
        if any(_DAY_MONTH.fullmatch(v) for v in odd):
            why = "could be day/month or month/day"
        else:
            why = "are not YYYY-MM-DD"
        problems.append(
            f"The date format is required for '{header}' → {name}: values like "
            f"'{odd[0]}' {why}, and dates are never guessed. Enter the format, "
            f"e.g. {DATE_FORMAT_EXAMPLES}."
        )
    return problems


def _dates_without_format(profile: Profile) -> list[tuple[str, str]]:
    """(canonical, source header) of every date read without a format: mapped or computed."""
    spec = KINDS[Kind(profile.kind)]
    pairs = [
        (name, header)
        for name, header in profile.columns.items()
        if spec.column(name).type in (ColType.DATE, ColType.TIMESTAMP)
        and name not in profile.date_formats
    ]
    for name, how in profile.computed.items():
        if not how.date_format:
            pairs += [(name, header) for header in how.date_columns()]
    return pairs


def _sample(source: Source, header: str, blanks: tuple[str, ...]) -> list[str]:
    folded = {h.lower(): h for h in reversed(source.rows.columns)}
    actual = folded.get(header.strip().lower())
    if actual is None:
        return []
    values = (str(v).strip() for v in source.rows[actual].dropna())
    return [v for v in values if v and v not in blanks]


def preview_draft(
    path: Path, profile: Profile, sheet: str = "", lookup: Path | None = None
) -> DraftPreview:
    """The canonical first rows the loader would receive, or the problems that stop it."""
    source = read_source_rows(path, profile, sheet)
    if source.problems:
        return DraftPreview(problems=source.problems)
    missing = missing_date_formats(profile, source)
    if missing:
        return DraftPreview(problems=missing, formats_missing=missing)
    unmapped = unmapped_required(profile)
    if unmapped:
        return DraftPreview(problems=unmapped)
    with tempfile.TemporaryDirectory(prefix="kpi-draft-") as tmp:
        folder = Path(tmp)
        try:
            readable, _ = _as_csv(path, profile, sheet, folder)
            mapped = transform(readable, profile, folder, lookup)
            rows = pd.read_csv(mapped.path, dtype=str, nrows=PREVIEW_ROWS, keep_default_na=False)
        except FileRejected as rejected:
            return DraftPreview(problems=[p.describe() for p in rejected.problems])
        except duckdb.Error as exc:  # a draft the converter cannot run: say so, never crash
            return DraftPreview(problems=[f"This mapping cannot be applied: {exc}"])
    return DraftPreview(rows, warnings=mapped.warnings)


def unmapped_required(profile: Profile) -> list[str]:
    """Required columns the draft gives no source, constant, lookup or wide layout for."""
    given = set(profile.columns) | set(profile.constants) | set(profile.computed)
    if profile.lookup is not None:
        given |= set(profile.lookup.columns)
    if profile.wide is not None:
        given |= set(WIDE_FILLED[Kind(profile.kind)])
    missing = [
        c.name
        for c in KINDS[Kind(profile.kind)].columns
        if c.required and c.default is None and c.name not in given
    ]
    if not missing:
        return []
    return [f"Map a header or type a constant for: {', '.join(missing)}."]


def header_at(path: Path, profile: Profile, sheet: str = "") -> list[str]:
    """The header line a profile would read (after its skipped lines), or none."""
    return read_source_rows(path, profile, sheet).headers


def suggest(saved: list[Profile], path: Path, sheet: str = "") -> list[Profile]:
    """Saved profiles whose headers all appear in this file, read the way each profile reads."""
    fits = []
    for profile in saved:
        headers = header_at(path, profile, sheet)
        if headers and profiles.matching([profile], headers):
            fits.append(profile)
    return sorted(fits, key=lambda p: -len(p.columns))


def suggest_sheet(saved: list[Profile], path: Path) -> str:
    """The workbook's sheet a saved profile names and whose headers it finds there, or ""."""
    names = excel.sheet_names(path)
    for profile in sorted(saved, key=lambda p: -len(profiles.source_headers(p))):
        if profile.sheet in names and suggest([profile], path, profile.sheet):
            return profile.sheet
    return ""


def preview_computed(path: Path, profile: Profile, name: str, sheet: str = "") -> DraftPreview:
    """One computed column beside the source values it is made from (first rows).

    The value is the expression the load runs (``kpi.ingest.computed_sql``); a row whose
    value cannot be made shows why in the ``problem`` column.
    """
    how = profile.computed[name]
    try:
        with _opened(path, profile, sheet) as (con, headers):
            built = computed_sql.build(name, how, profile, headers)
            cells = [f"s.{computed_sql.locate(headers, h, name)}" for h in how.columns]
            frame = con.execute(
                f"SELECT {', '.join(cells)}, {built.value}, "
                f"{computed_sql.problem_expr(built.checks)} FROM s ORDER BY src_line "
                f"LIMIT {COMPUTED_PREVIEW_ROWS}"
            ).df()
    except FileRejected as rejected:
        return DraftPreview(problems=[p.describe() for p in rejected.problems])
    except duckdb.Error as exc:
        return DraftPreview(problems=[f"This column cannot be computed: {exc}"])
    frame.columns = _unique([*how.columns, f"→ {name}", "problem"])
    return DraftPreview(frame.fillna(""))


def blocked_reasons(profile: Profile, preview: DraftPreview, has_lookup: bool) -> list[str]:
    """Why a file must not be loaded with this profile yet (the Upload page and the watcher)."""
    blocked = list(preview.formats_missing)
    if profile.lookup and not has_lookup:
        blocked.append("Upload the lookup file this profile needs.")
    return blocked


def parse_pairs(text: str) -> dict[str, str]:
    """``key = value`` lines (as typed in the editor) into a dict; blank lines ignored."""
    pairs = {}
    for line in text.splitlines():
        if "=" in line:
            key, value = line.split("=", 1)
            if key.strip() and value.strip():
                pairs[key.strip().strip('"')] = value.strip().strip('"')
    return pairs


def format_pairs(pairs: dict[str, str]) -> str:
    return "\n".join(f"{key} = {value}" for key, value in pairs.items())
