"""The parts of an evidence bundle (``kpi.evidence``), each read from its own library."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pandas as pd
import sqlalchemy as sa

from kpi import actions, audits, lineage, register, register_export, store, targets
from kpi.catalogue import CATALOGUE, Dim, Grain
from kpi.metrics import compute, connected, make_query
from kpi.settings import Settings
from kpi.tables import corrective_action_history
from kpi.views import format_value

if TYPE_CHECKING:
    from kpi.evidence import Bundle

README = """Evidence bundle: {window} (as of {as_of}), made {made} by {user}.

How to trace a figure to its files:
1. figures/figures.csv lists every figure of the window (total, per month, per line) as
   the dashboard shows it ("2.1 %"), with its exact value, numerator, denominator, target,
   status and the KPI's definition version.
2. Take the figure's figure_id; figures/lineage.csv lists the batches behind it: input
   kind, rows used, the original file's name and SHA-256, who loaded it and when.
3. originals/<sha256>/<file name> is that file (its SHA-256 is its folder's name, and the
   manifest); originals/index.csv says which originals were too large to include.
4. ledger/batches.csv is the whole load ledger; audit/audit_log.csv every change, with
   audit/chain.txt saying whether its hash chain is intact.
Definitions: register/. Objectives: targets/. Corrective actions: actions/. Internal
audits: audits/. Saved management reviews, with their frozen figures: reviews/.
Check the bundle: python -m kpi evidence verify THIS.zip (re-hashes every file against
manifest.json).
"""


def add_all(bundle: Bundle, engine: sa.Engine, settings: Settings, date_from: dt.date,
            date_to: dt.date, as_of: dt.date, max_bytes: int) -> tuple[int, int]:  # fmt: skip
    """Add every part; returns (originals copied, originals listed by hash only)."""
    store_now = store.now().isoformat(timespec="seconds")
    window = f"{date_from}..{date_to}"
    text = README.format(window=window, as_of=as_of, made=store_now, user=settings.user)
    bundle.files["README.txt"] = text.encode("utf-8")
    _register(bundle, engine)
    figures, lineage_rows = figures_with_lineage(engine, settings, date_from, date_to, as_of)
    bundle.add_frame("figures/figures.csv", figures)
    bundle.add_frame("figures/lineage.csv", lineage_rows)
    bundle.add_frame("ledger/batches.csv", store.list_batches(engine))
    copied, listed = _originals(bundle, settings, lineage_rows, max_bytes)
    bundle.add_frame("audit/audit_log.csv", store.list_audit(engine))
    bundle.add_frame("targets/targets.csv", targets.list_targets(engine))
    bundle.add_frame("targets/history.csv", targets.target_history(engine))
    bundle.add_frame("actions/corrective_actions.csv", actions.list_actions(engine))
    bundle.add_frame("actions/status_history.csv", _action_history(engine))
    _reviews(bundle, engine, settings)
    bundle.add_frame("audits/audits.csv", audits.list_audits(engine))
    bundle.add_frame("audits/findings.csv", audits.list_findings(engine))
    return copied, listed


def _register(bundle: Bundle, engine: sa.Engine) -> None:
    docs = register_export.collect(engine)
    bundle.add_frame("register/kpi-register.csv", docs.register)
    bundle.files["register/kpi-register.xlsx"] = register_export.to_xlsx(docs)
    bundle.add_frame("register/history.csv", docs.history)
    bundle.add_frame("register/reference-tests.csv", docs.tests)
    bundle.add_frame("register/validation-rules.csv", docs.rules)
    bundle.files["register/verification.txt"] = (docs.statement + "\n").encode("utf-8")


def figures_with_lineage(
    bind: sa.Engine, settings: Settings, date_from: dt.date, date_to: dt.date, as_of: dt.date
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every KPI over the window, per month, and per line; each figure with a figure_id,
    and the batches behind each figure (kpi.lineage) keyed by that id."""
    by_line = [k for k in CATALOGUE if Dim.LINE in CATALOGUE[k].dims]
    asks = [(list(CATALOGUE), Grain.TOTAL, ()), (list(CATALOGUE), Grain.MONTH, ()),
            (by_line, Grain.TOTAL, (Dim.LINE,))]  # fmt: skip
    figures, lineages = [], []
    for kpis, grain, by in asks:
        query = make_query(kpis, grain, by, date_from, date_to, {}, as_of)
        frame = compute(bind, query, near_band=settings.near_band).assign(grain=grain.value)
        frame = frame.reset_index(drop=True)
        start = sum(len(f) for f in figures) + 1
        frame.insert(0, "figure_id", [f"F{start + i}" for i in range(len(frame))])
        figures.append(frame)
        found = lineage.report_lineage(bind, frame, query)
        lineages.append(found.merge(frame[["figure_id", *_keys(frame)]], on=_keys(frame)))
    out = pd.concat(figures, ignore_index=True)
    out["definition_version"] = [register.definition_version(k) for k in out["kpi"]]
    out["shown"] = [format_value(v, CATALOGUE[k].unit)  # as the dashboard writes it: "2.1 %"
                    for v, k in zip(out["value"], out["kpi"], strict=True)]  # fmt: skip
    columns = ["figure_id", "grain", "period", "plant", "line", "kpi", "shown", "value",
               "numerator", "denominator", "target", "status", "definition_version"]  # fmt: skip
    out = out.reindex(columns=columns)
    lin = pd.concat(lineages, ignore_index=True)
    lin = lin[["figure_id", *[c for c in lineage.COLUMNS]]]
    return out, lin


