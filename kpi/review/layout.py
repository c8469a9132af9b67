"""Rows and texts every export lays out the same way (PPTX slides, PDF pages, XLSX sheets).

Why shared: the three formats must say exactly the same thing, so the tables are built
once here from the pack and only drawn differently.
"""

from __future__ import annotations

import pandas as pd

from kpi.catalogue import CATALOGUE, Unit
from kpi.review import external
from kpi.review.model import (
    Decision,
    ItemKind,
    KpiGroup,
    Objective,
    Pack,
    Section,
    section_heading,
)
from kpi.review.wording import NO_VALUE, fmt, fmt_diff, is_missing, shown_zero

STATUS_TEXT = {"met": "met", "near": "nearly met", "missed": "missed", None: "no data"}
OBJECTIVE_HEADER = ["Objective", "Value", "Target", "Status", "Change"]
DECISION_HEADER = ["Type", "Decision / action", "Owner", "Due", "Status"]


def target_text(o: Objective) -> str:
    if not o.has_target:
        return NO_VALUE
    return f"{'≥' if o.direction.value == 'higher' else '≤'} {fmt(o.target, o.unit)}"


def change_text(o: Objective) -> str:
    """Signed change in the KPI's display unit, e.g. '−0.5 pp' or '+120 min'."""
    if is_missing(o.value) or is_missing(o.compare_value):
        return NO_VALUE
    text = fmt_diff(o.change, o.unit)
    if shown_zero(o.change, o.unit):
        return f"±{text}"
    return f"{'+' if o.change > 0 else '−'}{text}"


def objective_rows(objectives: list[Objective]) -> list[list[str]]:
    return [
        [o.label, fmt(o.value, o.unit), target_text(o), STATUS_TEXT.get(o.status, "no data"),
         change_text(o)]
        for o in objectives
    ]  # fmt: skip


def summary_title(pack: Pack) -> str:
    c = pack.status_counts()
    total = len(pack.targeted)
    head = f"Quality objectives: {c['met']} of {total} met"
    return f"{head}, {c['near']} nearly met, {c['missed']} missed"


def objectives_by_status(pack: Pack) -> list[str]:
    """'Met: Scrap rate, Yield.' per status, so the extent of achievement reads at a glance."""
    lines = []
    for status in ("met", "near", "missed", None):
        names = [o.label for o in pack.targeted if o.status == status]
        if names:
            lines.append(f"{STATUS_TEXT[status].capitalize()} ({len(names)}): {', '.join(names)}.")
    return lines


def subtitle(pack: Pack) -> str:
    p, r = pack.period, pack.request
    return (
        f"{p.start:%d %b %Y} – {p.end:%d %b %Y} · compared with {pack.comparison.label} · "
        f"data as of {pack.as_of.isoformat()} · {r.plant or 'all plants'}"
    )


def supplier_rows(pack: Pack) -> list[list[str]]:
    unit = Unit.RATIO
    rows = []
    for r in pack.suppliers.itertuples(index=False):
        rows.append([str(r.supplier), fmt(r.value, unit), fmt(r.otif, unit),
                     fmt(r.compare_value, unit),
                     STATUS_TEXT.get(r.status if isinstance(r.status, str) else None, "no data"),
                     f"{r.lines:,.0f}"])  # fmt: skip
    return rows


SUPPLIER_HEADER = ["Supplier", "OTD", "OTIF", "OTD before", "Status", "Lines"]
SUPPLIER_WIDTHS = [4, 2, 2, 2, 2, 1.5]


CAPABILITY_HEADER = ["Product", "Characteristic", "Line", "Index", "Value", "Before",
                     "Minimum", "Status", "Readings"]  # fmt: skip
CAPABILITY_WIDTHS = [1.8, 3.2, 1.8, 1.1, 1.2, 1.2, 1.3, 1.6, 1.3]


def capability_rows(pack: Pack) -> list[list[str]]:
    """Cpk per product and characteristic; an untrusted index (not normal, unstable) says so."""
    rows = []
    frame = pack.capability if pack.capability is not None else pd.DataFrame()
    for r in frame.itertuples(index=False):
        value = NO_VALUE if r.value != r.value else f"{r.value:.2f}" + ("" if r.trusted else " *")
        before = NO_VALUE if r.compare_value != r.compare_value else f"{r.compare_value:.2f}"
        status = STATUS_TEXT.get(r.status, "no data")
        line = f"{r.plant} · {r.line}"
        rows.append([str(r.product), str(r.characteristic), line, str(r.index), value, before,
                     f"{r.cpk_min:.2f}", status, f"{r.n:,}"])  # fmt: skip
    return rows


def capability_lines(pack: Pack) -> list[str]:
    if pack.capability is None or pack.capability.empty:
        return ["No measured characteristics in the period."]
    missed = pack.capability[pack.capability["status"] != "met"]
    lines = [f"Capability of {len(pack.capability)} measured characteristic(s) by line against "
             f"the required minimum Cpk: {len(missed)} below it."]  # fmt: skip
    if not pack.capability["trusted"].all():
        lines.append(
            "* not to be trusted: readings not normal, or the X̄ chart signals in the period."
        )
    return lines


def defect_rows(pack: Pack) -> list[list[str]]:
    return [
        [str(r.defect), f"{r.quantity:,.0f}", f"{r.share * 100:.1f} %"]
        for r in pack.defects.itertuples(index=False)
    ]


DEFECT_HEADER = ["Defect", "Quantity", "Share"]


