"""The underlying figures of the pack as a workbook, one sheet per table.

Numbers stay numbers (ratios as fractions with a percent format is left to the reader's
Excel); text cells go through ``kpi.exports.neutralise`` so nothing runs as a formula.
"""

from __future__ import annotations

import io

import pandas as pd

from kpi.exports import neutralise
from kpi.review import layout as L
from kpi.review.model import Pack


def objectives_frame(pack: Pack) -> pd.DataFrame:
    """One row per KPI: value, target, status, comparison value, change and the sentence."""
    return pd.DataFrame(
        [
            {"kpi": o.kpi, "label": o.label, "unit": o.unit.value, "value": o.value,
             "target": o.target, "status": o.status, "compare_value": o.compare_value,
             "change": o.change, "sentence": o.sentence}
            for o in pack.objectives
        ]
    )  # fmt: skip


def about_frame(pack: Pack) -> pd.DataFrame:
    r = pack.request
    items = {
        "title": pack.title,
        "period": r.period.code,
        "period_start": r.period.start.isoformat(),
        "period_end": r.period.end.isoformat(),
        "comparison": f"{pack.comparison.code} ({r.compare.value})",
        "as_of": pack.as_of.isoformat(),
        "filters": r.filters_text(),
        "prepared": pack.generated_at.isoformat(sep=" "),
    }
    return pd.DataFrame({"item": list(items), "value": list(items.values())})


def decisions_frame(pack: Pack) -> pd.DataFrame:
    cols = ["kind", "text", "owner", "due_date", "status"]
    return pd.DataFrame([d.to_dict() for d in pack.decisions], columns=cols)


def notes_frame(pack: Pack) -> pd.DataFrame:
    return pd.DataFrame(L.note_items(pack), columns=["section", "notes"])


def build_xlsx(pack: Pack) -> bytes:
    sheets = {
        "about": about_frame(pack),
        "objectives": objectives_frame(pack),
        "monthly trends": pack.trends,
        "suppliers": pack.suppliers,
        "defects": pack.defects,
        "decisions": decisions_frame(pack),
        "notes": notes_frame(pack),
    }
    if pack.capability is not None:
        sheets["capability"] = pack.capability
    if pack.spc is not None:
        sheets["spc signals"] = pack.spc
    if pack.sources is not None:
        sheets["sources"] = pack.sources
    if pack.audit_findings is not None:
        sheets["audit findings"] = pack.audit_findings
    if pack.actions is not None:
        sheets["corrective actions"] = pack.actions["items"]
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, df in sheets.items():
            neutralise(df).to_excel(writer, index=False, sheet_name=name)
    return buffer.getvalue()
