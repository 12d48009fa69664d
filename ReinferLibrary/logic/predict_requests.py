"""The pieces of a Predict request (API reference 5.1-5.3), built from keyword arguments.

Pure: the Predict keywords resolve the connection and the model's taxonomy, then call
these to make the documents, the threshold and the label list they send.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import PurePath
from typing import Any, Literal

from ..errors import ReinferConfigurationError
from ..models import Batch, Item, ThresholdConfig
from ..models.moments import iso_utc
from .items import check_item, field, item_uid
from .thresholds import as_config, canonical_thresholds, config_text, read_threshold

MAX_DOCUMENTS = 4096
"""The API's limit of documents or uids in one predict request; longer lists are split."""
USER_PROPERTY_TYPES = ("string", "number")

ApiThreshold = float | Literal["auto"] | None
LabelSpec = list[tuple[str, float | None]] | None


def typed_user_properties(properties: Mapping[Any, Any] | None) -> dict[str, Any] | None:
    """User properties with the API's type prefixes: ``Country=UK`` -> ``string:Country``.

    Keys already written ``string:Name`` or ``number:Name`` keep their prefix (a
    ``number:`` value given as text is converted); other keys get ``string:`` for text
    and ``number:`` for numbers.
    """
    if not properties:
        return None
    typed: dict[str, Any] = {}
    for raw_key, value in properties.items():
        key = str(raw_key).strip()
        kind, _, name = key.partition(":")
        if name and kind in USER_PROPERTY_TYPES:
            typed[key] = _property_value(key, kind, value)
        elif isinstance(value, str):
            typed[f"string:{key}"] = value
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            typed[f"number:{key}"] = value
        else:
            raise ReinferConfigurationError(
                f"User property {key!r} must be text or a number, got {type(value).__name__} {value!r:.40}."
            )
    return typed


def _property_value(key: str, kind: str, value: Any) -> Any:
    if kind == "string":
        if isinstance(value, str):
            return value
        raise ReinferConfigurationError(f"User property {key!r} must be text, got {value!r:.40}.")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    try:
        return float(value) if "." in str(value) else int(str(value))
    except (TypeError, ValueError):
        raise ReinferConfigurationError(
            f"User property {key!r} must be a number, got {value!r:.40}."
        ) from None


def text_document(
    text: str,
    subject: str | None = None,
    sender: str | None = None,
    timestamp: datetime | None = None,
    user_properties: Mapping[Any, Any] | None = None,
) -> dict[str, Any]:
    """A ``/predict`` document (API reference 5.1): one message, optional metadata."""
    if not str(text).strip() and not (subject and subject.strip()):
        raise ReinferConfigurationError("Nothing to predict on: the text and the subject are both empty.")
    message: dict[str, Any] = {"body": {"text": str(text)}}
    if subject:
        message["subject"] = {"text": subject}
    if sender:
        message["from"] = sender
    document: dict[str, Any] = {"messages": [message]}
    if timestamp is not None:
        moment = iso_utc(timestamp)
        message["sent_at"] = moment
        document["timestamp"] = moment
    typed = typed_user_properties(user_properties)
    if typed:
        document["user_properties"] = typed
    return document


def one_threshold(threshold: Any, thresholds: Any) -> Any:
    """The Predict keywords' ``threshold=``, also accepted as ``thresholds=`` (every other keyword's name)."""
    if thresholds is None:
        return threshold
    if threshold is not None:
        raise ReinferConfigurationError(
            "Give threshold= or thresholds=, not both: they are one argument (thresholds= is the name "
            "the other keywords use)."
        )
    return thresholds


def text_uid(document: Mapping[str, Any]) -> str:
    """``text:<16 hex digits>``: the same document always gets the same identifier.

    For logs, hand-off keys and idempotent work (``${item.uid}``); it names no stored
    comment, so stream keywords such as `Tag Trigger Exception` cannot use it.
    """
    digest = hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"text:{digest[:16]}"


