"""Model versions, their validation, the drift guard, and thresholds taken from or saved for a model.

The functions above the keyword class take a client, so `Load Thresholds` (or plain
Python) can take thresholds from a model's validation without this component.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from robot.api.deco import keyword
from robot.utils import DotDict

from ..client import ReinferClient
from ..errors import NotFoundError, ReinferConfigurationError
from ..logic.drift import (
    MIN_TEST_EXAMPLES,
    check_label_names,
    label_details,
    not_pinned_message,
    parse_model_version,
    tag_version,
    tags_text,
    threshold_problems,
    unreliable_reason,
)
from ..logic.labels import canonical_label
from ..logic.thresholds import canonical_thresholds
from ..logic.thresholds_io import save_thresholds, thresholds_from_validation
from ..models import AUTO_THRESHOLDS, AutoThreshold, LabelValidation, ThresholdConfig, ValidationSummary
from .base import LibraryComponent
from .thresholds import describe, reject_path

NO_VALIDATION = "the model has no validation for it"
WORDS = {"TRUE": True, "YES": True, "ALL": True, "FALSE": False, "NO": False, "NONE": False, "": False}
"""What ``labels=`` text means when it is not a label name."""


# --- reusable steps (a client in, models out) ---------------------------------------------


def model_validation(
    client: ReinferClient, dataset: str, model_version: int | str
) -> tuple[int, ValidationSummary, list[str]]:
    """(version number, validation summary, label names) of a pinned version or tag.

    The labels are the model's own taxonomy from its validation; when the summary lists
    none, the dataset's taxonomy. A version that is not pinned (or a tag that points
    nowhere) fails naming the pinned versions and the tags.
    """
    version = parse_model_version(model_version)
    try:
        summary = client.get_validation(dataset, version)
    except NotFoundError:
        # The dataset itself may be missing: then reading its tags fails with that message.
        tags = client.get_model_tags(dataset)
        if isinstance(version, str):
            tag_version(version, tags, dataset)  # fails when the tag points nowhere
            raise
        pinned = [tag.version for tag in tags]
        raise ReinferConfigurationError(not_pinned_message(version, dataset, pinned, tags)) from None
    if summary.version is not None:
        number = summary.version
    elif isinstance(version, int):
        number = version
    else:
        number = tag_version(version, client.get_model_tags(dataset), dataset)
    taxonomy = [label.name for label in summary.labels] or client.get_dataset(dataset).label_names
    return number, summary, taxonomy


def label_validations(
    client: ReinferClient, dataset: str, version: int, labels: Sequence[str]
) -> dict[str, LabelValidation | None]:
    """Each label's validation (one call per label); ``None`` where the model has none."""
    found: dict[str, LabelValidation | None] = {}
    for label in labels:
        try:
            found[label] = client.get_label_validation(dataset, version, label)
        except NotFoundError:
            found[label] = None
    return found


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
    names = list(dict.fromkeys(canonical_label(value) for value in values))
    check_label_names(names, taxonomy, where, "give labels of its taxonomy")
    return names


def thresholds_from_model(
    client: ReinferClient,
    dataset: str,
    model_version: int | str = "live",
    optimal: str = "balanced",
    labels: Sequence[str] | None = None,
) -> tuple[ThresholdConfig, dict[str, str]]:
    """Each label's ``optimal`` threshold from a pinned model's validation.

    Returns the config (its ``model_version`` the resolved number) and the labels left
    out, each with the reason. Fails when no label is left.
    """
    if optimal not in AUTO_THRESHOLDS:
        raise ReinferConfigurationError(
            f"optimal={optimal!r} is not one of {', '.join(AUTO_THRESHOLDS)} (lowest to highest precision)."
        )
    number, _, taxonomy = model_validation(client, dataset, model_version)
    where = f"Model version {number} of {dataset}"
    names = selected_labels(True if labels is None else labels, taxonomy, where)
    fetched = label_validations(client, dataset, number, names)
    present = {name: validation for name, validation in fetched.items() if validation is not None}
    config, skipped = thresholds_from_validation(present, optimal, number)
    reasons = {name: NO_VALIDATION for name, validation in fetched.items() if validation is None}
    for name in skipped:
        reasons[name] = unreliable_reason(present[name], 0) or f"validation has no {optimal} threshold"
    if not config.thresholds:
        raise ReinferConfigurationError(
            f"{where} has no label with a reliable {optimal} threshold ({_reasons_text(reasons)}); "
            "label more examples, or pick thresholds by hand."
        )
    source = f"the {optimal} optimal thresholds of {dataset} model version {number}"
    return config.model_copy(update={"source": source}), reasons


