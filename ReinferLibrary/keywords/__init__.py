"""Keyword components, one per area. Each is a :class:`LibraryComponent` over one shared context.

To add an area (predictions, Elasticsearch), subclass :class:`LibraryComponent` in its own
module and add an instance to the list in :func:`ReinferLibrary.ReinferLibrary.components`.
"""

from .base import LibraryComponent, LibraryContext, ReinferConnection, log_call, to_robot
from .batches import BatchKeywords
from .comments import CommentKeywords
from .connection import ConnectionKeywords
from .elasticsearch import ElasticsearchKeywords
from .entities import EntityKeywords
from .labels import LabelKeywords
from .ledger import LedgerKeywords
from .model_versions import ModelKeywords
from .predictions import PredictionKeywords
from .processing import ProcessingKeywords
from .sentiment import SentimentKeywords
from .thresholds import ThresholdKeywords
from .triggers import TriggerKeywords

__all__ = [
    "BatchKeywords",
    "CommentKeywords",
    "ConnectionKeywords",
    "ElasticsearchKeywords",
    "EntityKeywords",
    "LabelKeywords",
    "LedgerKeywords",
    "LibraryComponent",
    "LibraryContext",
    "ModelKeywords",
    "PredictionKeywords",
    "ProcessingKeywords",
    "ReinferConnection",
    "SentimentKeywords",
    "ThresholdKeywords",
    "TriggerKeywords",
    "log_call",
    "to_robot",
]
