"""One engine per process, demo data on first start, settings for the current user.

DuckDB allows one writer per process, so the engine lives in ``st.cache_resource`` and
every page and cached query shares it. ``KPI_NO_DEMO=1`` skips seeding the demo year
into an empty database (tests of the empty state, production installs).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import sqlalchemy as sa
import streamlit as st

from kpi import store, summary
from kpi.demo import seed_if_empty
from kpi.migrate import SchemaError
from kpi.settings import Settings, load_settings
from ui.safe import md

NO_DEMO_ENV = "KPI_NO_DEMO"
DEFAULT_USER = "qa"


def settings() -> Settings:
    """Settings from the environment; who-loaded is the login name (``qa`` if unknown)."""
    base = load_settings()
    user = base.user if base.user not in ("", "unknown") else DEFAULT_USER
    return load_settings(base.db_url, user=user)


@st.cache_resource(show_spinner="Opening the database…")
def engine_for(db_url: str) -> sa.Engine:
    """The process-wide engine for ``db_url``; seeds the demo year into an empty database."""
    conf = load_settings(db_url, user="demo")
    engine = store.create_engine(conf, sandbox=_sandbox_folders(conf))
    if os.environ.get(NO_DEMO_ENV, "") not in ("1", "true", "yes"):
        seed_if_empty(engine, conf)
    return engine


def _sandbox_folders(conf: Settings) -> list[Path] | None:
    """Uploads are written under the temp folder; the database, archive and spill files
    live beside the database file. DuckDB may touch nothing else from the app."""
    if conf.duckdb_path is None:
        return None
    folders = [Path(tempfile.gettempdir()), conf.duckdb_path.parent.resolve()]
    return [*folders, conf.archive_dir.resolve()]  # a load reads its private copy there


def engine() -> sa.Engine:
    """The engine; a database this version cannot use stops the page with the reason."""
    try:
        return engine_for(settings().db_url)
    except SchemaError as exc:
        st.error(f"The database cannot be opened: {md(exc)}", icon=":material/database:")
        st.stop()


_current_at: dict[str, str] = {}  # engine URL -> data version whose summaries were current


def keep_summaries_current(bind: sa.Engine) -> None:
    """Rebuild the KPI summaries that loads made outside this app left pending (a CLI
    bulk load, say), with visible progress; two small reads when nothing is pending.

    Until then every query reads the raw rows, so nothing shown is ever stale. Skipped
    while the data version is the one already found current (no turn on the file).
    """
    version = store.data_version(bind)
    if _current_at.get(str(bind.url)) == version:
        return
    with bind.connect() as conn:
        if not summary.stale_kinds(conn):
            _current_at[str(bind.url)] = version
            return
    with st.status("Updating KPI summaries after new loads…") as status:
        summary.ensure_current(bind, lambda text: status.update(label=text.capitalize() + "…"))
        status.update(label="KPI summaries are up to date", state="complete")
