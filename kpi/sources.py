"""Relations KPI measures are summed over: raw fact tables and the daily summary tables.

Each ``Source`` has one or more ``Relation``s, smallest first. A query uses the first
relation that carries every dimension it needs (summaries), or the raw one on request.
Every relation of a source exposes the same measure names, so the answer is the same
whichever relation serves it (property-tested in tests/test_metrics_properties.py).

Downtime joins production on (date, shift, plant, line), and on machine when production
has a row for that machine in that shift. Each side is aggregated to the join grain
first, then a stop's minutes are allocated over the matching production rows by their
share of planned minutes, so several product rows per shift never double-count a stop.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kpi.catalogue import Dim, Source
from kpi.schema import Kind

CURRENT = "replaced_by IS NULL"
# the kinds the dated summaries (line-day, OEE-day) are built from; while a load of any
# of them is pending, those summaries are stale
SUMMARY_KINDS = (Kind.PRODUCTION, Kind.DOWNTIME, Kind.DEFECTS)
DATED = frozenset(k.value for k in SUMMARY_KINDS)
_KEY = ("date", "shift", "plant", "line")


@dataclass(frozen=True)
class Relation:
    """A FROM-clause body with its date column, dimension columns and measure sums."""

    name: str
    sql: str
    date_col: str
    dims: dict[Dim, str]
    measures: dict[str, str]
    raw: bool = False
    params: tuple[str, ...] = field(default=())  # bound parameters the SQL needs
    guard: frozenset[str] = frozenset()  # kinds whose summary must be current (stale_kinds)


def _sums(names: tuple[str, ...], prefix: str = "") -> dict[str, str]:
    return {n: f"SUM({prefix}{n})" for n in names}


def oee_fact_sql(date_range: bool = False) -> str:
    """Current production rows with matched planned/unplanned stops allocated to them.

    Allocation weights come from grouped totals joined back (hash joins), not window
    functions: about twice as fast on millions of rows.
    """
    rng = " AND date BETWEEN :first AND :last" if date_range else ""
    key = ", ".join(_KEY)
    on = " AND ".join(f"x.{k} = y.{k}" for k in _KEY)
    return f"""
WITH p AS (
  SELECT {key}, machine, product, COUNT(*) AS prod_rows,
    SUM(CAST(planned_minutes AS DOUBLE PRECISION)) AS planned_minutes,
    COALESCE(SUM(CAST(ideal_cycle_seconds AS DOUBLE PRECISION) * units_produced) / 60.0, 0)
      AS ideal_minutes,
    COALESCE(SUM(CAST(ideal_cycle_seconds AS DOUBLE PRECISION)
      * (units_produced - units_scrapped - COALESCE(units_reworked, 0))) / 60.0, 0)
      AS good_ideal_minutes,
    SUM(CASE WHEN ideal_cycle_seconds IS NULL AND units_produced > 0 THEN 1 ELSE 0 END)
      AS ideal_missing,
    SUM(units_produced) AS units_produced, SUM(units_scrapped) AS units_scrapped,
    SUM(COALESCE(units_reworked, 0)) AS units_reworked
  FROM production WHERE {CURRENT}{rng}
  GROUP BY {key}, machine, product),
d AS (
  SELECT {key}, machine,
    SUM(CASE WHEN planned THEN CAST(minutes AS DOUBLE PRECISION) ELSE 0 END) AS ps,
    SUM(CASE WHEN planned THEN 0 ELSE CAST(minutes AS DOUBLE PRECISION) END) AS us,
    SUM(CASE WHEN planned THEN 0 ELSE 1 END) AS un
  FROM downtime WHERE {CURRENT}{rng}
  GROUP BY {key}, machine),
pm AS (SELECT DISTINCT {key}, machine FROM p WHERE machine IS NOT NULL),
dm AS (SELECT x.* FROM d x JOIN pm y ON {on} AND x.machine = y.machine),
dl AS (
  SELECT {", ".join("x." + k for k in _KEY)}, SUM(ps) AS ps, SUM(us) AS us, SUM(un) AS un
  FROM d x WHERE NOT EXISTS (SELECT 1 FROM pm y WHERE {on} AND x.machine = y.machine)
  GROUP BY {", ".join("x." + k for k in _KEY)}),
