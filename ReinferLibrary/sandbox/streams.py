"""Stream cursor semantics (API reference 3.12): what a fetch examines, returns and points at.

A stream walks the comments of its dataset's sources in upload order (``seq``). Its position
is the ``seq`` of the last consumed comment; ``fetch`` and ``results`` read from there and
never move it; ``advance`` sets it to exactly the position a sequence id names (forwards or
backwards, the same id twice is a no-op); ``reset`` moves it to just before the first
comment created at or after a time.

One read examines comments until ``size`` of them matched the stream's ``comment_filter``, or
``max_filtered`` of them failed it (default :data:`DEFAULT_MAX_FILTERED`), or the end of the
available comments is reached. The batch sequence id points after the last *examined*
comment, so advancing to it also skips trailing filtered comments; each result's own id
points right after that result.

Sequence ids are opaque to clients: base64url of (stream id, seq) with a truncated HMAC,
keyed by a secret kept in the database, so ids survive restarts, cannot be forged, and an id
of another stream (or of a deleted and re-created one) is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from array import array
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email.utils import parseaddr
from typing import Any

from . import timeutil
from .envelope import bad_request, dumps, not_found
from .nlp.classifier import comment_text
from .nlp.properties import tone_value
from .nlp.sentiment import add_label_sentiment
from .predictor import (
    STREAM_THRESHOLD,
    LoadedModel,
    Predictor,
    fetch_labels,
    fetch_labels_json,
    stream_labels,
)
from .schemas import LABEL_SEPARATOR
from .store import CommentRow, Store

DEFAULT_MAX_FILTERED = 16
DEFAULT_MAX_RESULTS = 16
_TAG_BYTES = 8

Predicate = Callable[[CommentRow], bool]
Check = Callable[[CommentRow, dict[str, Any]], bool]


class SequenceCodec:
    """Encodes and checks the opaque sequence ids / continuations of streams."""

    def __init__(self, secret: bytes) -> None:
        self._secret = secret

    def _tag(self, payload: bytes) -> bytes:
        return hmac.new(self._secret, payload, hashlib.sha256).digest()[:_TAG_BYTES]

    def encode(self, stream_id: str, seq: int) -> str:
        payload = bytes.fromhex(stream_id) + seq.to_bytes(8, "big")
        return base64.urlsafe_b64encode(payload + self._tag(payload)).decode("ascii").rstrip("=")

    def decode(self, token: str, stream_id: str, stream_name: str) -> int:
        """The position a token names. 400 if it is malformed or belongs to another stream."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        except (binascii.Error, ValueError):
            raw = b""
        payload, tag = raw[:-_TAG_BYTES], raw[-_TAG_BYTES:]
        if len(payload) != 16 or not hmac.compare_digest(tag, self._tag(payload)):
            raise bad_request(f"sequence_id '{token[:64]}' is not a sequence id issued by this server")
        if payload[:8].hex() != stream_id:
            raise bad_request(f"sequence_id '{token[:64]}' belongs to another stream, not to '{stream_name}'")
        return int.from_bytes(payload[8:], "big")


# --- comment filters --------------------------------------------------------------------------


def _addresses(values: Sequence[Any]) -> set[str]:
    found = set()
    for value in values:
        if isinstance(value, str):
            address = parseaddr(value)[1] or value
            found.add(address.strip().lower())
    return found


def _domain(address: str) -> str:
    return address.rpartition("@")[2]


def _participants(rule: dict[str, Any], addresses: set[str]) -> bool:
    domains = {_domain(address) for address in addresses}
    checks = (
        ("one_of", addresses, True),
        ("not_one_of", addresses, False),
        ("domain_one_of", domains, True),
        ("domain_not_one_of", domains, False),
    )
    for key, values, wanted in checks:
        if rule.get(key) is not None:
            listed = {str(item).strip().lower() for item in rule[key]}
            if bool(values & listed) != wanted:
                return False
    return True


def _recipients(rule: dict[str, Any], addresses: set[str]) -> bool:
    if not addresses:
        return bool(rule.get("include_missing", rule.get("one_of") is None))
    if rule.get("one_of") is not None and not addresses & {str(a).lower() for a in rule["one_of"]}:
        return False
    return not (
        rule.get("not_one_of") is not None and addresses & {str(a).lower() for a in rule["not_one_of"]}
    )


def _property(rule: dict[str, Any], value: Any) -> bool:
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if rule.get("one_of") is not None and (
        value is None or not any(value == item for item in rule["one_of"])
    ):
        return False
    if (
        rule.get("not_one_of") is not None
        and value is not None
        and any(value == item for item in rule["not_one_of"])
    ):
        return False
    blocked = rule.get("domain_not_one_of")
    if (
        blocked is not None
        and isinstance(value, str)
        and _domain(value.lower()) in {str(b).lower() for b in blocked}
    ):
        return False
    if rule.get("minimum") is not None and not (number and value >= rule["minimum"]):
        return False
    return not (rule.get("maximum") is not None and not (number and value <= rule["maximum"]))


