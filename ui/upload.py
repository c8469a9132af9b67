"""Upload page pieces: preview, profile choice, commit with progress, report, batch history."""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from kpi import store, summary
from kpi.auth import Action
from kpi.encodings import ENCODINGS
from kpi.encodings import label as encoding_label
from kpi.ingest import IngestResult, Outcome, UndoRefused, undo_batch, undo_preview
from kpi.ingest.imports import import_file
from kpi.ingest.load import PLAIN, Options
from kpi.profile_drafts import upload_path
from kpi.schema import Kind
from kpi.uploads import Plan, Preview, batch_label, blocked_result, preview, problems_frame
from ui import data, filters, profile_editor, session, widgets
from ui.frame import Context
from ui.safe import md

RESULTS = "upload_results"
UNDO_MESSAGE = "undo_message"
PICK_GENERATION = "_batch_pick_generation"
UNDO_ASKED = "_undo_asked"  # the batch whose undo waits for a yes


def preview_of(upload, sheet: str = "", encoding: str = "") -> Preview:
    """Preview once per uploaded file, sheet and encoding (hashing a large file every rerun
    is slow); a text file without ``encoding`` is read with the detected one."""
    cache = st.session_state.setdefault("_previews", {})
    key = (getattr(upload, "file_id", None) or upload.name, sheet, encoding)
    if key not in cache:
        cache[key] = preview(upload.getvalue(), upload.name, sheet, encoding=encoding)
    return cache[key]


def plan_file(ctx: Context, upload, index: int) -> Plan:
    """One file's expander: sheet, profile (suggested) or editor, and the preview."""
    first = preview_of(upload)
    tag = f"{index}_{first.sha256[:12]}"
    sheet_key = f"sheet_{tag}"
    if first.sheets and sheet_key not in st.session_state:  # a saved profile's sheet first
        st.session_state[sheet_key] = profile_editor.remembered_sheet(ctx, upload.getvalue())
        st.session_state[sheet_key] = st.session_state[sheet_key] or first.sheets[0]
    pv = preview_of(upload, st.session_state.get(sheet_key, "")) if first.sheets else first
    kind = pv.kind.value if pv.kind else "kind unknown"
    title = f"{md(pv.file_name)} · {kind} · {pv.size:,} bytes"
    with st.expander(title, expanded=True, icon=":material/description:"):
        if first.sheets:
            st.selectbox("Sheet", first.sheets, key=sheet_key, help="The sheet to load.")
        if pv.unreadable:  # no profile or mapping can read it: say why, load nothing
            for problem in pv.problems:
                st.error(md(problem))
            return Plan(blocked=list(pv.problems))
        data = upload.getvalue()
        tag = f"{tag}_{pv.sheet}" if pv.sheet else tag  # a new sheet is a new choice
        choice = profile_editor.choose(ctx, pv, data, tag)
        if choice == profile_editor.Choice.EDITOR:
            return profile_editor.editor(ctx, pv, data, tag)
        if choice.startswith(profile_editor.PROFILE_PREFIX):
            name = choice[len(profile_editor.PROFILE_PREFIX) :]
            return profile_editor.saved_profile(ctx, pv, data, tag, name)
        return canonical(upload, pv, index)


def canonical(upload, pv: Preview, index: int) -> Plan:
    """No profile: the encoding (text files; detected, changeable) and the preview."""
    if pv.is_workbook:
        return Plan(kind=show_preview(pv, index), sheet=pv.sheet)
    chosen = encoding_select(pv, f"enc_{index}_{pv.sha256[:12]}")
    if chosen is None:
        show_preview(pv, index)
        return Plan(blocked=["Choose the file's encoding first: the guess is not sure."])
    pv = preview_of(upload, encoding=chosen)
    return Plan(kind=show_preview(pv, index), encoding=chosen, blocked=_undecodable(pv))


def _undecodable(pv: Preview) -> list[str]:
    return [p for p in pv.problems if "cannot be read as" in p]


