"""One list of what needs attention now: target misses and SPC signals, with acknowledgement.

Why one list: a plant manager should not have to visit every page to learn that line L5
missed its scrap target last week *and* is drifting out of statistical control. Target
misses are taken from the latest *complete* period (a half-finished week is not a miss
yet); SPC signals from the last few periods of a recent window, judged against a frozen
baseline when one is stored. Alert ids are deterministic, so an acknowledgement sticks to
exactly that miss or signal, and a new signal in a later period is a new alert.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

import pandas as pd
import sqlalchemy as sa

from kpi import clock
from kpi.catalogue import CATALOGUE, Grain
from kpi.grains import period_start
from kpi.metrics import connected
from kpi.spc import SpcError, default_chart, signal_rules, spc_chart
from kpi.spc_rules import RULE_TEXT, Rule
from kpi.spc_store import get_baseline, list_exclusions, scope_key
from kpi.store import now, record_audit
from kpi.tables import alert_acks
from kpi.variables_store import chart_label
from kpi.views import Filters, newest_date, period_end, plants_and_lines, target_misses

# what SPC alerts and the review pack chart per line: the catalogue says (``spc_watch``)
SPC_WATCH: tuple[str, ...] = tuple(k.name for k in CATALOGUE.values() if k.spc_watch)
RECENT_PERIODS = 4
BEYOND = (Rule.WE1, Rule.N1)  # measured characteristics alert on points beyond the limits
RECENT_DAYS = 7  # measured characteristics: a signal in the last week of subgroups alerts
MEASURED_DAYS = 56  # a variables chart's alert window: eight weeks of subgroups set its limits
WINDOW_DAYS = {Grain.DAY: 90, Grain.WEEK: 182, Grain.MONTH: 730}
COLUMNS = [
    "alert_id", "kind", "kpi", "label", "scope", "period", "value", "target", "rules",
    "message", "acknowledged", "acknowledged_by",
]  # fmt: skip


class AlertKind(StrEnum):
    TARGET_MISS = "target_miss"
    SPC_SIGNAL = "spc_signal"


@dataclass(frozen=True)
class Alert:
    alert_id: str
    kind: AlertKind
    kpi: str
    scope: dict[str, str]
    grain: Grain
    period: dt.date
    window: tuple[dt.date, dt.date]
    message: str
    value: float = float("nan")
    target: float = float("nan")
    rules: tuple[str, ...] = ()
    chart: str = ""  # the chart type the signal was found on (Laney when overdispersed)

    def link_params(self) -> dict[str, str]:
        """Query parameters that open the SPC page on this alert's chart."""
        params = {
            "kpi": self.kpi,
            "chart": self.chart or default_chart(self.kpi).value,
            "grain": self.grain.value,
            "from": self.window[0].isoformat(),
            "to": self.window[1].isoformat(),
        }
        return params | {k: v for k, v in self.scope.items() if k in ("plant", "line")}


def latest_complete_period(newest: dt.date, grain: Grain) -> tuple[dt.date, dt.date]:
    """The last period whose last day is on or before the newest data date."""
    start = period_start(grain, newest)
    if period_end(grain, start) > newest:
        start = period_start(grain, start - dt.timedelta(days=1))
    return start, period_end(grain, start)


def current_alerts(
    bind: sa.Engine | sa.Connection,
    grain: Grain = Grain.WEEK,
    near_band: float = 0.10,
    as_of: dt.date | None = None,
) -> list[Alert]:
    """Target misses of the latest complete period, then SPC signals, newest problems first.

    The period ends by the as-of date (the plant's today unless pinned), like every other
    surface: rows dated after it do not move the alerts ahead of the tiles.
    """
    newest = newest_date(bind)
    if newest is None:
        return []
    newest = min(newest, as_of or clock.today())
    start, end = latest_complete_period(newest, grain)
    window = (end - dt.timedelta(days=WINDOW_DAYS[grain]), end)
    misses = _misses(bind, grain, start, end, window, near_band)
    misses += capability_misses(bind, grain, start, end, window, near_band)
    return misses + _signals(bind, grain, window) + measured_signals(bind, grain, window)


