"""Names that look alike are the same name: one normal form for every free-text value.

The rules (the README's "Names" paragraph says the same):

- Every name is normalised with Unicode NFKC and trimmed of spaces, so a full-width
  ``Ｌ１``, a no-break space or a ligature is the plain name.
- Control and format characters (Unicode Cc and Cf: NUL, a zero-width space, a
  right-to-left override...) are refused anywhere in a file (``kpi.ingest.read``); a tab
  or a line break inside a name is refused by the text rules.
- Letter case: names compare ignoring case (SQL ``lower``). A name that differs from a
  stored name only in case is stored with the stored spelling (the first one loaded
  wins); within one new file, the spelling that sorts first (``L1`` before ``l1``).
  Order and purchase-order ids and their line numbers are ids, and compare exactly.

Distinct values are few, so the work is done in Python on them and written back with one
UPDATE per changed column; plain ASCII names without a case twin are never touched.
DuckDB only (``regexp_full_match``), like the rest of the loader.
"""

from __future__ import annotations

import unicodedata
from typing import Any

import sqlalchemy as sa

from kpi import dialect
from kpi.tables import FACT_TABLES

EXACT_CASE = frozenset({"order_id", "po_id", "line_no"})  # ids: compared exactly
_PLAIN_ASCII = "[ -~]*"  # printable ASCII: NFKC leaves it as it is


def normalise(value: str) -> str:
    """NFKC, then spaces trimmed (NFKC turns no-break and ideographic spaces into spaces)."""
    return unicodedata.normalize("NFKC", value).strip(" ")


def unify(
    duck: Any,
    table: str,
    columns: dict[str, tuple[str, ...]],
    where: str,
    stored: bool = False,
) -> bool:
    """Normalise ``columns`` of the rows ``where`` in ``table``; True when any changed.

    ``columns`` maps each free-text column to every table column written with its new
    value (the checker keeps the raw text beside the value). A value that normalises to
    nothing is left as it is: a text rule refuses it as blank. With ``stored``, names are
    matched ignoring case against the names already in the store as well.
    """
    changed = False
    for column, targets in columns.items():
        mapping = _nfkc_mapping(duck, table, column, where)
        if mapping:
            _apply(duck, table, targets, where, mapping)
        if column not in EXACT_CASE:
            case = _case_mapping(duck, table, column, where, stored)
            if case:
                _apply(duck, table, targets, where, case)
                mapping.update(case)
        changed = changed or bool(mapping)
    return changed


def _distinct(duck: Any, table: str, column: str, where: str, extra: str = "") -> list[str]:
    sql = f'SELECT DISTINCT "{column}" FROM {table} WHERE {where} AND "{column}" IS NOT NULL'
    return [row[0] for row in duck.execute(sql + extra).fetchall()]


def _nfkc_mapping(duck: Any, table: str, column: str, where: str) -> dict[str, str]:
    ascii_only = f"regexp_full_match(\"{column}\", '{_PLAIN_ASCII}')"
    odd = _distinct(duck, table, column, where, f" AND NOT {ascii_only}")
    mapping = {}
    for value in odd:
        new = normalise(value)
        if new and new != value:
            mapping[value] = new
    return mapping


def _case_mapping(duck: Any, table: str, column: str, where: str, stored: bool) -> dict:
    """Spellings that differ only in case -> the one kept (stored first, else the least)."""
    values = _distinct(duck, table, column, where)
    groups: dict[str, list[str]] = {}
    for value in values:
        groups.setdefault(_fold(value), []).append(value)
    known = _stored_spellings(duck, column, table, where, values) if stored else {}
    mapping = {}
    for fold, spellings in groups.items():
        keep = known.get(fold) or min(spellings)
        mapping.update({s: keep for s in spellings if s != keep})
    return mapping


def _fold(value: str) -> str:
    return value.lower()


def _stored_spellings(
    duck: Any, column: str, table: str, where: str, values: list[str]
) -> dict[str, str]:
    """For each new name with a case twin already stored, the stored spelling."""
    tables = [t.name for t in FACT_TABLES.values() if column in t.c]
    server = dialect.STORE_CONNECTION.get()
    if server is not None:  # the load runs in a scratch database; the names are on the server
        return _server_spellings(server, column, tables, values)
    stored = " UNION ".join(
        f'SELECT DISTINCT "{column}" AS v FROM "{name}" WHERE replaced_by IS NULL '
        f'AND "{column}" IS NOT NULL AND NOT ({where})'
        for name in tables
    )
    new = f'SELECT DISTINCT "{column}" AS v FROM {table} WHERE {where}'
    sql = (
        f"SELECT lower(s.v), min(s.v) FROM ({stored}) s JOIN ({new}) n "
        "ON lower(s.v) = lower(n.v) AND s.v <> n.v GROUP BY lower(s.v)"
    )
    return dict(duck.execute(sql).fetchall())


def _server_spellings(
    conn: sa.Connection, column: str, tables: list[str], values: list[str]
) -> dict[str, str]:
    """As ``_stored_spellings``, asked of the store's server (portable SQL)."""
    if not values:
        return {}
    stored = " UNION ".join(
        f'SELECT DISTINCT "{column}" AS v FROM "{name}" WHERE replaced_by IS NULL '
        f'AND "{column}" IS NOT NULL'
        for name in tables
    )
    sql = sa.text(
        f"SELECT lower(s.v), min(s.v) FROM ({stored}) s "
        "WHERE lower(s.v) IN :folds AND s.v NOT IN :values GROUP BY lower(s.v)"
    ).bindparams(sa.bindparam("folds", expanding=True), sa.bindparam("values", expanding=True))
    rows = conn.execute(sql, {"folds": sorted({_fold(v) for v in values}), "values": values})
    return dict(rows.all())


def _apply(
    duck: Any, table: str, targets: tuple[str, ...], where: str, mapping: dict[str, str]
) -> None:
    """Write ``mapping`` (old -> new) into every target column of the rows ``where``."""
    duck.execute("CREATE OR REPLACE TEMP TABLE name_map (old VARCHAR, new VARCHAR)")
    duck.executemany("INSERT INTO name_map VALUES (?, ?)", list(mapping.items()))
    sets = ", ".join(f'"{t}" = name_map.new' for t in targets)
    matched = f'{table}."{targets[0]}" = name_map.old'
    duck.execute(f"UPDATE {table} SET {sets} FROM name_map WHERE {where} AND {matched}")
    duck.execute("DROP TABLE name_map")
