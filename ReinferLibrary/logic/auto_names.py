"""Auto-threshold names for items that came without them, from the model version's validation.

The ``/results`` route names, per label, the auto-thresholds its confidence clears
(``high_recall``, ``balanced``, ``high_precision``, plus ``stream`` and ``sampled_0`` ...
``sampled_5``). The classic ``fetch`` route sends only the confidence. The three named
thresholds are each label's ``optimal_thresholds`` in the validation of the model version
that scored the comment, so the names can be computed: a label clears a name when its
confidence is at or above that threshold, the rule the platform applies. ``stream`` is true
of every label ``fetch`` returns (the stream sends only labels at or above its own
thresholds), so it is recorded as ``stream_threshold_cleared``. The ``sampled_*`` values are
not published by the platform: they cannot be computed, and a robot that needs them must
read ``/results``.

Pure functions: the keywords read the validation (once per connection and model version)
and the stream's pinned version, and pass them in.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from ..models import AUTO_THRESHOLDS, Item
from ..models.validation import FullValidation
from .items import field, item_labels, label_fields

AutoTable = Mapping[str, tuple[tuple[str, float], ...]]
"""Label name (``"A > B"``) -> its ``(auto-threshold name, threshold)`` pairs, lowest first."""

AUTO_FROM = "auto_thresholds_from"
"""The item key set once its labels got names computed here: which validation they came from."""

STREAM_KEY = "stream"
"""The item key `Fetch Trigger Batch` sets to the stream it came from (its name, as the batch's)."""
DATASET_KEY = "dataset"
"""The item key `Fetch Trigger Batch` sets to the stream's dataset, ``owner/name``."""


def auto_table(validation: FullValidation) -> dict[str, tuple[tuple[str, float], ...]]:
    """Each label's auto-thresholds from a model version's validation (labels without any left out).

    A label the validation gives no ``optimal_thresholds`` (too few examples to judge) has
    no auto-thresholds: no name is ever computed for it, as ``/results`` gives it none.
    """
    table: dict[str, tuple[tuple[str, float], ...]] = {}
    for name, figures in validation.labels.items():
        optimal = figures.optimal_thresholds
        if optimal is None:
            continue
        pairs = tuple(
            (auto, float(value)) for auto in AUTO_THRESHOLDS if (value := getattr(optimal, auto)) is not None
        )
        if pairs:
            table[name] = pairs
    return table


def names_cleared(table: AutoTable, label: str, probability: float) -> list[str]:
    """The auto-threshold names ``probability`` clears for ``label`` (at or above, as the platform)."""
    return [auto for auto, threshold in table.get(label, ()) if probability >= threshold]


def needs_auto_names(item: Any) -> bool:
    """True for a ``fetch`` item whose labels carry no auto-threshold names and got none computed yet.

    Only mappings (what robots hold) are filled; an :class:`Item` is left to the check that
    refuses ``auto`` alone on it.
    """
    if isinstance(item, Item) or not isinstance(item, Mapping):
        return False
    if item.get("origin") != "fetch" or AUTO_FROM in item:
        return False
    return not any(label.get("auto_thresholds") for label in item.get("labels") or ())


def auto_may_decide(item: Any, rule: Any) -> bool:
    """True when ``rule``'s auto name may decide a label of the item: one it does not name that its
    default (if any) does not already keep. Only then are names worth a request."""
    named = rule.thresholds
    default = rule.default
    for index, label in enumerate(item_labels(item)):
        name, probability, _ = label_fields(item, index, label)
        if name not in named and (default is None or probability < default):
            return True
    return False


def note_origin(items: Sequence[MutableMapping[str, Any]], dataset: str, stream: str) -> None:
    """Note on each item of a batch the stream and dataset it came from, in place.

    What the label keywords need to find the model of an ``api=fetch`` item (and what
    `Advance Trigger` checks an item against); it survives a JSON hand-off. Every keyword
    that hands a robot a stream's items calls it.
    """
    for item in items:
        item[STREAM_KEY] = stream
        item[DATASET_KEY] = dataset


def item_stream(item: Mapping[str, Any]) -> tuple[str, str] | None:
    """``(dataset "owner/name", stream)`` an item says it came from, or ``None``."""
    dataset, stream = item.get(DATASET_KEY), item.get(STREAM_KEY)
    if isinstance(dataset, str) and isinstance(stream, str) and dataset and stream:
        return dataset, stream
    return None


def item_model_version(item: Mapping[str, Any]) -> int | None:
    """The model version the answer itself names (``model.version``), when it does."""
    version = field(field(item, "model") or {}, "version")
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def fill_auto_names(item: MutableMapping[str, Any], table: AutoTable, source: str) -> None:
    """Give each label of a ``fetch`` item the names ``/results`` would give it, in place.

    Each label gets ``auto_thresholds`` (the names its confidence clears) and
    ``stream_threshold_cleared`` (true: the stream sends only labels at or above its own
    threshold); the item gets ``auto_thresholds_from`` (``source``, e.g. ``validation of
    model version 3``), so it is not filled twice and a label clearing no name is not
    mistaken for an item without names.
    """
    labels: Sequence[Any] = item_labels(item)
    for index, label in enumerate(labels):
        name, probability, _ = label_fields(item, index, label)
        label["auto_thresholds"] = names_cleared(table, name, probability)
        label["stream_threshold_cleared"] = True
    item[AUTO_FROM] = source


def missing_labels_text(table: AutoTable, labels: Sequence[str]) -> str:
    """``; no auto-thresholds for A, B (too few validation examples): auto never keeps them`` or ``""``."""
    missing = [name for name in labels if name not in table]
    if not missing:
        return ""
    shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
    return f"; no auto-thresholds for {shown} (the validation has none for them): auto never keeps them"
