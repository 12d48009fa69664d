"""Response envelopes: the payload models plus the API's ``"status"`` field.

Each response is parsed once, straight from bytes, into one of these. Where the payload
*is* the result (a fetch batch, sync counters, predictions) the envelope subclasses the
result model, so the client returns the parsed object as is. ``status`` is excluded
from dumps: robots see the batch, not the envelope.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field

from ..models.base import ApiModel
from ..models.comments import Comment
from ..models.datasets import Dataset, SyncResult
from ..models.items import Batch, BatchData, Item, ItemData, ResultsResponse, StreamResult
from ..models.predict_api import PredictCommentsResponse, PredictRawEmailsResponse, PredictResponse
from ..models.streams import Stream
from ..models.validation import FullValidation, LabelValidation, ModelTag, ValidationSummary


class Envelope(ApiModel):
    """``{"status": "ok" | "error", ...}``; the transport checks ``status`` after parsing."""

    status: str | None = Field(default=None, exclude=True)


class StreamEnvelope(Envelope):
    # Legacy routes answer {"trigger": ...}; either key is accepted in either mode.
    stream: Stream = Field(validation_alias=AliasChoices("stream", "trigger"))


class StreamListEnvelope(Envelope):
    streams: list[Stream] = Field(validation_alias=AliasChoices("streams", "triggers"))


class ResetEnvelope(Envelope):
    sequence_id: str | None = None
    stream: Stream | None = Field(default=None, validation_alias=AliasChoices("stream", "trigger"))


class FetchEnvelope(Batch, Envelope):
    # Required here though the model defaults it: an answer without ``results`` (a proxy's
    # ``{"status": "ok"}``) is a protocol error, never an empty batch at the end of the stream.
    results: list[Item]


class FetchDataEnvelope(BatchData, Envelope):
    results: list[ItemData]  # required, as in FetchEnvelope


class ResultsEnvelope(ResultsResponse, Envelope):
    results: list[StreamResult]


class DatasetEnvelope(Envelope):
    dataset: Dataset


class CommentEnvelope(Envelope):
    comment: Comment


class SyncEnvelope(SyncResult, Envelope):
    pass


class PredictEnvelope(PredictResponse, Envelope):
    pass


class PredictCommentsEnvelope(PredictCommentsResponse, Envelope):
    pass


class PredictRawEmailsEnvelope(PredictRawEmailsResponse, Envelope):
    pass


class ModelTagsEnvelope(Envelope):
    model_tags: list[ModelTag] = Field(default_factory=list)


class ValidationEnvelope(Envelope):
    validation: ValidationSummary


class FullValidationEnvelope(Envelope):
    validation: FullValidation


class LabelValidationEnvelope(Envelope):
    label_validation: LabelValidation
