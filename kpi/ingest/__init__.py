"""Ingestion: read, validate and load QA's files into the store, atomically."""

from __future__ import annotations

from kpi.ingest.load import ingest_bytes, ingest_file
from kpi.ingest.problems import IngestResult, Outcome, Problem
from kpi.ingest.undo import UndoPreview, UndoRefused, undo_batch, undo_preview

__all__ = [
    "IngestResult",
    "Outcome",
    "Problem",
    "UndoPreview",
    "UndoRefused",
    "ingest_bytes",
    "ingest_file",
    "undo_batch",
    "undo_preview",
]
