"""Upload page: which import profile reads a file, and the mapping editor with its preview.

Each uploaded file gets a choice: a saved profile whose headers match (suggested and
preselected), no profile (canonical columns), or the mapping editor. The editor's
widgets are keyed by a *seed* version, so starting from a saved or imported profile
simply draws fresh widgets with that profile's values. The live preview runs the very
conversion the load runs (``kpi.profile_drafts``), on the file's first rows.
"""

from __future__ import annotations

import tempfile
from enum import StrEnum
from pathlib import Path

import streamlit as st

from kpi import profile_drafts as drafts
from kpi import profiles
from kpi.auth import Action
from kpi.ingest import excel
from kpi.profiles import Profile, ProfileError
from kpi.schema import KINDS, Kind
from kpi.uploads import Plan, Preview
from ui import profile_computed as computed_fields
from ui import profile_fields as fields
from ui import session
from ui.frame import Context
from ui.safe import md

PROFILE_PREFIX = "profile:"


class Choice(StrEnum):
    CANONICAL = "canonical"
    EDITOR = "editor"


CHOICE_LABELS = {
    Choice.CANONICAL: "No profile (canonical columns)",
    Choice.EDITOR: "New mapping (mapping editor)",
}


def _temp_upload(folder: Path, data: bytes, encoding: str = "utf-8") -> Path:
    is_workbook = data[:4] == excel.XLSX_MAGIC
    return drafts.head_copy(data, drafts.upload_path(folder, data), is_workbook, encoding)


@st.cache_data(show_spinner=False, max_entries=256)
def _source(data: bytes, profile_json: str, sheet: str) -> drafts.Source:
    profile = profiles.loads(profile_json, "json")
    with tempfile.TemporaryDirectory(prefix="kpi-ui-") as tmp:
        path = _temp_upload(Path(tmp), data, profile.encoding)
        return drafts.read_source_rows(path, profile, sheet)


@st.cache_data(show_spinner=False, max_entries=256)
def _computed_preview(data: bytes, profile_json: str, sheet: str, name: str):
    profile = profiles.loads(profile_json, "json")
    with tempfile.TemporaryDirectory(prefix="kpi-ui-") as tmp:
        path = _temp_upload(Path(tmp), data, profile.encoding)
        return drafts.preview_computed(path, profile, name, sheet)


@st.cache_data(show_spinner=False, max_entries=64)
def _remembered_sheet(data: bytes, saved_json: tuple[str, ...]) -> str:
    saved = [profiles.loads(text, "json") for text in saved_json]
    with tempfile.TemporaryDirectory(prefix="kpi-ui-") as tmp:
        return drafts.suggest_sheet(saved, _temp_upload(Path(tmp), data))


def remembered_sheet(ctx: Context, data: bytes) -> str:
    """The sheet of a workbook that a saved profile names and reads (or "")."""
    saved = [p for p in profiles.list_profiles(ctx.engine) if p.sheet]
    return _remembered_sheet(data, tuple(as_json(p) for p in saved)) if saved else ""


@st.cache_data(show_spinner=False, max_entries=256)
def _preview(data: bytes, profile_json: str, sheet: str, lookup: bytes | None):
    profile = profiles.loads(profile_json, "json")
    with tempfile.TemporaryDirectory(prefix="kpi-ui-") as tmp:
        path = _temp_upload(Path(tmp), data, profile.encoding)
        lookup_path = None
        if lookup is not None:
            lookup_path = Path(tmp) / "lookup.csv"
            lookup_path.write_bytes(lookup)
        return drafts.preview_draft(path, profile, sheet, lookup_path)


@st.cache_data(show_spinner=False, max_entries=256)
def _suggested(data: bytes, sheet: str, saved_json: tuple[str, ...]) -> list[str]:
    saved = [profiles.loads(text, "json") for text in saved_json]
    with tempfile.TemporaryDirectory(prefix="kpi-ui-") as tmp:
        return [p.name for p in drafts.suggest(saved, _temp_upload(Path(tmp), data), sheet)]


def as_json(profile: Profile) -> str:
    return profiles.dumps(profile, "json")


