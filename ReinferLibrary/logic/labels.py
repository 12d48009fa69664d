"""Questions about one label of an item: is it there, how confident, which properties."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from ..errors import ReinferConfigurationError
from ..models import Item, ThresholdConfig
from ..models import label_name as _label_name
from .item_errors import ItemDataError
from .items import field, item_labels, item_uid
from .thresholds import ThresholdRule, threshold_rule


@lru_cache(maxsize=4096)
def _canonical_str(name: str) -> str:
    return _label_name(name)


def canonical_label(name: str | Sequence[str]) -> str:
    """``"A > B"`` form of a label name given in either form, with a clear error when empty."""
    try:
        if isinstance(name, str):
            return _canonical_str(name)
        return _label_name(name)
    except (ValueError, TypeError) as error:
        raise ReinferConfigurationError(f"Label name {name!r} is not valid: {error}") from None


def _label_fields(label: Any) -> tuple[str, float, Sequence[str]]:
    if isinstance(label, Mapping):
        name = label["name"]
        if not isinstance(name, str):
            name = _label_name(name)
        return name, float(label["probability"]), label.get("auto_thresholds") or ()
    return label.name, label.probability, label.auto_thresholds


def find_label(item: Any, label: str | Sequence[str]) -> tuple[float, Sequence[str]] | None:
    """(confidence, auto-thresholds) of ``label`` on the item, or ``None`` when absent."""
    wanted = canonical_label(label)
    for candidate in item_labels(item):
        name, probability, autos = _label_fields(candidate)
        if name == wanted:
            return probability, autos
    return None


def label_confidence(item: Any, label: str | Sequence[str]) -> float:
    """Confidence of ``label`` on the item; ``0.0`` when the item does not carry it."""
    found = find_label(item, label)
    return found[0] if found is not None else 0.0


def has_label(
    item: Any,
    label: str | Sequence[str],
    threshold: float | None = None,
    thresholds: Mapping[Any, Any] | ThresholdConfig | ThresholdRule | None = None,
    default: float | None = None,
    auto: str | None = None,
) -> bool:
    """True when the item carries ``label`` and it clears its threshold.

    ``threshold`` (one number) wins; else ``thresholds``/``default``/``auto`` decide as in
    ``labels_above_threshold``; with none of them, being present at all is enough.
    """
    found = find_label(item, label)
    if found is None:
        return False
    probability, autos = found
    if threshold is not None:
        return probability >= float(threshold)
    rule = threshold_rule(thresholds, default, auto)
    return rule.clears(canonical_label(label), probability, autos)


def present_labels_text(item: Any, limit: int = 10) -> str:
    """``"Order (0.91), Complaint (0.40)"``: the item's labels by confidence, for messages."""
    labels = sorted((_label_fields(label)[:2] for label in item_labels(item)), key=lambda pair: -pair[1])
    if not labels:
        return "none"
    text = ", ".join(f"{name} ({probability:.2f})" for name, probability in labels[:limit])
    if len(labels) > limit:
        text += f" and {len(labels) - limit} more"
    return text


def _property_key(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def label_property(item: Any, name: str, default: float | None = None) -> float:
    """Value (-10..10) of a label property such as ``tone`` or ``quality_of_service``.

    Matching ignores case and treats spaces and hyphens as underscores. When the item has
    no such property, ``default`` is returned if given; otherwise ``ItemDataError``.
    """
    wanted = _property_key(name)
    properties = item.label_properties if isinstance(item, Item) else field(item, "label_properties") or ()
    seen: list[str] = []
    for prop in properties:
        prop_name = str(field(prop, "property_name") or field(prop, "name") or "")
        if _property_key(prop_name) == wanted:
            return float(field(prop, "value"))
        seen.append(prop_name)
    if default is not None:
        return float(default)
    available = ", ".join(seen) if seen else "none"
    raise ItemDataError(
        "missing label property",
        f"comment {item_uid(item) or '(no uid)'} has no label property {name!r} "
        f"(it has: {available}); the dataset may not have Tone or Quality of Service enabled, "
        "or give default= to use a value instead.",
    )
