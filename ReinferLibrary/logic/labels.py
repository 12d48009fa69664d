"""Questions about one label of an item: is it there, how confident, which properties."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import ItemDataError
from ..models import Item, ThresholdConfig
from .items import field, item_labels, item_uid, label_fields
from .names import canonical_name
from .thresholds import ThresholdRule, check_auto_names, check_threshold, threshold_rule


def _find(item: Any, wanted: str) -> tuple[float, Sequence[str], bool] | None:
    """(confidence, auto-thresholds, whether any label of the item has auto names) or None."""
    found: tuple[float, Sequence[str]] | None = None
    any_auto_names = False
    for index, candidate in enumerate(item_labels(item)):
        name, probability, autos = label_fields(item, index, candidate)
        if autos:
            any_auto_names = True
        if found is None and name == wanted:
            found = (probability, autos)
    return None if found is None else (found[0], found[1], any_auto_names)


def find_label(item: Any, label: str | Sequence[str]) -> tuple[float, Sequence[str]] | None:
    """(confidence, auto-thresholds) of ``label`` on the item, or ``None`` when absent."""
    found = _find(item, canonical_name(label))
    return None if found is None else (found[0], found[1])


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

    ``threshold`` (one number, 0..1) wins; else ``thresholds``/``default``/``auto`` decide
    as in ``labels_above_threshold`` (and ``auto`` alone fails on items without
    auto-threshold names the same way); with none of them, being present at all is enough.
    """
    limit = None if threshold is None else check_threshold(threshold, "threshold")
    rule = None if limit is not None else threshold_rule(thresholds, default, auto)
    wanted = canonical_name(label)
    found = _find(item, wanted)
    if found is None:
        return False
    probability, autos, any_auto_names = found
    if limit is not None:
        return probability >= limit
    assert rule is not None  # for mypy: set whenever limit is None
    if rule.relies_on_auto and wanted not in rule.thresholds:
        check_auto_names(item, any_auto_names, rule)
    return rule.clears(wanted, probability, autos)


def present_labels_text(item: Any, limit: int = 10) -> str:
    """``"Order (0.91), Complaint (0.40)"``: the item's labels by confidence, for messages."""
    fields = (label_fields(item, index, label)[:2] for index, label in enumerate(item_labels(item)))
    labels = sorted(fields, key=lambda pair: -pair[1])
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
