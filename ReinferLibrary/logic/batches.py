"""A whole batch routed at once: thresholds and capture groups applied once per batch.

The per-item idiom calls `Labels Above Threshold` and `Get Entities By Capture Group` once
per comment; a robot that only routes can instead ask once per batch which items go where.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ..models import ThresholdConfig
from .entities import entities_by_capture_group
from .thresholds import ThresholdRule, select_labels, threshold_rule


@dataclass
class RoutedItem:
    """One item with the labels it cleared (highest confidence first) and its table rows."""

    item: Any
    labels: list[str]
    rows: list[dict[str, Any]]


@dataclass
class BatchRouting:
    """Items per label (in batch order), the items that cleared no label, every routed item."""

    by_label: dict[str, list[Any]] = field(default_factory=dict)
    unlabelled: list[Any] = field(default_factory=list)
    routed: list[RoutedItem] = field(default_factory=list)


def route_batch(
    items: Iterable[Any],
    thresholds: Mapping[Any, Any] | ThresholdConfig | ThresholdRule | None = None,
    default: float | None = None,
    auto: str | None = None,
    level: str = "all",
    rows: bool = True,
) -> BatchRouting:
    """Apply one threshold rule to every item of a batch and group the items by label.

    The rule is built once for the batch; each item's labels are chosen exactly as
    :func:`~ReinferLibrary.logic.thresholds.select_labels` chooses them. An item that clears
    several labels is in each of their groups; one that clears none is in ``unlabelled``.
    """
    rule = threshold_rule(thresholds, default, auto)
    routing = BatchRouting()
    for item in items:
        names = select_labels(item, rule, level=level).names
        routing.routed.append(RoutedItem(item, names, entities_by_capture_group(item) if rows else []))
        if not names:
            routing.unlabelled.append(item)
        for name in names:
            routing.by_label.setdefault(name, []).append(item)
    return routing
