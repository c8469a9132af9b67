"""Run a profile over a source file: wide unpivot, lookups, and the canonical CSV."""

from __future__ import annotations

from pathlib import Path

import duckdb

from kpi.ingest import computed_sql
from kpi.ingest.problems import FileRejected, Problem
from kpi.ingest.transform import (
    Transformed,
    canonical_select,
    cell_expr,
    locate,
    read_source,
    sql_text,
    to_utf8,
)
from kpi.profiles import Profile
from kpi.schema import KINDS, Kind

_MAX_LISTED = 10


def transform(
    path: Path, profile: Profile, folder: Path, lookup_path: Path | None = None
) -> Transformed:
    """Write the canonical CSV for ``path`` read through ``profile`` into ``folder``."""
    source = to_utf8(path, profile.encoding, folder)
    with duckdb.connect() as con:
        headers = read_source(
            con, source, "s", profile.skip_lines, profile.extra_header_lines, profile.delimiter
        )
        items, labels = _wide_items(con, headers, profile) if profile.wide else ([], {})
        lookup_headers, warnings = _join_lookup(con, headers, profile, lookup_path, folder)
        more, more_labels = canonical_select(profile, headers, lookup_headers)
        for name, how in profile.computed.items():
            more.append(f'{computed_sql.build(name, how, profile, headers).value} AS "{name}"')
            more_labels[name] = how.formula()
        computed_sql.refuse_failures(con, profile, headers)
        items = [*more, *items]
        if not items:
            raise FileRejected([Problem("The profile maps no column of the file.")])
        labels = {**more_labels, **labels}
        joined = (
            "s LEFT JOIN k ON trim(s.lookup_key) = trim(k.lookup_key)" if lookup_headers else "s"
        )
        order = "s.src_line, s.wide_order" if profile.wide else "s.src_line"
        con.execute(
            f"CREATE TABLE out AS SELECT {', '.join(items)}, s.src_line AS src_line "
            f"FROM {joined} ORDER BY {order}"
        )
        target = folder / "canonical.csv"
        names = ", ".join(f'"{n}"' for n in _output_names(profile, labels))
        con.execute(f"COPY (SELECT {names} FROM out) TO '{target}' (HEADER, DELIMITER ',')")
        lines = [int(r[0]) for r in con.execute("SELECT src_line FROM out").fetchall()]
    if not lines:
        raise FileRejected([Problem("The file has no data rows after applying the profile.")])
    return Transformed(target, lines, labels, warnings, header_line=profile.skip_lines + 1)


def _output_names(profile: Profile, labels: dict[str, str]) -> list[str]:
    spec = KINDS[Kind(profile.kind)]
    present = set(labels) | set(profile.constants)
    return [c.name for c in spec.columns if c.name in present]


def _wide_items(
    con: duckdb.DuckDBPyConnection, headers: list[str], profile: Profile
) -> tuple[list[str], dict[str, str]]:
    """Unpivot the value columns of ``s``: downtime gives one row per non-empty, non-zero
    reason cell (the header names the reason); measurements one row per non-empty reading
    (a reading of 0 is a reading)."""
    assert profile.wide is not None
    readings = Kind(profile.kind) is Kind.MEASUREMENTS
    id_headers = set(h.lower() for h in profile.columns.values())
    id_headers |= {h.lower() for how in profile.computed.values() for h in how.columns}
    if profile.lookup:
        id_headers.add(profile.lookup.key.lower())
    wanted = profile.wide.value_columns or tuple(h for h in headers if h.lower() not in id_headers)
    cells = [locate(headers, h, "reading column" if readings else "reason column") for h in wanted]
    reasons = " ".join(
        f"WHEN '{cell}' THEN {sql_text(_reason_name(header, profile))}"
        for cell, header in zip(cells, wanted, strict=True)
    )
    order = " ".join(f"WHEN '{cell}' THEN {i}" for i, cell in enumerate(cells))
    con.execute(
        f"CREATE OR REPLACE TABLE s AS SELECT * EXCLUDE (wide_cell), "
        f"CASE wide_cell {reasons} END AS wide_reason, CASE wide_cell {order} END AS wide_order "
        f"FROM (UNPIVOT s ON {', '.join(cells)} INTO NAME wide_cell VALUE wide_value) "
        "WHERE nullif(trim(wide_value), '') IS NOT NULL "
        + ("" if readings else "AND coalesce(try_cast(trim(wide_value) AS DOUBLE), 1) <> 0")
    )
    if readings:
        value = KINDS[Kind.MEASUREMENTS].column("value")
        item = f'{cell_expr("s.wide_value", value, profile, None)} AS "value"'
        return [item], {"value": "cell of a reading column"}
    minutes = KINDS[Kind.DOWNTIME].column("minutes")
    items = [
        's.wide_reason AS "reason"',
        f'{cell_expr("s.wide_value", minutes, profile, None)} AS "minutes"',
    ]
    return items, {"reason": "reason column header", "minutes": "cell of the reason column"}