def encoding_select(pv: Preview, key: str) -> str | None:
    """The encoding, preselected with the detected one when the guess is sure (else asked)."""
    guess = pv.guess
    start = guess.encoding if guess and guess.sure else None
    chosen = st.selectbox(
        "Encoding",
        ENCODINGS,
        index=ENCODINGS.index(start) if start in ENCODINGS else None,
        format_func=encoding_label,
        key=key,
        placeholder="Choose the encoding",
        help="How the file's bytes are read as text. Detected from the file; change it if "
        "names show wrong characters.",
    )
    if guess is not None:
        (st.caption if guess.sure else st.warning)(guess.describe() + ".")
    return chosen


def show_preview(pv: Preview, index: int) -> Kind | None:
    """The detected kind (changeable), the dialect and the first rows of one file."""
    for problem in pv.problems:
        st.warning(md(problem))
    kinds = [k.value for k in Kind]
    chosen = st.selectbox(
        "Kind",
        kinds,
        index=kinds.index(pv.kind.value) if pv.kind else None,
        key=f"kind_{index}_{pv.sha256[:12]}",
        help="Detected from the header; change it only if the detection is wrong.",
    )
    where = f"sheet '{md(pv.sheet)}'" if pv.sheet else f"{pv.delimiter_name}-separated"
    st.caption(f"{where} · {len(pv.headers)} columns · SHA-256 {pv.sha256[:16]}…")
    if not pv.head.empty:
        st.dataframe(pv.head, hide_index=True, width="stretch")
    return Kind(chosen) if chosen else None


def commit(ctx: Context, files: list, plans: list[Plan], options: Options = PLAIN) -> None:
    """Load every file through the real loader; a second click is a no-op (same SHA-256).

    With ``options.dry_run`` every file is checked and what it would replace is shown;
    nothing is stored.
    """
    session.require(Action.UPLOAD)
    results: list[IngestResult] = []
    with st.status("Loading files…", expanded=True) as status:
        for upload, plan in zip(files, plans, strict=True):
            bar = st.progress(0.0, text=f"{md(upload.name)}: reading")
            result = _load(ctx, upload, plan, progress_reporter(bar, upload.name), options)
            bar.progress(1.0, text=md(result.summary()))
            results.append(result)
        if any(r.outcome is Outcome.LOADED for r in results):
            summary.ensure_current(ctx.engine, lambda text: status.update(label=text.capitalize()))
        bad = any(r.outcome is Outcome.REJECTED for r in results)
        done = "Checked; nothing was stored" if options.dry_run else "Loaded"
        status.update(
            label="Some files were rejected" if bad else done,
            state=("error" if bad else "complete"),
            expanded=False,
        )
    st.session_state[RESULTS] = results
    loaded = [r.batch_id for r in results if r.outcome is Outcome.LOADED and r.batch_id]
    if loaded:  # show the new batch in the history (set, so the browser shows it too)
        st.session_state[pick_key()] = max(loaded)
    if loaded:
        data.clear()
        filters.follow_new_data()


def progress_reporter(bar, name: str) -> Callable[[str, float], None]:
    """Move ``bar`` from any thread: the loader reports from a side thread that polls
    DuckDB, and Streamlit refuses elements from a thread without this run's context."""
    script_run = get_script_run_ctx()

    def report(stage: str, fraction: float) -> None:
        if get_script_run_ctx(suppress_warning=True) is None:
            add_script_run_ctx(threading.current_thread(), script_run)
        bar.progress(min(max(fraction, 0.0), 1.0), text=f"{md(name)}: {stage}")

    return report


def _load(ctx: Context, upload, plan: Plan, report, options: Options) -> IngestResult:
    """Through ``import_file`` from temp files we name (the uploaded name is a label)."""
    if plan.blocked:
        return blocked_result(upload.name, plan)
    raw = upload.getvalue()
    with tempfile.TemporaryDirectory(prefix="kpi-upload-") as tmp:
        path = upload_path(Path(tmp), raw)
        path.write_bytes(raw)
        lookup = None
        if plan.lookup is not None:
            lookup = Path(tmp) / "lookup.csv"
            lookup.write_bytes(plan.lookup)
        return import_file(
            ctx.engine, ctx.settings, path, kind=plan.kind, profile=plan.profile,
            sheet=plan.sheet, lookup=lookup, progress=report, file_name=upload.name,
            options=options, encoding=plan.encoding,
        )  # fmt: skip


