"""The Targets page's table edits: diffed, validated together, saved in one transaction."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from kpi import target_edits
from kpi.targets import TargetError, list_targets, target_history


def test_editing_a_default_creates_a_stored_target(engine, settings):
    table = list_targets(engine)
    edited = table.copy()
    edited.loc[edited["kpi"] == "scrap_rate", "value"] = 0.015
    changes = target_edits.diff(table, edited)
    assert list(changes.upserts["kpi"]) == ["scrap_rate"] and changes.deletes == ()
    assert target_edits.save(engine, settings, changes) == 1
    stored = list_targets(engine).dropna(subset=["target_id"])
    assert list(stored["value"]) == [0.015]
    assert not target_history(engine).empty


def test_unchanged_table_has_no_changes(engine):
    table = list_targets(engine)
    assert target_edits.diff(table, table.copy()).empty


def test_one_bad_row_saves_nothing(engine, settings):
    table = list_targets(engine)
    new = pd.DataFrame(
        [
            {"kpi": "yield", "scope_dim": "line", "scope_value": "L1", "value": 0.9},
            {"kpi": "yield", "scope_dim": "line", "scope_value": "", "value": -1.0},
        ]
    )
    changes = target_edits.diff(table, pd.concat([table, new], ignore_index=True))
    assert len(changes.upserts) == 2
    with pytest.raises(TargetError):
        target_edits.save(engine, settings, changes)
    assert list_targets(engine)["target_id"].dropna().empty


def test_changed_window_replaces_and_removed_rows_delete(engine, settings):
    base = pd.DataFrame([{"kpi": "oee", "scope_dim": "line", "scope_value": "L2", "value": 0.8}])
    target_edits.save(engine, settings, target_edits.diff(list_targets(engine), base))
    table = list_targets(engine)
    edited = table.copy()
    stored = edited["target_id"].notna()
    edited.loc[stored, "valid_from"] = dt.date(2026, 1, 1)
    changes = target_edits.diff(table, edited)
    assert len(changes.upserts) == 1 and len(changes.deletes) == 1
    target_edits.save(engine, settings, changes)
    after = list_targets(engine).dropna(subset=["target_id"])
    assert list(after["valid_from"]) == [dt.date(2026, 1, 1)]
    changes = target_edits.diff(after, after.iloc[0:0])
    target_edits.save(engine, settings, changes)
    assert list_targets(engine)["target_id"].dropna().empty
