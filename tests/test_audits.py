"""Internal audits (ISO 9001 §9.2): register, CLI, and the review pack's §9.3.2 c 6."""

from __future__ import annotations

import datetime as dt
import io
import json

import openpyxl
import pytest
from pptx import Presentation

from kpi import audits
from kpi.actions import NewAction, create_action
from kpi.cli import main
from kpi.review import export, make_request, prepare
from kpi.review.layout import audit_lines
from kpi.store import list_audit

D = dt.date


def _audit(engine, settings, day: dt.date, title: str, **scope) -> int:
    return audits.add_audit(engine, settings, audits.NewAudit(day, title, "Ines", **scope))


def test_audits_findings_and_status_are_recorded_and_audited(engine, settings):
    action = create_action(engine, "tester", NewAction("scrap_rate", "Label bins", "Ola",
                                                       D(2026, 12, 1)))  # fmt: skip
    audit_id = _audit(engine, settings, D(2026, 10, 5), "Process audit L5", plant="Plant 2",
                      line="L5", kpi="scrap_rate")  # fmt: skip
    fid = audits.add_finding(engine, settings, audit_id, "Scrap bins unlabeled", "Minor", action)
    listed = audits.list_audits(engine).iloc[0]
    assert (listed["scope"], listed["open_findings"]) == (
        "plant=Plant 2, line=L5, kpi=scrap_rate", 1)  # fmt: skip
    audits.update_finding(engine, settings, fid, "closed")
    row = audits.list_findings(engine).iloc[0]
    assert (row["status"], row["action_id"], row["action_status"]) == ("closed", action, "open")
    log = list_audit(engine)
    assert {"internal_audit.add", "finding.add", "finding.update"} <= set(log["action"])
    assert "status: open -> closed" in log[log["action"] == "finding.update"]["detail"].iloc[0]
    with pytest.raises(audits.AuditError, match="severity"):
        audits.add_finding(engine, settings, audit_id, "x", "huge")
    with pytest.raises(audits.AuditError, match="no corrective action"):
        audits.add_finding(engine, settings, audit_id, "x", "minor", 999)
    with pytest.raises(audits.AuditError, match="no internal audit"):
        audits.add_finding(engine, settings, 42, "x", "minor")
    with pytest.raises(audits.AuditError, match="unknown KPI"):
        _audit(engine, settings, D(2026, 1, 1), "t", kpi="nope")


def test_review_findings_are_the_periods_and_the_still_open(engine, settings):
    old = _audit(engine, settings, D(2026, 3, 2), "Supplier audit", plant="Plant 1")
    old_open = audits.add_finding(engine, settings, old, "No incoming inspection record", "major")
    old_closed = audits.add_finding(engine, settings, old, "Old drawing in use", "minor")
    audits.update_finding(engine, settings, old_closed, "closed")
    now = _audit(engine, settings, D(2026, 8, 10), "System audit")
    closed_now = audits.add_finding(engine, settings, now, "Calibration overdue", "minor")
    audits.update_finding(engine, settings, closed_now, "closed")
    later = _audit(engine, settings, D(2026, 10, 3), "After the period")
    audits.add_finding(engine, settings, later, "Not yet", "minor")
    found = audits.review_findings(engine, D(2026, 7, 1), D(2026, 9, 30))
    assert set(found["finding_id"]) == {old_open, closed_now}
    other_plant = audits.review_findings(engine, D(2026, 7, 1), D(2026, 9, 30), "Plant 2")
    assert set(other_plant["finding_id"]) == {closed_now}


def test_the_review_pack_reports_audit_results(engine, settings):
    audit_id = _audit(engine, settings, D(2026, 8, 10), "System audit")
    audits.add_finding(engine, settings, audit_id, "Calibration overdue", "major")
    audits.add_finding(engine, settings, audit_id, "Old form in use", "minor")
    pack = prepare(engine, make_request("2026-Q3", "previous", D(2026, 11, 1)))
    assert audit_lines(pack) == [
        "Findings of 1 internal audit(s) held in the period: 2; still open at the end of "
        "the period: 2 (1 major); closed: 0."
    ]
    book = openpyxl.load_workbook(io.BytesIO(export(pack, "xlsx")))
    sheet = [r for r in book["audit findings"].iter_rows(min_row=2, values_only=True)]
    assert {r[5] for r in sheet} == {"Calibration overdue", "Old form in use"}
    deck = Presentation(io.BytesIO(export(pack, "pptx")))
    text = " ".join(s.text_frame.text for sl in deck.slides for s in sl.shapes
                    if s.has_text_frame)  # fmt: skip
    cells = " ".join(c.text for sl in deck.slides for s in sl.shapes if s.has_table
                     for row in s.table.rows for c in row.cells)  # fmt: skip
    assert "1 major" in text and "Calibration overdue" in cells


def test_audits_cli(db_url, capsys):
    base = ["--db", db_url, "--user", "ines"]
    assert main(["audits", "add", "--date", "2026-10-05", "--title", "L5 audit",
                 "--line", "L5", *base]) == 0  # fmt: skip
    assert main(["audits", "finding", "1", "--text", "Bins unlabeled", "--severity",
                 "observation", *base]) == 0  # fmt: skip
    assert main(["audits", "update", "1", "--status", "closed", *base]) == 0
    capsys.readouterr()
    assert main(["audits", "findings", "--format", "json", "--db", db_url]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [(r["finding"], r["status"], r["scope"]) for r in rows] == [
        ("Bins unlabeled", "closed", "line=L5")]  # fmt: skip
    assert main(["audits", "finding", "7", "--text", "x", "--severity", "minor", *base]) == 2
    assert main(["audits", "add", "--date", "2026-13-01", "--title", "t", *base]) == 2
    assert main(["audits", "update", "1", *base]) == 2
