"""Reading a pinned model version through the client: its validation, its labels, its thresholds.

Plain functions over a client (no Robot Framework), shared by the ``Models`` keywords
(`Get Model Version Details`, `Verify Model Configuration`) and the ``Thresholds`` ones
(`Load Thresholds` with ``from_model=``, `Thresholds From Model`), so neither component
imports the other. Python code can call them with its own client.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..client import ReinferClient
from ..errors import NotFoundError, ReinferConfigurationError
from ..logic.model_versions import (
    MIN_TEST_EXAMPLES,
    NO_VALIDATION,
    not_pinned_message,
    reasons_text,
    selected_labels,
    tag_version,
    thresholds_from_validation,
    unreliable_reason,
)
from ..logic.thresholds import check_auto
from ..models import LabelValidation, ModelTag, ThresholdConfig, ValidationSummary, parse_model_version


def model_validation(
    client: ReinferClient,
    dataset: str,
    model_version: int | str,
    tags: Sequence[ModelTag] | None = None,
) -> tuple[int, ValidationSummary, list[str]]:
    """(version number, validation summary, label names) of a pinned version or tag.

    The labels are the model's own taxonomy from its validation; when the summary lists
    none, the dataset's taxonomy. See :func:`pinned_version` for the failures.
    """
    number, summary = pinned_version(client, dataset, model_version, tags)
    taxonomy = [label.name for label in summary.labels] or client.get_dataset(dataset).label_names
    return number, summary, taxonomy


def pinned_version(
    client: ReinferClient,
    dataset: str,
    model_version: int | str,
    tags: Sequence[ModelTag] | None = None,
) -> tuple[int, ValidationSummary]:
    """(version number, validation summary) of a pinned version or tag.

    A version that is not pinned (or a tag that points nowhere) is a configuration error
    naming the pinned versions and the tags, whichever keyword asked. With the dataset's
    ``tags`` already read, a tag is resolved with them first and they are not read again.
    """
    version = parse_model_version(model_version)
    if tags is not None and isinstance(version, str):
        version = tag_version(version, tags, dataset)
    try:
        summary = client.get_validation(dataset, version)
    except NotFoundError:
        # The dataset itself may be missing: then reading its tags fails with that message.
        if tags is None:
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
    return number, summary


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


def thresholds_from_model(
    client: ReinferClient,
    dataset: str,
    model_version: int | str = "live",
    optimal: str = "balanced",
    labels: Sequence[str] | None = None,
    min_test_examples: int = MIN_TEST_EXAMPLES,
) -> tuple[ThresholdConfig, dict[str, str]]:
    """Each label's ``optimal`` threshold from a pinned model's validation.

    Returns the config (its ``model_version`` the resolved number) and the labels left
    out, each with the reason: those `Verify Model Configuration` would call unreliable
    with the same ``min_test_examples``. Fails when no label is left.
    """
    check_auto(optimal, "optimal")
    number, _, taxonomy = model_validation(client, dataset, model_version)
    where = f"Model version {number} of {dataset}"
    names = selected_labels(True if labels is None else labels, taxonomy, where)
    fetched = label_validations(client, dataset, number, names)
    present = {name: validation for name, validation in fetched.items() if validation is not None}
    config, skipped = thresholds_from_validation(present, optimal, number, min_test_examples)
    reasons = {name: NO_VALIDATION for name, validation in fetched.items() if validation is None}
    for name in skipped:
        reasons[name] = (
            unreliable_reason(present[name], min_test_examples) or f"validation has no {optimal} threshold"
        )
    if not config.thresholds:
        raise ReinferConfigurationError(
            f"{where} has no label with a reliable {optimal} threshold ({reasons_text(reasons)}); "
            "label more examples, or pick thresholds by hand."
        )
    source = f"the {optimal} optimal thresholds of {dataset} model version {number}"
    return config.model_copy(update={"source": source}), reasons
