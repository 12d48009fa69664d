"""Pinned model versions: their tags, their validation, and the drift guard for a robot's thresholds."""

from __future__ import annotations

from typing import Any

from robot.api.deco import keyword
from robot.utils import DotDict

from ..errors import NotFoundError, ReinferConfigurationError
from ..logic.model_versions import (
    MIN_TEST_EXAMPLES,
    NO_VALIDATION,
    fallback_text,
    label_details,
    selected_labels,
    stream_threshold_warnings,
    stream_version_problem,
    tags_text,
    unreliable_warnings,
)
from ..logic.thresholds import as_config, threshold_problems
from ..models import Stream, ThresholdConfig, parse_model_version
from .base import LibraryComponent
from .model_reads import label_validations, model_validation


class ModelKeywords(LibraryComponent):
    """Keywords of the ``Models`` area."""

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

    def _checked_trigger(self, trigger: str | None, dataset: str | None) -> tuple[str, Stream | None]:
        """(dataset, the trigger's definition or ``None`` when no trigger is to be checked)."""
        if trigger is None:
            return self.dataset(dataset), None
        dataset, name = self.stream(trigger, dataset)
        try:
            return dataset, self.client.get_stream(dataset, name)
        except NotFoundError as error:
            raise self.stream_hint(error, dataset, name) from None

    def _version_to_check(
        self, config: ThresholdConfig, model_version: int | str | None, stream: Stream | None
    ) -> int | str:
        """The model version asked for, else the config's, else the trigger's."""
        configured = config.model_version if model_version is None else model_version
        if configured is None and stream is not None and stream.model is not None:
            configured = stream.model.version
            self.info(
                f"The thresholds name no model version: checking trigger {stream.name!r}'s, {configured}."
            )
        if configured is None:
            raise ReinferConfigurationError(
                "Verify Model Configuration needs a model version: put model_version in the thresholds file "
                "or give model_version=."
            )
        return configured

    @keyword(tags=("Models",))
    def verify_model_configuration(
        self,
        thresholds: ThresholdConfig,
        dataset: str | None = None,
        model_version: int | str | None = None,
        min_test_examples: int = MIN_TEST_EXAMPLES,
        trigger: str | None = None,
    ) -> DotDict:
        """Check that thresholds still fit the model they name: a drift guard for suite setup.

        Models are retrained and tags moved while robots keep running. This fails, before
        any comment is routed, when:
        - the model version is not pinned (or a tag points at no version);
        - a configured label is not in that model's taxonomy (each with "did you mean"
          suggestions);
        - a threshold is not a number from 0 to 1;
        - with ``trigger=``: the trigger is pinned to another model version than the
          thresholds are for (its answers come from that version), or has no model.
        With ``trigger=`` it also warns for each robot threshold below the trigger's own
        threshold for that label (the trigger never returns the label below its own
        threshold, so the robot never sees those confidences), for each named label the
        trigger has no threshold for (never returned), and when the config's ``default``
        is below the trigger's threshold for labels the config does not name.
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
            trigger: A stream name (or ``owner/dataset/stream``) the thresholds are used
                on, to check its pinned model version and its own label thresholds too.
                When the config names no model version, the trigger's is checked.

        Returns:
            A dictionary: ``version`` (the pinned number checked), ``model_version`` (as
            configured), ``dataset``, ``trigger`` (the trigger checked, or ``None``),
            ``labels_checked`` (how many labels: the configured
            ones, plus every other label of the model when a ``default`` or ``auto`` lets
            them through) and ``warnings`` (one sentence per unreliable label or threshold
            the trigger makes meaningless).

        Example:
        | *** Settings *** |
        | Suite Setup | Check Configuration |
        | *** Keywords *** |
        | Check Configuration |
        | | ${config} = | Load Thresholds | ${CURDIR}/thresholds.yaml |
        | | ${check} = | Verify Model Configuration | ${config} |
        | | Log | Model version ${check.version}: ${check.labels_checked} labels checked |
        | | Verify Model Configuration | ${config} | trigger=routing | # and the trigger's version |
        """
        config = as_config(thresholds)
        dataset, stream = self._checked_trigger(trigger, dataset)
        configured = self._version_to_check(config, model_version, stream)
        version = parse_model_version(configured)
        tags = self.client.get_model_tags(dataset)
        number, _, taxonomy = model_validation(self.client, dataset, version, tags)
        if stream is not None:
            mismatch = stream_version_problem(stream, dataset, number, version, config.source)
            if mismatch:
                raise ReinferConfigurationError(mismatch)
        problems = threshold_problems(config.thresholds, taxonomy)
        if problems:
            origin = f" in {config.source}" if config.source else ""
            raise ReinferConfigurationError(
                f"Thresholds{origin} do not fit model version {number} of {dataset}: {'; '.join(problems)}."
            )
        names = list(config.thresholds)
        fallback = fallback_text(config)
        # A default or auto decides every label the file does not name: those reach production too.
        unnamed = [name for name in taxonomy if name not in config.thresholds] if fallback else []
        checked = label_validations(self.client, dataset, number, names + unnamed)
        warnings = unreliable_warnings(checked, set(unnamed), fallback, number, dataset, min_test_examples)
        if stream is not None:
            warnings += stream_threshold_warnings(config, stream)
        for warning in warnings:
            self.warn(warning)
        shown = f"{configured!r} = {number}" if isinstance(version, str) else str(number)
        split = f" ({len(names)} named, {len(unnamed)} let through by {fallback[0]})" if fallback else ""
        on = f", the version trigger {stream.name!r} is pinned to" if stream is not None else ""
        self.info(
            f"Thresholds fit model version {shown} of {dataset}{on} (tags: {tags_text(tags)}): "
            f"{len(checked)} label(s) checked{split}, {len(warnings)} warning(s)."
        )
        result: DotDict = self.to_robot(
            {
                "version": number,
                "model_version": version,
                "dataset": dataset,
                "trigger": stream.name if stream is not None else None,
                "labels_checked": len(checked),
                "warnings": warnings,
            }
        )
        return result
