"""Which predicted labels clear their thresholds.

The rule, in the order it is applied to each predicted label:

1. the label is named in the thresholds: it counts when its confidence is at or
   above that number (``>=``);
2. otherwise, when a ``default`` is set: it counts at or above the default;
3. otherwise, when ``auto`` is set (``high_recall``, ``balanced``, ``high_precision``):
   it counts when its ``auto_thresholds`` include that name;
4. otherwise it is dropped.

With no thresholds, no default and no auto at all, every label the item carries counts
(a stream already applied its own thresholds before sending the item).

``labels_above_threshold`` runs on every comment a robot handles and on taxonomies of
thousands of labels, so it makes a single pass over the labels and never re-normalises a
thresholds mapping it has seen before (see :func:`canonical_thresholds`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from ..errors import ReinferConfigurationError
from ..models import AUTO_THRESHOLDS, Item, ThresholdConfig, label_name
from ..models.names import SEPARATOR
from .items import item_labels

Level = Literal["all", "leaves", "parents"]
LEVELS: tuple[str, ...] = ("all", "leaves", "parents")

_CACHE_SIZE = 16


_DROP = 2.0
"""Compared against unnamed labels when nothing else decides them: above any confidence."""


@dataclass(frozen=True)
class ThresholdRule:
    """Canonical per-label thresholds plus the fallbacks for labels not named."""

    thresholds: Mapping[str, float]
    default: float | None = None
    auto: str | None = None
    miss: float | None = field(init=False, repr=False, compare=False)
    """The number unnamed labels are compared with; ``None`` when ``auto`` decides them."""

    def __post_init__(self) -> None:
        if self.default is not None:
            miss: float | None = self.default
        elif self.auto is not None:
            miss = None
        else:
            miss = 0.0 if not self.thresholds else _DROP
        object.__setattr__(self, "miss", miss)

    @property
    def keeps_everything(self) -> bool:
        """True when nothing was configured, so every label the item carries counts."""
        return not self.thresholds and self.default is None and self.auto is None

    def threshold_for(self, name: str) -> float | str | None:
        """The number (or auto-threshold name) that decides ``name``; ``None`` if dropped."""
        value = self.thresholds.get(name)
        if value is not None:
            return value
        if self.default is not None:
            return self.default
        if self.auto is not None:
            return self.auto
        return 0.0 if self.keeps_everything else None

    def clears(self, name: str, probability: float, auto_thresholds: Sequence[str] | None) -> bool:
        """True when a label of this confidence counts under this rule."""
        value = self.threshold_for(name)
        if value is None:
            return False
        if isinstance(value, str):
            return value in (auto_thresholds or ())
        return probability >= value


class _Cache:
    """Remembers the canonical form of the last few thresholds mappings, by identity.

    A robot passes the same dictionary (or loaded config) for every comment; normalising
    thousands of names each time would cost more than the filtering itself, and the cost
    must not grow with the size of the taxonomy. An entry is reused while the mapping is
    the same object with the same number of entries. The cache holds a reference to the
    mapping, so its id cannot be reused by another object while cached.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[int, Any, Any], tuple[object, int, ThresholdRule]] = {}

    def get(self, key: tuple[int, Any, Any], obj: object, size: int) -> ThresholdRule | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] is not obj or entry[1] != size:
            return None
        return entry[2]

    def put(self, key: tuple[int, Any, Any], obj: object, size: int, rule: ThresholdRule) -> None:
        if len(self._entries) >= _CACHE_SIZE:
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = (obj, size, rule)


_cache = _Cache()


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool):
        raise ReinferConfigurationError(f"Threshold for {where} must be a number from 0 to 1, got {value!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ReinferConfigurationError(
            f"Threshold for {where} must be a number from 0 to 1, got {value!r}."
        ) from None
    if not 0.0 <= number <= 1.0:
        raise ReinferConfigurationError(f"Threshold for {where} is {number:g}, outside 0..1.")
    return number


def _pairs(thresholds: Mapping[Any, Any] | Sequence[Any]) -> Iterable[tuple[Any, Any]]:
    """(name, threshold) pairs from a mapping, or from a list of ``{name, threshold}`` entries.

    The list is the API's own ``label_thresholds`` shape (``${trigger.model.label_thresholds}``
    from `Get Trigger`), whose names are lists and so cannot be dictionary keys in a robot.
    """
    if isinstance(thresholds, Mapping):
        return thresholds.items()
    pairs = []
    for entry in thresholds:
        if not isinstance(entry, Mapping) or set(entry) != {"name", "threshold"}:
            raise ReinferConfigurationError(
                f"Threshold entry {entry!r} must be a dictionary with exactly 'name' and 'threshold'."
            )
        pairs.append((entry["name"], entry["threshold"]))
    return pairs


def _normalise(thresholds: Mapping[Any, Any] | Sequence[Any]) -> dict[str, float]:
    result: dict[str, float] = {}
    originals: dict[str, Any] = {}
    for key, value in _pairs(thresholds):
        try:
            name = label_name(key)
        except (ValueError, TypeError) as error:
            raise ReinferConfigurationError(f"Threshold label name {key!r} is not valid: {error}") from None
        if name in result:
            raise ReinferConfigurationError(
                f"Label {name!r} is given twice in the thresholds (as {originals[name]!r} and {key!r})."
            )
        originals[name] = key
        result[name] = _number(value, repr(name))
    return result


