"""Production and downtime that contradict each other: more stop minutes than planned time.

Why: planned stops of 600 min on a 480-min plan gave availability 125 % "met", OEE
−41.7 % and a negative MTBF. Each file is valid on its own; only together are they
impossible. So the file that makes a (date, shift, plant, line[, machine]) inconsistent,
production or downtime, whichever arrives second, is refused with its lines named; and
``inconsistencies`` lists any such contradiction already stored (``python -m kpi check``
and the data-quality section of the Downtime page).

The test uses the very allocation the KPIs use (``kpi.sources.oee_fact_sql``): stops on a
machine that production has count for that machine, other stops are shared over the
line's production rows by planned minutes. So a refused file is exactly one that would
have given some production row more stop minutes than planned minutes.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from kpi.ingest.problems import FileRejected, Problem
from kpi.metrics import connected, read_frame
from kpi.schema import Kind
from kpi.sources import oee_fact_sql

KEY = ("date", "shift", "plant", "line", "machine")
CHECKED_KINDS = (Kind.PRODUCTION, Kind.DOWNTIME)
COLUMNS = [*KEY, "planned_minutes", "stop_minutes", "problem"]
_TOLERANCE = 1e-6  # minutes; the allocation divides, so compare with a little slack
_WIDE = (dt.date(1900, 1, 1), dt.date(2099, 12, 31))
PROBLEM = "stop minutes exceed planned minutes"
NO_PRODUCTION = "downtime without production: counted in downtime KPIs, not in availability"


def _overrun_sql(batch_table: str | None) -> str:
    """Per (date, shift, plant, line, machine): allocated stops above planned minutes."""
    touched = ""
    if batch_table:  # only the shifts the new batch touches
        on = " AND ".join(f"n.{k} = f.{k}" for k in KEY[:4])
        touched = f"WHERE EXISTS (SELECT 1 FROM {batch_table} n WHERE n.batch_id = :batch AND {on})"
    keys = ", ".join(KEY)
    return f"""
SELECT {keys}, SUM(planned_minutes) AS planned_minutes,
  SUM(planned_stop_minutes + unplanned_stop_minutes) AS stop_minutes
FROM ({oee_fact_sql(date_range=True)}) AS f {touched}
GROUP BY {keys}
HAVING SUM(planned_stop_minutes + unplanned_stop_minutes) > SUM(planned_minutes) + {_TOLERANCE}
ORDER BY date, plant, line, shift, machine NULLS FIRST"""


def inconsistencies(
    bind: sa.Engine | sa.Connection,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> pd.DataFrame:
    """Every stored (date, shift, plant, line, machine) with more stop than planned minutes."""
    params = {"first": date_from or _WIDE[0], "last": date_to or _WIDE[1]}
    with connected(bind) as conn:
        df = read_frame(conn, _overrun_sql(None), params)
    df["machine"] = df["machine"].astype(object).where(df["machine"].notna(), None)
    df["problem"] = PROBLEM
    return df[COLUMNS]


def refuse_overruns(
    conn: sa.Connection, kind: Kind, batch_id: int, path: Path, delimiter: str, plant: str
) -> None:
    """Inside the load transaction, after the batch's rows are in: raise ``FileRejected``
    naming the file's lines when the batch leaves stops above planned minutes."""
    if kind not in CHECKED_KINDS:
        return
    span = conn.execute(
        sa.text(f"SELECT MIN(date), MAX(date) FROM {kind.value} WHERE batch_id = :b"),
        {"b": batch_id},
    ).one()
    if span[0] is None:
        return
    params = {"first": span[0], "last": span[1], "batch": batch_id}
    bad = read_frame(conn, _overrun_sql(kind.value), params)
    if not bad.empty:
        raise FileRejected(_problems(bad, kind, _file_lines(path, delimiter, plant)))


def _problems(bad: pd.DataFrame, kind: Kind, lines: dict[tuple, list[int]]) -> list[Problem]:
    other = "production" if kind is Kind.DOWNTIME else "downtime"
    out = []
    for row in bad.itertuples(index=False):
        shift_key = (str(row.date), row.shift, row.plant, row.line)
        found = lines.get(shift_key, [])
        machine = f", machine {row.machine}" if isinstance(row.machine, str) else ""
        text = (
            f"with this file, {row.date} shift {row.shift}, {row.plant} / line {row.line}"
            f"{machine} would have {row.stop_minutes:g} stop minutes in "
            f"{row.planned_minutes:g} planned minutes (with the {other} already loaded); "
            f"{PROBLEM}. Lines of this file in that shift: {_list(found)}"
        )
        out.append(Problem(text, line=found[0] if found else None))
    return out


def _list(numbers: list[int], most: int = 20) -> str:
    shown = ", ".join(str(n) for n in numbers[:most])
    return shown + (f" and {len(numbers) - most} more" if len(numbers) > most else "") or "none"


def _file_lines(path: Path, delimiter: str, plant: str) -> dict[tuple, list[int]]:
    """File line numbers (header = line 1) per (date, shift, plant, line) of a canonical CSV."""
    out: dict[tuple, list[int]] = {}
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = [h.strip().lower() for h in next(reader, [])]
        col = {name: header.index(name) for name in KEY[:4] if name in header}
        for row in reader:
            values = {k: row[i].strip() if i < len(row) else "" for k, i in col.items()}
            values["plant"] = values.get("plant") or plant
            key = tuple(values.get(k, "") for k in KEY[:4])
            out.setdefault(key, []).append(reader.line_num)
    return out


def data_quality(
    bind: sa.Engine | sa.Connection,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
) -> pd.DataFrame:
    """Stored contradictions (stops above planned minutes) first, then downtime on shifts
    without production (not a contradiction, but left out of availability and OEE)."""
    from kpi.drilldown import data_quality_warnings  # drilldown imports the KPI engine

    over = inconsistencies(bind, date_from, date_to)
    orphan = data_quality_warnings(bind, date_from, date_to)
    orphan = orphan.rename(columns={"minutes": "stop_minutes", "warning": "problem"})
    orphan = orphan.assign(machine=None, planned_minutes=0.0)[COLUMNS]
    parts = [df for df in (over, orphan) if not df.empty]
    return pd.concat(parts, ignore_index=True) if parts else over
