"""Alerts on the Overview, link-following for the SPC and actions pages, and the edit check.

Why here: the Overview only calls ``alerts_panel(ctx)``; everything Streamlit-specific about
alerts (links with preset filters, acknowledge buttons) lives in this one module.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa
import streamlit as st

from kpi import alerts as lib
from kpi import store
from kpi.auth import PERMISSIONS, Action
from kpi.auth import Role as AuthRole
from kpi.catalogue import Grain
from kpi.grains import parse_date
from ui import filters
from ui.safe import md

FOCUS = "focus"  # a link parameter: apply the link's filters even mid-session


def may_edit_actions(role: object) -> bool:
    """Creating and updating corrective actions and acknowledging alerts (QA and admin)."""
    try:
        return Action.EDIT_ACTIONS in PERMISSIONS[AuthRole(str(getattr(role, "value", role)))]
    except ValueError:
        return False


def follow_link() -> dict[str, str]:
    """Read the URL before the frame rewrites it; a focus link resets the shared filters.

    The frame only reads the URL on a session's first run, so a link clicked later (an
    alert on the Overview) would otherwise open with the old line and dates.
    """
    wanted = {k: str(v) for k, v in st.query_params.to_dict().items()}
    current = st.session_state.get(filters.STATE)
    if wanted.get(FOCUS) and current is not None:
        st.session_state[filters.STATE] = filters.from_params(wanted, current)
        for key in ("flt_from", "flt_to", "flt_grain", "flt_plant", "flt_line"):
            st.session_state.pop(key, None)
    return wanted


@st.cache_data(show_spinner=False, ttl=60)
def _alerts(db_url: str, _engine: sa.Engine, near_band: float, version: str) -> pd.DataFrame:
    return lib.alerts_frame(_engine, Grain.WEEK, near_band)


@st.cache_data(show_spinner=False, ttl=60)
def _alert_objects(
    db_url: str, _engine: sa.Engine, near_band: float, version: str
) -> list[lib.Alert]:
    return lib.current_alerts(_engine, Grain.WEEK, near_band)


def alerts_panel(ctx) -> None:
    """What needs attention now: each alert with its chart link, an action link and ack."""
    st.subheader("Needs attention")
    url, band = ctx.settings.db_url, ctx.settings.near_band
    version = store.data_version(ctx.engine)  # a load or ack elsewhere shows at the next rerun
    table = _alerts(url, ctx.engine, band, version)
    if table.empty:
        st.success("No target misses or SPC signals right now.", icon=":material/check:")
        return
    objects = {a.alert_id: a for a in _alert_objects(url, ctx.engine, band, version)}
    editor = may_edit_actions(ctx.role)
    for i, row in enumerate(table.itertuples(index=False)):
        alert = objects.get(row.alert_id)
        if alert is None:
            continue
        _alert_row(ctx, alert, bool(row.acknowledged), row.acknowledged_by, editor, i)


def _alert_row(ctx, alert: lib.Alert, acked: bool, by: str, editor: bool, i: int) -> None:
    icon = ":material/query_stats:" if alert.kind is lib.AlertKind.SPC_SIGNAL else ":material/flag:"
    with st.container(border=True):
        text, controls = st.columns([3, 2], vertical_alignment="center")
        acked_by = f"  \n*acknowledged by {md(by)}*" if acked else ""
        text.markdown(f"{icon} {md(alert.message)}{acked_by}")
        # one row sized to its labels, wrapping when narrow: fixed columns cut them
        # ("Corrective ac", "Acknow…")
        chart = act = ack = controls.container(
            horizontal=True, horizontal_alignment="right", vertical_alignment="center"
        )
        chart.page_link("pages/spc.py", label="Chart", icon=":material/show_chart:",
                        query_params=alert.link_params() | {FOCUS: "1"})  # fmt: skip
        params = {"alert": alert.alert_id, "kpi": alert.kpi, "period": str(alert.period),
                  "grain": alert.grain.value} | alert.scope  # fmt: skip
        act.page_link("pages/actions.py", label="Corrective action", icon=":material/build:",
                      query_params=params)  # fmt: skip
        if editor and not acked and ack.button("Acknowledge", key=f"ack_{i}"):
            lib.acknowledge(ctx.engine, ctx.settings.user, alert.alert_id)
            st.cache_data.clear()
            st.rerun()


def parse_day(text: str | None) -> dt.date | None:
    try:
        return parse_date(text) if text else None
    except ValueError:
        return None
