"""Predicted labels, entities and label properties, in one normalised form."""

from __future__ import annotations

from typing import Any

from pydantic import AliasChoices, Field, field_validator, model_validator

from .base import ApiModel
from .names import label_name


class LabelOccurrence(ApiModel):
    """One occurrence of a label in a comment (``/results`` lists a label once per occurrence,
    each with its own confidence and extracted fields)."""

    probability: float
    auto_thresholds: list[str] = Field(default_factory=list)
    capture_id: int
    """The capture id the occurrence's fields carry in the item's ``entities``."""
    fields: dict[str, str | None] = Field(default_factory=dict)
    """Field name -> formatted value (``None`` when the field is missing in this occurrence)."""


class PredictedLabel(ApiModel):
    """A label the model predicted. ``name`` is always the ``"A > B"`` string form.

    A label that occurs several times in a comment is one label with the highest occurrence's
    confidence; ``occurrences`` keeps each one (``/results`` only; empty elsewhere).
    """

    name: str
    probability: float
    sentiment: float | None = None
    auto_thresholds: list[str] = Field(default_factory=list)
    occurrences: list[LabelOccurrence] = Field(default_factory=list)

    @field_validator("name", mode="before")
    @classmethod
    def _normalise_name(cls, value: Any) -> str:
        return label_name(value)


class Span(ApiModel):
    """Where an entity sits. ``char_*`` are code points; ``utf16_byte_*`` are UTF-16 bytes."""

    content_part: str = "body"
    message_index: int = 0
    char_start: int | None = None
    char_end: int | None = None
    utf16_byte_start: int | None = None
    utf16_byte_end: int | None = None


class Entity(ApiModel):
    """An extracted entity. ``capture_ids`` groups entities of one table row."""

    id: str | None = None
    name: str
    kind: str | None = None
    formatted_value: str
    span: Span | None = None
    spans: list[Span] = Field(default_factory=list)
    probability: float | None = None
    capture_ids: list[int] = Field(default_factory=list)

    @model_validator(mode="after")
    def _spans_from_span(self) -> Entity:
        # Some answers carry only the older single ``span``: keywords read ``spans``.
        if not self.spans and self.span is not None:
            self.spans = [self.span]
        return self


class LabelProperty(ApiModel):
    """A label property score (``tone``, ``quality_of_service``), -10..10.

    Fetch/predict send ``property_id``/``property_name``; dataset queries send ``id``/``name``.
    """

    property_id: str | None = Field(default=None, validation_alias=AliasChoices("property_id", "id"))
    property_name: str = Field(validation_alias=AliasChoices("property_name", "name"))
    value: float


class ModelInfo(ApiModel):
    """The pinned model version an answer came from and when it was pinned."""

    version: int
    time: str | None = None