def _reasons_text(reasons: Mapping[str, str]) -> str:
    return "; ".join(f"'{name}': {reason}" for name, reason in reasons.items()) or "no labels"


def left_out_message(dataset: str, config: ThresholdConfig, optimal: str, skipped: Mapping[str, str]) -> str:
    """The warning naming the labels :func:`thresholds_from_model` left out, and why."""
    return (
        f"Left out {len(skipped)} label(s) of {dataset} model version {config.model_version} "
        f"without a reliable {optimal} threshold: {_reasons_text(skipped)}."
    )


def _fallback(config: ThresholdConfig | None) -> tuple[str, str] | None:
    """What decides the labels a config does not name, and what to drop to stop it.

    ``("default 0.2", "default")``, ``("auto balanced", "auto")``, or with both (either
    one keeps a label) ``("default 0.2 or auto balanced", "default and auto")``.
    """
    if config is None:
        return None
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


def _config(thresholds: Any, argument: str) -> ThresholdConfig:
    thresholds = reject_path(thresholds, argument)
    if isinstance(thresholds, ThresholdConfig):
        return thresholds
    if isinstance(thresholds, Mapping):
        return ThresholdConfig(thresholds=canonical_thresholds(thresholds))
    raise ReinferConfigurationError(
        f"{argument} must be the result of Load Thresholds or a dictionary of label -> 0..1, "
        f"got {type(thresholds).__name__}."
    )


# --- the keywords -----------------------------------------------------------------------


