"""Cassettes: a recorded stream in one JSON-lines file, and the masking applied while recording.

A cassette is what ``reinfer-sandbox record`` (and the keyword ``Record Trigger Batches``)
writes and what ``reinfer-sandbox serve --replay`` serves. One JSON object per line:

1. a header, ``{"kind": "header", "format": "reinfer-cassette", "version": 1, ...}`` with the
   dataset (name, id, title, taxonomy, entity definitions), its sources, the stream (name,
   model version, label thresholds), the model version's tags and the recorded per-label
   validation (precision/recall curves and auto-thresholds), and how it was masked;
2. one ``{"kind": "item", "item": {...}}`` per comment, in stream order: the comment as
   served, and exactly the labels (with probabilities), entities and label properties the
   stream returned for it;
3. a trailer, ``{"kind": "end", "items": N}``. A file without it (or with another count) was
   cut short and is refused.

Writing goes to a temporary file in the same folder that is renamed over the target only
when the trailer is written, so an interrupted recording never leaves a half cassette.
Reading checks everything before anything is served and fails with one line
(:class:`CassetteError`) that names the file, the line and what to do.

Masking (on by default) replaces e-mail addresses and phone numbers everywhere in a
comment's text, addresses and string user properties, and the whole value of the user
properties the user names, *consistently*: the same address always becomes the same
placeholder, within a cassette. Entity values are masked the same way and their text spans
moved to where the text now has them, so a robot reads the same entities at the same places.

This module uses the standard library only: the recorder (outside the sandbox, on the
library's client) and the replaying sandbox both read and write the format through it.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

FORMAT = "reinfer-cassette"
VERSION = 1
DEFAULT_SINCE = "1970-01-01T00:00:00Z"
DEFAULT_MAX_COMMENTS = 1000

EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
# International numbers (+44 20 7946 0958), bracketed area codes ((555) 123-4567) and spaced
# national numbers (020 7946 0958, 07700 900123). Dates (2024-05-01) and order numbers
# (ACM-103512) do not match: a phone number needs a leading +, a bracket or a spaced 0.
PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[ .-]?(?:\(\d{1,5}\)[ .-]?)?\d{2,5}(?:[ .-]\d{2,5}){1,4}"
    r"|\(\d{2,5}\)[ .-]?\d{3,4}[ .-]?\d{3,4}"
    r"|0\d{2,4} \d{3,6}(?: \d{3,4})?)(?![\w])"
)
MIN_PHONE_DIGITS = 9


class CassetteError(ValueError):
    """A cassette that cannot be used; the message is one line that says what to do."""


# --- masking --------------------------------------------------------------------------------------


@dataclass
class MaskSettings:
    """What to mask: ``enabled`` switches everything off; ``properties`` are user property names
    (with or without their ``string:`` / ``number:`` prefix) whose whole value is replaced."""

    enabled: bool = True
    emails: bool = True
    phones: bool = True
    properties: Sequence[str] = ()

    def describe(self) -> dict[str, Any]:
        return {
            "enabled": self.enabled,
            "emails": self.enabled and self.emails,
            "phones": self.enabled and self.phones,
            "properties": sorted(self.properties) if self.enabled else [],
        }


@dataclass
class _Edit:
    start: int
    end: int
    new_start: int
    new_end: int


def _utf16_units(text: str) -> list[int]:
    """``offsets[i]`` = UTF-16 code units before character ``i`` (one entry more than the text)."""
    offsets = [0]
    for char in text:
        offsets.append(offsets[-1] + (2 if ord(char) > 0xFFFF else 1))
    return offsets


class Masker:
    """Replaces personal data consistently (same value -> same placeholder) across a cassette."""

    def __init__(self, settings: MaskSettings) -> None:
        self.settings = settings
        self._names = {_bare(name) for name in settings.properties}
        self._seen: dict[tuple[str, str], str] = {}
        self.replaced = 0

    def _placeholder(self, kind: str, value: str) -> str:
        key = (kind, value.lower() if kind == "email" else value)
        found = self._seen.get(key)
        if found is None:
            number = 1 + sum(1 for seen_kind, _ in self._seen if seen_kind == kind)
            if kind == "email":
                found = f"person{number}@masked.invalid"
            elif kind == "phone":
                found = f"+00 0000 {number:06d}"
            else:
                found = f"masked-{kind}-{number}"
            self._seen[key] = found
        self.replaced += 1
        return found

    def _patterns(self) -> list[tuple[str, re.Pattern[str]]]:
        found = []
        if self.settings.enabled and self.settings.emails:
            found.append(("email", EMAIL))
        if self.settings.enabled and self.settings.phones:
            found.append(("phone", PHONE))
        return found

    def text(self, text: str) -> tuple[str, list[_Edit]]:
        """The masked text and where it changed (character offsets, old and new)."""
        hits: list[tuple[int, int, str]] = []
        for kind, pattern in self._patterns():
            for match in pattern.finditer(text):
                if kind == "phone" and sum(ch.isdigit() for ch in match.group()) < MIN_PHONE_DIGITS:
                    continue
                if any(match.start() < end and start < match.end() for start, end, _ in hits):
                    continue
                hits.append((match.start(), match.end(), self._placeholder(kind, match.group())))
        if not hits:
            return text, []
        hits.sort()
        pieces: list[str] = []
        edits: list[_Edit] = []
        last = 0
        length = 0
        for start, end, replacement in hits:
            pieces.append(text[last:start])
            length += start - last
            pieces.append(replacement)
            edits.append(_Edit(start, end, length, length + len(replacement)))
            length += len(replacement)
            last = end
        pieces.append(text[last:])
        return "".join(pieces), edits

    def value(self, text: str) -> str:
        return self.text(text)[0]

    def property_value(self, key: str, value: Any) -> Any:
        if not self.settings.enabled:
            return value
        if _bare(key) in self._names:
            return self._placeholder(_bare(key).replace(" ", "_").lower(), str(value))
        return self.value(value) if isinstance(value, str) else value

    def item(self, item: Mapping[str, Any]) -> dict[str, Any]:
        """A masked copy of a recorded item: its comment, entity values and entity spans."""
        result = json.loads(json.dumps(item))
        if not self.settings.enabled:
            return result
        comment = result.get("comment") or {}
        moves: dict[tuple[int, str], Callable[[int], int]] = {}
        for index, message in enumerate(comment.get("messages") or []):
            moves.update(self._message(index, message))
        properties = comment.get("user_properties")
        if isinstance(properties, dict):
            comment["user_properties"] = {
                key: self.property_value(key, value) for key, value in properties.items()
            }
        for entity in result.get("entities") or []:
            self._entity(entity, moves)
        return result

    def _message(self, index: int, message: dict[str, Any]) -> dict[tuple[int, str], Callable[[int], int]]:
        """Mask one message in place; return how offsets move in each part whose text changed."""
        moves: dict[tuple[int, str], Callable[[int], int]] = {}
        for part in ("subject", "body", "signature"):
            content = message.get(part)
            if isinstance(content, dict) and isinstance(content.get("text"), str):
                old = content["text"]
                new, edits = self.text(old)
                if edits:
                    content["text"] = new
                    # Markup would still show the old text: drop it, the plain text stays.
                    content.pop("text_markup", None)
                    moves[(index, part)] = _mover(old, new, edits)
        for header in ("from", "to", "cc", "bcc"):
            value = message.get(header)
            if isinstance(value, str):
                message[header] = self.value(value)
            elif isinstance(value, list):
                message[header] = [self.value(v) if isinstance(v, str) else v for v in value]
        return moves

    def _entity(self, entity: dict[str, Any], moves: Mapping[tuple[int, str], Callable[[int], int]]) -> None:
        """Mask an entity's values in place and move its spans with the masked text."""
        for key in ("formatted_value", "value"):
            if isinstance(entity.get(key), str):
                entity[key] = self.value(entity[key])
        for span in entity.get("spans") or []:
            move = moves.get((int(span.get("message_index") or 0), str(span.get("content_part"))))
            if move is None:
                continue
            for key in ("utf16_byte_start", "utf16_byte_end"):
                if isinstance(span.get(key), int):
                    span[key] = 2 * move(span[key] // 2)
            for key in ("char_start", "char_end"):
                span.pop(key, None)


def _bare(name: str) -> str:
    """``string:Customer Name`` and ``Customer Name`` name the same user property."""
    prefix, colon, rest = name.partition(":")
    return (rest if colon and prefix in ("string", "number") else name).strip().lower()


def _mover(old: str, new: str, edits: list[_Edit]) -> Callable[[int], int]:
    """Maps a UTF-16 offset in ``old`` to the same place in ``new``.

    Offsets inside a replaced piece go to its edge in the new text, so an entity that was an
    e-mail address covers its placeholder."""
    old_units = _utf16_units(old)
    new_units = _utf16_units(new)
    char_at = {unit: index for index, unit in enumerate(old_units)}

    def move(unit: int) -> int:
        index = char_at.get(unit)
        if index is None:  # not on a character boundary: leave it
            return unit
        delta = 0
        for edit in edits:
            if index <= edit.start:
                break
            if index < edit.end:
                return new_units[edit.new_end]
            delta = edit.new_end - edit.end
        return new_units[min(index + delta, len(new_units) - 1)]

    return move


# --- writing ----------------------------------------------------------------------------------


class AtomicTextFile:
    """A text file written under a temporary name beside ``path``; :meth:`commit` renames it into place.

    Use as a context manager: leaving the block without :meth:`commit` (an error, Ctrl-C)
    deletes the temporary file and leaves an existing file of that name untouched.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._committed = False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        self._temp = Path(name)
        self.file: IO[str] = os.fdopen(handle, "w", encoding="utf-8", newline="\n")

    def commit(self) -> Path:
        self.file.flush()
        os.fsync(self.file.fileno())
        self.file.close()
        self._temp.replace(self.path)
        self._committed = True
        return self.path

    def abort(self) -> None:
        if not self._committed:
            self.file.close()
            self._temp.unlink(missing_ok=True)

    def __enter__(self) -> AtomicTextFile:
        return self

    def __exit__(self, *_: object) -> None:
        self.abort()


class CassetteWriter(AtomicTextFile):
    """Writes a cassette: the header now, items as they come, the end line on :meth:`commit`."""

    def __init__(self, path: Path, header: Mapping[str, Any]) -> None:
        super().__init__(path)
        self.count = 0
        self._line({"kind": "header", "format": FORMAT, "version": VERSION, **header})

    def _line(self, obj: Mapping[str, Any]) -> None:
        self.file.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")

    def add(self, item: Mapping[str, Any]) -> None:
        self._line({"kind": "item", "item": item})
        self.count += 1

    def commit(self) -> Path:
        self._line({"kind": "end", "items": self.count})
        return super().commit()

    def __enter__(self) -> CassetteWriter:
        return self


# --- reading ----------------------------------------------------------------------------------


@dataclass
class Cassette:
    """A checked cassette: its header and its items in stream order."""

    path: Path
    header: dict[str, Any]
    items: list[dict[str, Any]] = field(default_factory=list)

    @property
    def dataset(self) -> dict[str, Any]:
        return dict(self.header["dataset"])

    @property
    def stream(self) -> dict[str, Any]:
        return dict(self.header["stream"])

    @property
    def model(self) -> dict[str, Any]:
        return dict(self.header.get("model") or {})


def _lines(path: Path) -> Iterator[tuple[int, str]]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if line.strip():
                yield number, line


def _fail(path: Path, where: str, problem: str) -> CassetteError:
    return CassetteError(f"Cassette '{path}'{where}: {problem}")


HEADER_KEYS = ("dataset", "stream", "sources")


def read_cassette(path: Path | str) -> Cassette:
    """Read and check a whole cassette; :class:`CassetteError` (one line) if it cannot be used."""
    path = Path(path)
    if not path.is_file():
        raise CassetteError(f"Cassette '{path}' does not exist; record one with 'reinfer-sandbox record'.")
    parsed = _parsed_lines(path)
    header = parsed[0][1]
    _check_header(path, header)
    cassette = Cassette(path, header)
    end: int | None = None
    for number, obj in parsed[1:]:
        if end is not None:
            raise _fail(path, f" line {number}", "there is more after the end line; record it again")
        end = _read_line(path, number, obj, cassette)
    if end is None:
        raise _fail(
            path,
            "",
            f"truncated: no end line after {len(cassette.items)} comment(s), so the recording was"
            " interrupted or the file cut; record it again",
        )
    return cassette


def _parsed_lines(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line number, JSON object) of every line; a cut or foreign file fails in one line."""
    try:
        lines = list(_lines(path))
    except UnicodeDecodeError:
        raise _fail(
            path, "", "not a text file, so not a cassette; record one with 'reinfer-sandbox record'"
        ) from None
    if not lines:
        raise _fail(path, "", "the file is empty; record it again")
    parsed: list[tuple[int, dict[str, Any]]] = []
    for number, line in lines:
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as error:
            # A writer ends every line with a newline: a last line without one was cut.
            cut = number == lines[-1][0] and not line.endswith("\n")
            problem = (
                "the last line is cut off, so the recording was interrupted or the file cut; record it again"
                if cut
                else f"not JSON ({error.msg}), so not a cassette; record one with 'reinfer-sandbox record'"
            )
            raise _fail(path, f" line {number}", problem) from None
        if not isinstance(obj, dict):
            raise _fail(path, f" line {number}", "not a JSON object, so not a cassette")
        parsed.append((number, obj))
    return parsed


def _check_header(path: Path, header: dict[str, Any]) -> None:
    if header.get("format") != FORMAT or header.get("kind") != "header":
        raise _fail(
            path,
            " line 1",
            f"not a {FORMAT} file (a JSON-lines file whose first line has format '{FORMAT}');"
            " for labelled comments to train on use 'reinfer-sandbox import'",
        )
    if header.get("version") != VERSION:
        raise _fail(
            path,
            " line 1",
            f"format version {header.get('version')!r}, but this ReinferLibrary reads version {VERSION};"
            " record it again with this version",
        )
    missing = [key for key in HEADER_KEYS if not header.get(key)]
    if missing:
        raise _fail(path, " line 1", f"the header has no '{missing[0]}'; record it again")


def _read_line(path: Path, number: int, obj: dict[str, Any], cassette: Cassette) -> int | None:
    """Add an item line to ``cassette``; for the end line, return the count it states (checked)."""
    kind = obj.get("kind")
    if kind == "item":
        item = obj.get("item")
        if not isinstance(item, dict):
            raise _fail(path, f" line {number}", "an item line without an item object")
        comment = item.get("comment")
        if not isinstance(comment, dict) or not comment.get("id") or not comment.get("source_id"):
            raise _fail(path, f" line {number}", "an item without a comment id and source id")
        cassette.items.append(item)
        return None
    if kind == "end":
        end = int(obj.get("items", -1))
        if end != len(cassette.items):
            raise _fail(
                path,
                f" line {number}",
                f"the end line counts {end} comments but the file has {len(cassette.items)};"
                " it was cut or edited, record it again",
            )
        return end
    raise _fail(path, f" line {number}", f"unknown line kind {kind!r}")


def label_text(name: str | Sequence[str]) -> str:
    """``["Order", "Missing"]`` or ``"Order > Missing"`` -> ``"Order > Missing"``."""
    return name if isinstance(name, str) else " > ".join(name)


def taxonomy_of(items: Iterable[Mapping[str, Any]]) -> list[str]:
    """Every label name the items carry, in first-seen order."""
    names: dict[str, None] = {}
    for item in items:
        for label in item.get("labels") or []:
            names.setdefault(label_text(label["name"]), None)
    return list(names)
