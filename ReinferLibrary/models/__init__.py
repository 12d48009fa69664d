"""Pydantic v2 models of what the API sends (lenient) and takes (strict)."""

from .base import ApiModel, RequestModel
from .comments import Attachment, Comment, Message, MessageText
from .datasets import Dataset, EntityDef, LabelDef, LabelGroup, Source, SyncResult
from .items import Batch, Item, ResultsResponse, batch_from_results, item_from_stream_result
from .names import SEPARATOR, label_name, label_parts
from .predict_api import (
    CommentPrediction,
    PredictCommentsResponse,
    PredictRawEmailsResponse,
    PredictResponse,
    items_from_predict,
    items_from_predict_comments,
)
from .predictions import Entity, LabelOccurrence, LabelProperty, ModelInfo, PredictedLabel, Span
from .streams import LabelThreshold, ResetResult, Stream, StreamModelConfig, StreamNew
from .thresholds import AUTO_THRESHOLDS, AutoThreshold, ThresholdConfig
from .validation import LabelValidation, ModelTag, OptimalThresholds, ValidationLabel, ValidationSummary
from .versions import MODEL_TAGS, ModelVersion, parse_model_version

__all__ = [
    "AUTO_THRESHOLDS",
    "MODEL_TAGS",
    "SEPARATOR",
    "ApiModel",
    "Attachment",
    "AutoThreshold",
    "Batch",
    "Comment",
    "CommentPrediction",
    "Dataset",
    "Entity",
    "EntityDef",
    "Item",
    "LabelDef",
    "LabelGroup",
    "LabelOccurrence",
    "LabelProperty",
    "LabelThreshold",
    "LabelValidation",
    "Message",
    "MessageText",
    "ModelInfo",
    "ModelTag",
    "ModelVersion",
    "OptimalThresholds",
    "PredictCommentsResponse",
    "PredictRawEmailsResponse",
    "PredictResponse",
    "PredictedLabel",
    "RequestModel",
    "ResetResult",
    "ResultsResponse",
    "Source",
    "Span",
    "Stream",
    "StreamModelConfig",
    "StreamNew",
    "SyncResult",
    "ThresholdConfig",
    "ValidationLabel",
    "ValidationSummary",
    "batch_from_results",
    "item_from_stream_result",
    "items_from_predict",
    "items_from_predict_comments",
    "label_name",
    "label_parts",
    "parse_model_version",
]
