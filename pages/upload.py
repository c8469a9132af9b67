"""Upload (QA): check shift files, see every problem at once, commit, review and undo loads."""

from __future__ import annotations

import streamlit as st

from kpi.ingest.load import Options
from kpi.schema import KINDS
from ui import upload
from ui.frame import frame
from ui.registry import PageId

ctx = frame(PageId.UPLOAD)
st.caption(
    "Drop one or more CSV or Excel (.xlsx) files. The kind is detected from the header, "
    "or a saved import profile whose headers match is suggested; for any other export, "
    "map its columns once in the mapping editor and save the mapping as a profile. "
    "Nothing is stored until you press **Load**; **Check** shows first which stored rows "
    "a corrected file would replace. A file already loaded is recognised and skipped."
)
with st.expander("Expected columns per kind", icon=":material/help:"):
    for spec in KINDS.values():
        required = ", ".join(c.name if c.required else f"[{c.name}]" for c in spec.columns)
        st.markdown(f"**{spec.kind.value}** — {spec.description}: `{required}`")

files = (
    st.file_uploader(
        "Files", type=["csv", "txt", "tsv", "xlsx"], accept_multiple_files=True, key="uploads"
    )
    or []
)
plans = [upload.plan_file(ctx, f, i) for i, f in enumerate(files)]
whole_shift = st.checkbox(
    "Replace the whole shift",
    key="replace_shift",
    help="A corrected file replaces only the stored rows with the same date, shift, plant, "
    "line, machine and product; other machines and products of the shift are kept. Tick "
    "this to replace every stored row of each shift (date, shift, plant, line) in the file.",
)
left, right = st.columns(2)
if files and left.button(
    "Check what would be replaced", icon=":material/fact_check:", key="dry_run"
):
    upload.commit(ctx, files, plans, Options(whole_shift=whole_shift, dry_run=True))
if files and right.button(
    f"Load {len(files)} file(s)", type="primary", icon=":material/publish:", key="commit"
):
    upload.commit(ctx, files, plans, Options(whole_shift=whole_shift))
upload.show_results()

st.subheader("Batch history")
upload.history(ctx)