def compile_filter(
    comment_filter: dict[str, Any] | None, reviewed: Callable[[], set[int]]
) -> Predicate | None:
    """A predicate for a stored ``comment_filter`` (None when it lets everything through).

    ``reviewed`` is only called when the filter asks about review state.
    """
    if not comment_filter:
        return None
    checks: list[Check] = []
    if comment_filter.get("sources"):
        sources = set(comment_filter["sources"])
        checks.append(lambda row, _: row.source_id in sources)
    if comment_filter.get("reviewed"):
        seqs = reviewed()
        wanted = comment_filter["reviewed"] == "only_reviewed"
        checks.append(lambda row, _: (row.seq in seqs) == wanted)
    in_span = _timestamp_check(comment_filter.get("timestamp") or {})
    if in_span is not None:
        checks.append(in_span)
    for key, rule in (comment_filter.get("user_properties") or {}).items():
        checks.append(_property_check(key, rule))
    for part, rule in (comment_filter.get("messages") or {}).items():
        checks.append(_message_check(part, rule))
    if not checks:
        return None

    def predicate(row: CommentRow) -> bool:
        comment = json.loads(row.json)
        return all(check(row, comment) for check in checks)

    return predicate


def _timestamp_check(span: dict[str, Any]) -> Check | None:
    """A check of the comment's timestamp against ``minimum`` / ``maximum`` (None: no bounds)."""
    low = timeutil.parse(span["minimum"]) if span.get("minimum") else None
    high = timeutil.parse(span["maximum"]) if span.get("maximum") else None
    if not (low or high):
        return None

    def in_span(_: CommentRow, comment: dict[str, Any]) -> bool:
        moment = timeutil.parse(comment["timestamp"])
        return (low is None or moment >= low) and (high is None or moment <= high)

    return in_span


def _property_check(key: str, rule: dict[str, Any]) -> Check:
    def check(_: CommentRow, comment: dict[str, Any]) -> bool:
        return _property(rule, (comment.get("user_properties") or {}).get(key))

    return check


def _message_check(part: str, rule: dict[str, Any]) -> Check:
    """``from``/``recipient`` rules look at every message's addresses; ``to``/``cc``/``bcc`` too."""
    keys = ("to", "cc", "bcc") if part == "recipient" else (part,)

    def check(_: CommentRow, comment: dict[str, Any]) -> bool:
        messages = comment.get("messages") or []
        if part == "from":
            return _participants(rule, _addresses([message.get("from") for message in messages]))
        values = [address for message in messages for key in keys for address in message.get(key) or []]
        if part == "recipient":
            return _participants(rule, _addresses(values))
        return _recipients(rule, _addresses(values))

    return check


# --- reading a batch ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Examined:
    """What one read looked at: matching rows, how many were filtered, where it stopped."""

    results: list[CommentRow]
    filtered: int
    last_seq: int
    at_end: bool


def examine(
    store: Store,
    source_ids: Sequence[str],
    position: int,
    size: int,
    max_filtered: int,
    predicate: Predicate | None,
) -> Examined:
    # One row more than could be examined tells whether the end was reached.
    limit = size + 1 if predicate is None else size + max_filtered + 1
    rows = store.read_after(source_ids, position, limit)
    results: list[CommentRow] = []
    filtered = 0
    last = position
    for row in rows:
        if len(results) == size or filtered == max_filtered:
            return Examined(results, filtered, last, at_end=False)
        last = row.seq
        if predicate is None or predicate(row):
            results.append(row)
        else:
            filtered += 1
    return Examined(results, filtered, last, at_end=True)


