"""Which predicted labels clear their thresholds.

The rule, for each predicted label:

1. the label is named in the thresholds: it counts when its confidence is at or
   above that number (``>=``), and nothing else decides it;
2. otherwise it counts when its confidence is at or above ``default`` (if set), **or**
   when its ``auto_thresholds`` include ``auto`` (if set: ``high_recall``,
   ``balanced``, ``high_precision``); with both set, either one is enough;
3. otherwise it is dropped.

Only when thresholds are not given at all (``None``) and neither ``default`` nor
``auto`` is set does every label the item carries count (a stream already applied its
own thresholds before sending the item). An empty thresholds dictionary names no label,
so without a default or auto it keeps nothing.

Auto-threshold names come only with ``api=results`` items of Fetch Trigger Batch and with
predictions made with ``threshold=auto``; when ``auto`` alone would decide labels of an
item that carries no such names, that is a configuration error (:func:`check_auto_names`).

``labels_above_threshold`` runs on every comment a robot handles and on taxonomies of
thousands of labels, so it makes a single pass over the labels and never re-normalises a
thresholds mapping it has seen before, unless it has changed (see :class:`_Cache`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from ..errors import ReinferConfigurationError
from ..models import AUTO_THRESHOLDS, Item, ThresholdConfig, label_name
from ..models.names import SEPARATOR
from .items import field as item_field
from .items import item_labels, label_fields

Level = Literal["all", "leaves", "parents"]
LEVELS: tuple[str, ...] = ("all", "leaves", "parents")

_CACHE_SIZE = 16


_DROP = 2.0
"""Compared against unnamed labels when nothing else decides them: above any confidence."""

NO_AUTO_NAMES_ORIGINS = {
    "fetch": "items of Fetch Trigger Batch with api=fetch never do",
    "elasticsearch": "Elasticsearch items never do",
    "predict": "this prediction was not made with threshold=auto",
}
"""Why an item of each origin has no auto-threshold names (``results`` items may rightly have none)."""


@dataclass(frozen=True)
class ThresholdRule:
    """Canonical per-label thresholds plus the fallbacks for labels not named.

    ``given`` is False only when no thresholds were passed at all (``None``, not ``{}``).
    """

    thresholds: Mapping[str, float]
    default: float | None = None
    auto: str | None = None
    given: bool = True
    miss: float | None = field(init=False, repr=False, compare=False)
    """The number unnamed labels are compared with; ``None`` when ``auto`` may decide them."""

    def __post_init__(self) -> None:
        if self.auto is not None:
            miss: float | None = None
        elif self.default is not None:
            miss = self.default
        else:
            miss = 0.0 if self.keeps_everything else _DROP
        object.__setattr__(self, "miss", miss)

    @property
    def keeps_everything(self) -> bool:
        """True when nothing was configured, so every label the item carries counts."""
        return not self.given and not self.thresholds and self.default is None and self.auto is None

    @property
    def relies_on_auto(self) -> bool:
        """True when ``auto`` alone decides labels not named (no default next to it)."""
        return self.auto is not None and self.default is None

    def clears(self, name: str, probability: float, auto_thresholds: Sequence[str] | None) -> bool:
        """True when a label of this confidence counts under this rule."""
        value = self.thresholds.get(name)
        if value is not None:
            return probability >= value
        if self.default is not None and probability >= self.default:
            return True
        if self.auto is not None and self.auto in (auto_thresholds or ()):
            return True
        return self.keeps_everything

    def threshold_text(self, name: str) -> str:
        """What decides ``name``, for the log's table: ``0.350``, ``0.500 (default) or balanced``, ``—``."""
        value = self.thresholds.get(name)
        if value is not None:
            return f"{value:.3f}"
        parts = []
        if self.default is not None:
            parts.append(f"{self.default:.3f} (default)")
        if self.auto is not None:
            parts.append(self.auto)
        if parts:
            return " or ".join(parts)
        return "any" if self.keeps_everything else "—"

    def cleared_text(self, name: str, probability: float) -> str:
        """``Order 0.934 >= 0.35`` for a label that cleared, naming what it cleared."""
        value = self.thresholds.get(name)
        if value is not None:
            return f"{name} {probability:.3f} >= {value:g}"
        if self.default is not None and probability >= self.default:
            return f"{name} {probability:.3f} >= {self.default:g} (default)"
        if self.auto is not None:
            return f"{name} {probability:.3f} ({self.auto})"
        return f"{name} {probability:.3f}"


