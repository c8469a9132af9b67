"""The pages of the app, declared once: app.py routes with it and every sidebar lists it.

A page's ``roles`` say who may open it. ``ui.frame`` checks them on the server for every
run, so a deep link cannot open a page the signed-in role may not see, and the sidebar
lists only the pages that role may open.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kpi.auth import Role


class Section(StrEnum):
    DASHBOARDS = "Dashboards"
    DATA = "Data"
    SETTINGS = "Settings"


class PageId(StrEnum):
    OVERVIEW = "overview"
    QUALITY = "quality"
    DOWNTIME = "downtime"
    OEE = "oee"
    DELIVERY = "delivery"
    SPC = "spc"
    ACTIONS = "actions"
    REVIEW = "review"
    REGISTER = "register"
    INTERNAL_AUDITS = "internal_audits"
    UPLOAD = "upload"
    SPECS = "specs"
    TARGETS = "targets"
    USERS = "users"
    AUDIT = "audit"
    SUBSCRIPTIONS = "subscriptions"
    SCHEDULES = "schedules"


@dataclass(frozen=True)
class PageSpec:
    page: PageId
    label: str
    icon: str
    section: Section
    roles: frozenset[Role] = frozenset(Role)
    filters: bool = True  # dashboards use the shared filters; data and settings pages don't

    @property
    def path(self) -> str:
        """Relative to app.py; also the URL path (``/quality``) in both routing modes."""
        return f"pages/{self.page.value}.py"


_QA = frozenset({Role.QA, Role.ADMIN})  # QA loads and undoes data
_ADMIN = frozenset({Role.ADMIN})  # only admins change objectives, users and settings
PAGES: tuple[PageSpec, ...] = (
    PageSpec(PageId.OVERVIEW, "Overview", ":material/dashboard:", Section.DASHBOARDS),
    PageSpec(PageId.QUALITY, "Quality", ":material/verified:", Section.DASHBOARDS),
    PageSpec(PageId.DOWNTIME, "Downtime", ":material/timer_off:", Section.DASHBOARDS),
    PageSpec(PageId.OEE, "OEE", ":material/speed:", Section.DASHBOARDS),
    PageSpec(PageId.DELIVERY, "Delivery", ":material/local_shipping:", Section.DASHBOARDS),
    PageSpec(PageId.SPC, "SPC", ":material/query_stats:", Section.DASHBOARDS),
    PageSpec(
        PageId.ACTIONS, "Corrective actions", ":material/build:", Section.DASHBOARDS, filters=False
    ),
    PageSpec(
        PageId.REVIEW,
        "Management review",
        ":material/assignment:",
        Section.DASHBOARDS,
        filters=False,
    ),
    PageSpec(
        PageId.REGISTER, "KPI register", ":material/menu_book:", Section.DASHBOARDS, filters=False
    ),
    PageSpec(
        PageId.INTERNAL_AUDITS,
        "Internal audits",
        ":material/fact_check:",
        Section.DASHBOARDS,
        filters=False,
    ),
    PageSpec(PageId.UPLOAD, "Upload", ":material/upload_file:", Section.DATA, _QA, False),
    # everyone reads specs (operators judge parts by them); QA and admins edit them
    PageSpec(PageId.SPECS, "Specs", ":material/straighten:", Section.DATA, filters=False),
    PageSpec(PageId.TARGETS, "Targets", ":material/flag:", Section.SETTINGS, _ADMIN, False),
    PageSpec(PageId.USERS, "Users", ":material/group:", Section.SETTINGS, _ADMIN, False),
    PageSpec(PageId.AUDIT, "Audit log", ":material/history:", Section.SETTINGS, _QA, False),
    PageSpec(
        PageId.SUBSCRIPTIONS,
        "Notifications",
        ":material/notifications:",
        Section.SETTINGS,
        filters=False,
    ),
    PageSpec(
        PageId.SCHEDULES,
        "Scheduled packs",
        ":material/schedule_send:",
        Section.SETTINGS,
        _ADMIN,
        False,
    ),
)
BY_ID = {spec.page: spec for spec in PAGES}


def allowed(spec: PageSpec, role: Role) -> bool:
    return role in spec.roles


def visible(role: Role) -> list[PageSpec]:
    return [spec for spec in PAGES if allowed(spec, role)]
