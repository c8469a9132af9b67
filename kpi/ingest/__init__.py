"""Ingestion: read, validate and load QA's files into the store, atomically."""

from __future__ import annotations

from kpi.ingest.load import ingest_bytes, ingest_file
from kpi.ingest.problems import IngestResult, Outcome, Problem
from kpi.ingest.undo import UndoRefused, undo_batch

__all__ = [
    "IngestResult",
    "Outcome",
    "Problem",
    "UndoRefused",
    "ingest_bytes",
    "ingest_file",
    "undo_batch",
]
