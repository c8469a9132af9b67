"""Issue 18 on the demo year: the SPC page's measured mode and capability panel, the alert
for L5's worn hob, a corrective action from it, and the review pack's capability section.

Every figure is compared with the library (kpi.variables), which the CLI tests check
against textbook values: one computation on every surface.
"""

from __future__ import annotations

import datetime as dt
import io

import pandas as pd
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from kpi import review, store
from kpi.actions import list_actions
from kpi.alerts import AlertKind, current_alerts
from kpi.review import snapshot
from kpi.settings import load_settings
from kpi.variables import Measured, measured_chart
from tests.test_pages_apptest import APP, demo_db, demo_template  # noqa: F401

HOB = Measured("GR-520", "tooth thickness deviation", "Plant 2", "L5")


def _engine(url: str):
    return store.create_engine(load_settings(url))


def _spc(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180).run()
    at.query_params.clear()
    at.query_params.update(params or {})
    at.query_params["focus"] = "1"
    at.switch_page("pages/spc.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_spc_page_charts_the_worn_hob_with_its_capability(demo_db: str) -> None:  # noqa: F811
    at = _spc()
    at.radio(key="spc_source").set_value("measured").run()
    at.selectbox(key="spc_m_product").select("GR-520").run()
    at.selectbox(key="spc_m_char").select("tooth thickness deviation").run()
    assert not at.exception, [e.value for e in at.exception]
    at.selectbox(key="spc_m_line").set_value(HOB).run()
    assert at.selectbox(key="spc_m_line").value == HOB
    view_from, view_to = at.date_input(key="flt_from").value, at.date_input(key="flt_to").value
    expected = measured_chart(_engine(demo_db), HOB, None, view_from, view_to)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Cpk (within)"] == f"{expected.capability.cpk:.2f}"
    assert expected.capability.cpk < 1.33  # the drift shows as a capability problem
    assert any("unstable window" in w.value for w in at.warning)
    assert len(at.get("plotly_chart")) == 2  # the X̄-R chart and the histogram
    signals = next(d.value for d in at.dataframe if "panel" in d.value.columns)
    assert "WE1" in set(signals["rule"])
    sources = next(d.value for d in at.dataframe if "sha256" in d.value.columns)
    assert sources["file_name"].str.startswith("demo-measurements").all()
    assert sources["rows"].sum() == len(expected.readings)  # issue 17: lineage of the chart
    at.radio(key="spc_source").set_value("kpi").run()  # an attribute chart has its sources too
    assert any(e.label.startswith("Sources:") for e in at.expander)


def test_an_alert_link_opens_the_characteristic_and_an_action_follows(demo_db: str) -> None:  # noqa: F811
    engine = _engine(demo_db)
    alerts = [a for a in current_alerts(engine) if a.kpi == HOB.chart_key]
    kinds = {a.kind for a in alerts}
    assert kinds == {AlertKind.SPC_SIGNAL, AlertKind.TARGET_MISS}
    signal = next(a for a in alerts if a.kind is AlertKind.SPC_SIGNAL)
    at = _spc(signal.link_params())
    assert at.radio(key="spc_source").value == "measured"
    assert at.selectbox(key="spc_m_char").value == "tooth thickness deviation"
    assert at.selectbox(key="spc_m_line").value == HOB
    at = AppTest.from_file(APP, default_timeout=180).run()
    params = {"alert": signal.alert_id, "kpi": signal.kpi, "period": str(signal.period),
              "grain": signal.grain.value, "focus": "1"} | signal.scope  # fmt: skip
    at.query_params.update(params)
    at.switch_page("pages/actions.py").run()
    assert at.selectbox(key="ca_kpi").value == HOB.chart_key
    at.text_area(key="ca_desc").input("Hob worn on L5: replace and re-qualify")
    at.text_input(key="ca_owner").input("Ana")
    at.button(key="ca_create").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    made = list_actions(engine)
    made = made[made["alert_id"] == signal.alert_id]
    assert len(made) == 1 and made.iloc[0]["scope"] == "line=L5;plant=Plant 2"


def test_review_pack_lists_capability_by_line_with_the_same_cpk(demo_db: str) -> None:  # noqa: F811
    engine = _engine(demo_db)
    request = review.make_request("2026-10", as_of=dt.date(2026, 10, 31))
    pack = review.prepare(engine, request)
    table = pack.capability
    hob = table[(table["characteristic"] == HOB.characteristic) & (table["line"] == "L5")]
    expected = measured_chart(engine, HOB, None, dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert hob.iloc[0]["value"] == expected.capability.cpk
    assert hob.iloc[0]["status"] == "missed" and hob.iloc[0]["cpk_min"] == 1.33
    calm = table[(table["characteristic"] == HOB.characteristic) & (table["line"] == "L6")]
    assert calm.iloc[0]["status"] == "met"
    xlsx = review.export(pack, review.Format.XLSX)
    sheet = pd.read_excel(io.BytesIO(xlsx), sheet_name="capability", engine="openpyxl")
    assert len(sheet) == len(table)
    deck = Presentation(io.BytesIO(review.export(pack, review.Format.PPTX)))
    text = " ".join(s.text_frame.text for sl in deck.slides for s in sl.shapes if s.has_text_frame)
    assert "Process capability" in text and "below it" in text
    assert "Data sources of these figures" in text  # issue 17: lineage in the deck too
    review_id = review.save_review(engine, load_settings(demo_db, user="qa"), pack)
    frozen = snapshot.load(engine, review_id)["capability"]  # as presented (issue 17)
    assert [r["value"] for r in frozen] == list(table["value"])
