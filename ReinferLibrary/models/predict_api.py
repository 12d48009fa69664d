"""Predict endpoints: strict request bodies, lenient responses, normalisation to :class:`Item`.

The three Predict answers (API reference 5.1-5.3) become the same ``list[Item]`` a stream
fetch gives, with ``origin="predict"``, so the label and entity keywords work unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator

from .base import ApiModel, RequestModel
from .comments import Comment
from .items import Item
from .names import label_parts
from .predictions import Entity, LabelProperty, ModelInfo, PredictedLabel

Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Threshold = Probability | Literal["auto"]
"""A number 0..1, or ``"auto"`` to get ``auto_thresholds`` on every label."""

# --- requests (strict: a typo fails before the call) ---------------------------------


class LabelFilter(RequestModel):
    """Restrict predictions to one label, optionally with its own threshold."""

    name: list[str]
    threshold: Probability | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _parts(cls, value: Any) -> list[str]:
        return list(label_parts(value))


class PredictDocument(RequestModel):
    """A document to predict on: a comment without an id."""

    messages: list[dict[str, Any]] = Field(min_length=1)
    timestamp: datetime | str | None = None
    user_properties: dict[str, Any] | None = None
    text_format: Literal["plain", "markdown"] | None = None


class RawEmailDocument(RequestModel):
    raw_email: dict[str, Any]
    user_properties: dict[str, Any] | None = None
    comment_id: str | None = None


class PredictRequest(RequestModel):
    documents: list[PredictDocument] = Field(min_length=1)
    threshold: Threshold | None = None
    labels: list[LabelFilter] | None = None


class PredictCommentsRequest(RequestModel):
    uids: list[str] = Field(min_length=1)
    threshold: Threshold | None = None
    labels: list[LabelFilter] | None = None


class PredictRawEmailsRequest(RequestModel):
    documents: list[RawEmailDocument] = Field(min_length=1)
    threshold: Threshold | None = None
    labels: list[LabelFilter] | None = None
    include_comments: bool | None = None
    transform_tag: str | None = Field(default=None, min_length=1)
    """The email integration's tag: the platform then parses the emails as that integration does."""


def label_filters(
    labels: Sequence[tuple[str | Sequence[str], float | None]] | None,
) -> list[LabelFilter] | None:
    """``[(name, threshold), ...]`` as the API's label filter; ``None`` or empty means no filter."""
    if not labels:
        return None
    return [LabelFilter(name=name, threshold=threshold) for name, threshold in labels]


# --- responses (lenient) -------------------------------------------------------------


class Sentiment(ApiModel):
    total: float | None = None


class PredictResponse(ApiModel):
    """``/predict``: parallel arrays, one entry per document sent."""

    model: ModelInfo | None = None
    predictions: list[list[PredictedLabel]] = Field(default_factory=list)
    entities: list[list[Entity]] | None = None
    label_properties: list[list[LabelProperty]] | None = None
    sentiment: list[Sentiment | None] | None = None


class CommentPrediction(ApiModel):
    uid: str
    labels: list[PredictedLabel] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    label_properties: list[LabelProperty] = Field(default_factory=list)
    sentiment: Sentiment | None = None


class PredictCommentsResponse(ApiModel):
    """``/predict-comments``: one prediction per stored comment, keyed by uid."""

    model: ModelInfo | None = None
    predictions: list[CommentPrediction] = Field(default_factory=list)


class PredictRawEmailsResponse(PredictResponse):
    """``/predict-raw-emails``: as ``/predict``, plus the parsed comments when asked for."""

    comments: list[Comment] | None = None

    @field_validator("comments", mode="before")
    @classmethod
    def _comments_without_uid(cls, value: Any) -> Any:
        # Parsed raw emails are not stored, so the server sends no uid (and maybe no id).
        if isinstance(value, list):
            return [{"id": "", "uid": "", **c} if isinstance(c, dict) else c for c in value]
        return value


# --- normalisation -------------------------------------------------------------------


def _by_probability(labels: list[PredictedLabel]) -> list[PredictedLabel]:
    return sorted(labels, key=lambda label: label.probability, reverse=True)


def _nth(rows: Sequence[Any] | None, index: int, default: Any) -> Any:
    """Entry ``index`` of a parallel array the server may have sent short or not at all."""
    if rows is None or index >= len(rows) or rows[index] is None:
        return default
    return rows[index]


def items_from_predict(response: PredictResponse) -> list[Item]:
    """One :class:`Item` per document, in request order, labels by probability (highest first)."""
    comments = response.comments if isinstance(response, PredictRawEmailsResponse) else None
    items: list[Item] = []
    for index, labels in enumerate(response.predictions):
        sentiment: Sentiment | None = _nth(response.sentiment, index, None)
        comment: Comment | None = _nth(comments, index, None)
        items.append(
            Item(
                # A parsed raw email has no uid yet: its comment id identifies it (never "").
                uid=(comment.uid or comment.id) if comment is not None else "",
                comment=comment,
                labels=_by_probability(labels),
                entities=_nth(response.entities, index, []),
                label_properties=_nth(response.label_properties, index, []),
                sentiment=sentiment.total if sentiment is not None else None,
                model=response.model,
                origin="predict",
            )
        )
    return items


def items_from_predict_comments(response: PredictCommentsResponse) -> list[Item]:
    """One :class:`Item` per stored comment, ``uid`` set, labels by probability (highest first)."""
    return [
        Item(
            uid=prediction.uid,
            labels=_by_probability(prediction.labels),
            entities=prediction.entities,
            label_properties=prediction.label_properties,
            sentiment=prediction.sentiment.total if prediction.sentiment is not None else None,
            model=response.model,
            origin="predict",
        )
        for prediction in response.predictions
    ]
