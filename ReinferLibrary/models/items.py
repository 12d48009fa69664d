"""The one item shape every source of predictions is normalised into.

A stream ``fetch`` result, a ``/results`` result, a Predict answer and an
Elasticsearch ``_infer`` answer all become an :class:`Item`, so the label and
entity keywords work on any of them unchanged.
"""

from __future__ import annotations

from operator import getitem
from types import UnionType
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from typing_extensions import NotRequired, TypedDict

from .base import ApiModel
from .comments import Comment
from .names import label_name
from .predictions import Entity, LabelOccurrence, LabelProperty, ModelInfo, PredictedLabel, Span

Origin = Literal["fetch", "results", "predict", "elasticsearch"]


class Item(ApiModel):
    """One comment with what the model said about it."""

    uid: str = ""
    comment: Comment | None = None
    sequence_id: str | None = None
    labels: list[PredictedLabel] = Field(default_factory=list)
    entities: list[Entity] = Field(default_factory=list)
    label_properties: list[LabelProperty] = Field(default_factory=list)
    sentiment: float | None = None
    model: ModelInfo | None = None
    origin: Origin = "fetch"

    @model_validator(mode="before")
    @classmethod
    def _uid_from_comment(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("uid"):
            comment = data.get("comment")
            if isinstance(comment, dict) and comment.get("uid"):
                data = {**data, "uid": comment["uid"]}
            elif isinstance(comment, Comment):
                data = {**data, "uid": comment.uid}
        return data


class Batch(ApiModel):
    """A batch read from a stream. Reading it never moves the stream.

    ``sequence_id`` is the position after everything this batch examined (results
    *and* filtered comments): advancing to it consumes the whole batch.
    """

    results: list[Item] = Field(default_factory=list)
    sequence_id: str
    filtered: int = 0
    is_end_sequence: bool = False
    stream: str | None = None


# --- the newer ``GET .../results`` shape (API reference 3.7) -------------------------


class Confidence(ApiModel):
    value: float
    thresholds: list[str] = Field(default_factory=list)


class StreamTextSpan(ApiModel):
    content_part: str = "body"
    message_index: int = 0
    utf16_byte_start: int | None = None
    utf16_byte_end: int | None = None
    char_start: int | None = None
    char_end: int | None = None


class FieldValue(ApiModel):
    formatted: str


class FieldPrediction(ApiModel):
    name: str
    value: FieldValue | None = None
    text_spans: list[StreamTextSpan] = Field(default_factory=list)
    confidence: float | None = None


class LabelPrediction(ApiModel):
    name: str | list[str]
    occurrence_confidence: Confidence
    extraction_confidence: Confidence | None = None
    fields: list[FieldPrediction] = Field(default_factory=list)


class Taxonomy(ApiModel):
    name: str = "default"
    labels: list[LabelPrediction] = Field(default_factory=list)
    general_fields: list[FieldPrediction] = Field(default_factory=list)


class Score(ApiModel):
    name: str
    value: float


class Prediction(ApiModel):
    taxonomies: list[Taxonomy] = Field(default_factory=list)
    scores: list[Score] = Field(default_factory=list)


class StreamResult(ApiModel):
    comment: Comment
    prediction: Prediction | None = None
    continuation: str


class ResultsResponse(ApiModel):
    results: list[StreamResult] = Field(default_factory=list)
    num_filtered: int = 0
    more_results: bool = False
    continuation: str


STREAM_THRESHOLD = "stream"
"""Threshold name ``/results`` adds when the stream's own label threshold is cleared."""


def _field_entity(field: FieldPrediction, capture_ids: list[int]) -> Entity | None:
    if field.value is None:
        return None
    spans = [Span.model_validate(span.model_dump()) for span in field.text_spans]
    return Entity(
        name=field.name,
        kind=field.name,
        formatted_value=field.value.formatted,
        spans=spans,
        span=spans[0] if len(spans) == 1 else None,
        probability=field.confidence,
        capture_ids=capture_ids,
    )


def _taxonomy_labels(taxonomy: Any) -> tuple[list[PredictedLabel], list[Entity]]:
    """Labels (occurrences of one name merged) and field entities of one ``/results`` taxonomy."""
    labels: list[PredictedLabel] = []
    by_name: dict[str, PredictedLabel] = {}
    entities: list[Entity] = []
    for capture_id, label in enumerate(taxonomy.labels):
        confidence = label.occurrence_confidence
        names = [t for t in confidence.thresholds if t != STREAM_THRESHOLD]
        occurrence = LabelOccurrence(
            probability=confidence.value,
            auto_thresholds=names,
            capture_id=capture_id,
            fields={f.name: f.value.formatted if f.value else None for f in label.fields},
        )
        found = PredictedLabel(
            name=label.name,  # the validator normalises a list of parts too
            probability=confidence.value,
            auto_thresholds=names,
            stream_threshold_cleared=STREAM_THRESHOLD in confidence.thresholds,
        )
        merged = by_name.get(found.name)
        if merged is None:
            found.occurrences = [occurrence]
            by_name[found.name] = found
            labels.append(found)
        else:
            _merge_occurrence(merged, occurrence, STREAM_THRESHOLD in confidence.thresholds)
        entities += _field_entities(label.fields, [capture_id])
    entities += _field_entities(taxonomy.general_fields, [])
    return labels, entities


def _merge_occurrence(merged: PredictedLabel, occurrence: LabelOccurrence, cleared_stream: bool) -> None:
    """Another occurrence of a label: kept, and the label takes the highest confidence."""
    merged.occurrences.append(occurrence)
    cleared = getattr(merged, "stream_threshold_cleared", False) or cleared_stream
    if occurrence.probability > merged.probability:
        merged.probability = occurrence.probability
        merged.auto_thresholds = occurrence.auto_thresholds
    setattr(merged, "stream_threshold_cleared", cleared)  # noqa: B010  # an extra field


def _field_entities(fields: Any, capture_ids: list[int]) -> list[Entity]:
    found = (_field_entity(field, capture_ids) for field in fields)
    return [entity for entity in found if entity is not None]


def item_from_stream_result(result: StreamResult) -> Item:
    """Normalise one ``/results`` result into an :class:`Item`.

    Labels come from the ``default`` taxonomy with ``occurrence_confidence.value`` as
    probability and its threshold names (except ``stream``) as ``auto_thresholds``.
    The API lists a label once per occurrence (an email about two orders has the label
    twice, each with its own fields): occurrences of one name become one label with the
    *highest* confidence (and that occurrence's thresholds), and each occurrence is kept in
    ``occurrences``. The fields of one occurrence share a capture id, numbered from 0 in
    order; general fields belong to no capture group.
    """
    labels: list[PredictedLabel] = []
    entities: list[Entity] = []
    properties: list[LabelProperty] = []
    prediction = result.prediction
    if prediction is not None:
        taxonomy = next((t for t in prediction.taxonomies if t.name == "default"), None)
        if taxonomy is None and prediction.taxonomies:
            taxonomy = prediction.taxonomies[0]
        if taxonomy is not None:
            labels, entities = _taxonomy_labels(taxonomy)
        properties = [
            LabelProperty(property_name=score.name, value=score.value) for score in prediction.scores
        ]
    labels.sort(key=lambda label: label.probability, reverse=True)
    return Item(
        uid=result.comment.uid,
        comment=result.comment,
        sequence_id=result.continuation,
        labels=labels,
        entities=entities,
        label_properties=properties,
        origin="results",
    )


def batch_from_results(response: ResultsResponse, stream: str | None = None) -> Batch:
    """Normalise a ``/results`` response into the same :class:`Batch` as ``fetch``."""
    return Batch(
        results=[item_from_stream_result(result) for result in response.results],
        sequence_id=response.continuation,
        filtered=response.num_filtered,
        is_end_sequence=not response.more_results,
        stream=stream,
    )


# --- items as plain JSON-ready dictionaries, validated by the same models' rules -------
#
# The keywords hand robots dictionaries, not models. Validating a fetch answer into ~40
# model instances per item and dumping them back cost ~0.3 ms per comment; pydantic
# validates the same shape into plain dictionaries (TypedDicts) about four times faster.
# The TypedDicts are *derived* from the models below (fields, defaults, aliases, "before"
# validators), so there is one schema; the one "after" validator (Entity's spans) has its
# dictionary twin here, and a model gaining a validator without a twin fails at import.


def _entity_spans(data: dict[str, Any]) -> dict[str, Any]:
    """:meth:`Entity._spans_from_span` on a dictionary."""
    if not data.get("spans") and data.get("span") is not None:
        data["spans"] = [data["span"]]
    return data


def _falsy_as_empty(value: Any) -> Any:
    return value or ""


def _item_checks(data: dict[str, Any]) -> dict[str, Any]:
    """:meth:`Item._uid_from_comment` and each label's :meth:`PredictedLabel._normalise_name`.

    On the validated dictionary (a falsy ``uid`` was made ``""``), in one call per item: from
    pydantic, a Python validator per label cost more than the rest of the label's validation.
    """
    if not data.get("uid"):
        comment = data.get("comment")
        if comment and comment.get("uid"):
            data["uid"] = comment["uid"]
    names = _LIST_NAMES
    for label in data["labels"]:
        name = label["name"]
        if type(name) is list:  # the API's list of levels: the same few hundred names again and again
            levels = tuple(name)
            found = names.get(levels)
            if found is None:
                found = label_name(name)  # raises ValueError for what the model refuses
                if len(names) >= MAX_LIST_NAMES:
                    names.clear()
                names[levels] = found
            label["name"] = found
        else:
            label["name"] = label_name(name)  # raises ValueError for what the model refuses
    return data


MAX_LIST_NAMES = 20_000
"""Label names kept by :func:`_item_checks` (a taxonomy has hundreds; a larger set starts over)."""
_LIST_NAMES: dict[tuple[str, ...], str] = {}
"""Levels (as validated: a list of strings) -> the ``"A > B"`` name :func:`label_name` made of them."""


_TWINS: dict[tuple[type, str], tuple[dict[str, Any], Any]] = {
    (Entity, "_spans_from_span"): ({}, _entity_spans),
    # As a "before" validator it would make pydantic build the whole item as Python objects
    # first (validate_json then costs ~40% more); after validation only the uid is looked at.
    (Item, "_uid_from_comment"): ({"uid": BeforeValidator(_falsy_as_empty)}, _item_checks),
}
"""Dictionary twins of model validators: (field checks to add, a check of the validated dictionary).

Needed for ``mode="after"`` validators (they see a model instance) and used where a ``before``
validator of a whole model would be slow.
"""

_NAMES_BY_ITEM: dict[tuple[type, str], tuple[str, Any]] = {
    (PredictedLabel, "_normalise_name"): ("name", str | list[str]),
}
"""Field validators :func:`_item_checks` applies instead, and the field's type until it has.

Labels appear only in items, so an item's check normalises every label's name at once.
"""

_DATA_TYPES: dict[type, Any] = {}


def _data_annotation(annotation: Any) -> Any:
    """``annotation`` with every model in it replaced by its TypedDict."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return data_type(annotation)
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is None or not args or origin is Literal:
        return annotation
    swapped = tuple(_data_annotation(arg) for arg in args)
    if origin in (Union, UnionType):
        return Union[swapped]  # noqa: UP007  # rebuilt from parts
    if origin is list:
        return list[swapped[0]]  # type: ignore[valid-type]
    if origin is dict:
        return dict[swapped[0], swapped[1]]  # type: ignore[valid-type]
    if swapped != args:
        raise TypeError(f"data_type: cannot derive {annotation!r}")
    return annotation


def data_type(model: type[BaseModel]) -> Any:
    """A TypedDict validating into what ``model.model_validate(x).model_dump(mode="json")`` gives.

    Same keys (by alias), defaults, extra keys kept, the model's ``before`` validators run
    as they are and its ``after`` validators through their dictionary twins.
    """
    found = _DATA_TYPES.get(model)
    if found is None:
        # The functional form: keys such as "from" are no identifiers.
        typed: Any = TypedDict(f"{model.__name__}Data", _data_fields(model))  # type: ignore[misc]
        typed.__pydantic_config__ = ConfigDict(extra="allow")  # type: ignore[attr-defined]
        checks = _model_checks(model)
        found = _DATA_TYPES[model] = getitem(Annotated, (typed, *checks)) if checks else typed
    return found


def _field_checks(model: type[BaseModel]) -> dict[str, list[Any]]:
    """Field name -> its validators: the model's own, and those its validators' twins add."""
    decorators = model.__pydantic_decorators__
    field_checks: dict[str, list[Any]] = {}
    for (owner, name), (extra_checks, _) in _TWINS.items():
        if owner is model and name in decorators.model_validators:
            for field_name, check in extra_checks.items():
                field_checks.setdefault(field_name, []).append(check)
    for name, decorator in decorators.field_validators.items():
        if (model, name) in _NAMES_BY_ITEM:
            continue
        mode = decorator.info.mode
        if mode not in ("before", "after"):
            raise TypeError(f"data_type({model.__name__}): no dictionary form of the {mode} validator {name}")
        wrap = BeforeValidator if mode == "before" else AfterValidator
        for field_name in decorator.info.fields:
            field_checks.setdefault(field_name, []).append(wrap(getattr(model, name)))
    return field_checks


def _data_fields(model: type[BaseModel]) -> dict[str, Any]:
    field_checks = _field_checks(model)
    overrides = {
        field_name: hint
        for (owner, name), (field_name, hint) in _NAMES_BY_ITEM.items()
        if owner is model and name in model.__pydantic_decorators__.field_validators
    }
    fields: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if info.exclude:
            continue
        key = info.serialization_alias or info.alias or name
        options: dict[str, Any] = {}
        if info.validation_alias is not None and info.validation_alias != key:
            options["validation_alias"] = info.validation_alias
        if info.default_factory is not None:
            options["default_factory"] = info.default_factory
        elif not info.is_required():
            options["default"] = info.default
        annotation = overrides.get(name, info.annotation)
        hint = getitem(
            Annotated, (_data_annotation(annotation), Field(**options), *field_checks.get(name, ()))
        )
        fields[key] = hint if info.is_required() else NotRequired[hint]
    return fields


def _model_checks(model: type[BaseModel]) -> list[Any]:
    decorators = model.__pydantic_decorators__
    unsupported = [*decorators.field_serializers, *decorators.model_serializers, *decorators.computed_fields]
    if unsupported:
        raise TypeError(f"data_type({model.__name__}): no dictionary form for {unsupported}")
    checks: list[Any] = []
    for name, decorator in decorators.model_validators.items():
        if (model, name) in _TWINS:
            checks.append(AfterValidator(_TWINS[(model, name)][1]))
        elif decorator.info.mode == "before":
            checks.append(BeforeValidator(getattr(model, name)))
        else:
            raise TypeError(f"data_type({model.__name__}): validator {name} needs a dictionary twin")
    return checks


ItemData = data_type(Item)
"""An item as a plain dictionary, validated by :class:`Item`'s rules (see :func:`data_type`)."""


class BatchData(ApiModel):
    """A fetched batch whose items are plain dictionaries (:data:`ItemData`), not models.

    The fast form of :class:`Batch` for the keywords, which hand robots dictionaries.
    """

    results: list[ItemData] = Field(default_factory=list)  # type: ignore[valid-type]
    sequence_id: str
    filtered: int = 0
    is_end_sequence: bool = False
    stream: str | None = None

    def robot_data(self) -> dict[str, Any]:
        """The JSON-ready mapping ``Batch.model_dump(mode="json")`` would give (items not copied)."""
        return {"results": self.results, **self.model_dump(mode="json", exclude={"results"})}


def sort_labels(item: dict[str, Any]) -> None:
    """The item's labels, most likely first (the order every item source gives), in place."""
    labels = item.get("labels")
    if labels:
        labels.sort(key=_probability, reverse=True)


def _probability(label: dict[str, Any]) -> float:
    return float(label["probability"])