def threshold_request(
    threshold: Any, taxonomy: Sequence[str] | None = None
) -> tuple[ApiThreshold, LabelSpec]:
    """``(threshold, labels)`` of a predict request from the keyword's ``threshold``.

    - ``None``: neither (the server's default, 0.25).
    - a number 0..1 or ``auto``: that ``threshold``.
    - label -> number (or a config that names labels and has no ``default`` or ``auto``):
      ``labels`` with those thresholds (only those labels come back).
    - a config with a ``default`` or ``auto``: its labels, and every other label of
      ``taxonomy`` too, with the default (or with no number under ``threshold: auto``;
      with 0 under both), so the answer holds what the config's rule can choose.
    """
    if threshold is None:
        return None, None
    if isinstance(threshold, (ThresholdConfig, Mapping, list, PurePath)) or _file_name(threshold):
        return _config_request(as_config(threshold), taxonomy)  # a path: as_config says to load it
    return _single_threshold(threshold), None


def _file_name(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower().endswith((".yaml", ".yml", ".json"))


def _single_threshold(value: Any) -> float | Literal["auto"]:
    if isinstance(value, str) and value.strip().lower() == "auto":
        return "auto"
    try:
        return read_threshold(value)
    except ValueError as problem:
        raise ReinferConfigurationError(
            f"threshold= {problem}; or give auto, a dictionary of label -> number, or the result of "
            "Load Thresholds."
        ) from None


def _config_request(
    config: ThresholdConfig, taxonomy: Sequence[str] | None
) -> tuple[ApiThreshold, LabelSpec]:
    """The request for a config, so the answer holds every label the config's rule can keep.

    Named labels carry their numbers. The others are decided by ``default`` (at or above
    it), by ``auto`` (when their auto-threshold names include it), or with both by either
    one: the answer must then hold them at any confidence, with their auto-threshold names.
    """
    named = canonical_thresholds(config)
    both = config.default is not None and config.auto is not None
    rest: float | None
    if both:
        fallback: ApiThreshold = "auto"
        rest = 0.0  # no single number serves "at or above the default, or clears auto"
    elif config.default is not None:
        fallback = rest = float(config.default)
    elif config.auto is not None:
        fallback, rest = "auto", None
    elif not named:
        raise ReinferConfigurationError(
            "threshold= names no label and has no default or auto: name at least one label."
        )
    else:
        return None, list(named.items())
    if not named and not both:
        return fallback, None
    if taxonomy is None:
        raise ReinferConfigurationError("The taxonomy is needed to send a config with a default or auto.")
    labels: list[tuple[str, float | None]] = list(named.items())
    labels += [(name, rest) for name in taxonomy if name not in named]
    return fallback, labels


def needs_taxonomy(threshold: Any) -> bool:
    """True when :func:`threshold_request` must list the model's labels other than the named ones."""
    if not isinstance(threshold, ThresholdConfig):
        return False
    if threshold.default is not None and threshold.auto is not None:
        return True
    return bool(threshold.thresholds) and (threshold.default is not None or threshold.auto is not None)


def threshold_text(threshold: Any) -> str:
    """How the thresholds were given, for the log line."""
    if threshold is None:
        return "the server's default threshold (0.25)"
    if isinstance(threshold, Mapping):
        return f"{len(threshold)} per-label threshold(s)"
    if isinstance(threshold, ThresholdConfig):
        return f"thresholds from {threshold.source or 'a config'} ({config_text(threshold)})"
    return f"threshold {threshold}"


def uids_and_comments(values: Any) -> list[tuple[str, Any]]:
    """``(uid, comment or None)`` for uids, items, a batch, or a list of any of them."""
    if isinstance(values, Batch):
        values = values.results
    elif isinstance(values, Mapping) and "results" in values and "uid" not in values:
        values = values["results"]
    if isinstance(values, (str, Mapping, Item)):
        values = [values]
    if not isinstance(values, Sequence):
        raise ReinferConfigurationError(
            f"Expected comment uids, items or a batch, got {type(values).__name__}."
        )
    pairs: list[tuple[str, Any]] = []
    for value in values:
        if isinstance(value, str):
            uid, comment = value.strip(), None
        else:
            item = check_item(value)
            uid, comment = item_uid(item), field(item, "comment")
        if not uid:
            raise ReinferConfigurationError(f"Cannot find a comment uid in {str(value)[:80]!r}.")
        pairs.append((uid, comment))
    return pairs


def chunks(values: Sequence[Any]) -> list[Sequence[Any]]:
    """``values`` in pieces of at most :data:`MAX_DOCUMENTS`, the API's limit per request."""
    return [values[start : start + MAX_DOCUMENTS] for start in range(0, len(values), MAX_DOCUMENTS)]
