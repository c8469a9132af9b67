"""One worker pass: notifications, then due schedules, on a store opened for this pass only.

Why open per pass: the worker is a separate process from the app, and the store is shared
(a DuckDB file allows one writer process at a time; PostgreSQL many). Opening, working
in short transactions and disposing each pass keeps the file free between passes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from kpi import store
from kpi.notify.config import Outbound
from kpi.notify.run import Planned, notify
from kpi.schedules.runner import RunResult, RunStatus, run_due
from kpi.settings import Settings
from kpi.summary import ensure_current


@dataclass
class PassReport:
    at: dt.datetime
    notifications: list[Planned] = field(default_factory=list)
    runs: list[RunResult] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return any(p.error for p in self.notifications) or any(
            r.status is RunStatus.FAILED for r in self.runs
        )

    def lines(self, dry_run: bool = False) -> list[str]:
        verb = "would send" if dry_run else "sent"
        out = []
        for p in self.notifications:
            state = f"FAILED ({p.error})" if p.error else verb
            out.append(f"notify: {state} {p.message.channel.value} to {p.message.recipient}: "
                       f"{p.message.subject}")  # fmt: skip
        for r in self.runs:
            who = ", ".join(r.recipients) or "nobody new"
            state = "would send" if dry_run else r.status.value
            out.append(f"schedule {r.schedule.schedule_id} '{r.schedule.name}' due {r.due_at}: "
                       f"{state} to {who}" + "".join(f"\n  {e}" for e in r.errors))  # fmt: skip
        return out


def run_pass(
    settings: Settings, outbound: Outbound, at: dt.datetime | None = None, *,
    dry_run: bool = False, say: Callable[[str], None] | None = None,
) -> PassReport:  # fmt: skip
    """Open the store, bring summaries up to date, notify, run due schedules, close."""
    report = PassReport(at or store.now())
    engine = store.create_engine(settings)
    try:
        ensure_current(engine, say)
        report.notifications = notify(
            engine, outbound, report.at, dry_run=dry_run, near_band=settings.near_band
        )
        report.runs = run_due(
            engine, outbound, report.at, dry_run=dry_run, near_band=settings.near_band
        )
    finally:
        engine.dispose()
    return report
