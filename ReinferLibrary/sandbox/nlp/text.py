"""Walking the text parts of a comment and converting offsets to the API's UTF-16 byte units."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

# The order parts are reported in; the subject comes first because a reader sees it first.
CONTENT_PARTS = ("subject", "body", "signature")


def part_text(message: Mapping[str, Any], part: str) -> str:
    """The text of one part of a message: ``{"text": ...}`` as the API sends it, or a bare string."""
    value = message.get(part)
    if isinstance(value, Mapping):
        text = value.get("text")
        return text if isinstance(text, str) else ""
    return value if isinstance(value, str) else ""


def iter_parts(messages: Sequence[Mapping[str, Any]]) -> Iterator[tuple[int, str, str]]:
    """Yield ``(message_index, content_part, text)`` for every non-empty part, in reading order."""
    for index, message in enumerate(messages):
        if not isinstance(message, Mapping):
            continue
        for part in CONTENT_PARTS:
            text = part_text(message, part)
            if text:
                yield index, part, text


class Utf16Offsets:
    """Code-point offset -> UTF-16 byte offset for one string.

    The API counts ``utf16_byte_*`` in bytes of UTF-16 (two per code unit); characters outside
    the Basic Multilingual Plane take two code units. Most texts have none, so the common case
    is a multiplication and the astral positions are only collected when they exist.
    """

    __slots__ = ("_astral",)

    def __init__(self, text: str) -> None:
        self._astral = [i for i, ch in enumerate(text) if ord(ch) > 0xFFFF] if not text.isascii() else []

    def byte_offset(self, char_offset: int) -> int:
        extra = 0
        for position in self._astral:
            if position >= char_offset:
                break
            extra += 1
        return 2 * (char_offset + extra)
