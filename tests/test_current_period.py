"""Issue 13 §8: an honest "current period" (time zone, as-of date, partial, stale, no data).

Inputs and hand-computed answers: tests/golden/current/README.md.
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import run_cli
from golden.kpi_fixtures import GOLDEN, load_bytes, load_golden
from streamlit.testing.v1 import AppTest
from test_pages_apptest import APP

from kpi import clock, views
from kpi.catalogue import Grain
from kpi.metrics import make_query
from kpi.schema import Kind
from kpi.settings import load_settings


def test_a_kpi_whose_inputs_have_no_rows_shows_no_data(engine, settings, db_url):
    path = GOLDEN / "current" / "production.csv"
    load_bytes(engine, settings, Kind.PRODUCTION, path.read_bytes(), path.name)
    engine.dispose()
    out = run_cli("report", "--kpi", "scrap_rate,availability,oee,mtbf_minutes", "--format",
                  "json", "--db", db_url)  # fmt: skip
    assert out.returncode == 0, out.stderr
    got = {r["kpi"]: (r["value"], r["status"]) for r in json.loads(out.stdout)}
    assert got["scrap_rate"] == (0.02, "met")
    assert got["availability"] == (None, None)  # was 1.0, "met": no downtime file loaded
    assert got["oee"] == (None, None) and got["mtbf_minutes"] == (None, None)


def test_current_period_contains_the_as_of_date(engine, settings):
    load_golden(engine, settings, Kind.PRODUCTION, Kind.DOWNTIME)
    view = views.default_filters(engine, today=dt.date(2025, 3, 5))
    assert view.current == (dt.date(2025, 3, 3), dt.date(2025, 3, 5))  # was the newest data
    tiles = views.tiles(engine, view, ("scrap_rate", "availability"))
    assert [t.shown for t in tiles] == ["no data", "no data"]
    assert all(t.partial for t in tiles)
    notice = views.stale_notice(engine, view)
    assert notice == "newest production data 2025-01-02, 62 days old"
    past = views.Filters(
        dt.date(2024, 12, 1), dt.date(2024, 12, 31), Grain.MONTH, as_of=dt.date(2025, 3, 5)
    )
    assert views.stale_notice(engine, past) is None  # a past window holds its data
    done = views.tiles(engine, past, ("scrap_rate",))[0]
    assert not done.partial and done.shown != "no data"
    cut = views.tiles(engine, views.Filters(dt.date(2024, 12, 1), dt.date(2024, 12, 15),
                                            Grain.MONTH, as_of=dt.date(2025, 3, 5)))  # fmt: skip
    assert cut[0].partial  # the window ends before the month does


def test_overview_says_how_old_the_newest_data_is(demo_db, monkeypatch):
    monkeypatch.setenv("KPI_AS_OF", "2026-12-01")
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert [w.value for w in at.warning if "days old" in w.value] == [
        "Newest production data 2026-10-31, 31 days old."
    ]
    assert any("2026-11-30 to 2026-12-01 (partial" in c.value for c in at.caption)
    assert not any("meets it" in s.value for s in at.success)  # nothing to judge yet


def test_time_zone_and_as_of(monkeypatch):
    monkeypatch.delenv("KPI_AS_OF", raising=False)
    assert clock.today("Pacific/Kiritimati") > clock.today("Etc/GMT+12")  # 26 h apart
    with pytest.raises(ValueError, match="not a known time zone"):
        clock.today("Mars/Base")
    monkeypatch.setenv("KPI_TIMEZONE", "Asia/Tokyo")
    assert load_settings("duckdb:///:memory:").timezone == "Asia/Tokyo"
    assert make_query(["otd"]).as_of_date == clock.today("Asia/Tokyo")
    monkeypatch.setenv("KPI_AS_OF", "2026-10-31")
    assert make_query(["otd"]).as_of_date == dt.date(2026, 10, 31)
