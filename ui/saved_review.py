"""A saved management review as it was recorded (ISO 9001 §9.3.3): the frozen figures,
the data cut-off, the exported files with their hashes, and whether a later correction
changed any figure since, listed figure by figure."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi import store
from kpi.review import MIME, Format
from kpi.review.snapshot import SnapshotError, figures_frame
from kpi.settings import Settings
from ui.data import Q, get
from ui.safe import md

PICK_KEY = "rv_saved_pick"


def saved_reviews(settings: Settings) -> None:
    """Pick a saved review and show its snapshot; nothing when none was saved yet."""
    reviews = get(Q.REVIEWS)
    if not reviews:
        st.caption("No review has been saved yet.")
        return
    labels = {r["review_id"]: f"#{r['review_id']} · {r['period_label']} · "
              f"{r['plant'] or 'all plants'} · saved {r['saved_at']} by {r['saved_by']}"
              for r in reviews}  # fmt: skip
    review_id = st.selectbox("Saved review", list(labels), format_func=labels.get, key=PICK_KEY)
    try:
        saved = get(Q.SAVED_REVIEW, review_id)
    except SnapshotError as exc:
        st.error(md(exc))
        return
    body = saved["snapshot"]
    if body is None:
        st.info("Saved before frozen snapshots existed: only its notes and decisions were kept.")
        return
    cut = body["cut_off"]
    st.caption(md(f"Figures as presented; data cut-off: batch {cut['last_batch_id']} "
                  f"loaded {cut['loaded_at']}; as of {body['as_of']}."))  # fmt: skip
    if saved["changed"]:
        st.warning("Figures changed since this review: data was corrected after it was "
                   "saved. The saved figures stay as presented; the differences:",
                   icon=":material/published_with_changes:")  # fmt: skip
        st.dataframe(saved["changes"], hide_index=True, width="stretch", key="rv_saved_changes")
    else:
        st.success("Figures unchanged since this review.", icon=":material/lock:")
    st.dataframe(figures_frame(body), hide_index=True, width="stretch", key="rv_saved_figures")
    _exports(settings, body["exports"])


def _exports(settings: Settings, exports: dict[str, dict]) -> None:
    """The files exported at saving, from the archive, each with its SHA-256."""
    rows = [{"file": e["file_name"], "sha256": e["sha256"], "bytes": e["size_bytes"]}
            for e in exports.values()]  # fmt: skip
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="rv_saved_files")
    columns = st.columns(len(exports) or 1)
    for col, (fmt, entry) in zip(columns, sorted(exports.items()), strict=False):
        path = store.archive_path(settings, entry["sha256"])
        if path.exists():
            col.download_button(f"Saved {fmt.upper()}", data=lambda p=path: p.read_bytes(),
                                file_name=entry["file_name"], mime=MIME[Format(fmt)],
                                key=f"rv_saved_{fmt}", icon=":material/download:",
                                on_click="ignore")  # fmt: skip