class _Cache:
    """Remembers the canonical form of the last few thresholds mappings.

    A robot passes the same dictionary (or loaded config) for every comment; normalising
    thousands of names each time would cost more than the filtering itself. An entry is
    found by the mapping's identity and reused only while the mapping still equals the
    copy taken when it was normalised: ``Set To Dictionary`` on the same dictionary must
    take effect, and comparing two dictionaries runs in C, far cheaper than normalising
    again. The entry holds a reference to the mapping, so its id cannot be reused by
    another object while cached.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[int, Any, Any], tuple[object, Any, ThresholdRule]] = {}

    def get(self, key: tuple[int, Any, Any], obj: object, snapshot: Any) -> ThresholdRule | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] is not obj or entry[1] != snapshot:
            return None
        return entry[2]

    def put(self, key: tuple[int, Any, Any], obj: object, snapshot: Any, rule: ThresholdRule) -> None:
        self._entries.pop(key, None)
        if len(self._entries) >= _CACHE_SIZE:
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = (obj, snapshot, rule)


_cache = _Cache()


def check_number(value: Any, what: str) -> float:
    """``value`` as a number from 0 to 1, or a one-line error starting with ``what``."""
    if isinstance(value, bool):
        raise ReinferConfigurationError(f"{what} must be a number from 0 to 1, got {value!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ReinferConfigurationError(f"{what} must be a number from 0 to 1, got {value!r}.") from None
    if not 0.0 <= number <= 1.0:
        raise ReinferConfigurationError(f"{what} is {number:g}, outside 0..1.")
    return number


def _number(value: Any, where: str) -> float:
    return check_number(value, f"Threshold for {where}")


def label_text_parts(text: str) -> str | list[str]:
    """``"[Order, Missing]"`` as ``["Order", "Missing"]``; any other text unchanged.

    A robot cannot write a list as a dictionary key or a plain argument, so the list form
    of a name arrives as text. Quotes around a level (``['Order', 'Missing']``) are removed.
    """
    stripped = text.strip()
    if len(stripped) < 2 or stripped[0] != "[" or stripped[-1] != "]":
        return text
    parts = []
    for part in stripped[1:-1].split(","):
        part = part.strip()
        if len(part) >= 2 and part[0] == part[-1] and part[0] in "'\"":
            part = part[1:-1]
        parts.append(part)
    return parts


@lru_cache(maxsize=4096)
def _canonical_text(name: str) -> str:
    return label_name(label_text_parts(name))


def _canonical(name: Any) -> str:
    """``"A > B"`` from text (``A > B`` or ``[A, B]``) or a list of levels; ValueError otherwise."""
    if isinstance(name, str):
        return _canonical_text(name)
    if isinstance(name, (list, tuple)) and all(isinstance(part, str) for part in name):
        return label_name(name)
    raise ValueError("a label name is text (A > B or [A, B]) or a list of text levels")


def _canonical_plain(name: Any) -> str:
    """Like :func:`_canonical`, but text is never read as ``[A, B]`` (names already canonical)."""
    if isinstance(name, str):
        return label_name(name)
    return _canonical(name)


def canonical_name(name: Any) -> str:
    """``"A > B"`` form of a label name given in any form, with a clear error when invalid."""
    try:
        return _canonical(name)
    except ValueError as error:
        raise ReinferConfigurationError(f"Label name {name!r} is not valid: {error}") from None


def spelling(name: Any) -> str:
    """How a label name was written, for messages: ``'Order > Missing'`` or ``['Order', 'Missing']``."""
    return repr(list(name)) if isinstance(name, (list, tuple)) else repr(name)


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


def _normalise(thresholds: Mapping[Any, Any] | Sequence[Any], text_lists: bool = True) -> dict[str, float]:
    result: dict[str, float] = {}
    originals: dict[str, Any] = {}
    for key, value in _pairs(thresholds):
        try:
            name = _canonical(key) if text_lists else _canonical_plain(key)
        except ValueError as error:
            raise ReinferConfigurationError(f"Threshold label name {key!r} is not valid: {error}") from None
        if name in result:
            raise ReinferConfigurationError(
                f"Label {name!r} is given twice in the thresholds, as {spelling(originals[name])} and "
                f"{spelling(key)}; keep one."
            )
        originals[name] = key
        result[name] = _number(value, repr(name))
    return result


def canonical_thresholds(thresholds: Mapping[Any, Any] | Sequence[Any] | ThresholdConfig) -> dict[str, float]:
    """Label name (``"A > B"``) -> threshold, validated; names may be given in any form.

    Names: ``"Order > Missing"``, ``["Order", "Missing"]``, or the text ``"[Order, Missing]"``
    (how a robot writes the list form as a dictionary key). Also takes the API's list of
    ``{"name": [...], "threshold": t}`` entries. A :class:`ThresholdConfig`'s names were
    made canonical when it was loaded, so text in brackets there is a name as it stands
    (a file writes the list form as a YAML list, not as quoted text).

    Raises ``ReinferConfigurationError`` for a threshold outside 0..1, a value that is not
    a number, an empty name or the same label named twice (``"Order > Missing"`` and
    ``["Order", "Missing"]``).
    """
    if isinstance(thresholds, ThresholdConfig):
        return _normalise(thresholds.thresholds, text_lists=False)
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
    given = thresholds is not None and not (isinstance(thresholds, ThresholdRule) and not thresholds.given)
    return ThresholdRule(named, chosen_default, _check_auto(base_auto if auto is None else auto), given)


def _snapshot(thresholds: Any) -> Any:
    """What a cached rule is checked against: a copy of the mutable part of ``thresholds``."""
    if isinstance(thresholds, ThresholdConfig):
        return dict(thresholds.thresholds)  # the model is frozen, its dictionary is not
    if isinstance(thresholds, Mapping):
        return dict(thresholds)
    return None


def _current(thresholds: Any) -> Any:
    """The part of ``thresholds`` a cached rule's snapshot is compared with."""
    if isinstance(thresholds, ThresholdConfig):
        return thresholds.thresholds
    if isinstance(thresholds, Mapping):
        return thresholds
    return None


