"""Cached library calls: every query result lives in ``st.cache_data``, keyed by database
URL and data version.

Pages call ``ui.data.get(Q.TILES, filters)``; the allow-list below maps each name to a
plain library function that takes the engine first. ``clear()`` after any write
(upload, undo, target edit) makes every page show the new data at once.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

import streamlit as st

from kpi import (
    audits,
    consistency,
    drilldown,
    lineage,
    register_export,
    review,
    specs,
    store,
    targets,
    variables,
    views,
)
from kpi.review import records, snapshot
from ui.bootstrap import engine_for, settings


class Q(StrEnum):
    TILES = "tiles"
    STALE_NOTICE = "stale_notice"
    MISSES = "misses"
    KPI_FRAME = "kpi_frame"
    HEATMAP = "heatmap"
    DEFAULT_FILTERS = "default_filters"
    PLANTS_AND_LINES = "plants_and_lines"
    NEWEST_DATE = "newest_date"
    FRESHNESS = "freshness"
    DRILL_ROWS = "drill_rows"
    DELIVERY_LINES = "delivery_lines"
    DOWNTIME_PARETO = "downtime_pareto"
    DEFECT_PARETO = "defect_pareto"
    WATERFALL = "waterfall"
    BATCHES = "batches"
    TARGETS = "targets"
    TARGET_HISTORY = "target_history"
    SPECS = "specs"
    SPEC_HISTORY = "spec_history"
    ROW_COUNTS = "row_counts"
    DATA_QUALITY = "data_quality"
    MEASURED_CHART = "measured_chart"
    MEASURED_ITEMS = "measured_items"
    REVIEW_PACK = "review_pack"
    REGISTER = "register"
    SOURCES = "sources"
    AUDITS = "audits"
    FINDINGS = "findings"
    REVIEWS = "reviews"
    SAVED_REVIEW = "saved_review"


_FUNCS: dict[Q, Any] = {
    Q.TILES: views.tiles,
    Q.STALE_NOTICE: views.stale_notice,
    Q.MISSES: views.target_misses,
    Q.KPI_FRAME: views.kpi_frame,
    Q.HEATMAP: views.heatmap_frame,
    Q.DEFAULT_FILTERS: views.default_filters,
    Q.PLANTS_AND_LINES: views.plants_and_lines,
    Q.NEWEST_DATE: views.newest_date,
    Q.FRESHNESS: drilldown.freshness,
    Q.DRILL_ROWS: drilldown.drill_rows,
    Q.DELIVERY_LINES: drilldown.delivery_lines,
    Q.DOWNTIME_PARETO: drilldown.downtime_pareto,
    Q.DEFECT_PARETO: drilldown.defect_pareto,
    Q.WATERFALL: drilldown.oee_waterfall,
    Q.BATCHES: store.list_batches,
    Q.TARGETS: targets.list_targets,
    Q.TARGET_HISTORY: targets.target_history,
    Q.SPECS: specs.list_specs,
    Q.SPEC_HISTORY: specs.spec_history,
    Q.ROW_COUNTS: store.current_row_counts,
    Q.DATA_QUALITY: consistency.data_quality,
    Q.MEASURED_CHART: variables.measured_chart,
    Q.MEASURED_ITEMS: variables.measured_items,
    Q.REVIEW_PACK: review.prepare,
    Q.REGISTER: register_export.collect,
    Q.SOURCES: lineage.figure_batches,
    Q.AUDITS: audits.list_audits,
    Q.FINDINGS: audits.list_findings,
    Q.REVIEWS: records.list_reviews,
    Q.SAVED_REVIEW: snapshot.open_saved,
}


@st.cache_data(show_spinner=False, max_entries=1000)
def _call(name: Q, db_url: str, version: str, args: tuple, kwargs: tuple) -> Any:
    del version  # part of the cache key only
    return _FUNCS[Q(name)](engine_for(db_url), *args, **dict(kwargs))


def get(name: Q, *args: Any, **kwargs: Any) -> Any:
    """The cached result of library function ``name`` on the current database.

    Keyed on the database's data version too: a load, undo or target change made by
    another process (the CLI, cron, another replica) shows at this session's next rerun.
    """
    url = settings().db_url
    version = store.data_version(engine_for(url))
    return _call(name, url, version, args, tuple(sorted(kwargs.items())))


def clear() -> None:
    """Forget every cached query result (the engine stays)."""
    st.cache_data.clear()