lt AS (SELECT {key}, SUM(planned_minutes) AS pm, COUNT(*) AS n FROM p GROUP BY {key}),
mt AS (SELECT {key}, machine, SUM(planned_minutes) AS pm, COUNT(*) AS n
       FROM p WHERE machine IS NOT NULL GROUP BY {key}, machine),
w AS (
  SELECT x.*, COALESCE(x.planned_minutes / NULLIF(y.pm, 0), 1.0 / y.n) AS wl,
    COALESCE(x.planned_minutes / NULLIF(z.pm, 0), 1.0 / z.n) AS wm
  FROM p x JOIN lt y ON {on}
  LEFT JOIN mt z ON {on.replace("y.", "z.")} AND x.machine = z.machine)
SELECT {", ".join("x." + k for k in _KEY)}, x.machine, x.product, x.prod_rows,
  x.planned_minutes, x.ideal_minutes, x.good_ideal_minutes, x.ideal_missing,
  x.units_produced, x.units_scrapped, x.units_reworked,
  COALESCE(m.ps * x.wm, 0) + COALESCE(y.ps * x.wl, 0) AS planned_stop_minutes,
  COALESCE(m.us * x.wm, 0) + COALESCE(y.us * x.wl, 0) AS unplanned_stop_minutes,
  COALESCE(m.un * x.wm, 0) + COALESCE(y.un * x.wl, 0) AS unplanned_stops
