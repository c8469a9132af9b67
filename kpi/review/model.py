"""What a management review pack holds, as plain data shared by the page and every export.

The sections follow the inputs ISO 9001 §9.3.2 says a management review must consider,
in the standard's order, so an auditor can tick them off page by page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from enum import StrEnum

import pandas as pd

from kpi.catalogue import CATALOGUE, Direction, Unit
from kpi.review.periods import Compare, Period


class Section(StrEnum):
    """§9.3.2 inputs; the value is the key used for notes in saved reviews."""

    PREVIOUS_ACTIONS = "previous_actions"
    CONTEXT = "context"
    CUSTOMER = "customer"
    OBJECTIVES = "objectives"
    PROCESS = "process"
    NONCONFORMITIES = "nonconformities"
    MONITORING = "monitoring"
    AUDITS = "audits"
    SUPPLIERS = "suppliers"
    RESOURCES = "resources"
    RISKS = "risks"
    IMPROVEMENT = "improvement"


SECTION_TITLES: dict[Section, tuple[str, str]] = {
    Section.PREVIOUS_ACTIONS: ("9.3.2 a", "Status of actions from previous reviews"),
    Section.CONTEXT: ("9.3.2 b", "Changes in external and internal issues"),
    Section.CUSTOMER: ("9.3.2 c 1", "Customer satisfaction and on-time delivery"),
    Section.OBJECTIVES: ("9.3.2 c 2", "Extent to which quality objectives were met"),
    Section.PROCESS: ("9.3.2 c 3", "Process performance and conformity of products"),
    Section.NONCONFORMITIES: ("9.3.2 c 4", "Nonconformities and corrective actions"),
    Section.MONITORING: ("9.3.2 c 5", "Monitoring and measurement results (SPC)"),
    Section.AUDITS: ("9.3.2 c 6", "Audit results"),
    Section.SUPPLIERS: ("9.3.2 c 7", "Performance of external providers"),
    Section.RESOURCES: ("9.3.2 d", "Adequacy of resources"),
    Section.RISKS: ("9.3.2 e", "Effectiveness of actions on risks and opportunities"),
    Section.IMPROVEMENT: ("9.3.2 f", "Opportunities for improvement"),
}
# Sections the data cannot fill: the pack shows only the reviewers' notes there.
# (Audit results come from the internal-audit register, kpi.audits.)
NOTES_ONLY = (Section.CONTEXT, Section.RESOURCES, Section.RISKS, Section.IMPROVEMENT)


class KpiGroup(StrEnum):
    """A slide / chart block of the pack: the KPIs a §9.3.2 data section shows."""

    CUSTOMER = "customer"
    PROCESS = "process"
    NONCONFORMITIES = "nonconformities"
    SUPPLIERS = "suppliers"


GROUP_KPIS: dict[KpiGroup, tuple[str, ...]] = {
    KpiGroup.CUSTOMER: ("otd", "otif", "days_late"),
    KpiGroup.PROCESS: (
        "scrap_rate", "yield", "oee", "availability", "rework_rate", "unplanned_downtime_minutes",
    ),
    KpiGroup.NONCONFORMITIES: ("defects", "units_scrapped"),
    KpiGroup.SUPPLIERS: ("supplier_otd", "supplier_otif"),
}  # fmt: skip
GROUP_SECTION = {
    KpiGroup.CUSTOMER: Section.CUSTOMER,
    KpiGroup.PROCESS: Section.PROCESS,
    KpiGroup.NONCONFORMITIES: Section.NONCONFORMITIES,
    KpiGroup.SUPPLIERS: Section.SUPPLIERS,
}
ALL_KPIS: tuple[str, ...] = tuple(k for kpis in GROUP_KPIS.values() for k in kpis)


def section_heading(section: Section) -> str:
    clause, title = SECTION_TITLES[section]
    return f"{title} (§{clause})"


class ItemKind(StrEnum):
    DECISION = "decision"
    ACTION = "action"


class DecisionStatus(StrEnum):
    """Where a saved review's decision or action stands (§9.3.2 a asks for its status).

    Any status may follow any other: a wrong "done" must be correctable, and the audit
    log keeps every change.
    """

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


@dataclass(frozen=True)
class Decision:
    """A decision or action of a review, with its owner (and due date for actions).

    ``status`` is a DecisionStatus for review items; corrective actions shown as rows
    carry their own statuses (e.g. "overdue"). ``item_no`` is set once saved.
    """

    text: str
    owner: str = ""
    kind: ItemKind = ItemKind.DECISION
    due_date: dt.date | None = None
    status: str = DecisionStatus.OPEN.value
    item_no: int | None = None

    def to_dict(self) -> dict:
        out = asdict(self)
        out["kind"] = self.kind.value
        out["due_date"] = self.due_date.isoformat() if self.due_date else None
        return out


@dataclass(frozen=True)
class Objective:
    """One KPI in the review period: value, target, status and change vs the comparison."""

    kpi: str
    value: float
    target: float
    status: str | None
    compare_value: float
    sentence: str

    @property
    def label(self) -> str:
        return CATALOGUE[self.kpi].label

    @property
    def unit(self) -> Unit:
        return CATALOGUE[self.kpi].unit

    @property
    def direction(self) -> Direction:
        return CATALOGUE[self.kpi].direction

    @property
    def change(self) -> float:
        return self.value - self.compare_value

    @property
    def has_target(self) -> bool:
        return self.target == self.target  # NaN is the only value not equal to itself


@dataclass(frozen=True)
class ReviewRequest:
    """What the user asked for: period, comparison, the as-of date and an optional plant."""

    period: Period
    compare: Compare = Compare.PREVIOUS
    comparison: Period | None = None  # resolved comparison period
    as_of: dt.date | None = None
    plant: str | None = None

    @property
    def compare_code(self) -> str:
        if self.compare is Compare.BASELINE and self.comparison:
            return self.comparison.code
        return self.compare.value

    def filters_text(self) -> str:
        plant = self.plant or "all plants"
        return f"{plant}; period {self.period.code}; compared with {self.compare_code}"


@dataclass
class Pack:
    """Everything one review shows; exports only lay it out."""

    request: ReviewRequest
    comparison: Period
    as_of: dt.date
    generated_at: dt.datetime
    objectives: list[Objective]
    trends: pd.DataFrame  # period, kpi, value, target, status (monthly)
    suppliers: pd.DataFrame  # supplier, value, otif, target, status, compare_value, lines
    defects: pd.DataFrame  # defect, quantity, share
    actions: dict | None = None  # corrective actions summary, None = no data yet
    spc: pd.DataFrame | None = None  # SPC signals, None = no SPC module yet
    capability: pd.DataFrame | None = None  # kpi.review.measured.COLUMNS per characteristic
    audit_findings: pd.DataFrame | None = None  # §9.3.2 c 6: kpi.audits.review_findings
    sources: pd.DataFrame | None = None  # per KPI, the batches behind its figure (lineage)
    notes: dict[str, str] = field(default_factory=dict)
    decisions: list[Decision] = field(default_factory=list)
    previous_review: dict | None = None  # the last saved review before this period

    @property
    def period(self) -> Period:
        return self.request.period

    def objective(self, kpi: str) -> Objective:
        return next(o for o in self.objectives if o.kpi == kpi)

    def group(self, group: KpiGroup) -> list[Objective]:
        return [self.objective(k) for k in GROUP_KPIS[group]]

    @property
    def targeted(self) -> list[Objective]:
        """The quality objectives: KPIs with a target in this period."""
        return [o for o in self.objectives if o.has_target]

    def status_counts(self) -> dict[str, int]:
        counts = {"met": 0, "near": 0, "missed": 0, "no data": 0}
        for o in self.targeted:
            counts[o.status or "no data"] += 1
        return counts

    @property
    def title(self) -> str:
        where = f" · {self.request.plant}" if self.request.plant else ""
        return f"Management review {self.period.label}{where}"