class ModelKeywords(LibraryComponent):
    """Keywords of the ``Models`` and ``Thresholds`` areas about pinned model versions."""

    @keyword(tags=("Models",))
    def get_model_tags(self, dataset: str | None = None, details: bool = False) -> DotDict:
        """Return which pinned model version each tag (``live``, ``staging``) points at.

        Tags are moved in the platform's UI when a new model goes live; a robot that
        predicts with ``live`` follows them, one pinned to a number does not.

        Args:
            dataset: ``owner/name``; default: the connection's dataset.
            details: ``True`` to get, per tag, ``version`` and ``updated_at`` (when the tag
                last moved) instead of the version alone.

        Returns:
            Tag name -> version number, e.g. ``{live: 1, staging: 2}``; with
            ``details=True`` tag name -> ``{version, updated_at}``.

        Example:
        | ${tags} = | Get Model Tags |
        | Should Be Equal As Integers | ${tags.live} | 1 |
        | ${tags} = | Get Model Tags | details=True |
        | Log | live moved at ${tags.live.updated_at} |
        """
        dataset = self.dataset(dataset)
        tags = self.client.get_model_tags(dataset)
        moved = ", ".join(
            f"{tag.name}={tag.version} (set {tag.updated_at or 'at an unknown time'})" for tag in tags
        )
        self.info(f"Model tags of {dataset}: {moved or 'none'}.")
        if details:
            return DotDict(
                (tag.name, DotDict(version=tag.version, updated_at=tag.updated_at)) for tag in tags
            )
        return DotDict((tag.name, tag.version) for tag in tags)

    @keyword(tags=("Models",))
    def get_model_version_details(
        self,
        model_version: int | str = "live",
        dataset: str | None = None,
        labels: bool | list | str = True,
        min_test_examples: int = MIN_TEST_EXAMPLES,
    ) -> DotDict:
        """Return a pinned model version's validation: overall quality and per-label figures.

        The per-label figures come from one call per label, so ask for the labels you
        need when the taxonomy is large (``labels=${names}``), or none
        (``labels=False``) for the summary alone. A version that is not pinned, or a tag
        that points at no version, fails naming the pinned versions and the tags.

        Args:
            model_version: A pinned version number, ``live`` or ``staging``.
            dataset: ``owner/name``; default: the connection's dataset.
            labels: ``True`` for every label of the model, ``False`` for none, or a list
                of label names (each ``Order > Missing``, or a list of its levels).
            min_test_examples: Fewer held-out examples than this mark a label as not
                ``reliable`` (see `Verify Model Configuration`).

        Returns:
            A dictionary: ``version`` (the number, also when a tag was asked for),
            ``dataset``, ``summary`` (the platform's validation summary:
            ``dataset_quality``, ``dataset_score``, ``mean_average_precision_safe``,
            ``num_labels``, ``num_amber_labels``, ``num_red_labels``, ``labels``, ...),
            ``labels`` (name -> ``average_precision``, ``health``, ``reliable``,
            ``unreliable_reason``, ``optimal_thresholds`` (the ``high_recall``, ``balanced``
            and ``high_precision`` thresholds), ``precision`` and ``recall`` at each of
            those thresholds, ``train_size``, ``test_size``, ``reviewed_size``) and
            ``unreliable`` (names of the labels that are not reliable).

        Example:
        | ${details} = | Get Model Version Details | staging |
        | Log | Quality ${details.summary.dataset_quality}, version ${details.version} |
        | ${missing} = | Set Variable | ${details.labels}[Order > Missing] |
        | Log | balanced at ${missing.optimal_thresholds.balanced}: precision ${missing.precision.balanced} |
        | ${summary} = | Get Model Version Details | 1 | labels=False |
        """
        dataset = self.dataset(dataset)
        number, summary, taxonomy = model_validation(self.client, dataset, model_version)
        names = selected_labels(labels, taxonomy, f"Model version {number} of {dataset}")
        per_label: dict[str, Any] = {}
        for name, validation in label_validations(self.client, dataset, number, names).items():
            if validation is None:
                per_label[name] = {"reliable": False, "unreliable_reason": NO_VALIDATION}
            else:
                per_label[name] = label_details(validation, min_test_examples)
        unreliable = [name for name, figures in per_label.items() if not figures["reliable"]]
        asked = parse_model_version(model_version)
        self.info(
            f"Model version {number} of {dataset} (asked for {asked!r}): quality "
            f"{summary.dataset_quality or 'unknown'}, score {summary.dataset_score}, "
            f"{len(taxonomy)} label(s); {len(per_label)} label(s) detailed, "
            f"{len(unreliable)} not reliable{': ' + ', '.join(unreliable) if unreliable else ''}."
        )
        result: DotDict = self.to_robot(
            {
                "version": number,
                "dataset": dataset,
                "summary": summary.model_dump(mode="json"),
                "labels": per_label,
                "unreliable": unreliable,
            }
        )
        return result

    @keyword(tags=("Models",))
    def verify_model_configuration(
        self,
        thresholds: ThresholdConfig | dict,
        dataset: str | None = None,
        model_version: int | str | None = None,
        min_test_examples: int = MIN_TEST_EXAMPLES,
    ) -> DotDict:
        """Check that thresholds still fit the model they name: a drift guard for suite setup.

        Models are retrained and tags moved while robots keep running. This fails, before
        any comment is routed, when:
        - the model version is not pinned (or a tag points at no version);
        - a configured label is not in that model's taxonomy (each with "did you mean"
          suggestions);
        - a threshold is not a number from 0 to 1.
        It logs a warning for each label the thresholds can let through whose validation
        is unreliable: no optimal thresholds, health not good or average, or fewer than
        ``min_test_examples`` held-out examples. Such labels should be left out in
        production: their confidences cannot be thresholded reliably. The labels checked
        are the configured ones and, when the config has a ``default`` or ``auto`` (which
        decide every label it does not name), every other label of the model too; each
        costs one call.

        Args:
            thresholds: The result of `Load Thresholds`, or a dictionary of label -> 0..1.
            dataset: ``owner/name``; default: the connection's dataset.
            model_version: The version to check against. Default: the config's
                ``model_version``.
            min_test_examples: Fewest held-out examples for a label's validation to count
                as reliable.

        Returns:
            A dictionary: ``version`` (the pinned number checked), ``model_version`` (as
            configured), ``dataset``, ``labels_checked`` (how many labels: the configured
            ones, plus every other label of the model when a ``default`` or ``auto`` lets
            them through) and ``warnings`` (one sentence per unreliable label).

        Example:
        | *** Settings *** |
        | Suite Setup | Check Configuration |
        | *** Keywords *** |
        | Check Configuration |
        | | ${config} = | Load Thresholds | ${CURDIR}/thresholds.yaml |
        | | ${check} = | Verify Model Configuration | ${config} |
        | | Log | Model version ${check.version}: ${check.labels_checked} labels checked |
        """
        thresholds = reject_path(thresholds, "thresholds")
        config = thresholds if isinstance(thresholds, ThresholdConfig) else None
        if config is None and not isinstance(thresholds, Mapping):
            raise ReinferConfigurationError(
                "thresholds must be the result of Load Thresholds or a dictionary of label -> 0..1, "
                f"got {type(thresholds).__name__}."
            )
        # Checked as given (not normalised first), so every problem is listed at once.
        named: Mapping[Any, Any] = config.thresholds if config is not None else dict(thresholds)
        dataset = self.dataset(dataset)
        configured = model_version
        if configured is None and config is not None:
            configured = config.model_version
        if configured is None:
            raise ReinferConfigurationError(
                "Verify Model Configuration needs a model version: put model_version in the thresholds file "
                "or give model_version=."
            )
        version = parse_model_version(configured)
        tags = self.client.get_model_tags(dataset)
        number = tag_version(version, tags, dataset) if isinstance(version, str) else version
        try:
            summary = self.client.get_validation(dataset, number)
        except NotFoundError:
            pinned = [tag.version for tag in tags]
            raise ReinferConfigurationError(not_pinned_message(number, dataset, pinned, tags)) from None
        taxonomy = [label.name for label in summary.labels] or self.client.get_dataset(dataset).label_names
        problems = threshold_problems(named, taxonomy)
        if problems:
            origin = f" in {config.source}" if config is not None and config.source else ""
            raise ReinferConfigurationError(
                f"Thresholds{origin} do not fit model version {number} of {dataset}: {'; '.join(problems)}."
            )
        names = list(canonical_thresholds(named))
        fallback = _fallback(config)
        # A default or auto decides every label the file does not name: those reach production too.
        named_set = set(names)
        unnamed = [name for name in taxonomy if name not in named_set] if fallback else []
        unnamed_set = set(unnamed)
        warnings = []
        checked = label_validations(self.client, dataset, number, names + unnamed)
        for name, validation in checked.items():
            reason = NO_VALIDATION if validation is None else unreliable_reason(validation, min_test_examples)
            if reason is not None:
                through = fallback if name in unnamed_set else None
                warnings.append(unreliable_message(name, number, dataset, reason, through))
        for warning in warnings:
            self.warn(warning)
        shown = f"{configured!r} = {number}" if isinstance(version, str) else str(number)
        split = f" ({len(names)} named, {len(unnamed)} let through by {fallback[0]})" if fallback else ""
        self.info(
            f"Thresholds fit model version {shown} of {dataset} (tags: {tags_text(tags)}): "
            f"{len(checked)} label(s) checked{split}, {len(warnings)} unreliable."
        )
        result: DotDict = self.to_robot(
            {
                "version": number,
                "model_version": version,
                "dataset": dataset,
                "labels_checked": len(checked),
                "warnings": warnings,
            }
        )
        return result

    @keyword(tags=("Thresholds",))
    def thresholds_from_model(
        self,
        model_version: int | str = "live",
        optimal: AutoThreshold = "balanced",
        dataset: str | None = None,
        labels: list | None = None,
    ) -> ThresholdConfig:
        """Take each label's optimal threshold from a pinned model's validation.

        The platform computes three thresholds per label from its validation:
        ``high_recall``, ``balanced`` and ``high_precision`` (increasing confidence).
        A starting point where nobody has picked numbers yet: save it with
        `Save Thresholds` for the business to review. Labels whose validation is not
        reliable (no such threshold, health not good or average) are left out, with a
        warning naming them.

        Args:
            model_version: A pinned version number, ``live`` or ``staging``; the result
                names the number, so it does not move with the tag.
            optimal: ``high_recall``, ``balanced`` or ``high_precision``.
            dataset: ``owner/name``; default: the connection's dataset.
            labels: Only these labels; default: every label of the model.

        Returns:
            A thresholds config, as `Load Thresholds` returns one.

        Example:
        | ${config} = | Thresholds From Model | live | optimal=high_precision |
        | ${labels} = | Labels Above Threshold | ${item} | thresholds=${config} |
        | Save Thresholds | ${config} | ${OUTPUT_DIR}/thresholds.yaml |
        """
        dataset = self.dataset(dataset)
        config, skipped = thresholds_from_model(self.client, dataset, model_version, optimal, labels)
        if skipped:
            self.warn(left_out_message(dataset, config, optimal, skipped))
        self.info(f"Thresholds from {config.source}: {describe(config)}.")
        return config

    @keyword(tags=("Thresholds",))
    def save_thresholds(self, config: ThresholdConfig | dict, path: Path) -> str:
        """Write thresholds to a YAML or JSON file that `Load Thresholds` reads back.

        For the business to review and edit (see `Thresholds`). YAML files start with a
        comment saying when and from what they were written. The file is replaced in one
        step, so a robot loading it at the same moment reads the old or the new file,
        never a half-written one. Folders are created as needed.

        Args:
            config: The result of `Load Thresholds` or `Thresholds From Model`, or a
                dictionary of label -> 0..1.
            path: ``.yaml``, ``.yml`` or ``.json`` file.

        Returns:
            The path written.

        Example:
        | ${config} = | Thresholds From Model | live |
        | Save Thresholds | ${config} | ${CURDIR}/thresholds.yaml |
        | ${again} = | Load Thresholds | ${CURDIR}/thresholds.yaml |
        """
        chosen = _config(config, "config")
        written = save_thresholds(chosen, path)
        self.info(f"Saved thresholds to {written}: {describe(chosen)}.")
        return str(written)
