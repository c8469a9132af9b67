"""The mapping editor's computed columns: pick an operation and its source columns.

Only the operations of :mod:`kpi.computed` are offered; every field is data (headers,
a constant, a date format, a separator, a table), never an expression. Each computed
column gets a live preview of its first values beside the values it is made from,
computed by the same SQL as the load (``kpi.profile_drafts.preview_computed``).
"""

from __future__ import annotations

import streamlit as st

from kpi import profile_drafts as drafts
from kpi.computed import OP_LABELS, Computed, ComputedError, Op, check
from kpi.profiles import WIDE_FILLED, Profile
from kpi.schema import KINDS, ColType, Kind
from ui.safe import md

_FOR_TYPE = {
    ColType.DATE: (Op.ADD_DAYS, Op.CONCAT, Op.LOOKUP),
    ColType.TIMESTAMP: (Op.ADD_DAYS, Op.CONCAT, Op.LOOKUP),
    ColType.NUMBER: (Op.MULTIPLY, Op.DAYS_BETWEEN, Op.LOOKUP),
    ColType.COUNT: (Op.MULTIPLY, Op.DAYS_BETWEEN, Op.LOOKUP),
}
_TEXT_OPS = (Op.CONCAT, Op.LOOKUP)


def computed(
    p: str, kind: Kind, seed: Profile | None, headers: list[str], wide: bool
) -> tuple[dict[str, Computed], dict[str, object]]:
    """The computed columns chosen, and a container per column for its preview."""
    spec = KINDS[kind]
    filled = WIDE_FILLED.get(kind, ()) if wide else ()
    names = [c.name for c in spec.columns if c.name not in filled]
    start = [n for n in (seed.computed if seed else {}) if n in names]
    chosen = st.multiselect(
        "Computed columns (for a column your file does not hold as such)",
        names,
        default=start,
        key=f"{p}_{kind.value}_computed",
        help="E.g. a due date that is the order date plus the scheduled days. Leave the "
        "column's header above empty.",
    )
    out: dict[str, Computed] = {}
    boxes: dict[str, object] = {}
    for name in chosen:
        with st.container(border=True):
            how = _one(f"{p}_{kind.value}_cmp_{name}", name, spec.column(name).type, seed, headers)
            if how is not None:
                out[name] = how
                boxes[name] = st.container()
    return out, boxes


def _one(
    key: str, name: str, column_type: ColType, seed: Profile | None, headers: list[str]
) -> Computed | None:
    """One computed column's fields; None (with a note) until they make a valid column."""
    before = seed.computed.get(name) if seed else None
    ops = list(_FOR_TYPE.get(column_type, _TEXT_OPS))
    c1, c2 = st.columns([1, 3])
    c1.markdown(f"**{name}** =")
    op = c2.selectbox(
        f"How {name} is computed", ops, format_func=OP_LABELS.get, key=f"{key}_op",
        index=ops.index(before.op) if before and before.op in ops else 0,
    )  # fmt: skip
    before = before if before and before.op is op else None
    fields = _fields(key, op, before, headers)
    try:
        how = Computed(op, **fields)
        check(name, column_type, how)
    except ComputedError as unfinished:
        st.info(md(unfinished))
        return None
    st.caption(md(f"{name} = {how.formula()}"))
    return how


def _pick(label: str, headers: list[str], key: str, start: str | None) -> str | None:
    return st.selectbox(
        label, headers, index=headers.index(start) if start in headers else None, key=key,
        placeholder="choose a header",
    )  # fmt: skip


def _fields(key: str, op: Op, before: Computed | None, headers: list[str]) -> dict:
    """The settings of ``op``: its source columns and, where it takes one, a constant."""
    old = list(before.columns) if before else []
    first = old[0] if old else None
    second = old[1] if len(old) > 1 else None
    c1, c2, c3 = st.columns(3)
    if op is Op.CONCAT:
        cols = c1.multiselect("Columns, in order", headers, default=[h for h in old if h in
                              headers], key=f"{key}_cols")  # fmt: skip
        sep = c2.text_input("Put between them", before.separator if before else " ",
                            key=f"{key}_sep")  # fmt: skip
        return {"columns": tuple(cols), "separator": sep}
    with c1:
        a = _pick("Date column" if op in (Op.ADD_DAYS, Op.DAYS_BETWEEN) else "Column", headers,
                  f"{key}_a", first)  # fmt: skip
    if op is Op.LOOKUP:
        table = c2.text_area("Table (value = result, one per line)",
                             drafts.format_pairs(before.table) if before else "",
                             key=f"{key}_table", placeholder="F = Früh\nS = Spät")  # fmt: skip
        default = c3.text_input("For other values (empty: refuse the row)",
                                before.default if before else "", key=f"{key}_default")  # fmt: skip
        return {"columns": (a,) if a else (), "table": drafts.parse_pairs(table),
                "default": default.strip()}  # fmt: skip
    label = {Op.ADD_DAYS: "Days column", Op.DAYS_BETWEEN: "Minus date column"}.get(
        op, "Factor column"
    )
    with c2:
        b = _pick(label, headers, f"{key}_b", second)
    out = {"columns": tuple(h for h in (a, b) if h)}
    if op in (Op.ADD_DAYS, Op.MULTIPLY):
        number = c3.text_input("or a constant", before.number if before else "",
                               key=f"{key}_num", placeholder="e.g. 3")  # fmt: skip
        out["number"] = "" if b else number.strip()
    if op in (Op.ADD_DAYS, Op.DAYS_BETWEEN):
        fmt = st.text_input(
            "Date format of the date column(s)",
            before.date_format if before else "",
            key=f"{key}_fmt",
            placeholder="e.g. %m/%d/%Y %H:%M",
            help=f"strptime codes, e.g. {drafts.DATE_FORMAT_EXAMPLES}. Never guessed; "
            "empty means YYYY-MM-DD.",
        )
        out["date_format"] = fmt.strip()
    return out


def show_preview(preview: drafts.DraftPreview) -> None:
    """The first computed values beside their sources, or why they cannot be computed."""
    for problem in preview.problems:
        st.error(md(problem), icon=":material/error:")
    if preview.ok and not preview.rows.empty:
        st.dataframe(preview.rows, hide_index=True, width="stretch")