def show_results() -> None:
    """What the last commit did, with a downloadable problem table per rejected file."""
    for i, result in enumerate(st.session_state.get(RESULTS, [])):
        if result.outcome is Outcome.LOADED:
            st.success(md(result.summary()), icon=":material/check_circle:")
        elif result.outcome is Outcome.CHECKED:
            st.info(md(result.summary()), icon=":material/fact_check:")
        elif result.outcome is Outcome.ALREADY_LOADED:
            st.info(md(result.summary()), icon=":material/content_copy:")
        else:
            st.error(md(result.summary()), icon=":material/error:")
            shown = len(result.problems)
            if shown < result.problem_count:
                st.caption(f"Showing the first {shown} of {result.problem_count} problems.")
            widgets.table(problems_frame(result), f"problems_{result.file_name}", key=f"pr_{i}")
        if result.replaced:
            verb = "Would replace" if result.outcome is Outcome.CHECKED else "Replaced"
            st.caption(f"{verb} these earlier rows (rows with other keys are kept):")
            st.text("\n".join(result.replaced))  # plain text: names are data, not markup
        for warning in result.warnings:
            st.warning(md(warning))


def history(ctx: Context) -> None:
    """Who loaded what and when; download the original file or undo a batch."""
    batches = data.get(data.Q.BATCHES)
    if batches.empty:
        st.info("No file has been loaded yet.", icon=":material/inbox:")
        return
    widgets.table(batches, "batches", key="batches", height=280)
    by_id = batches.set_index("batch_id", drop=False)
    pick = st.selectbox(
        "Batch",
        list(by_id.index),
        format_func=lambda i: batch_label(by_id.loc[i]),
        key=pick_key(),
    )
    row = by_id.loc[pick]
    c1, c2, _ = st.columns([2, 2, 4])
    original = store.archive_path(ctx.settings, row["sha256"])
    if original.exists():
        c1.download_button(
            "Original file",
            data=lambda: original.read_bytes(),
            file_name=str(row["file_name"]),
            icon=":material/download:",
            key="batch_download",
            on_click="ignore",
        )
    if row["status"] == store.BatchStatus.ACTIVE and c2.button(
        f"Undo batch {row['batch_id']}…", icon=":material/undo:", key="undo"
    ):
        st.session_state[UNDO_ASKED] = int(row["batch_id"])
    if st.session_state.get(UNDO_ASKED) == int(row["batch_id"]):
        _ask_undo(ctx, int(row["batch_id"]))
    message = st.session_state.pop(UNDO_MESSAGE, None)
    if message:
        (st.success if message[0] else st.error)(md(message[1]))


def _ask_undo(ctx: Context, batch_id: int) -> None:
    """What the undo removes and restores, and the buttons that confirm or cancel it."""
    preview = undo_preview(ctx.engine, batch_id)
    if preview.refused:
        st.session_state.pop(UNDO_ASKED, None)
        st.error(md(preview.refused))
        return
    with st.container(border=True):
        head, *items = preview.lines()
        st.markdown(f"**{md(head)}**\n\n" + "\n".join(f"- {md(i.strip())}" for i in items))
        yes, no, _ = st.columns([2, 2, 4])
        if yes.button(f"Yes, undo batch {batch_id}", type="primary", key="undo_confirm"):
            st.session_state.pop(UNDO_ASKED, None)
            _undo(ctx, batch_id)
        if no.button("Cancel", key="undo_cancel"):
            st.session_state.pop(UNDO_ASKED, None)
            st.rerun()


def pick_key() -> str:
    """The batch picker's key. It changes after an undo: the browser kept showing the
    old label ("active") of a still-selected option whose label had changed."""
    generation = st.session_state.get(PICK_GENERATION, 0)
    return "batch_pick" if generation == 0 else f"batch_pick_{generation}"


def _undo(ctx: Context, batch_id: int) -> None:
    session.require(Action.UNDO)
    try:
        outcome = undo_batch(ctx.engine, ctx.settings, batch_id)
    except UndoRefused as refused:
        st.session_state[UNDO_MESSAGE] = (False, str(refused))
    else:
        st.session_state[UNDO_MESSAGE] = (True, outcome)  # the rerun's frame rebuilds summaries
        st.session_state[PICK_GENERATION] = st.session_state.get(PICK_GENERATION, 0) + 1
        st.session_state[pick_key()] = batch_id
        data.clear()
        filters.follow_new_data()
    st.rerun()
