"""The mapping editor's fields, one small function per group of profile settings.

Every widget takes its first value from the *seed* profile (saved or imported), or,
with no seed, from the file itself where that is not a guess: a header spelled like a
canonical column is preselected for it. Dates never get a default format.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import streamlit as st

from kpi import encodings
from kpi import profile_drafts as drafts
from kpi.encodings import ENCODINGS
from kpi.profiles import WIDE_FILLED, Lookup, Profile, WideLayout
from kpi.schema import KINDS, ColType, Column, Kind, normalise_header
from kpi.uploads import Preview
from ui.safe import md

DELIMITERS = {"": "detect", ",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
THOUSANDS = {"": "none", ".": "point (1.250)", ",": "comma (1,250)", " ": "space (1 250)",
             "'": "apostrophe (1'250)"}  # fmt: skip
DECIMALS = {".": "point (480.5)", ",": "comma (480,5)"}
_DATES = (ColType.DATE, ColType.TIMESTAMP)


class Unmatched(StrEnum):
    """What a lookup does with rows whose key is not in the companion file."""

    ERROR = "error"
    SKIP = "skip"


def kind_select(p: str, seed: Profile | None, detected: Kind | None) -> Kind | None:
    kinds = [k.value for k in Kind]
    start = Kind(seed.kind) if seed else detected
    chosen = st.selectbox(
        "Kind of data",
        kinds,
        index=kinds.index(start.value) if start else None,
        key=f"{p}_kind",
        placeholder="Choose the kind",
    )
    return Kind(chosen) if chosen else None


def reading(p: str, seed: Profile | None, pv: Preview) -> dict[str, Any]:
    """Sheet or encoding, delimiter and header lines (a sheet is already text with commas).

    The encoding starts from the seed's, else the detected one when the detection is sure;
    otherwise it is ``None`` until the user chooses.
    """
    start = seed.encoding if seed else (pv.guess.encoding if pv.guess and pv.guess.sure else None)
    seed = seed or Profile(name="draft", kind=Kind.PRODUCTION)
    c1, c2, c3, c4 = st.columns(4)
    out: dict[str, Any] = {"encoding": "utf-8", "delimiter": "", "sheet": pv.sheet}
    if pv.is_workbook:
        c1.caption(f"Sheet '{md(pv.sheet)}' (saved with the profile)")
    else:
        out["encoding"] = c1.selectbox(
            "Encoding", ENCODINGS, index=ENCODINGS.index(start) if start else None,
            format_func=encodings.label, key=f"{p}_enc", placeholder="Choose the encoding",
        )  # fmt: skip
        if pv.guess is not None:
            c1.caption(pv.guess.describe())  # our own words
        out["delimiter"] = c2.selectbox(
            "Delimiter", list(DELIMITERS), index=list(DELIMITERS).index(seed.delimiter),
            format_func=DELIMITERS.get, key=f"{p}_delim",
        )  # fmt: skip
    out["skip_lines"] = int(
        c3.number_input(
            "Lines before the header",
            0,
            100,
            seed.skip_lines,
            key=f"{p}_skip",
            help="Title or export-date lines above the header row.",
        )  # fmt: skip
    )
    out["extra_header_lines"] = int(
        c4.number_input(
            "Extra header lines",
            0,
            20,
            seed.extra_header_lines,
            key=f"{p}_extra",
            help="Lines after the header that hold no data (a second header row).",
        )  # fmt: skip
    )
    return out


def source_table(source: drafts.Source) -> None:
    for problem in source.problems:
        st.error(md(problem), icon=":material/error:")
    if not source.rows.empty:
        st.caption("Your file as read with these settings (first rows, as text)")
        st.dataframe(source.rows.head(5), hide_index=True, width="stretch")


def mapping(
    p: str, kind: Kind, seed: Profile | None, source: drafts.Source, wide: bool
) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """Per canonical column: a source header or a constant, and a date format for dates."""
    st.markdown(
        f"**Columns of {kind.value}** — pick the header that holds each column, or type a "
        "constant used for every row. Required columns are in bold."
    )
    for box, text in zip(
        st.columns([2, 3, 2, 3]),
        ("Column", "Header in your file", "Constant", "Date format (dates only)"),
        strict=True,
    ):
        box.caption(text)
    columns: dict[str, str] = {}
    constants: dict[str, str] = {}
    formats: dict[str, str] = {}
    for column in KINDS[kind].columns:
        if wide and column.name in WIDE_FILLED.get(kind, ()):
            continue
        header, constant, fmt = _column_row(p, kind, column, seed, source)
        if header:
            columns[column.name] = header
        elif constant.strip():
            constants[column.name] = constant.strip()
        if fmt.strip() and column.type in _DATES:
            formats[column.name] = fmt.strip()
    if wide and kind is Kind.MEASUREMENTS:
        st.caption("value comes from the reading columns (wide layout below).")
    elif wide:
        st.caption("reason and minutes come from the reason columns (wide layout below).")
    return columns, constants, formats


def _column_row(
    p: str, kind: Kind, column: Column, seed: Profile | None, source: drafts.Source
) -> tuple[str | None, str, str]:
    base = f"{p}_{kind.value}_{column.name}"
    c1, c2, c3, c4 = st.columns([2, 3, 2, 3], vertical_alignment="bottom")
    name = f"**{column.name}**" if column.required and column.default is None else column.name
    c1.markdown(f"{name}  \n:gray[{column.type.value}]")
    header = c2.selectbox(
        f"Source header for {column.name}", source.headers,
        index=_start_header(column.name, seed, source.headers),
        placeholder="not in the file", key=f"{base}_src", label_visibility="collapsed",
    )  # fmt: skip
    constant = c3.text_input(
        f"Constant for {column.name}", value=seed.constants.get(column.name, "") if seed else "",
        placeholder="or a constant", key=f"{base}_const", label_visibility="collapsed",
    )  # fmt: skip
    fmt = ""
    if column.type in _DATES:
        fmt = c4.text_input(
            f"Date format for {column.name}",
            value=seed.date_formats.get(column.name, "") if seed else "",
            placeholder="date format, e.g. %d.%m.%Y or %d-%b-%y",
            key=f"{base}_fmt", label_visibility="collapsed",
            help=f"strptime codes, e.g. {drafts.DATE_FORMAT_EXAMPLES}. Never guessed.",
        )  # fmt: skip
    return header, constant, fmt


def _start_header(name: str, seed: Profile | None, headers: list[str]) -> int | None:
    """The seed's header for ``name``, else a header spelled exactly like ``name``."""
    folded = [normalise_header(h) for h in headers]
    wanted = seed.columns.get(name) if seed else name
    if wanted and normalise_header(wanted) in folded:
        return folded.index(normalise_header(wanted))
    return None