def choose(ctx: Context, pv: Preview, data: bytes, key: str) -> str:
    """The profile selector: suggested profiles first and preselected, then the others."""
    saved = profiles.list_profiles(ctx.engine)
    fits = _suggested(data, pv.sheet, tuple(as_json(p) for p in saved))
    options = [PROFILE_PREFIX + name for name in fits] + [Choice.CANONICAL, Choice.EDITOR]
    default = 0 if fits or pv.kind else len(options) - 1
    choice = st.selectbox(
        "Read this file with",
        options,
        index=default,
        key=f"prof_{key}",
        format_func=lambda o: CHOICE_LABELS.get(o) or f"Profile “{o[len(PROFILE_PREFIX) :]}”",
        help="Suggested: saved import profiles whose headers all appear in this file.",
    )
    if fits:
        st.caption(f"Suggested profile(s) whose headers match this file: {md(', '.join(fits))}.")
    return choice


def saved_profile(ctx: Context, pv: Preview, data: bytes, key: str, name: str) -> Plan:
    """A saved profile: what it does, the live preview, edit a copy, export."""
    try:
        profile = profiles.load(ctx.engine, name)
    except ProfileError as gone:  # deleted or replaced by someone else meanwhile
        st.error(md(gone))
        return Plan(blocked=[str(gone)])
    st.caption(md(describe(profile)))
    lookup = _lookup_file(key) if profile.lookup else None
    preview = _preview(data, as_json(profile), pv.sheet, lookup)
    show_preview(preview)
    c1, c2, c3, _ = st.columns([2, 1, 1, 3])
    c1.button(
        "Edit a copy in the mapping editor",
        key=f"edit_{key}",
        icon=":material/edit:",
        on_click=start_from,
        args=(key, profile),
    )
    _exports(profile, key, (c2, c3))
    return Plan(profile.kind, pv.sheet, profile, lookup, _blocked(profile, preview, lookup))


def describe(profile: Profile) -> str:
    spec = KINDS[Kind(profile.kind)]
    parts = [f"{spec.kind.value}", f"{len(profile.columns)} mapped column(s)"]
    parts += [f"{name}: {fmt}" for name, fmt in profile.date_formats.items()]
    parts += [f"{name} = {how.formula()}" for name, how in profile.computed.items()]
    parts.append(f"sheet '{profile.sheet}'" if profile.sheet else f"encoding {profile.encoding}")
    if profile.skip_lines:
        parts.append(f"header on line {profile.skip_lines + 1}")
    if profile.wide:
        per = "reading" if profile.kind == Kind.MEASUREMENTS else "reason"
        parts.append(f"wide layout (one column per {per})")
    if profile.lookup:
        parts.append(f"lookup on '{profile.lookup.key}'")
    return " · ".join(parts)


def _blocked(profile: Profile, preview: drafts.DraftPreview, lookup: bytes | None) -> list[str]:
    return drafts.blocked_reasons(profile, preview, lookup is not None)


def start_from(key: str, profile: Profile | None) -> None:
    """Callback: open the editor on ``key``'s file seeded with ``profile``."""
    version, _ = seed_of(key)
    st.session_state[f"seed_{key}"] = (version + 1, as_json(profile) if profile else None)
    st.session_state[f"prof_{key}"] = Choice.EDITOR
    if profile is not None:  # saving under the same name updates the profile (audited)
        st.session_state[f"name_{key}"] = profile.name


def seed_of(key: str) -> tuple[int, Profile | None]:
    version, body = st.session_state.get(f"seed_{key}", (0, None))
    return version, (profiles.loads(body, "json") if body else None)


def show_preview(preview: drafts.DraftPreview) -> None:
    st.markdown(f"**As it will be loaded** (first {drafts.PREVIEW_ROWS} rows)")
    for problem in preview.problems:
        st.error(md(problem), icon=":material/error:")
    for warning in preview.warnings:
        st.warning(md(warning))
    if preview.ok:
        st.dataframe(preview.rows, hide_index=True, width="stretch")


def _lookup_file(key: str) -> bytes | None:
    upload = st.file_uploader(
        "Lookup file (the companion file the profile joins)",
        type=["csv", "txt", "tsv"],
        key=f"lk_{key}",
    )
    return upload.getvalue() if upload else None


def _exports(profile: Profile, key: str, boxes: tuple) -> None:
    for box, fmt in zip(boxes, ("toml", "json"), strict=True):
        box.download_button(
            fmt.upper(),
            help=f"Export this profile as {fmt.upper()}",
            data=profiles.dumps(profile, fmt),
            file_name=f"{profile.name}.{fmt}",
            icon=":material/download:",
            key=f"exp_{fmt}_{key}",
            on_click="ignore",
        )


