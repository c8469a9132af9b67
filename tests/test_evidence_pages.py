"""Evidence pages through AppTest: the KPI register (and, below, audits and sources)."""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path

from kpi import auth, store
from kpi.auth import Action, Role
from kpi.register import register_frame
from kpi.settings import load_settings
from tests.test_access import _add, _as
from ui.registry import PageId


def test_register_page_lists_every_kpi_and_admins_set_owners(empty_db: str) -> None:
    at = _as(None, PageId.REGISTER)  # open demo mode: an admin
    shown = at.dataframe[0].value
    assert "definition_version" in shown.columns and len(shown) > 10
    assert any("golden and textbook tests" in m.value for m in at.markdown)
    at.selectbox(key="reg_kpi").select("otd")
    at.text_input(key="reg_owner").input("Logistics lead")
    at.button(key="reg_save").click().run()
    assert not at.exception and at.success
    engine = store.create_engine(load_settings(empty_db))
    assert register_frame(engine).set_index("kpi").loc["otd", "owner"] == "Logistics lead"
    engine.dispose()


def test_viewers_read_the_register_but_cannot_set_owners(empty_db: str) -> None:
    _add(empty_db, "vera", Role.VIEWER)
    at = _as(auth.User("vera", Role.VIEWER), PageId.REGISTER)
    assert at.dataframe and not [b for b in at.button if b.key == "reg_save"]


def test_qa_builds_an_evidence_bundle_on_the_audit_page(demo_db: str) -> None:
    from kpi import evidence

    _add(demo_db, "quinn", Role.QA)
    at = _as(auth.User("quinn", Role.QA), PageId.AUDIT)
    at.date_input(key="ev_from").set_value(dt.date(2026, 10, 1))
    at.date_input(key="ev_to").set_value(dt.date(2026, 10, 31))
    at.button(key="ev_build").click().run()
    assert not at.exception and not at.error
    built = Path(at.session_state["ev_file"])
    assert evidence.verify_bundle(built).ok
    with zipfile.ZipFile(built) as zf:
        assert any(n.startswith("originals/") and n.endswith(".csv") for n in zf.namelist())
    assert [b for b in at.get("download_button") if b.proto.label.startswith("Download")]


def test_only_qa_and_admins_may_export_evidence() -> None:
    assert not auth.User("vera", Role.VIEWER).may(Action.EXPORT_EVIDENCE)
    assert auth.User("quinn", Role.QA).may(Action.EXPORT_EVIDENCE)


def test_the_quality_drill_down_lists_the_sources_of_the_figure(demo_db: str) -> None:
    at = _as(None, PageId.QUALITY)
    panel = [e for e in at.expander if e.label.startswith("Sources:")]
    assert panel, [e.label for e in at.expander]
    table = panel[0].dataframe[0].value
    assert {"sha256", "loaded_by", "file_name", "rows"} <= set(table.columns)
    assert set(table["kind"]) == {"production"}


def test_every_overview_tile_can_show_the_sources_of_its_figure(demo_db: str) -> None:
    at = _as(None, PageId.OVERVIEW)
    at.selectbox(key="ov_src_kpi").select("otd").run()
    panel = [e for e in at.expander if e.label.startswith("Sources:")][0]
    table = panel.dataframe[0].value
    assert set(table["kind"]) == {"deliveries"}
    assert table["file_name"].str.startswith("demo-deliveries").all()


def test_qa_records_an_audit_and_a_finding_on_the_page(empty_db: str) -> None:
    from kpi import audits

    at = _as(None, PageId.INTERNAL_AUDITS)
    at.date_input(key="ia_date").set_value(dt.date(2026, 10, 5))
    at.text_input(key="ia_title").input("Process audit L5")
    at.text_input(key="ia_line").input("L5")
    at.button(key="ia_save").click().run()
    assert not at.exception and at.success
    at.text_input(key="if_text").input("Bins unlabeled")
    at.selectbox(key="if_sev").select("major")
    at.button(key="if_save").click().run()
    assert not at.exception and not at.error
    at.selectbox(key="iu_status").select("closed")
    at.button(key="iu_save").click().run()
    engine = store.create_engine(load_settings(empty_db))
    found = audits.list_findings(engine)
    engine.dispose()
    assert list(zip(found["finding"], found["severity"], found["status"], found["scope"],
                    strict=True)) == [("Bins unlabeled", "major", "closed", "line=L5")]  # fmt: skip


def test_viewers_see_audits_but_record_nothing(empty_db: str) -> None:
    _add(empty_db, "vera", Role.VIEWER)
    at = _as(auth.User("vera", Role.VIEWER), PageId.INTERNAL_AUDITS)
    assert not [b for b in at.button if b.key in ("ia_save", "if_save", "iu_save")]


def test_a_saved_review_opens_as_presented_with_the_changed_flag(empty_db: str, tmp_path) -> None:
    from kpi.cli import main
    from kpi.review import make_request, prepare, save_review
    from tests.test_review_snapshot import SAMPLE, _correct

    assert main(["ingest", str(SAMPLE), "--db", empty_db, "--user", "quinn"]) == 0
    settings = load_settings(empty_db, user="qa")
    engine = store.create_engine(settings)
    pack = prepare(engine, make_request("2026-11", None, dt.date(2026, 11, 30)))
    review_id = save_review(engine, settings, pack)
    engine.dispose()
    _correct(empty_db, tmp_path)
    at = _as(None, PageId.REVIEW)
    assert at.selectbox(key="rv_saved_pick").value == review_id
    assert any("Figures changed since this review" in w.value for w in at.warning)
    tables = [d.value for d in at.dataframe]
    changes = next(t for t in tables if "now_numerator" in t.columns)
    assert set(changes["kpi"]) == {"scrap_rate", "yield", "units_scrapped"}
    figures = next(t for t in tables if "role" in t.columns)
    scrap = figures[(figures["kpi"] == "scrap_rate") & (figures["role"] == "period")]
    assert scrap["numerator"].iloc[0] == 861
