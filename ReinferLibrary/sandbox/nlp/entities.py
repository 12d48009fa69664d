"""Entity extraction for the sandbox: API-shaped entity dicts from a comment's messages.

Each finder (order numbers, tracking numbers, money, dates, countries) reports spans in one text
part; this module resolves overlaps, assigns table capture ids and builds the dicts the API
returns::

    {"id": "<16 hex>", "name": kind, "kind": kind, "formatted_value": ...,
     "span": {...}, "spans": [{...}], "probability": None, "capture_ids": [...]}

Spans carry ``content_part`` (subject/body/signature), ``message_index``, ``char_start`` and
``char_end`` (code points, end exclusive) and ``utf16_byte_start``/``utf16_byte_end``
(2 x UTF-16 code units before the offset). Ids are a hash of kind, value and position, so the
same comment always gives the same ids.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, tzinfo
from typing import Any

from ReinferLibrary.sandbox.nlp.countries import find_countries
from ReinferLibrary.sandbox.nlp.dates import comment_clock, find_dates
from ReinferLibrary.sandbox.nlp.money import find_money
from ReinferLibrary.sandbox.nlp.tables import data_rows
from ReinferLibrary.sandbox.nlp.text import Utf16Offsets, iter_parts

ENTITY_KINDS = ("order_number", "tracking_number", "monetary_quantity", "date", "country")

_ORDER_NUMBER = re.compile(r"(?<![\w-])ACM\s?[-–—#]?\s?(\d{6})(?!\w)", re.IGNORECASE)
# UPU S10 (Royal Mail and other posts): two letters, nine digits (often grouped), two letters.
_S10 = re.compile(r"(?<![\w-])[A-Z]{2}\s?\d{3}\s?\d{3}\s?\d{3}\s?[A-Z]{2}(?!\w)", re.IGNORECASE)
_UPS = re.compile(r"(?<![\w-])1Z[0-9A-Z]{16}(?!\w)", re.IGNORECASE)

# (start, end, formatted_value) for one kind in one text part.
Found = tuple[int, int, str]


def extract_entities(
    messages: Sequence[Mapping[str, Any]], timestamp: str | None, timezone: str | None = None
) -> list[dict[str, Any]]:
    """All entities of a comment, in reading order (message, then subject/body/signature, then offset).

    ``timestamp`` is the comment's send time (ISO 8601); relative dates ("tomorrow", "the 5th")
    are resolved against it. ``timezone`` (an IANA name) overrides the timestamp's own offset
    for reading times of day; see ``dates`` for the rules.
    """
    clock: tuple[datetime, tzinfo] | None = None
    entities: list[dict[str, Any]] = []
    next_capture = 1
    for message_index, part, text in iter_parts(messages):
        if clock is None:
            clock = comment_clock(timestamp, timezone)
        kept = _resolve_overlaps(_find_all(text, *clock))
        rows = data_rows(text)
        row_capture: dict[int, int] = {}
        offsets = Utf16Offsets(text)
        for kind, (start, end, value) in kept:
            capture_ids: list[int] = []
            row = _row_of(rows, start, end)
            if row is not None:
                if row not in row_capture:
                    row_capture[row] = next_capture
                    next_capture += 1
                capture_ids = [row_capture[row]]
            span = {
                "content_part": part,
                "message_index": message_index,
                "char_start": start,
                "char_end": end,
                "utf16_byte_start": offsets.byte_offset(start),
                "utf16_byte_end": offsets.byte_offset(end),
            }
            entities.append(
                {
                    "id": _entity_id(kind, value, message_index, part, start),
                    "name": kind,
                    "kind": kind,
                    "formatted_value": value,
                    "span": span,
                    "spans": [dict(span)],
                    "probability": None,
                    "capture_ids": capture_ids,
                }
            )
    return entities


def _find_all(text: str, base: datetime, zone: tzinfo) -> list[tuple[str, Found]]:
    found: list[tuple[str, Found]] = [("order_number", f) for f in _order_numbers(text)]
    found.extend(("tracking_number", f) for f in _tracking_numbers(text))
    found.extend(("monetary_quantity", (m.start, m.end, m.formatted_value)) for m in find_money(text))
    found.extend(("date", (m.start, m.end, m.formatted_value)) for m in find_dates(text, base, zone))
    found.extend(("country", (m.start, m.end, m.formatted_value)) for m in find_countries(text))
    return found


def _order_numbers(text: str) -> list[Found]:
    return [(m.start(), m.end(), f"ACM-{m.group(1)}") for m in _ORDER_NUMBER.finditer(text)]


def _tracking_numbers(text: str) -> list[Found]:
    found = [(m.start(), m.end(), re.sub(r"\s", "", m.group()).upper()) for m in _S10.finditer(text)]
    found.extend((m.start(), m.end(), m.group().upper()) for m in _UPS.finditer(text))
    return found


def _resolve_overlaps(candidates: list[tuple[str, Found]]) -> list[tuple[str, Found]]:
    """Keep one entity per stretch of text: earlier kinds in ENTITY_KINDS win, then longer spans.

    Order numbers and tracking numbers are the most specific patterns, so a date or amount
    found inside one is dropped rather than the other way round.
    """
    priority = {kind: rank for rank, kind in enumerate(ENTITY_KINDS)}
    ranked = sorted(candidates, key=lambda c: (priority[c[0]], -(c[1][1] - c[1][0]), c[1][0]))
    kept: list[tuple[str, Found]] = []
    for kind, found in ranked:
        if all(found[1] <= other[0] or found[0] >= other[1] for _, other in kept):
            kept.append((kind, found))
    return sorted(kept, key=lambda c: (c[1][0], c[1][1]))


def _row_of(rows: list[tuple[int, int]], start: int, end: int) -> int | None:
    for index, (row_start, row_end) in enumerate(rows):
        if row_start <= start and end <= row_end:
            return index
    return None


def _entity_id(kind: str, value: str, message_index: int, part: str, start: int) -> str:
    key = f"{kind}\x1f{value}\x1f{message_index}\x1f{part}\x1f{start}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