def canonical_thresholds(thresholds: Mapping[Any, Any] | Sequence[Any] | ThresholdConfig) -> dict[str, float]:
    """Label name (``"A > B"``) -> threshold, validated; names may be given in either form.

    Also takes the API's list of ``{"name": [...], "threshold": t}`` entries.

    Raises ``ReinferConfigurationError`` for a threshold outside 0..1, a value that is not
    a number, an empty name or the same label named twice (``"Order > Missing"`` and
    ``["Order", "Missing"]``).
    """
    if isinstance(thresholds, ThresholdConfig):
        thresholds = thresholds.thresholds
    return _normalise(thresholds)


def _check_auto(auto: str | None) -> str | None:
    if auto is None or auto in AUTO_THRESHOLDS:
        return auto
    raise ReinferConfigurationError(
        f"Auto-threshold {auto!r} is not one of {', '.join(AUTO_THRESHOLDS)} (lowest to highest precision)."
    )


def _build_rule(
    thresholds: Mapping[Any, Any] | ThresholdConfig | ThresholdRule | None,
    default: float | None,
    auto: str | None,
) -> ThresholdRule:
    named: Mapping[str, float]
    if thresholds is None:
        named, base_default, base_auto = {}, None, None
    elif isinstance(thresholds, ThresholdRule):
        named, base_default, base_auto = thresholds.thresholds, thresholds.default, thresholds.auto
    elif isinstance(thresholds, ThresholdConfig):
        named, base_default, base_auto = canonical_thresholds(thresholds), thresholds.default, thresholds.auto
    elif isinstance(thresholds, Mapping):
        named, base_default, base_auto = canonical_thresholds(thresholds), None, None
    else:
        raise ReinferConfigurationError(
            "Thresholds must be a dictionary (label name -> 0..1) or the result of Load Thresholds, "
            f"got {type(thresholds).__name__}."
        )
    chosen_default = base_default if default is None else _number(default, "the default")
    return ThresholdRule(named, chosen_default, _check_auto(base_auto if auto is None else auto))


def threshold_rule(
    thresholds: Mapping[Any, Any] | ThresholdConfig | ThresholdRule | None = None,
    default: float | None = None,
    auto: str | None = None,
) -> ThresholdRule:
    """Combine a thresholds mapping or config with ``default``/``auto`` into one rule.

    ``default`` and ``auto`` given here replace the config's own values. The result is
    cached per thresholds object (see :class:`_Cache`): a dictionary changed *in place*
    without changing its size is not re-read, so pass a new dictionary instead.
    """
    if isinstance(thresholds, ThresholdRule) and default is None and auto is None:
        return thresholds
    size = len(thresholds) if isinstance(thresholds, Mapping) else 0
    key = (id(thresholds), default, auto)
    rule = _cache.get(key, thresholds, size)
    if rule is None:
        rule = _build_rule(thresholds, default, auto)
        _cache.put(key, thresholds, size, rule)
    return rule


def select_level(names: list[str], level: str) -> list[str]:
    """Keep ``names`` of one hierarchy level, preserving their order.

    ``leaves``: names with no child among ``names`` (``Order`` is a leaf when only
    ``Order`` cleared, not when ``Order > Missing`` cleared too). ``parents``: names that
    do have a child among ``names``. ``all``: everything.
    """
    if level == "all":
        return names
    if level not in LEVELS:
        raise ReinferConfigurationError(f"Level {level!r} is not one of {', '.join(LEVELS)}.")
    prefixes: set[str] = set()
    for name in names:
        if SEPARATOR in name:
            parts = name.split(SEPARATOR)
            for end in range(1, len(parts)):
                prefixes.add(SEPARATOR.join(parts[:end]))
    if level == "leaves":
        return [name for name in names if name not in prefixes]
    return [name for name in names if name in prefixes]


def _kept_slow(labels: Sequence[Any], rule: ThresholdRule) -> dict[str, float]:
    """Label -> confidence of the labels that clear ``rule``; handles every input shape."""
    kept: dict[str, float] = {}
    for label in labels:
        if isinstance(label, Mapping):
            name = label["name"]
            if not isinstance(name, str):
                name = label_name(name)  # a raw API label: name as a list of parts
            probability = float(label["probability"])
            autos = label.get("auto_thresholds")
        else:
            name, probability, autos = label.name, label.probability, label.auto_thresholds
        if rule.clears(name, probability, autos):
            kept[name] = probability
    return kept


def labels_above_threshold(
    item: Any,
    thresholds: Mapping[Any, Any] | ThresholdConfig | ThresholdRule | None = None,
    default: float | None = None,
    auto: str | None = None,
    level: str = "all",
) -> list[str]:
    """Names (``"A > B"``) of the item's labels that clear their thresholds.

    Sorted by confidence, highest first; equal confidences keep the item's own order.
    See the module docstring for the rule and :func:`select_level` for ``level``.
    """
    rule = threshold_rule(thresholds, default, auto)
    labels = item_labels(item)
    get = rule.thresholds.get
    miss = rule.miss
    kept: dict[str, float]
    if miss is None:
        kept = _kept_slow(labels, rule)  # auto decides unnamed labels: needs each label's names
    else:
        # The hot path: one dict comprehension, as cheap as a hand-written filter.
        try:
            if isinstance(item, Item):
                kept = {lb.name: p for lb in labels if (p := lb.probability) >= get(lb.name, miss)}
            else:
                kept = {n: p for lb in labels if (p := lb["probability"]) >= get(n := lb["name"], miss)}
        except TypeError:  # a name given as a list (unhashable) or a confidence as text
            kept = _kept_slow(labels, rule)
    # ``reverse=True`` keeps equal confidences in the item's order (the sort is stable).
    names = sorted(kept, key=kept.__getitem__, reverse=True)
    return names if level == "all" else select_level(names, level)
