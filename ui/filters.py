"""Shared filters (dates, grain, plant, line) in the sidebar, mirrored in the URL.

The canonical value lives in ``st.session_state[STATE]`` so it survives page switches;
on a session's first run the URL's query parameters (a shared link) win over defaults.
Bad parameters fall back to defaults silently: a link never breaks a page.
"""

from __future__ import annotations

import contextlib
from dataclasses import replace

import streamlit as st

from kpi.catalogue import Grain
from kpi.grains import parse_date
from kpi.views import GRAINS, Filters

STATE = "_kpi_filters"
REFRESH = "_kpi_filters_refresh"
ALL_PLANTS = "All plants"
ALL_LINES = "All lines"
_KEYS = {"from": "flt_from", "to": "flt_to", "grain": "flt_grain"}


def from_params(params: dict[str, str], default: Filters) -> Filters:
    """Filters from URL parameters over ``default``; unknown or bad values are ignored."""
    out = default
    for name, field in (("from", "date_from"), ("to", "date_to")):
        with contextlib.suppress(KeyError, ValueError, TypeError):
            out = replace(out, **{field: parse_date(params[name])})
    if params.get("grain") in {g.value for g in GRAINS}:
        out = replace(out, grain=Grain(params["grain"]))
    out = replace(out, plant=params.get("plant") or None, line=params.get("line") or None)
    if out.date_from > out.date_to:
        out = replace(out, date_from=default.date_from, date_to=default.date_to)
    return out


def to_params(filters: Filters) -> dict[str, str]:
    params = {
        "from": filters.date_from.isoformat(),
        "to": filters.date_to.isoformat(),
        "grain": filters.grain.value,
    }
    if filters.plant:
        params["plant"] = filters.plant
    if filters.line:
        params["line"] = filters.line
    return params


def valid(filters: Filters, lines: dict[str, list[str]]) -> Filters:
    """Drop a plant or line the database does not know, or a line outside the plant.

    A line is a line of a plant: a line given without its plant (an old link) gets the
    one plant that has a line of that name, and is dropped when several plants do.
    """
    plant = filters.plant if filters.plant in lines else None
    if plant is None and filters.line is not None:
        owners = [p for p, names in lines.items() if filters.line in names]
        plant = owners[0] if len(owners) == 1 else None
    line = filters.line if plant and filters.line in lines.get(plant, []) else None
    return replace(filters, plant=plant, line=line)


def sidebar(default: Filters, lines: dict[str, list[str]]) -> Filters:
    """Draw the filter widgets and return the current view (also written to the URL)."""
    if STATE not in st.session_state:
        st.session_state[STATE] = from_params(dict(st.query_params.to_dict()), default)
    current = valid(st.session_state[STATE], lines)
    if st.session_state.pop(REFRESH, False):
        current = replace(current, date_from=default.date_from, date_to=default.date_to)
        for key in (_KEYS["from"], _KEYS["to"]):
            st.session_state.pop(key, None)
    _seed_widgets(current)
    box = st.sidebar
    box.subheader("Filters")
    date_from = box.date_input("From", key=_KEYS["from"], format="YYYY-MM-DD")
    date_to = box.date_input("To", key=_KEYS["to"], format="YYYY-MM-DD")
    grain = box.selectbox("Grain", [g.value for g in GRAINS], key=_KEYS["grain"])
    plant = box.selectbox("Plant", [ALL_PLANTS, *lines], key="flt_plant")
    options = lines.get(plant, []) if plant != ALL_PLANTS else []
    if st.session_state.get("flt_line") not in [ALL_LINES, *options]:
        st.session_state["flt_line"] = ALL_LINES
    line = box.selectbox(
        "Line",
        [ALL_LINES, *options],
        key="flt_line",
        disabled=not options,
        help="A line is a line of a plant: choose the plant first.",
    )
    if date_from > date_to:
        box.warning("'From' is after 'To'; showing the default window.")
        date_from, date_to = default.date_from, default.date_to
    chosen = Filters(
        date_from,
        date_to,
        Grain(grain),
        None if plant == ALL_PLANTS else plant,
        None if line == ALL_LINES else line,
        default.as_of,
    )
    st.session_state[STATE] = chosen
    st.query_params.from_dict(to_params(chosen))
    return chosen


def _seed_widgets(current: Filters) -> None:
    """Give each widget its value from the stored view when it has none (e.g. new page)."""
    values = {
        _KEYS["from"]: current.date_from,
        _KEYS["to"]: current.date_to,
        _KEYS["grain"]: current.grain.value,
        "flt_plant": current.plant or ALL_PLANTS,
        "flt_line": current.line or ALL_LINES,
    }
    for key, value in values.items():
        st.session_state[key] = st.session_state.get(key, value)


def follow_new_data() -> None:
    """After a load or undo, move the date window to the newest data on the next page."""
    st.session_state[REFRESH] = True
