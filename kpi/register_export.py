"""The KPI register as documents: one workbook (XLSX) or one printable PDF.

Both carry the same four parts as the page: the register, the change history of targets
and owners, the verification statement with its tests, and the load-time validation rules.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import pandas as pd
import sqlalchemy as sa

from kpi import clock, register, verification
from kpi.exports import neutralise

PDF_COLUMNS = {"label": 3, "formula": 4, "unit": 1.4, "direction": 1.6, "frequency": 2.4,
               "owner": 1.8, "targets_in_force": 2.6, "definition_version": 2.2}  # fmt: skip


@dataclass(frozen=True)
class RegisterDocs:
    """Everything the register shows, read once."""

    register: pd.DataFrame
    history: pd.DataFrame
    tests: pd.DataFrame
    rules: pd.DataFrame
    statement: str
    generated: str


def collect(bind: sa.Engine | sa.Connection) -> RegisterDocs:
    tests, rules = verification.tests_frame(), verification.validation_rules_frame()
    return RegisterDocs(
        register.register_frame(bind),
        register.history_frame(bind),
        tests,
        rules,
        verification.statement(tests, rules),
        f"{clock.today():%Y-%m-%d}",
    )


def to_xlsx(docs: RegisterDocs) -> bytes:
    """Sheets: register, history, verification (statement + tests), validation rules."""
    buffer = io.BytesIO()
    statement = pd.DataFrame({"statement": [docs.statement, f"generated {docs.generated}"]})
    sheets = {"register": docs.register, "history": docs.history, "statement": statement,
              "reference tests": docs.tests, "validation rules": docs.rules}  # fmt: skip
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, frame in sheets.items():
            clean = neutralise(frame)
            for column in clean.columns:
                if isinstance(clean[column].dtype, pd.DatetimeTZDtype):
                    clean[column] = clean[column].dt.tz_localize(None)
            clean.to_excel(writer, index=False, sheet_name=name)
    return buffer.getvalue()


def to_pdf(docs: RegisterDocs) -> bytes:
    """Landscape A4: the register table, definitions, history and verification."""
    from fpdf import FPDF

    from kpi.review import pdf_draw as D

    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.family = D.use_font(pdf)
    pdf.set_auto_page_break(True, margin=14)
    pdf.add_page()
    pdf.set_font(pdf.family, "B", 14)
    pdf.cell(0, 8, D.safe(pdf, "KPI register (ISO 9001 §9.1.1)"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 8)
    pdf.cell(0, 5, D.safe(pdf, f"Generated from the catalogue on {docs.generated}"),
             new_x="LMARGIN", new_y="NEXT")  # fmt: skip
    reg = docs.register
    rows = [[D.safe(pdf, str(v)) for v in r] for r in reg[list(PDF_COLUMNS)].to_numpy()]
    D.table(pdf, list(PDF_COLUMNS), rows, list(PDF_COLUMNS.values()))
    _heading(pdf, "Definitions")
    for r in reg.itertuples(index=False):
        text = f"{r.label} ({r.kpi}, version {r.definition_version}): {r.definition}. " \
               f"Inputs: {r.inputs}. Grain: {r.grain}."  # fmt: skip
        pdf.multi_cell(0, 4.5, D.safe(pdf, text), new_x="LMARGIN", new_y="NEXT")
    _heading(pdf, "Measuring the measuring system (§7.1.5)")
    pdf.multi_cell(0, 4.5, D.safe(pdf, docs.statement), new_x="LMARGIN", new_y="NEXT")
    tests = [[D.safe(pdf, str(v)) for v in r] for r in docs.tests.to_numpy()]
    if tests:
        D.table(pdf, list(docs.tests.columns), tests, [4, 5, 1.3, 1.8])
    if not docs.history.empty:
        _heading(pdf, "Changes to targets and owners")
        hist = docs.history[["occurred_at", "user_name", "action", "subject", "detail"]]
        rows = [[D.safe(pdf, str(v)) for v in r] for r in hist.head(200).to_numpy()]
        D.table(pdf, list(hist.columns), rows, [2, 1.5, 1.5, 2.5, 5])
    return bytes(pdf.output())


def _heading(pdf, text: str) -> None:  # noqa: ANN001
    from kpi.review import pdf_draw as D

    pdf.ln(3)
    pdf.set_font(pdf.family, "B", 11)
    pdf.cell(0, 7, D.safe(pdf, text), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 8)