def _keys(frame: pd.DataFrame) -> list[str]:
    return [c for c in ("period", "plant", "line", "kpi") if c in frame]


def _originals(bundle: Bundle, settings: Settings, lin: pd.DataFrame, max_bytes: int):
    rows, copied, listed = [], 0, 0
    files = lin.drop_duplicates("batch_id")[["batch_id", "file_name", "sha256", "size_bytes"]]
    for r in files.itertuples(index=False):
        path = store.archive_path(settings, r.sha256)
        where = f"originals/{r.sha256}/{_safe_name(r.file_name)}"
        if not path.exists():
            reason = "not in the archive on this server"
        elif path.stat().st_size > max_bytes:
            reason = f"larger than {max_bytes} bytes: listed by hash only"
        else:
            bundle.files[where], reason = path, ""
        copied += not reason
        listed += bool(reason)
        rows.append({"batch_id": r.batch_id, "file_name": r.file_name, "sha256": r.sha256,
                     "size_bytes": r.size_bytes, "in_bundle": "" if reason else where,
                     "why_not": reason})  # fmt: skip
    bundle.add_frame("originals/index.csv", pd.DataFrame(rows))
    return copied, listed


def _safe_name(name: str) -> str:
    """A file name that cannot climb out of its folder in the zip."""
    clean = str(name).replace("\\", "/").rsplit("/", 1)[-1].strip() or "original"
    return clean if clean not in (".", "..") else "original"


def _action_history(bind: sa.Engine) -> pd.DataFrame:
    table = corrective_action_history
    with connected(bind) as conn:
        rows = conn.execute(sa.select(table).order_by(table.c.change_id)).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in table.columns])


def _reviews(bundle: Bundle, bind: sa.Engine, settings: Settings) -> None:
    """Saved reviews; each with its frozen snapshot and the files exported when saved."""
    from kpi.review import list_reviews
    from kpi.review.snapshot import SnapshotError, load

    reviews = list_reviews(bind)
    for review in reviews:
        review["decisions"] = [d.to_dict() for d in review["decisions"]]
        folder = f"reviews/{review['review_id']}"
        try:
            body = load(bind, review["review_id"])
        except SnapshotError as exc:  # the bundle says so instead of hiding the review
            review["snapshot_problem"] = str(exc)
            continue
        if body is None:
            continue
        bundle.add_json(f"{folder}/snapshot.json", body)
        for entry in body["exports"].values():
            path = store.archive_path(settings, entry["sha256"])
            if path.exists():
                bundle.files[f"{folder}/{_safe_name(entry['file_name'])}"] = path
    bundle.add_json("reviews/reviews.json", reviews)