def actions_lines(pack: Pack) -> list[str]:
    """Corrective actions (§10.2) as short lines, or the placeholder."""
    if pack.actions is None:
        return [external.NO_ACTIONS + " The corrective-actions module has not recorded any."]
    a = pack.actions
    return [
        f"Raised in the period: {a['raised']}; open: {a['open']}; "
        f"overdue on {pack.as_of.isoformat()}: {a['overdue']}.",
        f"Done, awaiting verification: {a['done']}; verified effective: "
        f"{a['verified_effective']}; verified not effective: {a['verified_not_effective']}.",
    ]


def action_items(pack: Pack) -> list[Decision]:
    """Open corrective actions as decision rows (for the actions slide and page)."""
    if pack.actions is None:
        return []
    return [
        Decision(f"#{r.action_id} {r.description} ({r.kpi}, {r.scope})", r.owner, ItemKind.ACTION,
                 r.due_date, "overdue" if r.overdue else r.status)
        for r in pack.actions["items"].itertuples(index=False)
    ]  # fmt: skip


AUDIT_HEADER = ["Audit", "Scope", "Finding", "Severity", "Status", "Action"]
AUDIT_WIDTHS = [3, 2.5, 5, 1.6, 1.3, 1.6]


def audit_lines(pack: Pack) -> list[str]:
    """§9.3.2 c 6 in one or two lines, counted from the internal-audit register."""
    found = pack.audit_findings
    if found is None or found.empty:
        return ["No internal-audit findings in the period, and none still open."]
    held = [pd.Timestamp(d).date() >= pack.period.start for d in found["audit_date"]]
    is_open = found["status"] == "open"
    major = int((is_open & (found["severity"] == "major")).sum())
    audits = found.loc[held, "audit_id"].nunique()
    return [
        f"Findings of {audits} internal audit(s) held in the period: {sum(held)}; "
        f"still open at the end of the period: {int(is_open.sum())} ({major} major); "
        f"closed: {int((~is_open).sum())}."
    ]


def audit_rows(pack: Pack) -> list[list[str]]:
    found = pack.audit_findings
    if found is None:
        return []
    return [
        [f"{r.audit_date} {r.title}", r.scope, r.finding, r.severity, r.status,
         "" if pd.isna(r.action_id) else f"#{r.action_id} {r.action_status or ''}".strip()]
        for r in found.itertuples(index=False)
    ]  # fmt: skip


SOURCE_HEADER = ["Batch", "Kind", "File", "SHA-256", "Loaded by", "Loaded at"]
SOURCE_WIDTHS = [1, 1.6, 3.2, 6.5, 1.6, 2.6]


def source_rows(pack: Pack) -> list[list[str]]:
    """One row per batch behind any figure of the pack (the lineage, deduplicated)."""
    if pack.sources is None or pack.sources.empty:
        return []
    unique = pack.sources.drop_duplicates("batch_id").sort_values("batch_id")
    return [[str(r.batch_id), r.kind, str(r.file_name), str(r.sha256), str(r.loaded_by),
             f"{pd.Timestamp(r.loaded_at):%Y-%m-%d %H:%M}"]
            for r in unique.itertuples(index=False)]  # fmt: skip


def spc_summary(pack: Pack) -> pd.DataFrame:
    """Per KPI and line: weeks of the period with a signal, and which rules fired."""
    cols = ["KPI", "Line", "Weeks signalled", "Rules"]
    if pack.spc is None or pack.spc.empty:
        return pd.DataFrame(columns=cols)
    grouped = pack.spc.groupby(["label", "where"], sort=True)
    rows = [[label, where, g["period"].nunique(), ", ".join(sorted(g["rule"].unique()))]
            for (label, where), g in grouped]  # fmt: skip
    return pd.DataFrame(rows, columns=cols)


def spc_lines(pack: Pack) -> list[str]:
    if pack.spc is None:
        return [external.NO_SPC + " Control-chart signals appear here once SPC is available."]
    if pack.spc.empty:
        return ["No SPC rule signals in the period on the weekly per-line charts."]
    summary = spc_summary(pack)
    weeks = pack.spc["period"].nunique()
    return [
        f"{len(summary)} weekly per-line control charts signalled in {weeks} weeks of the "
        "period (Western Electric rules; stored baselines and exclusions applied)."
    ]


def decision_rows(items: list[Decision]) -> list[list[str]]:
    return [
        [d.kind.value, d.text, d.owner or NO_VALUE,
         d.due_date.isoformat() if d.due_date else NO_VALUE, d.status]
        for d in items
    ]  # fmt: skip


def previous_decisions(pack: Pack) -> list[Decision]:
    prev = pack.previous_review or {}
    return list(prev.get("decisions", []))


def previous_caption(pack: Pack) -> str:
    prev = pack.previous_review
    if not prev:
        return "No earlier review has been saved."
    return f"Review of {prev['period_label']}, saved {prev['saved_at']} by {prev['saved_by']}"


def note_items(pack: Pack) -> list[tuple[str, str]]:
    """(heading, text) for every section with notes, in §9.3.2 order."""
    return [(section_heading(s), pack.notes[s.value].strip())
            for s in Section if pack.notes.get(s.value, "").strip()]  # fmt: skip


def group_trend(pack: Pack, kpi: str) -> pd.DataFrame:
    rows = pack.trends[pack.trends["kpi"] == kpi].sort_values("period")
    return rows[["period", "value", "target"]].reset_index(drop=True)


def group_title(group: KpiGroup) -> str:
    from kpi.review.model import GROUP_SECTION

    return section_heading(GROUP_SECTION[group])


def kpi_label(kpi: str) -> str:
    return CATALOGUE[kpi].label