class StreamView:
    """One stream of one dataset, with what it needs to answer fetch and results."""

    def __init__(
        self,
        store: Store,
        predictor: Predictor,
        codec: SequenceCodec,
        dataset: dict[str, Any],
        stream: dict[str, Any],
    ) -> None:
        self.store = store
        self.predictor = predictor
        self.codec = codec
        self.dataset = dataset
        self.stream = stream
        config = stream.get("model")
        self.thresholds: dict[str, float] = {}
        self.label_fields: dict[str, list[dict[str, Any]]] = {
            label["name"]: label.get("moon_form") or [] for label in dataset.get("label_defs") or []
        }
        self.model: LoadedModel | None = None
        self.has_sentiment = bool(dataset.get("has_sentiment"))
        if config is not None:
            self.model = predictor.load(dataset["id"], int(config["version"]))
            if self.model is None:
                raise not_found(
                    f"model version {config['version']} of stream '{stream['name']}' is not pinned any more"
                )
            for item in config.get("label_thresholds") or []:
                if item.get("threshold") is not None:
                    self.thresholds[LABEL_SEPARATOR.join(item["name"])] = float(item["threshold"])

    @property
    def source_ids(self) -> list[str]:
        return list(self.dataset.get("source_ids") or [])

    def read(self, position: int, size: int, max_filtered: int | None) -> Examined:
        predicate = compile_filter(
            self.stream.get("comment_filter"), lambda: self.store.reviewed_seqs(self.dataset["id"])
        )
        budget = DEFAULT_MAX_FILTERED if max_filtered is None else max_filtered
        return examine(self.store, self.source_ids, position, size, budget, predicate)

    def token(self, seq: int) -> str:
        return self.codec.encode(self.stream["id"], seq)

    def _predictions(self, examined: Examined) -> dict[int, array[float]]:
        if self.model is None or not examined.results:
            return {}
        return self.predictor.probabilities(
            self.model, self.source_ids, [row.seq for row in examined.results]
        )

    def fetch_body(self, examined: Examined) -> str:
        """The legacy ``fetch`` answer as JSON text (stored JSON fragments are spliced in)."""
        probs = self._predictions(examined)
        items = []
        for row in examined.results:
            item = f'{{"comment":{row.json},"sequence_id":"{self.token(row.seq)}"'
            if self.model is not None:
                chosen = stream_labels(self.model, probs[row.seq], self.thresholds)
                if self.has_sentiment:  # per-label sentiment, only on sentiment datasets
                    labels = fetch_labels(chosen)
                    stored = tone_value(json.loads(row.properties_json))  # computed at sync
                    add_label_sentiment(labels, comment_text(json.loads(row.json)), stored)
                    labels_json = dumps(labels)
                else:
                    labels_json = fetch_labels_json(self.model, chosen)
                item += (
                    f',"labels":{labels_json},"entities":{row.entities_json},'
                    f'"label_properties":{row.properties_json}'
                )
            items.append(item + "}")
        return (
            f'{{"status":"ok","results":[{",".join(items)}],"filtered":{examined.filtered},'
            f'"sequence_id":"{self.token(examined.last_seq)}","is_end_sequence":{dumps(examined.at_end)}}}'
        )

    def results_body(self, examined: Examined) -> str:
        """The ``/results`` answer as JSON text."""
        probs = self._predictions(examined)
        items = []
        for row in examined.results:
            prediction = "null"
            if self.model is not None:
                chosen = stream_labels(self.model, probs[row.seq], self.thresholds)
                entities = json.loads(row.entities_json)
                labels = [
                    occurrence
                    for label, probability in chosen
                    for occurrence in label_occurrences(
                        self.model,
                        label,
                        probability,
                        self.thresholds[label],
                        self.label_fields.get(label, []),
                        entities,
                    )
                ]
                prediction = dumps(
                    {
                        "taxonomies": [
                            {
                                "name": "default",
                                "labels": labels,
                                "general_fields": general_fields(entities),
                            }
                        ],
                        "scores": scores(json.loads(row.properties_json)),
                    }
                )
            items.append(
                f'{{"comment":{row.json},"prediction":{prediction},"continuation":"{self.token(row.seq)}"}}'
            )
        model = "null" if self.model is None else dumps(results_model(self.dataset, self.model.labels))
        return (
            f'{{"status":"ok","results":[{",".join(items)}],"num_filtered":{examined.filtered},'
            f'"more_results":{dumps(not examined.at_end)},"continuation":"{self.token(examined.last_seq)}",'
            f'"model":{model}}}'
        )


# --- the /results shapes ----------------------------------------------------------------------

SAMPLED_NAMES = tuple(f"sampled_{index}" for index in range(6))
"""Extra auto-threshold names the platform's label documentation lists (``sampled_0`` ... ``sampled_5``).
Their values are not published: here they are six evenly spaced points from a label's
``high_recall`` to its ``high_precision`` threshold (a guess, see docs/sandbox-differences.md)."""
_SPAN_KEYS = ("content_part", "message_index", "utf16_byte_start", "utf16_byte_end")


def field_type_id(kind: str) -> str:
    """A stable 16-hex-digit id for the field type of an entity kind (the same in every dataset)."""
    return hashlib.sha256(f"field-type:{kind}".encode()).hexdigest()[:16]


