"""Where the app writes an evidence bundle, and its download (pages stay thin)."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import streamlit as st


def bundle_path(date_from: dt.date, date_to: dt.date) -> Path:
    """A fresh file in a private temporary folder: the bundle is built on request and
    handed over, not kept beside the database."""
    folder = Path(tempfile.mkdtemp(prefix="kpi-evidence-"))
    return folder / f"evidence-{date_from}-{date_to}.zip"


def download(path_text: str) -> None:
    path = Path(path_text)
    if not path.exists():
        return
    st.download_button(
        f"Download {path.name}",
        data=lambda: path.read_bytes(),
        file_name=path.name,
        mime="application/zip",
        key="ev_download",
        icon=":material/download:",
        on_click="ignore",
    )
