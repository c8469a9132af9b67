"""Specs (data): the unit, nominal and limits of each measured characteristic, by product.

Everyone may read them; QA and admins change them (checked again on the server at the
click). Measurements are checked against these at load, so a spec comes first.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from kpi.auth import Action
from kpi.specs import MAX_SUBGROUP, SpecError, end_spec, set_spec, spec_from_text
from ui import data, session, widgets
from ui.frame import frame
from ui.registry import PageId
from ui.safe import md

ctx = frame(PageId.SPECS)
st.caption(
    "A measurement is loaded only when its characteristic has a spec for its product on its "
    "date, in the same unit. One limit may be blank (a one-sided spec); windows of one "
    "characteristic never overlap: end the old one before a new revision starts."
)
may_edit = session.may(Action.EDIT_SPECS)


def _save_form() -> None:
    """One spec: blank limits are open (one-sided), blank dates are open windows."""
    c1, c2, c3, c4 = st.columns([3, 3, 2, 2])
    row = {
        "product": c1.text_input("Product", key="s_product"),
        "characteristic": c2.text_input("Characteristic", key="s_characteristic"),
        "unit": c3.text_input("Unit", key="s_unit", placeholder="e.g. mm"),
        "subgroup_size": str(c4.number_input("Subgroup size", 1, MAX_SUBGROUP, 5, key="s_n")),
    }
    c5, c6, c7, c10, c8, c9 = st.columns(6)
    row["nominal"] = c5.text_input("Nominal", key="s_nominal")
    row["cpk_min"] = c10.text_input("Minimum Cpk", key="s_cpk_min", placeholder="1.33")
    row["lsl"] = c6.text_input("LSL", key="s_lsl", placeholder="blank: none")
    row["usl"] = c7.text_input("USL", key="s_usl", placeholder="blank: none")
    first = c8.date_input("Valid from", value=None, key="s_from", format="YYYY-MM-DD")
    last = c9.date_input("Valid to", value=None, key="s_to", format="YYYY-MM-DD")
    row |= {"valid_from": str(first or ""), "valid_to": str(last or "")}
    if st.button("Save spec", type="primary", icon=":material/save:", key="s_save"):
        session.require(Action.EDIT_SPECS)
        try:
            spec = spec_from_text(row)
            spec_id = set_spec(ctx.engine, ctx.settings, spec)
        except SpecError as error:
            for problem in error.problems:
                st.error(md(problem))
        except ValueError as error:
            st.error(md(error))
        else:
            data.clear()
            st.success(f"Saved spec {spec_id}: {md(spec.describe())}, {md(spec.limits())}")


def _day(value: object) -> str:
    return "…" if value is None or pd.isna(value) else str(value)


def _end_form(names: dict[int, str]) -> None:
    c1, c2, c3 = st.columns([3, 2, 1])
    spec_id = c1.selectbox("Spec", list(names), key="s_end_id", format_func=names.get)
    last_day = c2.date_input("Last valid day", key="s_end_on", format="YYYY-MM-DD")
    if c3.button("End spec", icon=":material/event_busy:", key="s_end"):
        session.require(Action.EDIT_SPECS)
        try:
            end_spec(ctx.engine, ctx.settings, int(spec_id), last_day)
        except SpecError as error:
            st.error(md("; ".join(error.problems)))
        else:
            data.clear()
            st.success(f"Spec {int(spec_id)} ends on {last_day}.")


if may_edit:
    st.subheader("Set a spec")
    _save_form()
    stored = data.get(data.Q.SPECS)
    if not stored.empty:
        st.subheader("End a spec's validity")
        _end_form({int(r.spec_id): f"#{r.spec_id} {r.product} · {r.characteristic} "
                   f"({_day(r.valid_from)} to {_day(r.valid_to)})"
                   for r in stored.itertuples(index=False)})  # fmt: skip
else:
    st.info("Only QA and admins can change specs.", icon=":material/lock:")

st.subheader("All specs")
specs = data.get(data.Q.SPECS)
if specs.empty:
    st.info("No spec yet: measurements can be loaded once their specs are set.")
else:
    widgets.table(specs, "characteristic_specs", key="s_table", height=320)

st.subheader("Change history")
history = data.get(data.Q.SPEC_HISTORY)
if history.empty:
    st.info("No spec has been changed yet.", icon=":material/history:")
else:
    widgets.table(history, "spec_history", key="s_history", height=260)
