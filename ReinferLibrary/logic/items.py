"""Read fields of an item whether it is an :class:`Item` model or its JSON mapping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ReinferConfigurationError
from ..models import Item


def field(obj: Any, name: str, default: Any = None) -> Any:
    """``obj[name]`` for mappings, ``obj.name`` for models; ``default`` when missing."""
    if isinstance(obj, Mapping):
        return obj.get(name, default)
    return getattr(obj, name, default)


def check_item(item: Any) -> Any:
    """Fail with a sentence when something that is not an item was passed as one."""
    if isinstance(item, (Item, Mapping)):
        return item
    raise ReinferConfigurationError(
        f"Expected an item (one of ${{batch.results}}, a dictionary or an Item), got {type(item).__name__}."
    )


def item_labels(item: Any) -> Sequence[Any]:
    """The item's predicted labels (models or mappings), in the item's own order."""
    if isinstance(item, Item):
        return item.labels
    return check_item(item).get("labels") or ()


def item_entities(item: Any) -> Sequence[Any]:
    """The item's entities (models or mappings), in the item's own order."""
    if isinstance(item, Item):
        return item.entities
    return check_item(item).get("entities") or ()


def item_uid(item: Any) -> str:
    """The comment uid of an item, or ``""`` when it has none."""
    uid = field(check_item(item), "uid")
    if uid:
        return str(uid)
    comment = field(item, "comment")
    return str(field(comment, "uid") or "") if comment is not None else ""


def item_subject(item: Any) -> str:
    """The subject of the item's first message, or the start of its body."""
    comment = field(item, "comment")
    messages = field(comment, "messages") if comment is not None else None
    if not messages:
        return ""
    first = messages[0]
    subject = field(first, "subject")
    text = field(subject, "text") if subject is not None else None
    if text:
        return str(text)
    body = field(first, "body")
    return str(field(body, "text") or "") if body is not None else ""
