"""What the Upload page shows before and after a load, without Streamlit.

``preview`` sniffs the dialect and kind the way the loader will, and reads the first rows
as text (``dtype=str``: pandas never guesses a date or drops a leading zero here).
"""

from __future__ import annotations

import csv
import hashlib
import io
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kpi.ingest import IngestResult
from kpi.ingest import read as ingest_read
from kpi.ingest.problems import FileRejected
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

    @property
    def delimiter_name(self) -> str:
        return DELIMITER_NAMES.get(self.delimiter, repr(self.delimiter))


def preview(data: bytes, file_name: str, rows: int = PREVIEW_ROWS) -> Preview:
    """Inspect uploaded bytes; problems are returned as text, never raised."""
    out = Preview(file_name, len(data), hashlib.sha256(data).hexdigest())
    with tempfile.TemporaryDirectory(prefix="kpi-preview-") as folder:
        path = Path(folder) / "upload.csv"  # the uploaded name is a label, never a path
        path.write_bytes(data)
        try:
            source = ingest_read.inspect(path)
        except FileRejected as rejected:
            out.problems = [p.describe() for p in rejected.problems]
            return out
    out.delimiter, out.headers = source.delimiter, tuple(source.headers)
    out.kind = detect_kind(list(source.headers))
    if out.kind is None:
        out.problems.append("The header does not match any input kind; choose the kind.")
    out.head = _head(data, source.delimiter, rows)
    return out


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
    """The validation report: one row per problem (line, column, value, problem)."""
    rows = [
        {"line": p.line, "column": p.column, "value": p.value, "problem": p.problem}
        for p in result.problems
    ]
    df = pd.DataFrame(rows, columns=PROBLEM_COLUMNS)
    df["line"] = df["line"].astype("Int64")
    return df


def batch_label(row: pd.Series) -> str:
    """How a batch is named in a select box."""
    return (
        f"#{row['batch_id']} · {row['kind']} · {row['file_name']} · "
        f"{row['rows_loaded']} rows · {row['status']}"
    )