def _threshold_names(model: LoadedModel, label: str, value: float, stream_threshold: float) -> list[str]:
    names = [STREAM_THRESHOLD] if value >= stream_threshold else []
    names += model.auto_names(label, value)
    auto = dict(model.auto.get(label, ()))
    low, high = auto.get("high_recall"), auto.get("high_precision")
    if low is not None and high is not None:
        step = (high - low) / (len(SAMPLED_NAMES) - 1)
        names += [name for index, name in enumerate(SAMPLED_NAMES) if value >= low + step * index]
    return names


def _text_spans(entity: dict[str, Any]) -> list[dict[str, Any]]:
    return [{key: span.get(key) for key in _SPAN_KEYS} for span in entity.get("spans") or []]


def label_occurrences(
    model: LoadedModel,
    label: str,
    probability: float,
    stream_threshold: float,
    fields: list[dict[str, Any]],
    entities: list[dict[str, Any]],
) -> list[dict[str, Any]]:
    """One ``LabelPrediction`` per occurrence of ``label`` in a comment.

    A label with extraction fields (``moon_form``) occurs once per distinct entity value of
    its fields' kinds (at least once), as the platform returns one entry per occurrence: an
    email about two orders gives the label twice, each with its own ``Order Number``. The
    occurrences' confidences differ (the most likely is the classifier's probability, the
    others are lower), so a client must merge them by taking the highest. A field missing in
    an occurrence has a null value, as the API documents.
    """
    found: list[list[dict[str, Any]]] = []
    for field in fields:
        distinct: dict[str, dict[str, Any]] = {}
        for entity in entities:
            if entity.get("kind") == field.get("kind"):
                distinct.setdefault(str(entity.get("formatted_value")), entity)
        found.append(list(distinct.values()))
    count = max([1, *(len(values) for values in found)])
    occurrences = []
    for index in range(count):
        # The last occurrence carries the classifier's probability, earlier ones a little less.
        value = probability * (1.0 - 0.1 * ((index + 1) % count))
        filled = [
            {
                "name": field["name"],
                "value": {"formatted": values[index]["formatted_value"]} if index < len(values) else None,
                "text_spans": _text_spans(values[index]) if index < len(values) else [],
            }
            for field, values in zip(fields, found, strict=True)
        ]
        extraction = (
            sum(item["value"] is not None for item in filled) / len(filled) if filled else probability
        )
        occurrences.append(
            {
                "name": label,
                "occurrence_confidence": {
                    "value": value,
                    "thresholds": _threshold_names(model, label, value, stream_threshold),
                },
                "extraction_confidence": {"value": extraction, "thresholds": []},
                "fields": filled,
            }
        )
    return occurrences


def results_model(dataset: dict[str, Any], labels: Sequence[str]) -> dict[str, Any]:
    """The ``/results`` ``model`` object (OpenAPI ``UserModel``): the taxonomy with label fields,
    general fields (the dataset's entities) and the field types both use."""
    defs = {label["name"]: label for label in dataset.get("label_defs") or []}
    kinds: dict[str, None] = {}
    label_entries = []
    for name in labels:
        definition = defs.get(name, {})
        fields = definition.get("moon_form") or []
        kinds.update((field["kind"], None) for field in fields)
        label_entries.append(
            {
                "name": name,
                "instructions": definition.get("instructions") or None,
                "fields": [
                    {
                        "field_id": field["field_id"],
                        "field_type_id": field["field_type_id"],
                        "name": field["name"],
                        "instructions": field.get("instructions") or None,
                    }
                    for field in fields
                ],
            }
        )
    general = []
    for entity in dataset.get("entity_defs") or []:
        kinds[entity["kind"]] = None
        general.append(
            {
                "field_id": entity["id"],
                "field_type_id": field_type_id(entity["kind"]),
                "name": entity["name"],
                "instructions": entity.get("instructions") or None,
            }
        )
    field_types = [
        {
            "field_type_id": field_type_id(kind),
            "name": kind,
            "instructions": None,
            "data_type": {"kind": "number"} if kind == "monetary_quantity" else {},
        }
        for kind in kinds
    ]
    taxonomy = {
        "name": "default",
        "instructions": "",
        "labels": label_entries,
        "general_fields": general,
        "field_types": field_types,
    }
    return {"definition": {"taxonomies": [taxonomy]}}


def general_fields(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Entities as ``/results`` general fields: formatted value and UTF-16 byte spans."""
    return [
        {
            "name": entity["name"],
            "value": {"formatted": entity["formatted_value"]},
            "text_spans": _text_spans(entity),
            "confidence": entity.get("probability"),
        }
        for entity in entities
    ]


def scores(properties: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Label properties as ``/results`` scores (zero values are omitted, as the API does)."""
    return [
        {"name": item["property_name"], "value": item["value"]} for item in properties if item.get("value")
    ]
