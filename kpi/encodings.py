"""Text encodings of uploaded exports: the ones we read, and a guess for a file's bytes.

Why: a Windows-1252 export given as UTF-8 fails to decode, and the user should be told
which encoding to try instead of being asked to know. The guess comes from
charset-normalizer, limited to the encodings we read; a guess it is unsure of is shown
as such so that a person chooses. Nothing is ever decoded with replacement characters:
bytes that do not decode are a problem naming their line.
"""

from __future__ import annotations

import codecs
import contextlib
from dataclasses import dataclass
from pathlib import Path

import charset_normalizer

from kpi.ingest.problems import FileRejected, Problem

ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1252", "latin-1")
NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 with BOM",
    "utf-16": "UTF-16 with BOM",
    "utf-16-le": "UTF-16 LE",
    "utf-16-be": "UTF-16 BE",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1 (ISO-8859-1)",
}
UTF8 = ("utf-8", "utf-8-sig")
SURE_AT = 0.9  # below this confidence the user is asked to choose
GUESS_BYTES = 256 * 1024
_OURS = {  # charset-normalizer's names -> ours
    "utf_8": "utf-8",
    "utf_16": "utf-16",
    "utf_16_le": "utf-16-le",
    "utf_16_be": "utf-16-be",
    "cp1252": "cp1252",
    "latin_1": "latin-1",
}
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


@dataclass(frozen=True)
class Guess:
    """The encoding the bytes most likely are, and how sure the guess is (0 to 1)."""

    encoding: str | None  # None: none of ours decodes the bytes into plausible text
    confidence: float

    @property
    def sure(self) -> bool:
        return self.encoding is not None and self.confidence >= SURE_AT

    def describe(self) -> str:
        if self.encoding is None:
            return "Encoding not recognised: choose it"
        level = "sure" if self.sure else "unsure, please check"
        return f"Detected {label(self.encoding)}, {self.confidence:.0%} confidence ({level})"


def label(encoding: str) -> str:
    return f"{NAMES.get(encoding, encoding)} ({encoding})"


def detect(head: bytes) -> Guess:
    """Guess the encoding of a file's first bytes (a cut multi-byte character is fine)."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return Guess(name, 1.0)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        pass
    else:  # valid UTF-8 (plain ASCII reads the same in every encoding we offer)
        if b"\x00" not in head:
            return Guess("utf-8", 1.0)
    candidates = [n for n in _OURS if n not in ("utf_8", "utf_16")]
    best = charset_normalizer.from_bytes(head, cp_isolation=candidates).best()
    if best is None or best.encoding not in _OURS:
        return Guess(None, 0.0)
    return Guess(_OURS[best.encoding], round(max(0.0, 1.0 - best.chaos), 2))


def detect_file(path: Path) -> Guess:
    with path.open("rb") as handle:
        return detect(handle.read(GUESS_BYTES))


def undecodable(path: Path, encoding: str, line: int, bad: bytes) -> Problem:
    """Bytes that the chosen encoding cannot read: where, and which encoding to try."""
    guess = detect_file(path)
    hint = "Choose the file's encoding, or re-export it as 'CSV UTF-8'."
    if guess.encoding and guess.encoding != encoding:
        hint = f"It looks like {label(guess.encoding)}: choose that encoding."
    message = f"cannot be read as {label(encoding)}; nothing was loaded. {hint}"
    return Problem(message, line=line, value=bad.hex(" "))


def to_utf8(path: Path, encoding: str, target: Path) -> Path:
    """Decode ``path`` strictly (streaming) and write it as UTF-8 to ``target``.

    A UTF-8 file is only checked and returned as it is. Undecodable bytes raise
    :class:`FileRejected` naming their line, never a replacement character.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    keep = encoding in UTF8
    line = 1
    with path.open("rb") as source, _open_target(target, keep) as out:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                at = line + _newlines(chunk[: exc.start], encoding)
                bad = chunk[exc.start : exc.start + 4]
                raise FileRejected([undecodable(path, encoding, at, bad)]) from None
            line += _newlines(chunk, encoding)
            if out is not None:
                out.write(text)
        tail = _final(decoder, path, encoding, line)
        if out is not None:
            out.write(tail)
    return path if keep else target


def _final(decoder: codecs.IncrementalDecoder, path: Path, encoding: str, line: int) -> str:
    try:
        return decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        raise FileRejected([undecodable(path, encoding, line, b"")]) from None


def _newlines(data: bytes, encoding: str) -> int:
    if encoding.startswith("utf-16"):
        return data.count(b"\n\x00") if not encoding.endswith("be") else data.count(b"\x00\n")
    return data.count(b"\n")


def _open_target(target: Path, keep: bool) -> contextlib.AbstractContextManager:
    return contextlib.nullcontext() if keep else target.open("w", encoding="utf-8", newline="")
