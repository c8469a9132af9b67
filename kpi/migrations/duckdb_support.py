"""What Alembic needs from duckdb-engine 0.17 on DuckDB 2.0, and does not get.

1. Alembic picks its DDL implementation by dialect name and has none for ``duckdb``:
   ``DuckDBImpl`` registers one (DuckDB's DDL is transactional, like PostgreSQL's).
2. duckdb-engine reflects through PostgreSQL's ``pg_catalog`` queries, which DuckDB 2.0
   cannot answer (no ``pg_collation``, no ``REGCLASS``), so autogenerate's comparison and
   batch (recreate) operations fail. ``DuckDBInspector`` reads DuckDB's own catalog
   functions instead; ``use_duckdb_inspector`` installs it on one engine's dialect only.

DuckDB 2.0's ALTER TABLE adds, drops, renames and retypes columns, sets NOT NULL and
defaults, and adds unique constraints, so plain ``op`` calls work. It refuses to drop or
retype a column while an index depends on it or on a later column: write those as
``with op.batch_alter_table(name, recreate="always")``, which copies the table (through
the inspector below) and puts its indexes back.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from alembic.ddl.impl import DefaultImpl
from duckdb_engine import DuckDBInspector as _EngineInspector


class DuckDBImpl(DefaultImpl):
    """Alembic's DDL implementation for the ``duckdb`` dialect (registered on import)."""

    __dialect__ = "duckdb"
    transactional_ddl = True


# DuckDB type names -> the SQLAlchemy type whose DDL DuckDB stores under that name, so a
# reflected column compiles to the same text as the declared one when Alembic compares.
_TYPES: dict[str, sa.types.TypeEngine] = {
    "VARCHAR": sa.String(),
    "INTEGER": sa.Integer(),
    "BIGINT": sa.BigInteger(),
    "SMALLINT": sa.SmallInteger(),
    "DOUBLE": sa.Double(),
    "FLOAT": sa.REAL(),  # DuckDB's FLOAT is 4 bytes
    "DATE": sa.Date(),
    "TIME": sa.Time(),
    "TIMESTAMP": sa.DateTime(),
    "TIMESTAMP WITH TIME ZONE": sa.DateTime(timezone=True),
    "BOOLEAN": sa.Boolean(),
    "BLOB": sa.LargeBinary(),
}
_DECIMAL = re.compile(r"DECIMAL\((\d+),(\d+)\)")


def _type(name: str) -> sa.types.TypeEngine:
    if name in _TYPES:
        return _TYPES[name]
    decimal = _DECIMAL.fullmatch(name)
    if decimal:
        return sa.Numeric(int(decimal[1]), int(decimal[2]))
    return sa.types.NullType()


_HERE = "database_name = current_database() AND schema_name = current_schema()"


