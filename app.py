"""Entry point: `streamlit run app.py`. Only a router; every page draws its own frame.

The navigation is hidden (the sidebar is drawn by ``ui.frame`` with page links) so the
app looks the same when Streamlit 1.67 serves a deep link without running this file.
"""

from __future__ import annotations

import streamlit as st

from ui.registry import PAGES, PageId

pages: dict[str, list] = {}
for spec in PAGES:
    page = st.Page(
        spec.path,
        title=spec.label,
        icon=spec.icon,
        url_path=spec.page.value,
        default=spec.page is PageId.OVERVIEW,
    )
    pages.setdefault(spec.section.value, []).append(page)

st.navigation(pages, position="hidden").run()
