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

Auto-threshold names come with ``api=results`` items of Fetch Trigger Batch and with
predictions made with ``threshold=auto``; for ``api=fetch`` items the label keywords compute
them from the model version's validation first (:mod:`.auto_names`). When ``auto`` alone
would decide labels of an item that carries no such names, that is a configuration error
(:func:`check_auto_names`).

``labels_above_threshold`` runs on every comment a robot handles and on taxonomies of
thousands of labels, so it makes a single pass over the labels and never re-normalises a
thresholds mapping it has seen before, unless it has changed (see :class:`_Cache`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Any, Generic, Literal, TypeVar

from ..errors import ReinferConfigurationError
from ..models import AUTO_THRESHOLDS, SEPARATOR, Item, ThresholdConfig, parse_model_version
from .auto_names import AUTO_FROM
from .items import field as item_field
from .items import item_labels, label_fields
from .names import did_you_mean, parse_name, spelling

T = TypeVar("T")
Level = Literal["all", "leaves", "parents"]
LEVELS: tuple[str, ...] = ("all", "leaves", "parents")

_CACHE_SIZE = 16


_DROP = 2.0
"""Compared against unnamed labels when nothing else decides them: above any confidence."""

NO_AUTO_NAMES_ORIGINS = {
    "fetch": "this item of the fetch route does not say which stream it came from, so they cannot be "
    "computed from its model's validation",
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
    partial: bool = field(default=False, init=False, repr=False, compare=False)
    """Set once an item had a label this rule does not name: later items skip the attempt
    to read every label's threshold by subscript (see :func:`_kept_fast`)."""
    _said: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)
    """Label name -> `` >= 0.35``: what a named label cleared, formatted once per rule for the log."""

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
        """``Order 0.934 >= 0.35`` for a label that cleared, naming what it cleared.

        Runs for every label a robot keeps, on every comment: what a named label cleared
        depends on the rule alone, so it is formatted once per rule and name.
        """
        said = self._said.get(name)
        if said is not None:
            return f"{name} {probability:.3f}{said}"
        value = self.thresholds.get(name)
        if value is not None:
            said = self._said[name] = f" >= {value:g}"
            return f"{name} {probability:.3f}{said}"
        if self.default is not None and probability >= self.default:
            return f"{name} {probability:.3f} >= {self.default:g} (default)"
        if self.auto is not None:
            return f"{name} {probability:.3f} ({self.auto})"
        return f"{name} {probability:.3f}"


class _Cache(Generic[T]):
    """Remembers the canonical form of the last few thresholds mappings.

    A robot passes the same dictionary (or loaded config) for every comment; normalising
    thousands of names each time would cost more than the filtering itself. An entry is
    found by the mapping's identity and reused only while the mapping still holds what it
    held when it was normalised: ``Set To Dictionary`` on the same dictionary must take
    effect. The check compares the mapping's keys and values, in order, with lists taken
    then (:func:`_unchanged`): the lists share the caller's objects, so comparing them
    mostly compares pointers, in C, far cheaper than normalising again and about half the
    cost of comparing two dictionaries. The entry holds a reference to the mapping, so its
    id cannot be reused by another object while cached.
    """

    def __init__(self) -> None:
        self._entries: dict[tuple[int, Any, Any], tuple[object, Any, T]] = {}

    def get(self, key: tuple[int, Any, Any], obj: object, current: Mapping[Any, Any] | None) -> T | None:
        entry = self._entries.get(key)
        if entry is None or entry[0] is not obj or not _unchanged(current, entry[1]):
            return None
        return entry[2]

    def put(
        self, key: tuple[int, Any, Any], obj: object, current: Mapping[Any, Any] | None, value: T
    ) -> None:
        self._entries.pop(key, None)
        if len(self._entries) >= _CACHE_SIZE:
            self._entries.pop(next(iter(self._entries)))
        self._entries[key] = (obj, _snapshot(current), value)


def _snapshot(current: Mapping[Any, Any] | None) -> tuple[list[Any], list[Any]] | None:
    """The keys and the values of a mapping, in order: what :func:`_unchanged` compares with."""
    return None if current is None else (list(current), list(current.values()))


def _unchanged(current: Mapping[Any, Any] | None, snapshot: tuple[list[Any], list[Any]] | None) -> bool:
    """True while ``current`` holds the same keys with the same values, in the same order.

    Stricter than ``==`` on dictionaries (a reordered copy counts as changed, which only
    costs one normalisation) and cheaper: a value set in place, a key added, removed or
    swapped for another all change one of the two lists.
    """
    if current is None or snapshot is None:
        return current is None and snapshot is None
    keys, values = snapshot
    return len(current) == len(keys) and list(current.values()) == values and list(current) == keys


_cache: _Cache[ThresholdRule] = _Cache()
_configs: _Cache[ThresholdConfig] = _Cache()


NOT_A_THRESHOLD = "must be a number from 0 to 1"


def read_threshold(value: Any) -> float:
    """``value`` as a threshold: a number from 0 to 1 (text such as ``"0.5"`` too).

    The one check of a threshold number, used by every keyword, the thresholds file and
    the drift guard. Raises ``ValueError`` whose text is the problem, to follow a subject:
    ``must be a number from 0 to 1, got 'high'`` (``True``, NaN and 1.5 are refused too).
    """
    if not isinstance(value, bool):
        try:
            number = float(value)
        except (TypeError, ValueError):
            pass
        else:
            if 0.0 <= number <= 1.0:
                return number
            raise ValueError(f"{NOT_A_THRESHOLD}, got {number:g}")
    raise ValueError(f"{NOT_A_THRESHOLD}, got {value!r}")


def check_threshold(value: Any, what: str) -> float:
    """:func:`read_threshold`, failing with one line that starts with ``what``."""
    try:
        return read_threshold(value)
    except ValueError as problem:
        raise ReinferConfigurationError(f"{what} {problem}.") from None


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
    """Canonical names -> numbers; every bad name, number or repeat is listed in one error."""
    result: dict[str, float] = {}
    originals: dict[str, Any] = {}
    problems: list[str] = []
    for key, value in _pairs(thresholds):
        try:
            name = parse_name(key, text_lists)
        except ValueError as error:
            problems.append(f"Threshold label name {key!r} is not valid: {error}")
            continue
        if name in originals:
            problems.append(
                f"Label {name!r} is given twice in the thresholds, as {spelling(originals[name])} and "
                f"{spelling(key)}; keep one"
            )
            continue
        originals[name] = key
        try:
            result[name] = read_threshold(value)
        except ValueError as problem:
            problems.append(f"Threshold for {name!r} {problem}")
    if problems:
        raise ReinferConfigurationError("; ".join(problem.rstrip(".") for problem in problems) + ".")
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


def threshold_problems(thresholds: Mapping[Any, Any], known: Sequence[str] | None) -> list[str]:
    """Every problem of a label -> threshold mapping, one phrase each, in the mapping's order.

    Checks each name is a valid label name and (when ``known`` is given) a label of the
    taxonomy, and each threshold a number from 0 to 1, so all of them are listed at once.
    """
    problems: list[str] = []
    present = set(known) if known is not None else None
    for key, value in thresholds.items():
        try:
            name = parse_name(key, text_lists=False)
        except ValueError:
            problems.append(f"label name {key!r} is empty or has an empty level")
            continue
        if present is not None and name not in present:
            problems.append(f"unknown label '{name}'{did_you_mean(name, known or ())}")
        try:
            read_threshold(value)
        except ValueError as problem:
            problems.append(f"threshold of '{name}' {problem}")
    return problems


def config_text(config: ThresholdConfig) -> str:
    """One line about a config, for the log: version, how many labels, default, auto."""
    version = config.model_version if config.model_version is not None else "not set"
    default = f"{config.default:g}" if config.default is not None else "none"
    return (
        f"model version {version}, {len(config.thresholds)} label threshold(s), "
        f"default {default}, auto {config.auto or 'none'}"
    )


def check_auto(auto: Any, what: str = "Auto-threshold") -> Any:
    """``auto`` when it is ``None`` or one of the platform's auto-threshold names; else one line."""
    if auto is None or auto in AUTO_THRESHOLDS:
        return auto
    raise ReinferConfigurationError(
        f"{what} {auto!r} is not one of {', '.join(AUTO_THRESHOLDS)} (lowest to highest precision)."
    )


CONFIG_KEYS = frozenset({"model_version", "thresholds", "default", "auto", "source"})
"""The fields of a `Load Thresholds` result, for a config that became a dictionary (JSON, a hand-off)."""


def _config_shaped(value: Mapping[Any, Any]) -> bool:
    """True for ``{thresholds: {...}, default: ...}``: a config as data, not label -> number."""
    return (
        "thresholds" in value
        and isinstance(value["thresholds"], (Mapping, list))
        and all(isinstance(key, str) and key in CONFIG_KEYS for key in value)
    )


def _config_from_data(value: Mapping[Any, Any]) -> ThresholdConfig:
    version = value.get("model_version")
    default = value.get("default")
    source = value.get("source")
    return ThresholdConfig(
        model_version=parse_model_version(version) if version is not None else None,
        thresholds=canonical_thresholds(value["thresholds"]),
        default=check_threshold(default, "The default") if default is not None else None,
        auto=check_auto(value.get("auto")),
        source=str(source) if source is not None else None,
    )


def as_config(thresholds: Mapping[Any, Any] | Sequence[Any] | ThresholdConfig) -> ThresholdConfig:
    """A thresholds argument as a :class:`ThresholdConfig`: what every keyword's ``thresholds=`` takes.

    - a config (`Load Thresholds`, `Thresholds From Model`): as it is;
    - label name -> 0..1 (names in any form): a config naming those labels only;
    - the API's list of ``{name, threshold}`` entries (``${trigger.model.label_thresholds}``);
    - a config written out as data (``{thresholds: {...}, default: 0.5, ...}``, e.g. read back
      from JSON): the same config again.

    A label -> number dictionary is converted once and reused while it is unchanged (see
    :class:`_Cache`), so passing the same dictionary for every comment costs a lookup.
    Raises ``ReinferConfigurationError`` for anything else, naming what to pass instead.
    """
    if isinstance(thresholds, ThresholdConfig):
        return thresholds
    if isinstance(thresholds, Mapping):
        if _config_shaped(thresholds):
            return _config_from_data(thresholds)  # nested, so not cached: edits inside would go unseen
        key = (id(thresholds), None, None)
        config = _configs.get(key, thresholds, thresholds)
        if config is None:
            config = ThresholdConfig(thresholds=canonical_thresholds(thresholds))
            _configs.put(key, thresholds, thresholds, config)
        return config
    if isinstance(thresholds, (str, PurePath)):
        # Reading a file for every comment would be slow: the file is loaded once.
        raise ReinferConfigurationError(
            f"Thresholds got the text {str(thresholds)[:80]!r}: load a thresholds file once with "
            "`${config} =  Load Thresholds  path` and pass thresholds=${config}, or pass a dictionary."
        )
    if not isinstance(thresholds, Sequence):
        raise ReinferConfigurationError(
            "Thresholds must be the result of Load Thresholds, a dictionary of label -> 0..1 or a list of "
            f"{{name, threshold}} entries, got {type(thresholds).__name__}."
        )
    return ThresholdConfig(thresholds=canonical_thresholds(thresholds))


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
    else:
        config = as_config(thresholds)
        named, base_default, base_auto = canonical_thresholds(config), config.default, config.auto
    chosen_default = base_default if default is None else check_threshold(default, "The default")
    given = thresholds is not None and not (isinstance(thresholds, ThresholdRule) and not thresholds.given)
    return ThresholdRule(named, chosen_default, check_auto(base_auto if auto is None else auto), given)


def _current(thresholds: Any) -> Mapping[Any, Any] | None:
    """The part of ``thresholds`` a cached rule's snapshot is compared with (the mutable part)."""
    if type(thresholds) is dict:  # the common case, without the slower checks against ABCs
        return thresholds
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
        _cache.put(key, thresholds, current, rule)
    return rule


def check_auto_names(item: Any, has_auto_names: bool, rule: ThresholdRule) -> None:
    """Refuse ``auto`` alone deciding labels of an item that cannot carry auto-threshold names.

    Called only when the rule relies on auto for at least one of the item's labels.
    ``results`` items are exempt: there a label may rightly clear none of the names.
    """
    if has_auto_names:
        return
    origin = item.origin if isinstance(item, Item) else item_field(item, "origin")
    if origin == "results" or item_field(item, AUTO_FROM) is not None:
        return  # names were given (or computed) and this label cleared none of them
    why = NO_AUTO_NAMES_ORIGINS.get(str(origin))
    uid = item_field(item, "uid") or "(no uid)"
    raise ReinferConfigurationError(
        f"auto={rule.auto} cannot decide the labels of comment {uid}: they carry no auto-threshold names"
        f"{f' ({why})' if why else ''}. Items of Fetch Trigger Batch have them (api=results sends them, "
        "for api=fetch the label keywords compute them from the model's validation), and so do "
        "predictions made with threshold=auto; for other items give numbers (thresholds=) or default= "
        "instead."
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


def _kept_fast(item: Any, labels: Sequence[Any], rule: ThresholdRule) -> dict[str, float]:
    """:func:`_kept_slow` for rules where no label needs its auto-threshold names: one comprehension.

    As cheap as a hand-written filter. While the rule has named every label it met, each
    label's threshold is read by subscript (cheaper than ``get`` with a fallback); the first
    label it does not name marks the rule ``partial`` and ``get`` takes over.
    """
    named = rule.thresholds
    miss = rule.miss
    try:
        if isinstance(item, Item):
            get = named.get
            return {lb.name: p for lb in labels if (p := lb.probability) >= get(lb.name, miss)}
        if not rule.partial:
            try:
                return {n: p for lb in labels if (p := lb["probability"]) >= named[n := lb["name"]]}
            except KeyError:
                object.__setattr__(rule, "partial", True)
        get = named.get
        return {n: p for lb in labels if (p := lb["probability"]) >= get(n := lb["name"], miss)}
    except (TypeError, KeyError):  # a name as a list (unhashable), text confidence, a missing field
        return _kept_slow(item, labels, rule)


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
    kept = _kept_slow(item, labels, rule) if rule.miss is None else _kept_fast(item, labels, rule)
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
