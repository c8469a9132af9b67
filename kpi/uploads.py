"""What the Upload page shows before and after a load, without Streamlit.

``preview`` sniffs the dialect and kind the way the loader will, and reads the first rows
as text (``dtype=str``: pandas never guesses a date or drops a leading zero here). An
Excel workbook is previewed through the chosen sheet, converted exactly as the load does.
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kpi import encodings
from kpi.encodings import Guess
from kpi.ingest import IngestResult, Outcome, Problem, excel
from kpi.ingest import read as ingest_read
from kpi.ingest.imports import _as_csv  # the very conversion the load uses
from kpi.ingest.problems import FileRejected
from kpi.profile_drafts import head_copy, upload_path
from kpi.profiles import Profile
from kpi.schema import Kind, detect_kind

PREVIEW_ROWS = 10
PROBLEM_COLUMNS = ["line", "column", "value", "problem"]
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass
class Preview:
    """The uploaded file as the loader will see it: kind, delimiter, header, first rows."""

    file_name: str
    size: int
    sha256: str
    kind: Kind | None = None
    delimiter: str = ","
    headers: tuple[str, ...] = ()
    head: pd.DataFrame = field(default_factory=pd.DataFrame)
    problems: list[str] = field(default_factory=list)
    sheets: tuple[str, ...] = ()  # an Excel workbook's sheets; empty for text files
    sheet: str = ""  # the sheet previewed
    encoding: str = ""  # a text file: the encoding the preview read it with
    guess: Guess | None = None  # a text file: the detected encoding and its confidence
    unreadable: bool = False  # refused as a whole (empty, binary, over a limit, ...)

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))

    @property
    def is_workbook(self) -> bool:
        return bool(self.sheets)


@dataclass
class Plan:
    """How one uploaded file is to be loaded: kind, sheet, profile, lookup file."""

    kind: Kind | None = None
    sheet: str = ""
    profile: Profile | None = None
    lookup: bytes | None = None
    blocked: list[str] = field(default_factory=list)  # stops the file before the loader
    encoding: str = "utf-8"  # a text file read without a profile


def preview(
    data: bytes, file_name: str, sheet: str = "", rows: int = PREVIEW_ROWS, encoding: str = ""
) -> Preview:
    """Inspect uploaded bytes; problems are returned as text, never raised.

    A text file is read with ``encoding``, or else with the detected one (``guess``).
    """
    out = Preview(file_name, len(data), hashlib.sha256(data).hexdigest())
    is_workbook = data[:4] == excel.XLSX_MAGIC
    if not is_workbook:
        out.guess = encodings.detect(data[: encodings.GUESS_BYTES])
        out.encoding = encoding or out.guess.encoding or "utf-8"
    with tempfile.TemporaryDirectory(prefix="kpi-preview-") as folder:
        path = upload_path(Path(folder), data)  # the uploaded name is a label, never a path
        head_copy(data, path, is_workbook, out.encoding)
        try:
            if excel.is_workbook(path):
                out.sheets = tuple(excel.sheet_names(path))
                path, out.sheet = _as_csv(path, None, sheet, Path(folder))
            else:
                path = _decoded(path, out.encoding, Path(folder))
            source = ingest_read.inspect(path)
        except _Undecodable as undecodable:  # another encoding may read it: not unreadable
            out.problems = [p.describe() for p in undecodable.problems]
            return out
        except FileRejected as rejected:
            out.problems = [p.describe() for p in rejected.problems]
            out.unreadable = True
            return out
        text = data if path.name == "upload.csv" else path.read_bytes()
    out.delimiter, out.headers = source.delimiter, tuple(source.headers)
    out.kind = detect_kind(list(source.headers))
    if out.kind is None:
        out.problems.append("The header does not match any input kind; choose the kind.")
    out.head = _head(text, source.delimiter, rows)
    return out


class _Undecodable(FileRejected):
    """The bytes do not decode in the chosen encoding (the user can choose another)."""


def _decoded(path: Path, encoding: str, folder: Path) -> Path:
    """The text as UTF-8, decoded strictly: a wrong choice is a problem, never mojibake.
    Content that is no text at all (empty, binary, gzip...) is refused first."""
    if not encoding.startswith("utf-16"):
        ingest_read.check_content(ingest_read.read_head(path))
    try:
        return encodings.to_utf8(path, encoding, folder / "decoded.csv")
    except FileRejected as rejected:
        raise _Undecodable(rejected.problems) from None


def blocked_result(file_name: str, plan: Plan) -> IngestResult:
    """A file stopped before the loader (e.g. a date format is missing): nothing loaded."""
    problems = [Problem(text) for text in plan.blocked]
    kind = plan.profile.kind if plan.profile else plan.kind
    return IngestResult(
        file_name, Outcome.REJECTED, kind=kind, problems=problems, problem_count=len(problems)
    )


def _head(data: bytes, delimiter: str, rows: int) -> pd.DataFrame:
    try:
        return pd.read_csv(
            io.BytesIO(data),
            sep=delimiter,
            dtype=str,
            nrows=rows,
            keep_default_na=False,
            encoding="utf-8-sig",
            quoting=csv.QUOTE_MINIMAL,
            on_bad_lines="skip",
        )
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError):
        return pd.DataFrame()


def problems_frame(result: IngestResult) -> pd.DataFrame:
    """The validation report: one row per problem (line, column, value, problem).

    For an Excel sheet the place is a sheet and a row, so the table says so.
    """
    rows = [
        {"line": p.line, "column": p.column, "value": p.value, "problem": p.problem}
        for p in result.problems
    ]
    df = pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
    df["line"] = df["line"].astype("Int64")
    sheets = [p.sheet for p in result.problems]
    if any(sheets):
        df = df.rename(columns={"line": "row"})
        df.insert(0, "sheet", sheets)
    return df


def batch_label(row: pd.Series) -> str:
    """How a batch is named in a select box."""
    return (
        f"#{row['batch_id']} · {row['kind']} · {row['file_name']} · "
        f"{row['rows_loaded']} rows · {row['status']}"
    )
