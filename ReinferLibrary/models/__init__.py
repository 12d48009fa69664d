"""Pydantic v2 models of what the API sends (lenient) and takes (strict)."""

from .base import ApiModel, RequestModel
from .comments import Attachment, Comment, Message, MessageText
from .items import Batch, Item, ResultsResponse, batch_from_results, item_from_stream_result
from .names import SEPARATOR, is_parent_of, label_name, label_parts
from .predictions import Entity, LabelProperty, ModelInfo, PredictedLabel, Span
from .streams import LabelThreshold, ResetResult, Stream, StreamModelConfig, StreamNew
from .thresholds import AUTO_THRESHOLDS, AutoThreshold, ModelVersion, ThresholdConfig

__all__ = [
    "AUTO_THRESHOLDS",
    "SEPARATOR",
    "ApiModel",
    "Attachment",
    "AutoThreshold",
    "Batch",
    "Comment",
    "Entity",
    "Item",
    "LabelProperty",
    "LabelThreshold",
    "Message",
    "MessageText",
    "ModelInfo",
    "ModelVersion",
    "PredictedLabel",
    "RequestModel",
    "ResetResult",
    "ResultsResponse",
    "Span",
    "Stream",
    "StreamModelConfig",
    "StreamNew",
    "ThresholdConfig",
    "batch_from_results",
    "is_parent_of",
    "item_from_stream_result",
    "label_name",
    "label_parts",
]
