"""Stream (legacy name: trigger) definitions, as read and as written."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

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
    name: list[str]
    threshold: float = Field(ge=0.0, le=1.0)

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
