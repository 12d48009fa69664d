"""What a pinned model version says about a robot's configuration: tags, pinned versions,
which labels it validates reliably, and the drift guard's messages.

Models are retrained and re-pinned while robots keep running, so the model version and
the per-label thresholds are configuration (seed: change management). Before a robot
routes mail it checks that configuration: the version is a pinned number or a tag that
points at one, every configured label exists in that model's taxonomy, every threshold
is a number in 0..1, and no label the thresholds can let through (the named ones, and
with a ``default`` or ``auto`` every other label too) is one whose validation scores are
unreliable (seed: such labels must be excluded in production).

Pure functions: the keywords fetch tags, taxonomy and validations and pass them in. The
reading of a version (``3``, ``live``) is :func:`~ReinferLibrary.models.versions.parse_model_version`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ..errors import ReinferConfigurationError
from ..models import AUTO_THRESHOLDS, LabelValidation, ModelTag, Stream, ThresholdConfig, label_name
from .names import canonical_name, check_label_names
from .thresholds import check_auto

RELIABLE_HEALTH: frozenset[str] = frozenset({"good", "average", "excellent"})
"""Label health values that leave a label usable in production (``poor``, ``unreliable`` do not)."""
MIN_TEST_EXAMPLES = 5
"""Fewer held-out examples than this and one example moves precision by 20 points or more."""
NO_VALIDATION = "the model has no validation for it"
WORDS = {"TRUE": True, "YES": True, "ALL": True, "FALSE": False, "NO": False, "NONE": False, "": False}
"""What ``labels=`` text means when it is not a label name."""


# --- versions and tags ----------------------------------------------------------------------


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


def selected_labels(labels: Any, taxonomy: Sequence[str], where: str) -> list[str]:
    """Label names from a ``labels=`` argument: ``True`` all, ``False``/``None`` none, or names.

    The texts ``True``, ``yes`` and ``all`` mean all labels; ``False``, ``no``, ``none`` none.
    Names are checked against ``taxonomy``, failing with "did you mean" suggestions.
    """
    if isinstance(labels, str) and labels.strip().upper() in WORDS:
        labels = WORDS[labels.strip().upper()]  # Robot passes text as is where text is allowed
    if labels is None or labels is False:
        return []
    if labels is True:
        return list(taxonomy)
    values = [labels] if isinstance(labels, str) else list(labels)
    names = list(dict.fromkeys(canonical_name(value) for value in values))
    check_label_names(names, taxonomy, where, "give labels of its taxonomy")
    return names


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


def thresholds_from_validation(
    label_validations: Mapping[str, LabelValidation],
    optimal: str,
    version: int,
    min_test_examples: int = MIN_TEST_EXAMPLES,
) -> tuple[ThresholdConfig, list[str]]:
    """Each label's ``optimal`` threshold from its validation, and the labels left out.

    A label is left out when its validation is unreliable by :func:`unreliable_reason` (the
    one definition, which `Verify Model Configuration` warns by: no optimal thresholds, a
    health other than good/average/excellent, fewer than ``min_test_examples`` held-out
    examples), or when it has no ``optimal`` threshold. The config names ``version`` as its
    model version, since the thresholds belong to it.
    """
    check_auto(optimal, "optimal")
    thresholds: dict[str, float] = {}
    skipped: list[str] = []
    for raw_name, validation in label_validations.items():
        name = label_name(raw_name)
        chosen = getattr(validation.optimal_thresholds, optimal, None)
        if chosen is None or unreliable_reason(validation, min_test_examples) is not None:
            skipped.append(name)
            continue
        thresholds[name] = min(max(float(chosen), 0.0), 1.0)
    config = ThresholdConfig(
        model_version=version,
        thresholds=thresholds,
        source=f"the {optimal} optimal thresholds of model version {version}'s validation",
    )
    return config, skipped


# --- the drift guard's messages -------------------------------------------------------------


def reasons_text(reasons: Mapping[str, str]) -> str:
    """``'A': reason; 'B': reason`` for labels left out, or ``no labels``."""
    return "; ".join(f"'{name}': {reason}" for name, reason in reasons.items()) or "no labels"


def left_out_message(dataset: str, config: ThresholdConfig, optimal: str, skipped: Mapping[str, str]) -> str:
    """The warning naming the labels taken from a model's validation were left out, and why."""
    return (
        f"Left out {len(skipped)} label(s) of {dataset} model version {config.model_version} "
        f"without a reliable {optimal} threshold: {reasons_text(skipped)}."
    )


def fallback_text(config: ThresholdConfig) -> tuple[str, str] | None:
    """What decides the labels a config does not name, and what to drop to stop it.

    ``("default 0.2", "default")``, ``("auto balanced", "auto")``, or with both (either
    one keeps a label) ``("default 0.2 or auto balanced", "default and auto")``.
    """
    parts = []
    if config.default is not None:
        parts.append(("default", f"default {config.default:g}"))
    if config.auto is not None:
        parts.append(("auto", f"auto {config.auto}"))
    if not parts:
        return None
    return " or ".join(text for _, text in parts), " and ".join(key for key, _ in parts)


