"""One typed settings object, so every entry point resolves the database the same way."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_DB_URL = "duckdb:///data/kpi.duckdb"


@dataclass(frozen=True)
class Settings:
    """Resolved configuration: ``--db`` beats ``KPI_DB_URL`` beats the bundled default."""

    db_url: str = DEFAULT_DB_URL
    default_plant: str = "Plant 1"
    near_band: float = 0.10
    user: str = "cli"
    timezone: str = ""  # KPI_TIMEZONE (IANA name); empty: the machine's zone (kpi.clock)

    @property
    def duckdb_path(self) -> Path | None:
        """File path of an embedded DuckDB database, or None for memory / other engines."""
        prefix = "duckdb:///"
        if not self.db_url.startswith(prefix):
            return None
        raw = self.db_url[len(prefix) :].split("?", 1)[0]
        if raw in ("", ":memory:"):
            return None
        return Path(raw)

    @property
    def archive_dir(self) -> Path:
        """Where the original bytes of accepted files are kept (content-addressed)."""
        override = os.environ.get("KPI_ARCHIVE_DIR")
        if override:
            return Path(override)
        db_path = self.duckdb_path
        if db_path is not None:
            return db_path.with_name(db_path.name + ".archive")
        return Path("data/archive")


def load_settings(db_url: str | None = None, user: str | None = None) -> Settings:
    """Build settings from an explicit URL, the environment, then defaults."""
    url = db_url or os.environ.get("KPI_DB_URL") or DEFAULT_DB_URL
    plant = os.environ.get("KPI_DEFAULT_PLANT", "Plant 1")
    band = float(os.environ.get("KPI_NEAR_BAND", "0.10"))
    who = user or os.environ.get("KPI_USER") or _login_name()
    zone = os.environ.get("KPI_TIMEZONE", "")
    return Settings(db_url=url, default_plant=plant, near_band=band, user=who, timezone=zone)


def _login_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
