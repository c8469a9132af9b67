"""One zip an auditor can take away (ISO 9001 §7.5.3, §9.1, §9.2, §9.3): the register, the
figures of a window with their lineage, the ledger and original files, the audit log,
targets, corrective actions, internal audits and saved reviews, and a manifest with the
SHA-256 of every file in it, which ``verify_bundle`` re-checks.

Why hashes: a bundle is evidence only if a change to it shows. Originals are stored under
their own SHA-256 (as in the archive), so the manifest also proves each is the file the
ledger names. An original over the size limit is listed with its hash, not copied.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from kpi import audit_chain, clock, evidence_parts, store
from kpi.settings import Settings

MANIFEST = "manifest.json"
DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024
AUDIT_ACTION = "evidence.export"
_CHUNK = 1 << 20


class EvidenceError(ValueError):
    """A bad window or an unreadable bundle; the message is for users."""


@dataclass
class Bundle:
    """Files to write: name -> bytes, or the path of an original to stream."""

    files: dict[str, bytes | Path] = field(default_factory=dict)

    def add_frame(self, name: str, frame: pd.DataFrame) -> None:
        from kpi.exports import neutralise  # text cells cannot run as spreadsheet formulas

        self.files[name] = neutralise(frame).to_csv(index=False).encode("utf-8")

    def add_json(self, name: str, body: object) -> None:
        text = json.dumps(body, indent=1, ensure_ascii=False, default=str, sort_keys=True)
        self.files[name] = text.encode("utf-8")


@dataclass(frozen=True)
class Written:
    path: Path
    files: int
    originals_copied: int
    originals_listed_only: int
    manifest_sha256: str  # also in the audit log: a bundle with a rewritten manifest shows


def _sha_of(source: bytes | Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in _chunks(source):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def _chunks(source: bytes | Path) -> Iterator[bytes]:
    if isinstance(source, bytes):
        yield source
        return
    with source.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            yield chunk


def build_bundle(
    engine: sa.Engine,
    settings: Settings,
    date_from: dt.date,
    date_to: dt.date,
    out: Path,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    as_of: dt.date | None = None,
) -> Written:
    """Write the evidence zip for ``date_from``..``date_to`` to ``out`` (audited)."""
    if date_from > date_to:
        raise EvidenceError(f"--from {date_from} is after --to {date_to}")
    as_of = as_of or clock.today(settings.timezone)
    bundle = Bundle()
    copied, listed = evidence_parts.add_all(
        bundle, engine, settings, date_from, date_to, as_of, max_file_bytes
    )
    with engine.connect() as conn:
        verdict = audit_chain.verify(conn)
    bundle.files["audit/chain.txt"] = _chain_text(verdict).encode("utf-8")
    header = {
        "created_at": store.now().isoformat(),
        "created_by": settings.user,
        "window": {"from": date_from.isoformat(), "to": date_to.isoformat()},
        "as_of": as_of.isoformat(),
        "max_original_bytes": max_file_bytes,
    }
    manifest_sha = _write_zip(out, bundle, header)
    detail = (f"{len(bundle.files)} files, {copied} originals copied, {listed} listed by "
              f"hash only; manifest sha256 {manifest_sha}")  # fmt: skip
    with engine.begin() as conn:  # the manifest's hash in the chained log: a bundle whose
        # manifest was rewritten to match changed files no longer matches this line
        store.record_audit(conn, settings.user, AUDIT_ACTION, f"{date_from}..{date_to}", detail)
    return Written(out, len(bundle.files) + 1, copied, listed, manifest_sha)


def _chain_text(verdict: audit_chain.Verdict) -> str:
    if verdict.intact:
        return f"audit log intact: {verdict.checked} chained entries checked\n"
    return f"audit log broken at entry {verdict.broken_at}: {verdict.reason}\n"


def _write_zip(out: Path, bundle: Bundle, header: dict) -> str:
    entries = {}
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(bundle.files):
            source = bundle.files[name]
            digest, size = _sha_of(source)
            entries[name] = {"sha256": digest, "size": size}
            with zf.open(name, "w", force_zip64=True) as target:
                for chunk in _chunks(source):
                    target.write(chunk)
        manifest = {**header, "algorithm": "sha256", "files": entries}
        text = json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8")
        zf.writestr(MANIFEST, text)
    partial.replace(out)
    return hashlib.sha256(text).hexdigest()


@dataclass(frozen=True)
class Verification:
    checked: int
    problems: list[str]
    manifest_sha256: str = ""  # compare with the export's line in the audit log

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_bundle(path: Path | io.BytesIO) -> Verification:
    """Re-hash every file against the manifest; name each missing, extra or changed file."""
    try:
        zf = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        raise EvidenceError(f"not a readable zip: {exc}") from None
    with zf:
        try:
            raw = zf.read(MANIFEST)
            listed: dict[str, dict] = json.loads(raw)["files"]
        except (KeyError, ValueError):
            raise EvidenceError(f"the bundle has no readable {MANIFEST}") from None
        present = {n for n in zf.namelist() if n != MANIFEST}
        problems = [
            f"{n}: in the bundle but not in the manifest" for n in sorted(present - set(listed))
        ]
        problems += [
            f"{n}: listed in the manifest but missing" for n in sorted(set(listed) - present)
        ]
        for name in sorted(present & set(listed)):
            digest, size = hashlib.sha256(), 0
            with zf.open(name) as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
            if digest.hexdigest() != listed[name]["sha256"] or size != listed[name]["size"]:
                problems.append(f"{name}: its SHA-256 does not match the manifest")
    return Verification(len(present & set(listed)), problems, hashlib.sha256(raw).hexdigest())