def unreliable_message(
    name: str, version: int, dataset: str, reason: str, fallback: tuple[str, str] | None = None
) -> str:
    """The drift guard's warning for one unreliable label, saying how to leave it out.

    A named label is left out by removing it. One the config does not name reaches
    production through its ``default`` or ``auto`` (``fallback``: what lets it through and
    what to drop), so it needs a threshold no confidence reaches, or the fallback removed.
    """
    start = f"Label '{name}' of model version {version} of {dataset} is unreliable: {reason}; "
    if fallback:
        return (
            start + f"the thresholds do not name it, so {fallback[0]} lets it through: give it threshold 1 "
            f"(or drop {fallback[1]}) to leave it out in production."
        )
    return start + "leave it out in production (its confidences cannot be thresholded reliably)."


# --- a trigger's pinned model against the robot's thresholds --------------------------------


def stream_thresholds(stream: Stream) -> dict[str, float]:
    """A trigger's own label thresholds, label name (``"A > B"``) -> 0..1 (labels without one left out)."""
    if stream.model is None:
        return {}
    return {
        label_name(entry.name): entry.threshold
        for entry in stream.model.label_thresholds
        if entry.threshold is not None
    }


def stream_version_problem(
    stream: Stream, dataset: str, version: int, configured: int | str, source: str | None = None
) -> str | None:
    """Why thresholds for model ``version`` do not fit what ``stream`` answers with, or ``None``.

    A trigger answers with the model version it is pinned to, so thresholds chosen for
    another version (``configured`` as the config says it: a number or a tag) threshold
    confidences of a model they were not chosen for; a trigger with no model answers with
    no labels at all.
    """
    origin = f" in {source}" if source else ""
    shown = f"{configured!r} = {version}" if isinstance(configured, str) else str(version)
    if stream.model is None:
        return (
            f"Thresholds{origin} are for model version {shown} of {dataset}, but trigger '{stream.name}' has "
            "no model, so its comments come without labels; give it that version with Update Trigger."
        )
    pinned = stream.model.version
    if pinned == version:
        return None
    return (
        f"Thresholds{origin} are for model version {shown} of {dataset}, but trigger '{stream.name}' is "
        f"pinned to version {pinned}, whose confidences they were not chosen for; load the thresholds made "
        f"for version {pinned}, or move the trigger to version {version} with Update Trigger "
        f"(model_version={version})."
    )


def answer_version_warning(stream: Stream, dataset: str, version: int, configured: int | str) -> str | None:
    """The one warning of `Fetch Trigger Batch` when its answers come from another model version
    than the robot's thresholds are for (or from none), or ``None`` when they match."""
    shown = f"{configured!r} = {version}" if isinstance(configured, str) else str(version)
    if stream.model is None:
        return (
            f"Trigger '{stream.name}' of {dataset} has no model, so its answers carry no labels, but the "
            f"robot's thresholds are for model version {shown}; give the trigger that version with "
            "Update Trigger."
        )
    if stream.model.version == version:
        return None
    return (
        f"Trigger '{stream.name}' of {dataset} answers with model version {stream.model.version}, but the "
        f"robot's thresholds are for model version {shown}: they threshold confidences they were not chosen "
        f"for; load the thresholds made for version {stream.model.version}, or move the trigger "
        "(Verify Model Configuration with trigger= checks this before a run)."
    )


def stream_threshold_warnings(config: ThresholdConfig, stream: Stream) -> list[str]:
    """One sentence per robot threshold the trigger's own thresholds make meaningless.

    A trigger returns a label only at or above its own threshold for it, and never a label
    it has no threshold for. So a robot threshold below the trigger's (named, or the
    config's ``default`` for the labels it does not name) never sees the confidences in
    between, and a named label the trigger has no threshold for never arrives.
    """
    own = stream_thresholds(stream)
    where = f"trigger '{stream.name}'"
    warnings = []
    for name, value in config.thresholds.items():
        if value >= 1.0:
            continue  # threshold 1 leaves the label out on purpose
        if name not in own:
            warnings.append(
                f"Label '{name}' has robot threshold {value:g} but {where} has no threshold for it, so the "
                f"trigger never returns it; give the trigger a threshold for it with Update Trigger, or "
                "remove it from the robot's thresholds."
            )
        elif value < own[name]:
            warnings.append(
                f"Label '{name}' has robot threshold {value:g}, below the {own[name]:g} {where} has for it: "
                f"the trigger never returns it below {own[name]:g}, so confidences from {value:g} up to "
                f"{own[name]:g} never "
                f"reach the robot; lower the trigger's threshold with Update Trigger, or raise the robot's "
                f"to {own[name]:g}."
            )
    if config.default is not None:
        below = {
            name: threshold
            for name, threshold in own.items()
            if name not in config.thresholds and config.default < threshold
        }
        if below:
            listed = ", ".join(f"'{name}' ({threshold:g})" for name, threshold in below.items())
            warnings.append(
                f"Robot default {config.default:g} is below the thresholds {where} has for "
                f"{len(below)} label(s) "
                f"the robot's thresholds do not name: {listed}; the trigger never returns them below its "
                "own thresholds, so name them in the robot's thresholds or lower the trigger's."
            )
    return warnings


def unreliable_warnings(
    checked: Mapping[str, Any],
    let_through: set[str],
    fallback: tuple[str, str] | None,
    number: int,
    dataset: str,
    min_test_examples: int,
) -> list[str]:
    """One sentence per checked label whose validation is missing or unreliable."""
    warnings = []
    for name, validation in checked.items():
        reason = NO_VALIDATION if validation is None else unreliable_reason(validation, min_test_examples)
        if reason is not None:
            through = fallback if name in let_through else None
            warnings.append(unreliable_message(name, number, dataset, reason, through))
    return warnings
