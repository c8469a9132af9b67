"""Where outbound settings come from: the environment first, then Streamlit's secrets file.

Credentials never live in the repository: ``KPI_SMTP_*`` variables, or an ``[smtp]``
table in ``.streamlit/secrets.toml`` (the file ``st.secrets`` reads, git-ignored). The
worker and the CLI are not Streamlit processes, so they read that file themselves.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DEFAULT_APP_URL = "http://localhost:8501"
SECRETS_FILE = Path(".streamlit") / "secrets.toml"
_ENV = {
    "host": "KPI_SMTP_HOST", "port": "KPI_SMTP_PORT", "starttls": "KPI_SMTP_STARTTLS",
    "user": "KPI_SMTP_USER", "password": "KPI_SMTP_PASSWORD", "sender": "KPI_SMTP_FROM",
    "ca_file": "KPI_SMTP_CA_FILE",
}  # fmt: skip


class ConfigError(ValueError):
    """A missing or bad outbound setting, with a message naming the variable."""


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    starttls: bool = True
    user: str = ""
    password: str = ""
    sender: str = "quality-kpis@localhost"
    ca_file: str = ""  # a private CA for an internal relay; empty = the system's CAs


@dataclass(frozen=True)
class Outbound:
    """Everything a sender needs; ``smtp`` is None when e-mail is not configured."""

    smtp: SmtpConfig | None
    app_url: str = DEFAULT_APP_URL

    def link(self, page: str, params: Mapping[str, str] | None = None) -> str:
        from urllib.parse import urlencode

        query = f"?{urlencode(dict(params))}" if params else ""
        return f"{self.app_url.rstrip('/')}/{page}{query}"


def read_secrets(path: Path | None = None) -> dict[str, Any]:
    """The secrets file as a dict (empty when absent); a broken file is a ConfigError."""
    path = path or Path(os.environ.get("KPI_SECRETS_FILE", SECRETS_FILE))
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None


def load_outbound(
    env: Mapping[str, str] | None = None, secrets: Mapping[str, Any] | None = None
) -> Outbound:
    """Settings from ``env`` (default: os.environ) over ``secrets`` (default: the file)."""
    env = os.environ if env is None else env
    secrets = read_secrets() if secrets is None else secrets
    table = dict(secrets.get("smtp", {}))
    values = {key: env.get(var, table.get(key)) for key, var in _ENV.items()}
    app_url = env.get("KPI_APP_URL") or secrets.get("kpi", {}).get("app_url") or DEFAULT_APP_URL
    if not values["host"]:
        return Outbound(None, app_url)
    return Outbound(_smtp(values), app_url)


def _smtp(values: dict[str, Any]) -> SmtpConfig:
    try:
        port = int(values["port"] or 587)
    except ValueError:
        raise ConfigError(f"KPI_SMTP_PORT: {values['port']!r} is not a port number") from None
    starttls = str(values["starttls"] if values["starttls"] is not None else "true").lower()
    if starttls not in {"true", "false", "1", "0", "yes", "no"}:
        raise ConfigError(f"KPI_SMTP_STARTTLS: {starttls!r} is not true or false")
    return SmtpConfig(
        host=str(values["host"]), port=port, starttls=starttls in {"true", "1", "yes"},
        user=str(values["user"] or ""), password=str(values["password"] or ""),
        sender=str(values["sender"] or SmtpConfig.sender), ca_file=str(values["ca_file"] or ""),
    )  # fmt: skip
