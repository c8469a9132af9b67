"""Wall-screen mode: ``?kiosk=1`` on any page (with ``plant=``, ``line=``, ``refresh=``).

No sidebar, large tiles and fonts, and a fragment that wakes every N seconds
(``st.fragment(run_every=…)``): it checks the data version (file stats or one small
query, no turn on the database) and reruns the page only when data changed or the day
turned, so a screen shows a CLI or cron load within N seconds without a browser reload.
The "Updated hh:mm" stamp is the time of the last check.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
import streamlit as st

from kpi import store
from kpi.views import Filters
from ui import filters

DEFAULT_REFRESH = 60
MIN_REFRESH = 10
MAX_REFRESH = 3600

_STYLE = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"],
[data-testid="stSidebarCollapseButton"], header[data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stStatusWidget"] { display: none !important; }
.block-container { padding-top: 1rem !important; max-width: 100% !important; }
html, body, [data-testid="stAppViewContainer"] { font-size: 22px; }
[data-testid="stMetricValue"] { font-size: 3.4rem !important; line-height: 1.1; }
[data-testid="stMetricLabel"] p { font-size: 1.35rem !important; }
[data-testid="stMetricDelta"] { font-size: 1.4rem !important; }
[data-testid="stCaptionContainer"] { font-size: 1.1rem !important; }
.st-key-kiosk_stamp p { font-size: 1.4rem !important; text-align: right; }
</style>
"""


def active() -> bool:
    """True when the URL asks for wall-screen mode."""
    return st.query_params.get("kiosk", "") in ("1", "true", "yes")


def refresh_seconds() -> int:
    """``refresh=`` seconds, clamped to [MIN_REFRESH, MAX_REFRESH]; default 60."""
    try:
        wanted = int(st.query_params.get("refresh", DEFAULT_REFRESH))
    except ValueError:
        return DEFAULT_REFRESH
    return min(max(wanted, MIN_REFRESH), MAX_REFRESH)


def style() -> None:
    """Hide the sidebar and Streamlit's chrome; make tiles and text readable from afar."""
    st.html(_STYLE)


def view(default: Filters, lines: dict[str, list[str]]) -> Filters:
    """The screen's filters, from the URL only: a screen has nobody to click widgets."""
    return filters.valid(filters.from_params(dict(st.query_params.to_dict()), default), lines)


def title(label: str, view: Filters) -> str:
    scope = " · ".join(x for x in (view.plant, view.line) if x)
    return f"{label} · {scope}" if scope else label


def auto_refresh(engine: sa.Engine) -> None:
    """The stamp, checked every ``refresh=`` seconds; a full rerun when data changed."""
    drawn, day = store.data_version(engine), dt.date.today()

    @st.fragment(run_every=refresh_seconds())
    def stamp() -> None:
        if store.data_version(engine) != drawn or dt.date.today() != day:
            st.rerun(scope="app")
        st.container(key="kiosk_stamp").markdown(f"Updated {dt.datetime.now():%H:%M}")

    stamp()
