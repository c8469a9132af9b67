"""Measurements against their specs: a reading without a spec, or in another unit, is refused.

Why at load: a reading in inches against a spec in millimetres, or of a characteristic
nobody has specified, would give a capability figure that looks right and is not. The
check runs inside the load transaction, after the batch's rows are in (like
``kpi.consistency.refuse_overruns``), in portable SQL against the stored specs; the
file is then read once more only to name the lines and columns of the refused rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import unicodedata
from pathlib import Path

import sqlalchemy as sa

from kpi.ingest.problems import MAX_LISTED_PROBLEMS, FileRejected, Problem
from kpi.schema import Kind, normalise_header
from kpi.tables import FACT_TABLES, characteristic_specs

_KEY = ("product", "characteristic", "date", "unit")
NO_SPEC = "has no spec for this product on this date; set one first (Specs page or `specs set`)"


def refuse_unspecified(
    conn: sa.Connection, kind: Kind, batch_id: int, path: Path, delimiter: str
) -> None:
    """Raise ``FileRejected`` naming every line whose reading has no spec or another unit."""
    if kind is not Kind.MEASUREMENTS:
        return
    bad = {_fold(row[:4]): row[4] for row in conn.execute(_unmatched(batch_id))}
    if bad:
        raise FileRejected(_problems(bad, path, delimiter))


def _unmatched(batch_id: int) -> sa.Select:
    """(product, characteristic, date, unit, spec unit or None) of the batch's readings with
    no spec in force on their date, or a spec in another unit (letter case aside)."""
    from kpi.measurements import valid_on  # kpi.measurements imports the KPI engine

    m, s = FACT_TABLES[Kind.MEASUREMENTS], characteristic_specs
    spec = sa.and_(
        sa.func.lower(s.c.product) == sa.func.lower(m.c.product),
        sa.func.lower(s.c.characteristic) == sa.func.lower(m.c.characteristic),
        valid_on(m.c.date),
    )
    wrong = sa.or_(s.c.spec_id.is_(None), sa.func.lower(s.c.unit) != sa.func.lower(m.c.unit))
    columns = [m.c.product, m.c.characteristic, m.c.date, m.c.unit, s.c.unit.label("spec_unit")]
    query = sa.select(*columns).select_from(m.outerjoin(s, spec))
    query = query.where(m.c.batch_id == batch_id, wrong).distinct()
    return query.limit(MAX_LISTED_PROBLEMS)


def _fold(values: tuple) -> tuple[str, ...]:
    """Compare as the store does: NFKC, trimmed, ignoring letter case; dates as ISO text."""
    return tuple(
        v.isoformat()
        if isinstance(v, dt.date)
        else unicodedata.normalize("NFKC", v).strip().casefold()
        for v in values
    )


def _problems(bad: dict[tuple[str, ...], str | None], path: Path, delimiter: str) -> list[Problem]:
    problems: list[Problem] = []
    for line, row in _file_rows(path, delimiter):
        spec_unit = bad.get(_fold(_with_date(row)), "")
        if spec_unit == "":
            continue
        if spec_unit is None:
            problems.append(Problem(NO_SPEC, line, "characteristic", row["characteristic"]))
        else:
            text = f"differs from the spec's unit {spec_unit!r} for this product and characteristic"
            problems.append(Problem(text, line, "unit", row["unit"]))
        if len(problems) >= MAX_LISTED_PROBLEMS:
            break
    return problems or [Problem("readings without a spec, or in another unit than their spec")]


def _with_date(row: dict[str, str]) -> tuple:
    text = row["date"].strip()
    try:
        day: str | dt.date = dt.datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        day = text
    return (row["product"], row["characteristic"], day, row["unit"])


def _file_rows(path: Path, delimiter: str):
    """(line number, {column: text}) per row of a canonical CSV (header = line 1)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle, delimiter=delimiter)
        header = [normalise_header(h) for h in next(reader, [])]
        col = {name: header.index(name) for name in _KEY if name in header}
        for row in reader:
            yield reader.line_num, {k: row[i] if i < len(row) else "" for k, i in col.items()}
