"""Stream (legacy name: trigger) definitions, as read and as written."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, StrictInt, StringConstraints, field_validator

from .base import ApiModel, RequestModel
from .names import label_parts


class LabelThreshold(ApiModel):
    """``name`` is the list of hierarchy parts, as the API wants it."""

    name: list[str]
    threshold: float | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _parts(cls, value: Any) -> list[str]:
        return list(label_parts(value))


class StreamModelConfig(ApiModel):
    version: int
    label_thresholds: list[LabelThreshold] = Field(default_factory=list)


class Stream(ApiModel):
    id: str
    dataset_id: str | None = None
    name: str
    title: str = ""
    description: str = ""
    created_at: str | None = None
    updated_at: str | None = None
    comment_filter: dict[str, Any] = Field(default_factory=dict)
    model: StreamModelConfig | None = None


class LabelThresholdNew(RequestModel):
    """``threshold`` is optional, as in the API's ``TriggerLabelThreshold``."""

    name: list[str]
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)

    @field_validator("name", mode="before")
    @classmethod
    def _parts(cls, value: Any) -> list[str]:
        return list(label_parts(value))


class StreamModelNew(RequestModel):
    version: int = Field(ge=0)
    label_thresholds: list[LabelThresholdNew] = Field(default_factory=list)


class StreamNew(RequestModel):
    """Body of a stream create/update request (``{"stream": ...}``)."""

    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,256}$")
    title: str | None = Field(default=None, max_length=128)
    description: str | None = Field(default=None, max_length=16384)
    comment_filter: dict[str, Any] | None = None
    model: StreamModelNew | None = None


class ResetResult(ApiModel):
    sequence_id: str | None = None
    stream: Stream | None = None


# --- request bodies of the stream actions (strict: bad input fails before the call) ---

MAX_BATCH = 1024
"""The API's upper bound for ``size``, ``max_results`` and ``max_filtered``."""

BatchSize = Annotated[StrictInt, Field(ge=1, le=MAX_BATCH)]
NonEmptyText = Annotated[str, StringConstraints(min_length=1, pattern=r"\S")]
"""Text with at least one non-space character (a sequence id, a uid, an exception type)."""


class FetchRequest(RequestModel):
    """Body of ``POST .../fetch``."""

    size: BatchSize = 16
    max_filtered: BatchSize | None = None


class ResultsQuery(RequestModel):
    """Query of ``GET .../results`` (checked like a body, sent as parameters)."""

    max_results: BatchSize = 16
    max_filtered: BatchSize | None = None


class AdvanceRequest(RequestModel):
    """Body of ``POST .../advance``."""

    sequence_id: NonEmptyText


class ResetRequest(RequestModel):
    """Body of ``POST .../reset``: RFC 3339 in UTC (the client formats it)."""

    to_comment_created_at: NonEmptyText


class ExceptionMetadata(RequestModel):
    type: NonEmptyText


class ExceptionTag(RequestModel):
    metadata: ExceptionMetadata
    uid: NonEmptyText


class TagExceptionsRequest(RequestModel):
    """Body of ``PUT .../exceptions``."""

    exceptions: list[ExceptionTag] = Field(min_length=1)


class UntagExceptionsQuery(RequestModel):
    """Query of ``DELETE .../exceptions`` (``?uid=...&uid=...``), checked like a body."""

    uids: list[NonEmptyText] = Field(min_length=1)
