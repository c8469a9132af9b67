"""Large synthetic input files for benchmarks and crash tests, generated inside DuckDB.

Python loops would take minutes for 10M rows; a DuckDB ``COPY ... FROM range(n)`` takes
seconds. The natural key stays unique: 3,000 rows a day (10 lines x 3 shifts x 5
machines x 20 products).
"""

from __future__ import annotations

from pathlib import Path

import duckdb

_PRODUCTION_SELECT = """
SELECT
    strftime(DATE '2016-01-01' + CAST(i // 3000 AS INTEGER), '%Y-%m-%d') AS "date",
    ['A', 'B', 'N'][1 + (i // 1000) % 3] AS shift,
    'Plant ' || (1 + (i // 100) % 10 // 5) AS plant,
    'L' || (1 + (i // 100) % 10) AS line,
    'M' || (1 + (i // 20) % 5) AS machine,
    'P-' || (100 + i % 20) AS product,
    480 AS planned_minutes,
    20 + i % 20 AS ideal_cycle_seconds,
    900 + hash(i) % 300 AS units_produced,
    hash(i * 7) % 40 AS units_scrapped,
    hash(i * 13) % 15 AS units_reworked
FROM range(?) AS t(i)
"""


def write_production_csv(path: Path, rows: int) -> Path:
    """Write a valid production CSV with ``rows`` data rows."""
    with duckdb.connect() as con:
        relation = con.sql(_PRODUCTION_SELECT.replace("?", str(int(rows))))
        relation.write_csv(str(path), header=True)
    return path
