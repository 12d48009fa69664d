"""Model tags and model validation (API reference 5 and 5.5)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from .base import ApiModel
from .names import label_name, label_parts


class ModelTag(ApiModel):
    """A tag (``live``, ``staging``) pointing at a pinned model version."""

    name: str
    version: int
    updated_at: str | None = None


class ValidationLabel(ApiModel):
    """A label of the validated model; ``name`` in ``"A > B"`` form, ``parts`` its levels."""

    name: str
    parts: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _name_and_parts(cls, data: Any) -> Any:
        if isinstance(data, str):
            data = {"name": data}
        if isinstance(data, dict):
            raw = data.get("name") or data.get("parts")
            if raw:
                data = {**data, "name": label_name(raw), "parts": list(data.get("parts") or label_parts(raw))}
        return data


class ValidationEntity(ApiModel):
    name: str
    title: str | None = None


class ValidationSummary(ApiModel):
    """The public summary of ``GET .../labellers/{version}/validation``; every figure optional.

    ``labels`` also accepts the private form, a mapping of label name to per-label figures;
    those figures are kept on each label as extra fields.
    """

    version: int | None = None
    labels: list[ValidationLabel] = Field(default_factory=list)
    entities: list[ValidationEntity] = Field(default_factory=list)
    num_reviewed_comments: int | None = None
    num_labels: int | None = None
    num_amber_labels: int | None = None
    num_red_labels: int | None = None
    mean_average_precision_safe: float | None = None
    dataset_quality: str | None = None
    dataset_score: int | float | None = None
    balance: float | None = None
    balance_quality: str | None = None
    coverage: float | None = None
    coverage_quality: str | None = None
    underperforming_labels_quality: str | None = None
    all_labels_quality: str | None = None

    @field_validator("labels", mode="before")
    @classmethod
    def _labels_from_mapping(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return [
                {**figures, "name": name} if isinstance(figures, dict) else {"name": name}
                for name, figures in value.items()
            ]
        return value


class OptimalThresholds(ApiModel):
    high_recall: float | None = None
    balanced: float | None = None
    high_precision: float | None = None


class LabelValidationSummary(ApiModel):
    """One label's entry in the full validation's ``labels`` (no curve, only the figures)."""

    train_size: int | None = None
    test_size: int | None = None
    reviewed_size: int | None = None
    average_precision: float | None = None
    optimal_thresholds: OptimalThresholds | None = None
    health: Any = None


class LabelValidation(LabelValidationSummary):
    """Precision/recall curve of one label, with its figures; ``thresholds`` descending, arrays parallel."""

    thresholds: list[float] = Field(default_factory=list)
    precisions: list[float] = Field(default_factory=list)
    recalls: list[float] = Field(default_factory=list)

    def at_threshold(self, threshold: float) -> tuple[float, float] | None:
        """(precision, recall) at ``threshold``: the first curve point at or below it.

        The same lookup the reinfer CLI uses; ``None`` when the curve has no such point.
        """
        for index, point in enumerate(self.thresholds):
            if point <= threshold and index < len(self.precisions) and index < len(self.recalls):
                return self.precisions[index], self.recalls[index]
        return None


class FullValidation(ApiModel):
    """The private ``GET .../labellers/{version}/validation``: every label's figures in one answer.

    ``labels`` maps a label name (``"A > B"``) to its figures, among them the
    ``optimal_thresholds`` the platform's auto-threshold names stand for. The library reads
    it to give items of the ``fetch`` route the names ``/results`` items carry.
    """

    version: int | None = None
    labels: dict[str, LabelValidationSummary] = Field(default_factory=dict)

    @field_validator("labels", mode="before")
    @classmethod
    def _canonical_names(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {label_name(name): figures for name, figures in value.items()}
        return value
