"""Alembic revision scripts (``versions/``) and the DuckDB support Alembic lacks.

Run by kpi.migrate; see README.md here for adding a revision.
"""