def _misses(bind, grain: Grain, start, end, window, near_band: float) -> list[Alert]:
    misses = target_misses(bind, Filters(start, end, grain), near_band=near_band)
    out = []
    for row in misses.itertuples(index=False):
        scope = {} if row.scope == "all" else {row.scope: row.scope_value}
        if row.scope == "line":  # a line is a line of its plant
            scope = {"plant": row.plant, "line": row.scope_value}
        where = scope_key(scope)
        message = (
            f"{row.label} [{where}] missed its target in the {grain.value} of {start}: "
            f"{_fmt(row.kpi, row.value)} against {_fmt(row.kpi, row.target)}"
        )
        out.append(
            Alert(
                f"target:{row.kpi}:{where}:{grain.value}:{start}", AlertKind.TARGET_MISS,
                row.kpi, scope, grain, start, window, message, row.value, row.target,
            )
        )  # fmt: skip
    return out


def _signals(bind, grain: Grain, window) -> list[Alert]:
    out = []
    lines = [(p, ln) for p, ls in plants_and_lines(bind).items() for ln in ls]
    for kpi in SPC_WATCH:
        for plant, line in lines:  # a line is a line of a plant (one chart each)
            alert = _signal(bind, kpi, {"plant": plant, "line": line}, grain, window)
            if alert:
                out.append(alert)
    return out


def _signal(bind, kpi: str, scope: dict[str, str], grain: Grain, window) -> Alert | None:
    try:
        chart = spc_chart(
            bind, kpi, grain, where=scope, date_from=window[0], date_to=window[1],
            baseline=get_baseline(bind, kpi, scope),
            exclusions=list_exclusions(bind, kpi, scope, grain), laney_if_overdispersed=True,
        )  # fmt: skip
    except SpcError:
        return None
    rules = signal_rules(chart, RECENT_PERIODS)
    if not rules:
        return None
    last = max(s.index for s in chart.signals if s.rule in rules)
    row = chart.frame.iloc[last]
    why = "; ".join(f"{r.value}: {RULE_TEXT[Rule(r)]}" for r in rules)
    message = (
        f"{chart_label(kpi)} [{scope_key(scope)}] is out of statistical control "
        f"({chart.label}, {grain.value} of {row['period']}): {why}"
    )
    alert_id = f"spc:{kpi}:{scope_key(scope)}:{grain.value}:{row['period']}"
    return Alert(
        alert_id, AlertKind.SPC_SIGNAL, kpi, scope, grain, row["period"], window, message,
        float(row["value"]), float("nan"), tuple(r.value for r in rules), chart.chart.value,
    )  # fmt: skip


def _fmt(kpi: str, value: float) -> str:
    from kpi.views import format_value

    return format_value(value, CATALOGUE[kpi].unit)


def acknowledgements(bind: sa.Engine | sa.Connection) -> dict[str, tuple[str, dt.datetime]]:
    with connected(bind) as conn:
        rows = conn.execute(sa.select(alert_acks)).all()
    return {r.alert_id: (r.acknowledged_by, r.acknowledged_at) for r in rows}


def acknowledge(engine: sa.Engine, user: str, alert_id: str, note: str = "") -> None:
    """Mark an alert as seen (stored and audited); acknowledging twice keeps the first."""
    if not alert_id.strip():
        raise ValueError("no alert id given")
    with engine.begin() as conn:
        found = conn.execute(
            sa.select(alert_acks.c.alert_id).where(alert_acks.c.alert_id == alert_id)
        ).first()
        if found:
            return
        conn.execute(
            alert_acks.insert().values(
                alert_id=alert_id, acknowledged_at=now(), acknowledged_by=user, note=note
            )
        )
        record_audit(conn, user, "alert.acknowledge", alert_id, note)