def threshold_rule(
    thresholds: Mapping[Any, Any] | ThresholdConfig | ThresholdRule | None = None,
    default: float | None = None,
    auto: str | None = None,
) -> ThresholdRule:
    """Combine a thresholds mapping or config with ``default``/``auto`` into one rule.

    ``default`` and ``auto`` given here replace the config's own values. The result is
    cached per thresholds object and reused while the object still holds the same
    entries (see :class:`_Cache`), so a dictionary changed in place is read again.
    """
    if isinstance(thresholds, ThresholdRule) and default is None and auto is None:
        return thresholds
    key = (id(thresholds), default, auto)
    current = _current(thresholds)
    rule = _cache.get(key, thresholds, current)
    if rule is None:
        rule = _build_rule(thresholds, default, auto)
        # A shallow copy shares the caller's keys and values, so comparing it with the
        # caller's dictionary mostly compares pointers.
        _cache.put(key, thresholds, _snapshot(thresholds), rule)
    return rule


def check_auto_names(item: Any, has_auto_names: bool, rule: ThresholdRule) -> None:
    """Refuse ``auto`` alone deciding labels of an item that cannot carry auto-threshold names.

    Called only when the rule relies on auto for at least one of the item's labels.
    ``results`` items are exempt: there a label may rightly clear none of the names.
    """
    if has_auto_names:
        return
    origin = item.origin if isinstance(item, Item) else item_field(item, "origin")
    if origin == "results":
        return
    why = NO_AUTO_NAMES_ORIGINS.get(str(origin))
    uid = item_field(item, "uid") or "(no uid)"
    raise ReinferConfigurationError(
        f"auto={rule.auto} cannot decide the labels of comment {uid}: they carry no auto-threshold names"
        f"{f' ({why})' if why else ''}. Auto-threshold names come with api=results of Fetch Trigger Batch "
        "and with predictions made with threshold=auto; for other items give numbers (thresholds=) or "
        "default= instead."
    )


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


def _kept_slow(item: Any, labels: Sequence[Any], rule: ThresholdRule) -> dict[str, float]:
    """Label -> confidence of the labels that clear ``rule``; handles every input shape.

    Also where ``auto`` is checked: it fails when auto alone decides some label and no
    label of the item carries auto-threshold names (:func:`check_auto_names`).
    """
    kept: dict[str, float] = {}
    named = rule.thresholds
    needs_auto = False
    has_auto_names = False
    for index, label in enumerate(labels):
        name, probability, autos = label_fields(item, index, label)
        if autos:
            has_auto_names = True
        elif name not in named:
            needs_auto = True
        if rule.clears(name, probability, autos):
            kept[name] = probability
    if needs_auto and rule.relies_on_auto:
        check_auto_names(item, has_auto_names, rule)
    return kept


@dataclass(frozen=True)
class Selection:
    """What :func:`select_labels` chose: names in order, their confidences, the rule used."""

    names: list[str]
    confidences: Mapping[str, float]
    rule: ThresholdRule
    total: int
    """How many labels the item carries."""


def select_labels(
    item: Any,
    thresholds: Mapping[Any, Any] | ThresholdConfig | ThresholdRule | None = None,
    default: float | None = None,
    auto: str | None = None,
    level: str = "all",
) -> Selection:
    """The item's labels that clear their thresholds, with what a log line needs.

    See :func:`labels_above_threshold`.
    """
    rule = threshold_rule(thresholds, default, auto)
    labels = item_labels(item)
    get = rule.thresholds.get
    miss = rule.miss
    kept: dict[str, float]
    if miss is None:
        kept = _kept_slow(item, labels, rule)  # auto may decide unnamed labels: needs each label's names
    else:
        # The hot path: one dict comprehension, as cheap as a hand-written filter.
        try:
            if isinstance(item, Item):
                kept = {lb.name: p for lb in labels if (p := lb.probability) >= get(lb.name, miss)}
            else:
                kept = {n: p for lb in labels if (p := lb["probability"]) >= get(n := lb["name"], miss)}
        except (TypeError, KeyError):  # a name as a list (unhashable), text confidence, a missing field
            kept = _kept_slow(item, labels, rule)
    # ``reverse=True`` keeps equal confidences in the item's order (the sort is stable).
    names = sorted(kept, key=kept.__getitem__, reverse=True)
    if level != "all":
        names = select_level(names, level)
    return Selection(names, kept, rule, len(labels))


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
    return select_labels(item, thresholds, default, auto, level).names
