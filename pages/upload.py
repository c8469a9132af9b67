"""Upload (QA): check shift files, see every problem at once, commit, review and undo loads."""

from __future__ import annotations

import streamlit as st

from kpi.schema import KINDS
from ui import upload
from ui.frame import frame
from ui.registry import PageId

ctx = frame(PageId.UPLOAD)
st.caption(
    "Drop one or more CSV or Excel (.xlsx) files. The kind is detected from the header, "
    "or a saved import profile whose headers match is suggested; for any other export, "
    "map its columns once in the mapping editor and save the mapping as a profile. "
    "Nothing is stored until you press **Load**. A file already loaded is recognised "
    "and skipped."
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
if files and st.button(
    f"Load {len(files)} file(s)", type="primary", icon=":material/publish:", key="commit"
):
    upload.commit(ctx, files, plans)
upload.show_results()

st.subheader("Batch history")
upload.history(ctx)