def alerts_frame(
    bind: sa.Engine | sa.Connection, grain: Grain = Grain.WEEK, near_band: float = 0.10
) -> pd.DataFrame:
    """The alert list as a table (for the Overview and exports), with acknowledgement."""
    acks = acknowledgements(bind)
    rows = [
        {
            "alert_id": a.alert_id, "kind": a.kind.value, "kpi": a.kpi,
            "label": chart_label(a.kpi), "scope": scope_key(a.scope), "period": a.period,
            "value": a.value, "target": a.target, "rules": ";".join(a.rules),
            "message": a.message, "acknowledged": a.alert_id in acks,
            "acknowledged_by": acks.get(a.alert_id, ("", None))[0],
        }
        for a in current_alerts(bind, grain, near_band)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=COLUMNS)


def measured_signals(bind, grain: Grain, window) -> list[Alert]:
    """SPC signals of measured characteristics, one chart per (product, characteristic,
    line), as on the SPC page: an alert when a subgroup of the last RECENT_DAYS is beyond
    the control limits of the last MEASURED_DAYS (the window the alert's link opens).
    Choice: the run rules (WE2-4, N2-8) stay on the page; on charts with
    a subgroup every two hours they would raise a false alarm most weeks on every chart."""
    from kpi.spc_readings import VariablesError
    from kpi.variables import measured_chart, measured_items

    window = (max(window[0], window[1] - dt.timedelta(days=MEASURED_DAYS - 1)), window[1])
    out = []
    for item in measured_items(bind, *window):
        try:
            chart = measured_chart(bind, item, None, *window).chart
        except VariablesError:
            continue
        recent = pd.Timestamp(window[1] - dt.timedelta(days=RECENT_DAYS - 1))
        starts = chart.frame["subgroup_start"]
        fired = [s for s in chart.signals if s.rule in BEYOND and starts.iloc[s.index] >= recent]
        if fired:
            out.append(_measured_alert(item, chart, fired, grain, window))
    return out


def _measured_alert(item, chart, fired, grain: Grain, window) -> Alert:
    rules = list(dict.fromkeys(s.rule for s in fired))
    row = chart.frame.iloc[max(s.index for s in fired)]
    day = pd.Timestamp(row["subgroup_start"]).date()
    why = "; ".join(f"{r.value}: {RULE_TEXT[Rule(r)]}" for r in rules)
    message = (
        f"{item.label} [{item.scope}] is out of statistical control ({chart.label}, subgroup "
        f"{row['subgroup']}): {why}"
    )
    alert_id = f"spc:{item.chart_key}:{item.scope}:{grain.value}:{day}"
    return Alert(
        alert_id, AlertKind.SPC_SIGNAL, item.chart_key, item.where, grain, day, window, message,
        float(row["value"]), float("nan"), tuple(r.value for r in rules), chart.chart.value,
    )  # fmt: skip


def capability_misses(bind, grain: Grain, start, end, window, near_band: float) -> list[Alert]:
    """Measured characteristics whose Cpk in the latest complete period missed the required
    minimum of their spec: a target miss like any KPI's (the same status rule)."""
    from kpi.spc_readings import VariablesError
    from kpi.status import Ideal, decide
    from kpi.variables import measured_chart, measured_items

    out = []
    for item in measured_items(bind, start, end):
        try:
            result = measured_chart(bind, item, None, start, end)
        except VariablesError:
            continue
        index, value = result.headline
        status = decide([value], [result.cpk_min], [Ideal.UNBOUNDED.value], near_band)[0]
        if status != "missed":
            continue
        message = (
            f"{item.label} [{item.scope}] missed its required capability in the {grain.value} "
            f"of {start}: {index} {value:.2f} against {result.cpk_min:.2f}"
        )
        alert_id = f"target:{item.chart_key}:{item.scope}:{grain.value}:{start}"
        out.append(Alert(alert_id, AlertKind.TARGET_MISS, item.chart_key, item.where, grain,
                         start, window, message, value, result.cpk_min,
                         chart=result.chart.chart.value))  # fmt: skip
    return out