def numbers(p: str, seed: Profile | None) -> dict[str, Any]:
    seed = seed or Profile(name="draft", kind=Kind.PRODUCTION)
    c1, c2, c3 = st.columns([1, 1, 2])
    decimal = c1.selectbox(
        "Decimal separator", list(DECIMALS), index=list(DECIMALS).index(seed.decimal),
        format_func=DECIMALS.get, key=f"{p}_dec",
    )  # fmt: skip
    thousands = c2.selectbox(
        "Thousands separator", list(THOUSANDS),
        index=list(THOUSANDS).index(seed.thousands) if seed.thousands in THOUSANDS else 0,
        format_func=THOUSANDS.get, key=f"{p}_thou",
    )  # fmt: skip
    blanks = c3.text_area(
        "Values that mean blank (one per line)", "\n".join(seed.blank_values),
        placeholder="N/A\nDate Not Captured", key=f"{p}_blank", height=80,
    )  # fmt: skip
    values = tuple(v.strip() for v in blanks.splitlines() if v.strip())
    return {"decimal": decimal, "thousands": thousands, "blank_values": values}


def wide(p: str, seed: Profile | None, headers: list[str]) -> WideLayout | None:
    """Downtime with one column per reason: which columns, and names for coded ones."""
    start = seed.wide if seed else None
    on = st.checkbox(
        "Wide layout: one row per batch or shift, one column of minutes per reason",
        value=start is not None,
        key=f"{p}_wide",
    )
    if not on:
        return None
    c1, c2 = st.columns(2)
    chosen = c1.multiselect(
        "Reason columns (none chosen: every column not mapped above)", headers,
        default=[h for h in (start.value_columns if start else ()) if h in headers],
        key=f"{p}_wide_cols",
    )  # fmt: skip
    names = c2.text_area(
        "Reason names for coded columns (code = name, one per line)",
        drafts.format_pairs(start.reason_names) if start else "",
        placeholder="1 = Emergency stop\n2 = Batch change", key=f"{p}_wide_names",
    )  # fmt: skip
    return WideLayout(tuple(chosen), drafts.parse_pairs(names))


def wide_readings(p: str, seed: Profile | None, headers: list[str]) -> WideLayout | None:
    """Measurements with one row per subgroup and one column per reading (x1 … x5)."""
    start = seed.wide if seed else None
    on = st.checkbox("Wide layout: one row per subgroup, one column per reading",
                     value=start is not None, key=f"{p}_wide")  # fmt: skip
    if not on:
        return None
    chosen = st.multiselect(
        "Reading columns (none chosen: every column not mapped above)", headers,
        default=[h for h in (start.value_columns if start else ()) if h in headers],
        key=f"{p}_wide_cols",
    )  # fmt: skip
    return WideLayout(tuple(chosen))


def lookup(p: str, seed: Profile | None, headers: list[str]) -> Lookup | None:
    """Columns from a companion file joined on a key (e.g. batch → date)."""
    start = seed.lookup if seed else None
    if not st.checkbox(
        "Take columns from a companion (lookup) file", value=start is not None, key=f"{p}_lk"
    ):
        return None
    c1, c2, c3 = st.columns(3)
    key = c1.selectbox(
        "Key header in this file", headers,
        index=headers.index(start.key) if start and start.key in headers else None,
        key=f"{p}_lk_key",
    )  # fmt: skip
    other = c2.text_input(
        "Key header in the lookup file", start.lookup_key if start else (key or ""),
        key=f"{p}_lk_other",
    )  # fmt: skip
    unmatched = c3.selectbox(
        "Rows without a match", list(Unmatched),
        index=list(Unmatched).index(Unmatched(start.unmatched)) if start else 0,
        format_func=lambda u: "reject the file" if u is Unmatched.ERROR else "skip, with a warning",
        key=f"{p}_lk_unmatched",
    )  # fmt: skip
    c4, c5 = st.columns(2)
    columns = c4.text_area(
        "Columns taken from it (canonical = lookup header)",
        drafts.format_pairs(start.columns) if start else "", placeholder="date = Date",
        key=f"{p}_lk_cols",
    )  # fmt: skip
    formats = c5.text_area(
        "Their date formats (canonical = format)",
        drafts.format_pairs(start.date_formats) if start else "", placeholder="date = %Y-%m-%d",
        key=f"{p}_lk_fmts",
    )  # fmt: skip
    if not key or not other.strip():
        st.info("Choose the key headers to join the lookup file.")
        return None
    pairs, fmts = drafts.parse_pairs(columns), drafts.parse_pairs(formats)
    return Lookup(key, other.strip(), pairs, fmts, Unmatched(unmatched).value)
