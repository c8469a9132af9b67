"""Import profiles: how to read one source system's export as one of our input kinds.

A profile is data (saved in the database, exported as TOML or JSON), never code. It
maps source headers to canonical columns, names the date format of each date column
(a day/month-ambiguous column without one is an error: dates are never guessed), the
number format, the encoding, extra header lines, blank markers, and for downtime an
optional *wide* layout (one column per reason) with a reason-code lookup, computed
columns (:mod:`kpi.computed`), and for a workbook the sheet to read.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import sqlalchemy as sa
import tomli_w

from kpi import computed, store
from kpi.computed import Computed, ComputedError
from kpi.encodings import ENCODINGS
from kpi.schema import KINDS, ColType, Kind
from kpi.tables import import_profiles


class ProfileError(ValueError):
    """A profile that cannot work; the message says which field and why."""


# canonical columns a wide layout fills from its unpivoted cells, by kind
WIDE_FILLED: dict[Kind, tuple[str, ...]] = {
    Kind.DOWNTIME: ("reason", "minutes"),
    Kind.MEASUREMENTS: ("value",),
}


@dataclass(frozen=True)
class WideLayout:
    """Downtime: one row per batch or shift, one column per reason, minutes in the cells.
    Measurements: one row per subgroup, one column per reading (x1 … x5)."""

    value_columns: tuple[str, ...] = ()  # source headers holding minutes; empty = all unmapped
    reason_names: dict[str, str] = field(default_factory=dict)  # header or code -> reason


@dataclass(frozen=True)
class Lookup:
    """Columns taken from a companion file joined on a key (e.g. batch -> date)."""

    key: str  # source header in the main file
    lookup_key: str  # header in the companion file
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> companion header
    date_formats: dict[str, str] = field(default_factory=dict)
    unmatched: str = "error"  # "error" rejects the file; "skip" drops the rows and warns


@dataclass(frozen=True)
class Profile:
    """Everything needed to read one export format as one input kind."""

    name: str
    kind: Kind
    columns: dict[str, str] = field(default_factory=dict)  # canonical -> source header
    constants: dict[str, str] = field(default_factory=dict)  # canonical -> fixed value
    date_formats: dict[str, str] = field(default_factory=dict)  # canonical -> strptime format
    decimal: str = "."
    thousands: str = ""
    encoding: str = "utf-8"
    delimiter: str = ""  # empty = sniffed
    skip_lines: int = 0  # lines before the header
    extra_header_lines: int = 0  # lines after the header that hold no data
    blank_values: tuple[str, ...] = ()
    wide: WideLayout | None = None
    lookup: Lookup | None = None
    sheet: str = ""  # for .xlsx: the sheet to read; empty = the first
    computed: dict[str, Computed] = field(default_factory=dict)  # canonical -> how

    def __post_init__(self) -> None:
        validate_profile(self)


def validate_profile(profile: Profile) -> None:
    """Refuse a profile that could never load correctly, naming the field."""
    spec = KINDS[Kind(profile.kind)]
    if not profile.name.strip():
        raise ProfileError("A profile needs a name.")
    unknown = set(profile.columns) | set(profile.constants) | set(profile.date_formats)
    unknown = (unknown | set(profile.computed)) - set(spec.names)
    if unknown:
        raise ProfileError(f"Not columns of {spec.kind.value}: {', '.join(sorted(unknown))}.")
    for name in profile.date_formats:
        if spec.column(name).type not in (ColType.DATE, ColType.TIMESTAMP):
            raise ProfileError(f"'{name}' is not a date column, so it takes no date format.")
    if profile.encoding not in ENCODINGS:
        raise ProfileError(f"Encoding must be one of: {', '.join(ENCODINGS)}.")
    if profile.decimal not in (".", ",") or profile.decimal == profile.thousands:
        raise ProfileError("The decimal separator must be '.' or ',' and differ from thousands.")
    if profile.wide is not None and spec.kind not in WIDE_FILLED:
        raise ProfileError("A wide layout is only for downtime and measurements files.")
    if profile.skip_lines < 0 or profile.extra_header_lines < 0:
        raise ProfileError("Line counts to skip cannot be negative.")
    _check_computed(profile)
    formats = [*profile.date_formats.values(), *(c.date_format for c in profile.computed.values())]
    bad = [f for f in formats if f and not _date_format_ok(f)]
    if bad:
        raise ProfileError(f"Not a date format: '{bad[0]}' (use codes like %d.%m.%Y).")


def _check_computed(profile: Profile) -> None:
    spec = KINDS[Kind(profile.kind)]
    twice = set(profile.computed) & (set(profile.columns) | set(profile.constants))
    if twice:
        raise ProfileError(f"Mapped or constant and also computed: {', '.join(sorted(twice))}.")
    try:
        for name, how in profile.computed.items():
            computed.check(name, spec.column(name).type, how)
    except ComputedError as refused:
        raise ProfileError(str(refused)) from None


@lru_cache(maxsize=256)
def _date_format_ok(date_format: str) -> bool:
    """DuckDB refuses an unknown % code for every row; find out once, here."""
    try:
        with duckdb.connect() as con:  # its own: the default connection is shared
            con.execute("SELECT try_strptime('', ?)", [date_format]).fetchall()
    except duckdb.Error:
        return False
    return True


def to_dict(profile: Profile) -> dict[str, Any]:
    data = asdict(profile)
    data["kind"] = Kind(profile.kind).value
    data["computed"] = {n: computed.to_data(c) for n, c in profile.computed.items()}
    return {key: value for key, value in data.items() if value not in (None, "", (), {})}


def from_dict(data: dict[str, Any]) -> Profile:
    """Build a profile from parsed TOML/JSON, with readable errors for bad fields."""
    data = dict(data)
    try:
        data["kind"] = Kind(data["kind"])
        if data.get("wide") is not None:
            wide = dict(data["wide"])
            wide["value_columns"] = tuple(wide.get("value_columns", ()))
            data["wide"] = WideLayout(**wide)
        if data.get("lookup") is not None:
            data["lookup"] = Lookup(**data["lookup"])
        data["blank_values"] = tuple(data.get("blank_values", ()))
        data["computed"] = {n: computed.from_data(c) for n, c in data.get("computed", {}).items()}
        return Profile(**data)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        if isinstance(exc, ProfileError | ComputedError):
            raise ProfileError(str(exc)) from None
        raise ProfileError(f"Not a valid profile: {exc}") from None


def version(profile: Profile) -> str:
    """A fingerprint of everything the profile says: a corrected profile is a new version.

    Why: a load's identity includes the profile that read it, so a file loaded through a
    wrong mapping can be loaded again once the mapping is fixed (same name, new version).
    """
    body = json.dumps(to_dict(profile), sort_keys=True)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def dumps(profile: Profile, fmt: str = "toml") -> str:
    data = to_dict(profile)
    return tomli_w.dumps(data) if fmt == "toml" else json.dumps(data, indent=2)


def loads(text: str, fmt: str = "toml") -> Profile:
    try:
        data = tomllib.loads(text) if fmt == "toml" else json.loads(text)
    except (tomllib.TOMLDecodeError, json.JSONDecodeError) as exc:
        raise ProfileError(f"Cannot parse the profile file: {exc}") from None
    return from_dict(data)


def read_file(path: Path) -> Profile:
    fmt = "json" if path.suffix.lower() == ".json" else "toml"
    return loads(path.read_text(encoding="utf-8"), fmt)


def save(engine: sa.Engine, profile: Profile, user: str) -> None:
    """Insert or replace a profile by name, audited."""
    body = json.dumps(to_dict(profile), sort_keys=True)
    with engine.begin() as conn:
        conn.execute(import_profiles.delete().where(import_profiles.c.name == profile.name))
        conn.execute(
            import_profiles.insert().values(
                name=profile.name,
                kind=Kind(profile.kind).value,
                body=body,
                updated_at=store.now(),
                updated_by=user,
            )
        )
        store.record_audit(conn, user, "profile saved", profile.name, body)


def load(engine: sa.Engine, name: str) -> Profile:
    with engine.connect() as conn:
        body = conn.execute(
            sa.select(import_profiles.c.body).where(import_profiles.c.name == name)
        ).scalar()
    if body is None:
        raise ProfileError(f"There is no import profile called '{name}'.")
    return from_dict(json.loads(body))


def list_profiles(engine: sa.Engine) -> list[Profile]:
    with engine.connect() as conn:
        bodies = conn.execute(sa.select(import_profiles.c.body).order_by("name")).scalars()
        return [from_dict(json.loads(body)) for body in bodies]


def matching(profiles: list[Profile], headers: list[str]) -> list[Profile]:
    """Profiles whose mapped source headers all appear in ``headers`` (best match first)."""
    present = {h.strip().lower() for h in headers}

    def needed(profile: Profile) -> set[str]:
        return {n.strip().lower() for n in source_headers(profile)}

    fits = [p for p in profiles if needed(p) and needed(p) <= present]
    return sorted(fits, key=lambda p: -len(needed(p)))


def source_headers(profile: Profile) -> set[str]:
    """Every source header the profile reads (mapped, computed from, or the lookup key)."""
    names = set(profile.columns.values())
    names |= {h for how in profile.computed.values() for h in how.columns}
    if profile.lookup is not None:
        names.add(profile.lookup.key)
    return names
