"""Pure functions behind the keywords: thresholds, label names, entity grouping, parsing.

Nothing here imports Robot Framework, so every rule can be tested (and benchmarked)
without running a robot. Functions take an item as a :class:`~ReinferLibrary.models.Item`
or as the mapping the keywords return (``model_dump(mode="json")`` made into a DotDict).
"""

from .entities import (
    entities_by_capture_group,
    entities_named,
    entity_texts,
    entity_value,
    ungrouped_results_entities,
)
from .labels import (
    find_label,
    has_label,
    label_confidence,
    label_property,
    present_labels_text,
)
from .names import canonical_name
from .thresholds import (
    Level,
    Selection,
    ThresholdRule,
    canonical_thresholds,
    labels_above_threshold,
    select_labels,
    threshold_rule,
)
from .thresholds_file import load_thresholds

__all__ = [
    "Level",
    "Selection",
    "ThresholdRule",
    "canonical_name",
    "canonical_thresholds",
    "entities_by_capture_group",
    "entities_named",
    "entity_texts",
    "entity_value",
    "find_label",
    "has_label",
    "label_confidence",
    "label_property",
    "labels_above_threshold",
    "load_thresholds",
    "present_labels_text",
    "select_labels",
    "threshold_rule",
    "ungrouped_results_entities",
]