FROM w x
LEFT JOIN dm m ON {on.replace("y.", "m.")} AND x.machine = m.machine
LEFT JOIN dl y ON {on}
"""


PRODUCTION_MEASURES = (
    "prod_rows",
    "planned_minutes",
    "ideal_minutes",
    "good_ideal_minutes",
    "ideal_missing",
    "units_produced",
    "units_scrapped",
    "units_reworked",
    "planned_stop_minutes",
    "unplanned_stop_minutes",
    "unplanned_stops",
)
_PROD_MEASURES = {**_sums(PRODUCTION_MEASURES), "n_rows": "SUM(prod_rows)"}
_PROD_DIMS = {d: d.value for d in (Dim.PLANT, Dim.LINE, Dim.MACHINE, Dim.SHIFT, Dim.PRODUCT)}
_LINE_DIMS = {Dim.PLANT: "plant", Dim.LINE: "line"}
_MIN = "CAST(minutes AS DOUBLE PRECISION)"
_PLANNED = "CASE WHEN planned THEN 'true' ELSE 'false' END"


@dataclass(frozen=True)
class _Lines:
    """How one delivery relation spells its per-row line counts and flags."""

    done: str  # the ship/receive date column
    lines: str
    in_full: str
    ordered_missing: str
    done_missing: str


def _delivery_sql(base: str, c: _Lines) -> str:
    """Per-row flags as known on :as_of (a line shipped after the as-of date is still open),
    computed once per row in nested projections so the sums stay simple."""
    as_of = "CAST(:as_of AS DATE)"
    weights = f"{c.lines} AS w, {c.in_full} AS w_full, {c.ordered_missing} AS w_om, "
    weights += f"{c.done_missing} AS w_dm"
    shipped = f"({c.done} IS NOT NULL AND {c.done} <= {as_of}) AS f_shipped"
    inner = f"SELECT *, {weights}, {shipped} FROM {base}"
    days = f"CASE WHEN f_shipped THEN {c.done} - due_date ELSE {as_of} - due_date END AS f_days"
    return f"""(SELECT *, (f_shipped OR due_date < {as_of}) AS f_eligible,
  (f_shipped AND {c.done} <= due_date) AS f_on_time, {days}
FROM ({inner}) AS a) AS t"""


def _total(cond: str, weight: str = "w") -> str:
    return f"SUM(CASE WHEN {cond} THEN {weight} ELSE 0 END)"


_LATE = "f_eligible AND NOT f_on_time"
DELIVERY_MEASURES = {
    "n_rows": "SUM(w)",
    "eligible_lines": _total("f_eligible"),
    "on_time_lines": _total("f_on_time"),
    "otif_lines": _total("f_on_time", "w_full"),
    "qty_missing": _total("f_eligible", "w_om + CASE WHEN f_shipped THEN w_dm ELSE 0 END"),
    "late_lines": _total(_LATE),
    "days_late_sum": _total(_LATE, "f_days * w"),
}


def delivery_flags(done: str, qty: str) -> _Lines:
    """Per-row flags of a raw deliveries/receipts row (also used to build the summary)."""
    return _Lines(
        done=done,
        lines="1",
        in_full=f"CASE WHEN {qty} >= quantity_ordered THEN 1 ELSE 0 END",
        ordered_missing="CASE WHEN quantity_ordered IS NULL THEN 1 ELSE 0 END",
        done_missing=f"CASE WHEN quantity_ordered IS NOT NULL AND {qty} IS NULL THEN 1 ELSE 0 END",
    )


DELIVERY_COLUMNS = {"deliveries": ("ship_date", "quantity_shipped"),
                    "receipts": ("received_date", "quantity_received")}  # fmt: skip
_SUMMARY_LINES = _Lines(
    "done_date", "lines", "in_full_lines", "ordered_missing", "done_qty_missing"
)


def _delivery_relations(table: str, dims: tuple[Dim, ...]) -> tuple[Relation, ...]:
    done, qty = DELIVERY_COLUMNS[table]
    summary = Relation(
        "summary_delivery_day",
        _delivery_sql(f"summary_delivery_day WHERE kind = '{table}'", _SUMMARY_LINES),
        "due_date",
        {Dim.PLANT: "plant"},
        DELIVERY_MEASURES,
        params=("as_of",),
        guard=frozenset({table}),
    )
    raw = Relation(
        "raw",
        _delivery_sql(f"{table} WHERE {CURRENT}", delivery_flags(done, qty)),
        "due_date",
        {d: d.value for d in dims},
        DELIVERY_MEASURES,
        raw=True,
        params=("as_of",),
    )
    return summary, raw


# Defects per unit: defect rows and production rows stacked (UNION ALL, no join) and summed
# per group, so a day with units but no defects counts as zero defects, and a day with
# defects but no units has an empty value (zero denominator).
_DEFECT_UNITS_SQL = f"""(
SELECT date, plant, line, shift, product, 1 AS prod_rows, 0 AS defect_rows,
  CAST(units_produced AS DOUBLE PRECISION) AS units_produced, 0.0 AS quantity
FROM production WHERE {CURRENT}
UNION ALL
SELECT date, plant, line, shift, product, 0, 1, 0.0, CAST(quantity AS DOUBLE PRECISION)
FROM defects WHERE {CURRENT}) AS t"""
_DEFECT_UNIT_MEASURES = {
    "n_rows": "SUM(prod_rows + defect_rows)",
    "units_produced": "SUM(units_produced)",
    "quantity": "SUM(quantity)",
}
_DEFECT_UNITS = (
    Relation(
        "summary_line_day",
        "summary_line_day",
        "date",
        _LINE_DIMS,
        {**_DEFECT_UNIT_MEASURES, "quantity": "SUM(defect_quantity)"},
        guard=DATED,
    ),
    Relation(
        "raw",
        _DEFECT_UNITS_SQL,
        "date",
        {d: d.value for d in (Dim.PLANT, Dim.LINE, Dim.SHIFT, Dim.PRODUCT)},
        _DEFECT_UNIT_MEASURES,
        raw=True,
    ),
)

# MTBF: production time and every stop, stacked (UNION ALL, no join), so a stop with no
# production row in its shift still counts as a failure, exactly as in `stops` and MTTR.
_UPTIME_COLS = ("planned_minutes", "planned_stop_minutes", "unplanned_stop_minutes")
_UPTIME_SQL = f"""(
SELECT date, plant, line, machine, shift, prod_rows, 0 AS dt_rows,
  {", ".join(_UPTIME_COLS)}, 0.0 AS all_unplanned_stops
FROM ({oee_fact_sql()}) AS f
UNION ALL
SELECT date, plant, line, machine, shift, 0, 1, 0.0, 0.0, 0.0,
  CASE WHEN planned THEN 0.0 ELSE 1.0 END
FROM downtime WHERE {CURRENT}) AS t"""
_UPTIME_MEASURES = {
    "n_rows": "SUM(prod_rows + dt_rows)",
    **_sums(_UPTIME_COLS),
    "all_unplanned_stops": "SUM(all_unplanned_stops)",
}
_UPTIME = (
    Relation(
        "summary_line_day",
        "summary_line_day",
        "date",
        _LINE_DIMS,
        {**_UPTIME_MEASURES, "n_rows": "SUM(prod_rows + dt_rows)",
         "all_unplanned_stops": "SUM(dt_unplanned_stops)"},
        guard=DATED,
    ),
    Relation(
        "raw",
        _UPTIME_SQL,
        "date",
        {d: d.value for d in (Dim.PLANT, Dim.LINE, Dim.MACHINE, Dim.SHIFT)},
        _UPTIME_MEASURES,
        raw=True,
    ),
)  # fmt: skip

RELATIONS: dict[Source, tuple[Relation, ...]] = {
    Source.PRODUCTION: (
        Relation(
            "summary_line_day", "summary_line_day", "date", _LINE_DIMS, _PROD_MEASURES, guard=DATED
        ),
        Relation(
            "summary_oee_day", "summary_oee_day", "date", _PROD_DIMS, _PROD_MEASURES, guard=DATED
        ),
        Relation("raw", f"({oee_fact_sql()}) AS t", "date", _PROD_DIMS, _PROD_MEASURES, True),
    ),
    Source.DOWNTIME: (
        Relation(
            "summary_line_day",
            "summary_line_day",
            "date",
            _LINE_DIMS,
            {
                "n_rows": "SUM(dt_rows)",
                "minutes": "SUM(dt_minutes)",
                "unplanned_minutes": "SUM(dt_unplanned_minutes)",
                "unplanned_stops": "SUM(dt_unplanned_stops)",
            },
            guard=DATED,
        ),
        Relation(
            "raw",
            f"(SELECT * FROM downtime WHERE {CURRENT}) AS t",
            "date",
            {
                **{d: d.value for d in (Dim.PLANT, Dim.LINE, Dim.MACHINE, Dim.SHIFT, Dim.REASON)},
                Dim.PLANNED: _PLANNED,
            },
            {
                "n_rows": "COUNT(*)",
                "minutes": f"SUM({_MIN})",
                "unplanned_minutes": f"SUM(CASE WHEN planned THEN 0 ELSE {_MIN} END)",
                "unplanned_stops": "SUM(CASE WHEN planned THEN 0 ELSE 1 END)",
            },
            raw=True,
        ),
    ),  # fmt: skip
    Source.DEFECTS: (
        Relation(
            "summary_line_day",
            "summary_line_day",
            "date",
            _LINE_DIMS,
            {"n_rows": "SUM(defect_rows)", "quantity": "SUM(defect_quantity)"},
            guard=DATED,
        ),
        Relation(
            "raw",
            f"(SELECT * FROM defects WHERE {CURRENT}) AS t",
            "date",
            {
                d: d.value
                for d in (Dim.PLANT, Dim.LINE, Dim.SHIFT, Dim.PRODUCT, Dim.DEFECT, Dim.DISPOSITION)
            },
            {"n_rows": "COUNT(*)", "quantity": "SUM(quantity)"},
            raw=True,
        ),
    ),
    Source.DEFECT_UNITS: _DEFECT_UNITS,
    Source.UPTIME: _UPTIME,
    Source.DELIVERIES: _delivery_relations("deliveries", (Dim.CUSTOMER, Dim.PRODUCT, Dim.PLANT)),
    Source.RECEIPTS: _delivery_relations("receipts", (Dim.SUPPLIER, Dim.PRODUCT, Dim.PLANT)),
}


def pick_relation(
    source: Source, dims: set[Dim], use_summary: bool = True, stale: frozenset[str] = frozenset()
) -> Relation:
    """The smallest usable relation carrying ``dims``; raw when summaries are bypassed/stale."""
    for rel in RELATIONS[source]:
        usable = rel.raw or (use_summary and not rel.guard & stale)
        if usable and dims <= set(rel.dims):
            return rel
    raise ValueError(f"no relation of {source} carries {sorted(dims)}")
