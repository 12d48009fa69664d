"""The drift guard: does a robot's model configuration still fit the model it names?

Models are retrained and re-pinned while robots keep running, so the model version and
the per-label thresholds are configuration (seed: change management). Before a robot
routes mail it checks that configuration: the version is a pinned number or a tag that
points at one, every configured label exists in that model's taxonomy, every threshold
is a number in 0..1, and no label the thresholds can let through (the named ones, and
with a ``default`` or ``auto`` every other label too) is one whose validation scores are
unreliable (seed: such labels must be excluded in production).

Pure functions: the keyword fetches tags, taxonomy and validations and passes them in.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..errors import ReinferConfigurationError
from ..models import AUTO_THRESHOLDS, LabelValidation, ModelTag, label_name

MODEL_TAGS: tuple[str, ...] = ("live", "staging")
RELIABLE_HEALTH: frozenset[str] = frozenset({"good", "average", "excellent"})
"""Label health values that leave a label usable in production (``poor``, ``unreliable`` do not)."""
MIN_TEST_EXAMPLES = 5
"""Fewer held-out examples than this and one example moves precision by 20 points or more."""
SUGGESTIONS = 3
SIMILARITY = 0.6
CLOSE_TO_BEST = 0.1


# --- model versions ---------------------------------------------------------------------


def parse_model_version(value: Any) -> int | str:
    """A pinned version number, or ``"live"``/``"staging"`` (any case, spaces ignored).

    ``"3"`` becomes ``3``. Anything else (``"livee"``, ``-1``, ``True``, ``""``) raises
    ``ReinferConfigurationError`` before any call is made, with a suggestion when the
    text is close to a tag.
    """
    if isinstance(value, bool):
        raise _bad_version(value)
    if isinstance(value, int):
        if value < 0:
            raise _bad_version(value)
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text.isdigit():
            return int(text)
        if text in MODEL_TAGS:
            return text
        raise _bad_version(value, difflib.get_close_matches(text, MODEL_TAGS, n=1, cutoff=SIMILARITY))
    raise _bad_version(value)


def _bad_version(value: Any, close: Sequence[str] = ()) -> ReinferConfigurationError:
    hint = f" Did you mean '{close[0]}'?" if close else ""
    return ReinferConfigurationError(
        f"Model version {value!r} is not valid: give a pinned version number (such as 3) or a model tag "
        f"(live or staging).{hint}"
    )


def tags_text(tags: Iterable[ModelTag]) -> str:
    """``live=1, staging=2`` (sorted by tag name), or ``none``."""
    shown = sorted(tags, key=lambda tag: tag.name)
    return ", ".join(f"{tag.name}={tag.version}" for tag in shown) or "none"


def versions_text(versions: Iterable[int]) -> str:
    """``1, 2`` (ascending, without repeats), or ``none known``."""
    return ", ".join(str(version) for version in sorted(set(versions))) or "none known"


def tag_version(tag: str, tags: Sequence[ModelTag], dataset: str) -> int:
    """The version a tag points at; a tag that is not set fails with the tags that are."""
    for candidate in tags:
        if candidate.name.lower() == tag:
            return candidate.version
    raise ReinferConfigurationError(
        f"Model tag '{tag}' of {dataset} points at no model version (tags: {tags_text(tags)}); set it on "
        "the dataset's Models page, or give a pinned version number."
    )


def not_pinned_message(version: int, dataset: str, pinned: Iterable[int], tags: Sequence[ModelTag]) -> str:
    """The failure for a version that is not pinned, naming what is."""
    return (
        f"Model version {version} of {dataset} is not pinned (pinned: {versions_text(pinned)}; tags: "
        f"{tags_text(tags)}); pin it on the dataset's Models page, or set model_version to a pinned version."
    )


# --- label names --------------------------------------------------------------------------


def suggestions(name: str, known: Sequence[str], count: int = SUGGESTIONS) -> list[str]:
    """Known label names close to ``name``, best first, compared without regard to case.

    Only names about as close as the best one are kept (``Order > Mising`` suggests
    ``Order > Missing``, not every ``Order > ...`` label); a name that differs only in
    case is the one suggestion. Names are returned in their canonical spelling.
    """
    by_lower: dict[str, str] = {}
    for candidate in known:
        by_lower.setdefault(candidate.lower(), candidate)
    wanted = name.lower()
    if wanted in by_lower:
        return [by_lower[wanted]]
    found = difflib.get_close_matches(wanted, list(by_lower), n=count, cutoff=SIMILARITY)
    scores = [difflib.SequenceMatcher(None, wanted, match).ratio() for match in found]
    return [
        by_lower[match]
        for match, score in zip(found, scores, strict=True)
        if score >= scores[0] - CLOSE_TO_BEST
    ]


def did_you_mean(name: str, known: Sequence[str]) -> str:
    """`` (did you mean 'A' or 'B'?)`` for an unknown label, or ``""`` with no close name."""
    close = suggestions(name, known)
    if not close:
        return ""
    quoted = [f"'{candidate}'" for candidate in close]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
    return f" (did you mean {listed}?)"


def unknown_labels(names: Iterable[str], known: Sequence[str]) -> list[str]:
    """``'Name' (did you mean ...?)`` for every name not in ``known``, in the given order."""
    present = set(known)
    return [f"'{name}'{did_you_mean(name, known)}" for name in names if name not in present]


def check_label_names(
    names: Iterable[str], known: Sequence[str], where: str, fix: str = "fix the names"
) -> None:
    """Fail listing every name of ``names`` that is not in ``known``, with suggestions."""
    unknown = unknown_labels(names, known)
    if unknown:
        raise ReinferConfigurationError(f"{where} has no label named {', '.join(unknown)}; {fix}.")


def threshold_problems(thresholds: Mapping[Any, Any], known: Sequence[str] | None) -> list[str]:
    """Every problem of a label -> threshold mapping, one phrase each, in the mapping's order.

    Checks each name is a valid label name and (when ``known`` is given) a label of the
    taxonomy, and each threshold a number from 0 to 1.
    """
    problems: list[str] = []
    present = set(known) if known is not None else None
    for key, value in thresholds.items():
        try:
            name = label_name(key)
        except (TypeError, ValueError):
            problems.append(f"label name {key!r} is empty or has an empty level")
            continue
        if present is not None and name not in present:
            problems.append(f"unknown label '{name}'{did_you_mean(name, known or ())}")
        number = _number(value)
        if number is None:
            problems.append(f"threshold of '{name}' must be a number from 0 to 1, got {value!r}")
        elif not 0.0 <= number <= 1.0:
            problems.append(f"threshold {number:g} of '{name}' is outside 0..1")
    return problems


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


# --- reliability of a label's validation --------------------------------------------------


def health_text(health: Any) -> str | None:
    """A label's health as lower-case text (``good``, ``poor``...), whatever form it came in."""
    if health is None:
        return None
    if isinstance(health, str):
        return health.strip().lower() or None
    if isinstance(health, Mapping):
        for key in ("health", "status", "quality", "rating"):
            if isinstance(health.get(key), str):
                return str(health[key]).strip().lower() or None
    return None