class DuckDBInspector(_EngineInspector):
    """Reflection from ``duckdb_columns()``, ``duckdb_constraints()`` and ``duckdb_indexes()``.

    Only the default schema is reflected (the store keeps everything there). DuckDB does
    not keep the names of unique constraints, so they are reported unnamed and Alembic
    compares them by their columns.
    """

    def _rows(self, sql: str, filter_names: Any) -> list[sa.RowMapping]:
        rows = self.bind.execute(sa.text(sql)).mappings().all()
        if filter_names is None:
            return list(rows)
        wanted = set(filter_names)
        return [r for r in rows if r["table_name"] in wanted]

    def _tables(self, filter_names: Any) -> list[str]:
        names = self.get_table_names()
        return [n for n in names if filter_names is None or n in set(filter_names)]

    def get_multi_columns(self, schema=None, filter_names=None, **kw: Any) -> dict:
        sql = (
            "SELECT table_name, column_name, data_type, is_nullable, column_default, comment "
            f"FROM duckdb_columns() WHERE {_HERE} ORDER BY table_name, column_index"
        )
        result: dict = {(schema, t): [] for t in self._tables(filter_names)}
        for row in self._rows(sql, filter_names):
            result.setdefault((schema, row["table_name"]), []).append(
                {
                    "name": row["column_name"],
                    "type": _type(row["data_type"]),
                    "nullable": bool(row["is_nullable"]),
                    "default": row["column_default"],
                    "autoincrement": False,
                    "comment": row["comment"],
                }
            )
        return result

    def _constraints(self, kind: str, filter_names: Any) -> list[sa.RowMapping]:
        sql = (
            "SELECT table_name, constraint_name, constraint_column_names, expression, "
            "referenced_table, referenced_column_names FROM duckdb_constraints() "
            f"WHERE {_HERE} AND constraint_type = '{kind}' ORDER BY table_name, constraint_index"
        )
        return self._rows(sql, filter_names)

    def get_multi_pk_constraint(self, schema=None, filter_names=None, **kw: Any) -> dict:
        result: dict = {
            (schema, t): {"constrained_columns": [], "name": None}
            for t in self._tables(filter_names)
        }
        for row in self._constraints("PRIMARY KEY", filter_names):
            result[(schema, row["table_name"])] = {
                "constrained_columns": list(row["constraint_column_names"]),
                "name": row["constraint_name"],
            }
        return result

    def get_multi_unique_constraints(self, schema=None, filter_names=None, **kw: Any) -> dict:
        result: dict = {(schema, t): [] for t in self._tables(filter_names)}
        for row in self._constraints("UNIQUE", filter_names):
            result[(schema, row["table_name"])].append(
                {"name": None, "column_names": list(row["constraint_column_names"])}
            )
        return result

    def get_multi_foreign_keys(self, schema=None, filter_names=None, **kw: Any) -> dict:
        result: dict = {(schema, t): [] for t in self._tables(filter_names)}
        for row in self._constraints("FOREIGN KEY", filter_names):
            result[(schema, row["table_name"])].append(
                {
                    "name": None,
                    "constrained_columns": list(row["constraint_column_names"]),
                    "referred_schema": None,
                    "referred_table": row["referenced_table"],
                    "referred_columns": list(row["referenced_column_names"]),
                    "options": {},
                }
            )
        return result

    def get_multi_check_constraints(self, schema=None, filter_names=None, **kw: Any) -> dict:
        result: dict = {(schema, t): [] for t in self._tables(filter_names)}
        for row in self._constraints("CHECK", filter_names):
            result[(schema, row["table_name"])].append({"name": None, "sqltext": row["expression"]})
        return result

    def get_multi_indexes(self, schema=None, filter_names=None, **kw: Any) -> dict:
        sql = (
            "SELECT table_name, index_name, is_unique, expressions FROM duckdb_indexes() "
            f"WHERE {_HERE} AND NOT is_primary ORDER BY table_name, index_name"
        )
        result: dict = {(schema, t): [] for t in self._tables(filter_names)}
        for row in self._rows(sql, filter_names):
            columns = [c.strip().strip('"') for c in row["expressions"].strip("[]").split(",")]
            result[(schema, row["table_name"])].append(
                {"name": row["index_name"], "column_names": columns, "unique": row["is_unique"]}
            )
        return result

    def get_multi_table_comment(self, schema=None, filter_names=None, **kw: Any) -> dict:
        return {(schema, t): {"text": None} for t in self._tables(filter_names)}

    def get_multi_table_options(self, schema=None, filter_names=None, **kw: Any) -> dict:
        return {(schema, t): {} for t in self._tables(filter_names)}

    def _one(self, multi: str, table_name: str, schema: Any) -> Any:
        found = getattr(self, multi)(schema=schema, filter_names=[table_name])
        if (schema, table_name) not in found:
            raise sa.exc.NoSuchTableError(table_name)
        return found[(schema, table_name)]

    def get_columns(self, table_name, schema=None, **kw: Any) -> list:
        return self._one("get_multi_columns", table_name, schema)

    def get_pk_constraint(self, table_name, schema=None, **kw: Any) -> dict:
        return self._one("get_multi_pk_constraint", table_name, schema)

    def get_unique_constraints(self, table_name, schema=None, **kw: Any) -> list:
        return self._one("get_multi_unique_constraints", table_name, schema)

    def get_foreign_keys(self, table_name, schema=None, **kw: Any) -> list:
        return self._one("get_multi_foreign_keys", table_name, schema)

    def get_check_constraints(self, table_name, schema=None, **kw: Any) -> list:
        return self._one("get_multi_check_constraints", table_name, schema)

    def get_indexes(self, table_name, schema=None, **kw: Any) -> list:
        return self._one("get_multi_indexes", table_name, schema)

    def get_table_comment(self, table_name, schema=None, **kw: Any) -> dict:
        return self._one("get_multi_table_comment", table_name, schema)

    def get_table_options(self, table_name, schema=None, **kw: Any) -> dict:
        return self._one("get_multi_table_options", table_name, schema)


def use_duckdb_inspector(bind: sa.Engine | sa.Connection) -> None:
    """Make ``sa.inspect`` on this engine's connections use ``DuckDBInspector``.

    Set on the dialect instance, not the class: other engines are left alone.
    """
    if bind.dialect.name == "duckdb":
        bind.dialect.inspector = DuckDBInspector
