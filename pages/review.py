"""Management review (ISO 9001 §9.3): figures by §9.3.2 input, notes, decisions, the pack."""

from __future__ import annotations

import streamlit as st

from kpi import clock
from kpi.auth import Action
from kpi.review import MIME, Format, export, make_request, plots, save_review
from kpi.review import layout as L
from kpi.review.model import GROUP_KPIS, GROUP_SECTION, NOTES_ONLY, Pack, Section, section_heading
from kpi.review.periods import PERIOD_HELP, default_period
from ui import data, saved_review, session
from ui import review_widgets as rw
from ui.data import Q, get
from ui.frame import frame
from ui.registry import PageId
from ui.safe import md

COMPARE = {"previous period": "previous", "same period last year": "last-year", "baseline": None}

ctx = frame(PageId.REVIEW)
c1, c2, c3, c4 = st.columns([2, 2, 2, 2])
period_text = c1.text_input(
    "Period", default_period(get(Q.NEWEST_DATE)).code, key="rv_period", help=PERIOD_HELP
)
compare_label = c2.selectbox("Compare with", list(COMPARE), key="rv_compare")
baseline = c3.text_input("Baseline period", "2025", key="rv_baseline",
                         disabled=COMPARE[compare_label] is not None)  # fmt: skip
as_of = c4.date_input("Data as of", clock.today(ctx.settings.timezone), key="rv_as_of",
                      help="Delivery lines are judged as known on this date")  # fmt: skip
try:
    request = make_request(period_text, COMPARE[compare_label] or baseline, as_of)
except ValueError as exc:
    st.error(md(exc))
    st.stop()
may_record = session.may(Action.RECORD_REVIEWS)  # leadership reads; QA and admins record
pdf_options = rw.pdf_options()  # starts Chromium in the background for the PDF download
pack: Pack = get(Q.REVIEW_PACK, request, ctx.settings.near_band)  # cached per data version
rw.load_state(pack)

st.caption(md(L.subtitle(pack)))
st.subheader(L.summary_title(pack))
rw.objective_table(pack)

for section in Section:
    st.subheader(section_heading(section))
    if section is Section.PREVIOUS_ACTIONS:
        rw.previous_decisions(pack, ctx.engine if may_record else None, ctx.settings)
    elif section is Section.OBJECTIVES:
        for line in L.objectives_by_status(pack):
            st.markdown(line)
    elif section is Section.MONITORING:
        rw.monitoring(pack)
    elif section is Section.AUDITS:
        rw.audits(pack)
    for group, target in GROUP_SECTION.items():
        if target is section:
            rw.objectives_block(pack, GROUP_KPIS[group])
    if section is Section.PROCESS:
        rw.capability(pack)
    if section is Section.NONCONFORMITIES:
        rw.nonconformities(pack)
    if section is Section.SUPPLIERS:
        rw.suppliers(pack, plots.supplier_figure(pack))
    label = "Notes" if section in NOTES_ONLY else "Notes (optional)"
    st.text_area(label, key=rw.note_key(section), height=80 if section in NOTES_ONLY else 68)

st.subheader("Decisions and actions of this review")
rw.decisions_editor()
pack.notes, pack.decisions = rw.current_notes(), rw.current_decisions()

c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
if not may_record:
    c1.caption("Saving a review needs the QA or admin role.")
elif c1.button("Save review", key="rv_save", type="primary", icon=":material/save:"):
    review_id = save_review(ctx.engine, ctx.settings, pack)
    data.clear()
    st.success(f"Saved review {review_id} of {pack.period.label}; the next review will show it.")
for col, fmt in zip((c2, c3, c4), Format, strict=True):
    options = pdf_options if fmt is Format.PDF else {}
    col.download_button(
        fmt.value.upper(),
        data=lambda fmt=fmt, options=options: export(pack, fmt, **options),
        file_name=f"management-review-{pack.period.code}.{fmt.value}",
        mime=MIME[fmt],
        key=f"rv_dl_{fmt.value}",
        icon=":material/download:",
        on_click="ignore",
    )

st.subheader("Saved reviews, as presented")
saved_review.saved_reviews(ctx.settings)