def editor(ctx: Context, pv: Preview, data: bytes, key: str) -> Plan:
    """The mapping editor: build a profile for this file, preview it, save or export it."""
    left, right = st.columns(2)
    _import_profile(key, right)  # first: an imported profile seeds the widgets below
    version, seed = seed_of(key)
    p = f"ed_{key}_{version}"
    with left:
        kind = fields.kind_select(p, seed, pv.kind)
    reading = fields.reading(p, seed, pv)
    if reading["encoding"] is None:
        st.info("Choose the file's encoding: the detection is not sure.")
        return Plan(blocked=["Choose the file's encoding in the mapping editor."])
    probe = Profile(name="draft", kind=kind or Kind.PRODUCTION, **reading)
    source = _source(data, as_json(probe), pv.sheet)
    fields.source_table(source)
    if kind is None or source.problems:
        st.info("Choose the kind of data this file holds to map its columns.")
        return Plan(blocked=["Choose the kind and map the columns in the mapping editor."])
    wide = None
    if kind is Kind.DOWNTIME:
        wide = fields.wide(p, seed, source.headers)
    elif kind is Kind.MEASUREMENTS:
        wide = fields.wide_readings(p, seed, source.headers)
    columns, constants, formats = fields.mapping(p, kind, seed, source, wide is not None)
    computed, boxes = computed_fields.computed(p, kind, seed, source.headers, wide is not None)
    numbers = fields.numbers(p, seed)
    lookup_spec = fields.lookup(p, seed, source.headers)
    lookup = _lookup_file(key) if lookup_spec else None
    name = st.session_state.get(f"name_{key}", "") or (seed.name if seed else "")
    try:
        draft = Profile(
            name=name.strip() or "draft", kind=kind, columns=columns, constants=constants,
            date_formats=formats, wide=wide, lookup=lookup_spec, computed=computed, **reading,
            **numbers,
        )  # fmt: skip
    except ProfileError as refused:
        st.error(md(refused), icon=":material/error:")
        return Plan(kind, pv.sheet, blocked=[str(refused)])
    for name, box in boxes.items():
        if name not in draft.computed:  # unfinished: its fields say what is missing
            continue
        with box:
            computed_fields.show_preview(_computed_preview(data, as_json(draft), pv.sheet, name))
    preview = _preview(data, as_json(draft), pv.sheet, lookup)
    show_preview(preview)
    _save(ctx, draft, key, preview, seed)
    return Plan(kind, pv.sheet, draft, lookup, _blocked(draft, preview, lookup))


def _save(
    ctx: Context, draft: Profile, key: str, preview: drafts.DraftPreview, seed: Profile | None
) -> None:
    """Name, save (audited; needs the upload right) and export the draft."""
    st.markdown("**Save this mapping** so next week's file is read with one click")
    c1, c2, c3, c4 = st.columns([3, 2, 1, 1], vertical_alignment="bottom")
    st.session_state.setdefault(f"name_{key}", seed.name if seed else "")
    name = c1.text_input("Profile name", key=f"name_{key}", placeholder="e.g. mes-shift-export")
    clicked = c2.button("Save as profile", key=f"save_{key}", icon=":material/save:")
    _exports(draft, key, (c3, c4))
    if not clicked:
        return
    session.require(Action.UPLOAD)
    if not name.strip():
        st.error("Give the profile a name first.")
    elif preview.formats_missing:
        st.error("Set the missing date format(s) first: a profile must never guess dates.")
    else:
        profiles.save(ctx.engine, draft, ctx.settings.user)
        st.success(
            f"Saved profile '{md(draft.name)}'. Files with these headers will be read with it.",
            icon=":material/check_circle:",
        )


def _import_profile(key: str, box) -> None:
    """A TOML or JSON profile file seeds the editor (once per uploaded file)."""
    upload = box.file_uploader(
        "Or start from a profile file (TOML or JSON)", type=["toml", "json"], key=f"imp_{key}"
    )
    if upload is None or st.session_state.get(f"imported_{key}") == upload.file_id:
        return
    fmt = "json" if upload.name.lower().endswith(".json") else "toml"
    try:
        profile = profiles.loads(upload.getvalue().decode("utf-8", errors="replace"), fmt)
    except ProfileError as refused:
        box.error(f"{upload.name}: {refused}")
        return
    st.session_state[f"imported_{key}"] = upload.file_id
    version, _ = seed_of(key)
    st.session_state[f"seed_{key}"] = (version + 1, as_json(profile))
    st.session_state[f"name_{key}"] = profile.name
    box.success(f"Loaded profile '{profile.name}' into the editor.")
