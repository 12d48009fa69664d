"""Entities of an item: by name, first value, and grouped by capture id (table rows)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..errors import ItemDataError
from .items import field, item_entities, item_uid

CAPTURE_ID = "capture_id"
"""Key of the capture id in each group returned by :func:`entities_by_capture_group`."""

_PART_ORDER = {"subject": 0, "body": 1, "signature": 2}
_NO_SPAN = (1 << 30, 9, 1 << 30)


def _reader(obj: Any) -> Callable[..., Any]:
    """``get(obj, name, default=None)`` for an entity or a span: ``dict.get`` for a dictionary.

    :func:`~.items.field` reads a dictionary the same way (as stored: a robot's DotDict is not
    converted); calling ``dict.get`` itself saves a Python call per field on every comment.
    """
    return dict.get if isinstance(obj, dict) else field


def _span_key(entity: Any) -> tuple[int, int, int]:
    """Text position of an entity: message, then subject/body/signature, then offset."""
    get = _reader(entity)
    span = get(entity, "span")
    if span is None:
        spans = get(entity, "spans") or ()
        span = spans[0] if spans else None
    if span is None:
        return _NO_SPAN
    get = _reader(span)
    start = get(span, "char_start")
    if start is None:
        start = get(span, "utf16_byte_start")
    return (
        int(get(span, "message_index") or 0),
        _PART_ORDER.get(str(get(span, "content_part") or "body"), 3),
        int(start or 0),
    )


def _in_text_order(entities: Sequence[Any]) -> list[Any]:
    # A stable sort: entities without a span keep the API's order, after those with one.
    return sorted(entities, key=_span_key)


def entities_by_capture_group(item: Any) -> list[dict[str, Any]]:
    """One dictionary per capture id, ascending: ``{"capture_id": id, name: value, ...}``.

    Entities matched in one table row share a capture id. A name found more than once in
    one group maps to a list of its values in text order; an entity with several capture
    ids appears in each of those groups; entities with no capture id are in no group.
    """
    groups: dict[int, dict[str, Any]] = {}
    repeated: set[tuple[int, str]] = set()
    for entity in _in_text_order(item_entities(item)):
        get = _reader(entity)
        capture_ids = get(entity, "capture_ids")
        if not capture_ids:
            continue
        name = str(get(entity, "name"))
        value = get(entity, "formatted_value")
        for capture_id in dict.fromkeys(capture_ids):  # an id listed twice still counts once
            group = groups.get(capture_id)
            if group is None:
                group = groups[capture_id] = {CAPTURE_ID: capture_id}
            if name not in group:
                group[name] = value
            elif (capture_id, name) in repeated:
                group[name].append(value)
            else:
                group[name] = [group[name], value]
                repeated.add((capture_id, name))
    return [groups[capture_id] for capture_id in sorted(groups)]


def entities_named(item: Any, name: str | None = None) -> list[Any]:
    """The item's entities (all, or those called ``name``) in text order."""
    entities = item_entities(item)
    if name is not None:
        entities = [entity for entity in entities if field(entity, "name") == name]
    return _in_text_order(entities)


def entity_value(item: Any, name: str, default: str | None = None) -> str:
    """``formatted_value`` of the first ``name`` entity in text order.

    Without ``default``, a missing entity raises ``ItemDataError`` naming what was found.
    """
    found = entities_named(item, name)
    if found:
        return str(field(found[0], "formatted_value"))
    if default is not None:
        return default
    raise _missing(item, name)


def entity_texts(item: Any, name: str) -> list[str]:
    """The ``name`` entities as written in the comment (not normalised), in text order.

    Each entity's spans are cut from the message part they point at (``subject``, ``body``
    or ``signature`` of message ``message_index``) by code-point offsets; an entity found in
    several places (``spans``) gives its pieces joined by a space. A missing entity raises
    ``ItemDataError``; an entity whose text cannot be located (no comment on the item, no
    offsets) raises one saying why, never returns a guess.
    """
    found = entities_named(item, name)
    if not found:
        raise _missing(item, name)
    messages = field(field(item, "comment"), "messages") if field(item, "comment") is not None else None
    if not messages:
        raise ItemDataError(
            "no text",
            f"item {item_uid(item) or '(no uid)'} carries no comment text to read the {name!r} entity from; "
            "use Get Entity Value for its formatted value.",
        )
    return [_written(item, entity, messages) for entity in found]


def _written(item: Any, entity: Any, messages: Sequence[Any]) -> str:
    spans = list(field(entity, "spans") or ())
    if not spans and field(entity, "span") is not None:
        spans = [field(entity, "span")]
    pieces = []
    for span in spans:
        index = int(field(span, "message_index") or 0)
        part = str(field(span, "content_part") or "body")
        start, end = field(span, "char_start"), field(span, "char_end")
        content = field(messages[index], part) if 0 <= index < len(messages) else None
        text = field(content, "text") if content is not None else None
        if start is None or end is None or text is None or not 0 <= start <= end <= len(text):
            raise ItemDataError(
                "no text",
                f"the {field(entity, 'name')!r} entity of {item_uid(item) or '(no uid)'} points at "
                f"message {index} {part} [{start}:{end}], which the comment does not have.",
            )
        pieces.append(text[start:end])
    if not pieces:
        raise ItemDataError(
            "no text",
            f"the {field(entity, 'name')!r} entity of {item_uid(item) or '(no uid)'} has no span to read.",
        )
    return " ".join(pieces)


def _missing(item: Any, name: str) -> ItemDataError:
    names = sorted({str(field(entity, "name")) for entity in item_entities(item)})
    return ItemDataError(
        "missing entity",
        f"comment {item_uid(item) or '(no uid)'} has no {name!r} entity "
        f"(entities found: {', '.join(names) if names else 'none'}); "
        "tag a trigger exception or give default= to carry on.",
    )


def ungrouped_results_entities(item: Any) -> list[str]:
    """Names of the entities of a ``/results`` item that belong to no capture group.

    The ``/results`` route groups entities by label extraction only; general fields (table
    rows among them) come without a group there, while ``/fetch`` groups table rows. Empty
    for items of any other origin, which are grouped as the API sent them.
    """
    if field(item, "origin") != "results":
        return []
    return [str(field(entity, "name")) for entity in item_entities(item) if not field(entity, "capture_ids")]