def _reason_name(header: str, profile: Profile) -> str:
    """A reason column's name: from the lookup by header, by numeric code, or the header."""
    names = profile.wide.reason_names if profile.wide else {}
    if header in names:
        return names[header]
    code = header.split()[-1] if header.split() else header
    try:
        code = str(int(float(code)))
    except ValueError:
        return header
    return names.get(code, header)


def _join_lookup(
    con: duckdb.DuckDBPyConnection,
    headers: list[str],
    profile: Profile,
    lookup_path: Path | None,
    folder: Path,
) -> tuple[list[str] | None, list[str]]:
    """Join the companion file on the profile's key; unmatched rows are an error or skipped."""
    lookup = profile.lookup
    if lookup is None:
        return None, []
    if lookup_path is None:
        raise FileRejected([Problem("This profile needs its lookup file (e.g. --lookup FILE).")])
    k_headers = read_source(con, to_utf8(lookup_path, profile.encoding, folder, "lookup.csv"), "k")
    con.execute(
        f"ALTER TABLE s ADD COLUMN lookup_key VARCHAR; "
        f"UPDATE s SET lookup_key = {locate(headers, lookup.key, 'lookup key')}"
    )
    con.execute(
        f"ALTER TABLE k ADD COLUMN lookup_key VARCHAR; "
        f"UPDATE k SET lookup_key = {locate(k_headers, lookup.lookup_key, 'lookup key')}"
    )
    _refuse_repeated_lookup_keys(con, lookup.lookup_key)
    orphans = con.execute(
        "SELECT DISTINCT s.src_line, s.lookup_key FROM s ANTI JOIN k "
        "ON trim(s.lookup_key) = trim(k.lookup_key) ORDER BY s.src_line"
    ).fetchall()
    if orphans and lookup.unmatched != "skip":
        raise FileRejected(
            [
                Problem("has no match in the lookup file", int(line), lookup.key, key)
                for line, key in orphans
            ]
        )
    con.execute("DELETE FROM s WHERE trim(lookup_key) NOT IN (SELECT trim(lookup_key) FROM k)")
    return k_headers, _orphan_warning(orphans, lookup.key)


def _refuse_repeated_lookup_keys(con: duckdb.DuckDBPyConnection, key: str) -> None:
    repeated = con.execute(
        "SELECT lookup_key, min(src_line) FROM k GROUP BY lookup_key HAVING count(*) > 1"
    ).fetchall()
    if repeated:
        raise FileRejected(
            [
                Problem("appears more than once in the lookup file", int(line), key, value)
                for value, line in repeated
            ]
        )


def _orphan_warning(orphans: list[tuple], key: str) -> list[str]:
    if not orphans:
        return []
    keys = sorted({str(k) for _, k in orphans})
    shown = ", ".join(keys[:_MAX_LISTED]) + (" ..." if len(keys) > _MAX_LISTED else "")
    lines = ", ".join(str(line) for line, _ in orphans[:_MAX_LISTED])
    return [
        f"skipped {len(orphans)} row(s) whose {key} has no match in the lookup file "
        f"({key} {shown}; lines {lines})"
    ]