def unreliable_reason(validation: LabelValidation, min_test_examples: int = MIN_TEST_EXAMPLES) -> str | None:
    """Why a label's validation scores cannot be trusted, or ``None`` when they can.

    Unreliable: no optimal thresholds at all, a health other than good/average/excellent,
    or fewer than ``min_test_examples`` held-out examples.
    """
    optimal = validation.optimal_thresholds
    if optimal is None or all(getattr(optimal, name) is None for name in AUTO_THRESHOLDS):
        return "validation has no optimal thresholds for it"
    health = health_text(validation.health)
    if health is not None and health not in RELIABLE_HEALTH:
        return f"its validation health is '{health}'"
    if validation.test_size is not None and validation.test_size < min_test_examples:
        return f"only {validation.test_size} held-out example(s) validate it (fewer than {min_test_examples})"
    return None


def label_details(validation: LabelValidation, min_test_examples: int = MIN_TEST_EXAMPLES) -> dict[str, Any]:
    """What a person reads about one label: quality, optimal thresholds, precision/recall at each.

    ``precision``/``recall`` map each optimal-threshold name to the curve's value at that
    threshold (``None`` where the curve does not say).
    """
    optimal = validation.optimal_thresholds
    thresholds = {name: getattr(optimal, name) if optimal else None for name in AUTO_THRESHOLDS}
    precision: dict[str, float | None] = {}
    recall: dict[str, float | None] = {}
    for name, threshold in thresholds.items():
        point = validation.at_threshold(threshold) if threshold is not None else None
        precision[name], recall[name] = point if point is not None else (None, None)
    reason = unreliable_reason(validation, min_test_examples)
    return {
        "average_precision": validation.average_precision,
        "health": health_text(validation.health),
        "reliable": reason is None,
        "unreliable_reason": reason,
        "optimal_thresholds": thresholds,
        "precision": precision,
        "recall": recall,
        "train_size": validation.train_size,
        "test_size": validation.test_size,
        "reviewed_size": validation.reviewed_size,
    }
