"""The pages of the app, declared once: app.py routes with it and every sidebar lists it.

A page's ``roles`` say who may open it; until logins exist every user has ``Role.QA``
(which sees everything), so the check in ``ui.frame`` is already in place.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Section(StrEnum):
    DASHBOARDS = "Dashboards"
    DATA = "Data"
    SETTINGS = "Settings"


class Role(StrEnum):
    VIEWER = "viewer"  # leadership and plant managers: dashboards only
    QA = "qa"  # loads files, fixes errors, edits targets


class PageId(StrEnum):
    OVERVIEW = "overview"
    QUALITY = "quality"
    DOWNTIME = "downtime"
    OEE = "oee"
    DELIVERY = "delivery"
    UPLOAD = "upload"
    TARGETS = "targets"


@dataclass(frozen=True)
class PageSpec:
    page: PageId
    label: str
    icon: str
    section: Section
    roles: frozenset[Role] = frozenset({Role.VIEWER, Role.QA})
    filters: bool = True  # dashboards use the shared filters; data and settings pages don't

    @property
    def path(self) -> str:
        """Relative to app.py; also the URL path (``/quality``) in both routing modes."""
        return f"pages/{self.page.value}.py"


_QA = frozenset({Role.QA})
PAGES: tuple[PageSpec, ...] = (
    PageSpec(PageId.OVERVIEW, "Overview", ":material/dashboard:", Section.DASHBOARDS),
    PageSpec(PageId.QUALITY, "Quality", ":material/verified:", Section.DASHBOARDS),
    PageSpec(PageId.DOWNTIME, "Downtime", ":material/timer_off:", Section.DASHBOARDS),
    PageSpec(PageId.OEE, "OEE", ":material/speed:", Section.DASHBOARDS),
    PageSpec(PageId.DELIVERY, "Delivery", ":material/local_shipping:", Section.DASHBOARDS),
    PageSpec(PageId.UPLOAD, "Upload", ":material/upload_file:", Section.DATA, _QA, False),
    PageSpec(PageId.TARGETS, "Targets", ":material/flag:", Section.SETTINGS, _QA, False),
)
BY_ID = {spec.page: spec for spec in PAGES}


def allowed(spec: PageSpec, role: Role) -> bool:
    return role in spec.roles


def visible(role: Role) -> list[PageSpec]:
    return [spec for spec in PAGES if allowed(spec, role)]
