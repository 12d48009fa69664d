"""Read fields of an item whether it is an :class:`Item` model or its JSON mapping."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ReinferConfigurationError
from ..models import Item, label_name


def field(obj: Any, name: str, default: Any = None) -> Any:
    """``obj[name]`` for mappings, ``obj.name`` for models; ``default`` when missing.

    A dictionary is read as stored (``dict.get``): the keywords' dictionaries convert nested
    values to DotDicts when a *robot* reads them, and the logic needs no such conversion.
    """
    if isinstance(obj, dict):
        return dict.get(obj, name, default)
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
    return field(check_item(item), "labels") or ()


def label_fields(item: Any, index: int, label: Any) -> tuple[str, float, Sequence[str]]:
    """``(name "A > B", probability, auto-threshold names)`` of the item's label number ``index``.

    Takes a model or a mapping (names as text or as a list of levels). A hand-built item
    missing a field fails with one line naming the comment, the label and the field,
    instead of a bare ``KeyError``.
    """
    if not isinstance(label, Mapping):
        try:
            return label.name, label.probability, label.auto_thresholds
        except AttributeError:
            raise _malformed(
                item, index, f"is {_short(label)}, not a dictionary with name and probability"
            ) from None
    try:
        raw_name, raw_probability = label["name"], label["probability"]
    except KeyError as missing:
        raise _malformed(item, index, f"has no {missing.args[0]!r}") from None
    try:
        name = raw_name if isinstance(raw_name, str) else label_name(raw_name)
    except (TypeError, ValueError, AttributeError):
        raise _malformed(item, index, f"has the name {_short(raw_name)}, which is not a label name") from None
    try:
        probability = float(raw_probability)
    except (TypeError, ValueError):
        raise _malformed(
            item, index, f"has the probability {_short(raw_probability)}, not a number"
        ) from None
    return name, probability, label.get("auto_thresholds") or ()


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _malformed(item: Any, index: int, problem: str) -> ReinferConfigurationError:
    uid = field(item, "uid") if isinstance(item, (Item, Mapping)) else None
    return ReinferConfigurationError(
        f"Item {uid or '(no uid)'}: label {index + 1} {problem}; each label needs a name (text or a list "
        "of levels) and a probability (0..1). Pass items of Fetch Trigger Batch or a Predict keyword "
        "as they are."
    )


def item_entities(item: Any) -> Sequence[Any]:
    """The item's entities (models or mappings), in the item's own order."""
    if isinstance(item, Item):
        return item.entities
    return field(check_item(item), "entities") or ()


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
