"""Elasticsearch trained-model inference (``POST /_ml/trained_models/{model_id}/_infer``).

Requests are strict (a misspelt option fails before the call), responses lenient (a newer
Elasticsearch may add fields). :func:`items_from_infer` normalises the answer into the
same :class:`~ReinferLibrary.models.items.Item` a stream fetch produces, so the label and
entity keywords work on it unchanged.

Offsets: Elasticsearch is written in Java, so ``start_pos`` / ``end_pos`` of an NER entity
count UTF-16 code units. Items count code points (``char_*``) and UTF-16 *bytes*
(``utf16_byte_*`` = 2 x code units), as the Communications Mining API does. For text
without characters outside the Basic Multilingual Plane (emoji, some CJK) the code-unit
and code-point offsets are the same number.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from typing import Any, Literal

from pydantic import Field, ValidationError, field_validator

from ..errors import ReinferConfigurationError
from .base import ApiModel, RequestModel, validation_problems
from .comments import Comment, Message, MessageText
from .items import Item
from .names import label_name
from .predictions import Entity, PredictedLabel, Span

Truncate = Literal["first", "second", "none"]
DEFAULT_RESULTS_FIELD = "predicted_value"
TEXT_FIELD = "text_field"
"""The input field NLP models read (``docs: [{"text_field": ...}]``)."""


class InferenceTask(str, Enum):
    """The NLP task an inference request is shaped for (the key under ``inference_config``).

    ``text_classification`` and ``zero_shot_classification`` answers become labels;
    ``ner`` answers become entities; ``question_answering`` answers become one ``answer``
    entity; the other tasks keep their raw answer in the item's ``predicted_value``.
    """

    text_classification = "text_classification"
    zero_shot_classification = "zero_shot_classification"
    ner = "ner"
    fill_mask = "fill_mask"
    text_embedding = "text_embedding"
    text_expansion = "text_expansion"
    pass_through = "pass_through"  # noqa: S105  # a task name, not a password
    question_answering = "question_answering"


CLASSIFICATION_TASKS = frozenset({InferenceTask.text_classification, InferenceTask.zero_shot_classification})


# --- request (strict) -----------------------------------------------------------------


class Tokenization(RequestModel):
    truncate: Truncate | None = None
    span: int | None = Field(default=None, ge=-1)


class TaskOptions(RequestModel):
    """Options every NLP task takes.

    ``tokenization`` is keyed by the model's tokenizer type, ``{"bert": {"truncate": "first"}}``:
    the Elasticsearch server parses the update as a named object and refuses the flat form
    (``{"truncate": ...}``) that its specification shows, and refuses a type other than the
    model's own.
    """

    results_field: str | None = Field(default=None, min_length=1)
    tokenization: dict[str, Tokenization] | None = Field(default=None, min_length=1, max_length=1)


class TextClassificationOptions(TaskOptions):
    num_top_classes: int | None = Field(default=None, ge=-1)
    classification_labels: list[str] | None = None


class ZeroShotOptions(TaskOptions):
    """``labels`` may be left out when the model stores its own
    (``inference_config.zero_shot_classification.labels``)."""

    labels: list[str] | None = Field(default=None, min_length=1)
    multi_label: bool | None = None


class FillMaskOptions(TaskOptions):
    num_top_classes: int | None = Field(default=None, ge=-1)


class QuestionAnsweringOptions(TaskOptions):
    question: str = Field(min_length=1)
    num_top_classes: int | None = Field(default=None, ge=-1)
    max_answer_length: int | None = Field(default=None, ge=1)


_OPTION_MODELS: dict[InferenceTask, type[TaskOptions]] = {
    InferenceTask.text_classification: TextClassificationOptions,
    InferenceTask.zero_shot_classification: ZeroShotOptions,
    InferenceTask.fill_mask: FillMaskOptions,
    InferenceTask.question_answering: QuestionAnsweringOptions,
}


_REQUIRED_OPTIONS = (QuestionAnsweringOptions,)


class InferRequest(RequestModel):
    """Body of ``_infer``: one ``{<input field>: text}`` doc per text, optional config override."""

    docs: list[dict[str, Any]] = Field(min_length=1)
    inference_config: dict[str, TaskOptions] | None = None

    def to_body(self) -> dict[str, Any]:
        """The JSON body, with unset options left out (Elasticsearch then uses the model's)."""
        return self.model_dump(mode="json", exclude_none=True, serialize_as_any=True)


def build_infer_request(
    texts: Sequence[str],
    task: InferenceTask,
    *,
    labels: Sequence[str] | None = None,
    multi_label: bool | None = None,
    num_top_classes: int | None = None,
    results_field: str | None = None,
    truncate: Truncate | None = None,
    span: int | None = None,
    question: str | None = None,
    input_field: str = TEXT_FIELD,
    tokenizer: str | None = None,
) -> InferRequest:
    """Shape an ``_infer`` body for ``task``; options that task does not take are refused.

    ``input_field`` is the model's ``input.field_names[0]`` and ``tokenizer`` its tokenization
    type (the key of ``inference_config.<task>.tokenization``), both from the model's
    configuration: ``truncate`` and ``span`` are sent under that type. ``inference_config`` is
    only sent when an option is given (the question of ``question_answering`` is required, so
    that task always sends it).
    """
    given: dict[str, Any] = {
        "labels": list(labels) if labels is not None else None,
        "multi_label": multi_label,
        "num_top_classes": num_top_classes,
        "results_field": results_field,
        "question": question,
    }
    model = _OPTION_MODELS.get(task, TaskOptions)
    wrong = [name for name, value in given.items() if value is not None and name not in model.model_fields]
    if wrong:
        raise ReinferConfigurationError(
            f"Task {task.value} does not take {', '.join(wrong)}; "
            f"it takes {', '.join(sorted(_argument_names(model)))}."
        )
    options: dict[str, Any] = {name: value for name, value in given.items() if value is not None}
    check_span(truncate, span)
    if truncate is not None or span is not None:
        if tokenizer is None:
            raise ReinferConfigurationError(
                "truncate= and span= need the model's tokenization type (bert, mpnet, roberta, ...), "
                "and the model's configuration has none: leave them out for this model."
            )
        options["tokenization"] = {tokenizer: {"truncate": truncate, "span": span}}
    try:
        # Zero-shot labels and the question are required: validate them even when nothing was given.
        config = model.model_validate(options) if options or model in _REQUIRED_OPTIONS else None
        return InferRequest(
            docs=[{input_field: text} for text in texts],
            inference_config={task.value: config} if config is not None else None,
        )
    except ValidationError as error:
        raise ReinferConfigurationError(_validation_sentence(task, error)) from None


def check_span(truncate: Truncate | None, span: int | None) -> None:
    """Elasticsearch answers 400 "[span] must not be provided when [truncate] is [first]" (first
    is the usual model default): say so before any call, with the fix."""
    if span is not None and span != -1 and truncate != "none":
        given_truncate = (
            f"truncate={truncate}" if truncate else "the model's default truncation (usually first)"
        )
        raise ReinferConfigurationError(
            f"span={span} needs truncate=none: Elasticsearch windows long input only when it is "
            f"not truncated and refuses a span with {given_truncate}; add truncate=none or leave span out."
        )


def _argument_names(model: type[TaskOptions]) -> list[str]:
    names = [name for name in model.model_fields if name not in ("tokenization", "classification_labels")]
    return [*names, "truncate", "span"]


def _validation_sentence(task: InferenceTask, error: ValidationError) -> str:
    # The tokenizer type a tokenization update is keyed by is a wrapper the robot never wrote.
    tokenizers = _tokenizer_keys(error)
    problems = validation_problems(
        error, top="options", skip=(task.value, "inference_config", "tokenization", *tokenizers)
    )
    return f"Invalid {task.value} options: {problems}."


def _tokenizer_keys(error: ValidationError) -> set[str]:
    """Every location part that follows ``tokenization`` (the tokenizer type)."""
    found: set[str] = set()
    for detail in error.errors(include_url=False):
        loc = [str(part) for part in detail["loc"]]
        found |= {loc[index + 1] for index, part in enumerate(loc[:-1]) if part == "tokenization"}
    return found


# --- response (lenient) ---------------------------------------------------------------


class TopClass(ApiModel):
    # class_name is a string for NLP models; numbers or booleans for data-frame classifiers.
    # Question answering sends answer/score/start_offset/end_offset instead.
    class_name: Any = None
    class_probability: float | None = None
    class_score: float | None = None


class NerEntity(ApiModel):
    entity: str
    class_name: str
    class_probability: float | None = None
    start_pos: int
    end_pos: int


class InferenceResult(ApiModel):
    """One ``inference_results`` entry; the predicted value may sit under ``results_field``."""

    predicted_value: Any = None
    prediction_probability: float | None = None
    prediction_score: float | None = None
    top_classes: list[TopClass] | None = None
    entities: list[NerEntity] | None = None
    is_truncated: bool = False
    warning: str | None = None
    predicted_value_sequence: str | None = None

    def value(self, results_field: str | None) -> Any:
        """The predicted value, read from ``results_field`` when the request renamed it."""
        if results_field and results_field != DEFAULT_RESULTS_FIELD:
            return (self.model_extra or {}).get(results_field)
        return self.predicted_value


class InferResponse(ApiModel):
    inference_results: list[InferenceResult]


class TrainedModelConfig(ApiModel):
    """One ``trained_model_configs`` entry of ``GET /_ml/trained_models/{model_id}``."""

    model_id: str
    model_type: str | None = None
    description: str | None = None
    version: str | None = None
    create_time: int | str | None = None
    created_by: str | None = None
    tags: list[str] = Field(default_factory=list)
    inference_config: dict[str, Any] = Field(default_factory=dict)
    input: dict[str, Any] = Field(default_factory=dict)

    @property
    def task(self) -> str | None:
        """The configured task: the single key of ``inference_config``."""
        return next(iter(self.inference_config), None)

    @property
    def input_field(self) -> str:
        """The field a document's text goes in: ``input.field_names[0]`` (``text_field`` if none)."""
        names = self.input.get("field_names")
        return str(names[0]) if isinstance(names, list) and names else TEXT_FIELD

    @property
    def tokenizer(self) -> str | None:
        """The tokenization type of the configured task (``bert``, ``mpnet``, ``roberta``, ...)."""
        options = self.inference_config.get(self.task) if self.task else None
        tokenization = options.get("tokenization") if isinstance(options, dict) else None
        return str(next(iter(tokenization))) if isinstance(tokenization, dict) and tokenization else None

    @property
    def stored_zero_shot_labels(self) -> list[str]:
        """The labels a zero-shot model stores (``zero_shot_classification.labels``), if any."""
        options = self.inference_config.get(InferenceTask.zero_shot_classification.value)
        labels = options.get("labels") if isinstance(options, dict) else None
        return [str(label) for label in labels] if isinstance(labels, list) else []

    @property
    def labels(self) -> list[str] | None:
        """The model's ``classification_labels`` (classification and NER models), if any."""
        if self.task is None:
            return None
        options = self.inference_config[self.task]
        labels = options.get("classification_labels") if isinstance(options, dict) else None
        return [str(label) for label in labels] if isinstance(labels, list) else None

    def summary(self) -> dict[str, Any]:
        """What a robot wants to know about a model, without the tokenizer internals."""
        return {
            "model_id": self.model_id,
            "task": self.task,
            "labels": self.labels,
            "model_type": self.model_type,
            "description": self.description,
            "version": self.version,
            "create_time": self.create_time,
            "tags": self.tags,
            "input_fields": self.input.get("field_names", []),
            "inference_config": self.inference_config,
        }


class TrainedModelsResponse(ApiModel):
    count: int = 0
    trained_model_configs: list[TrainedModelConfig] = Field(default_factory=list)


class EsErrorCause(ApiModel):
    type: str | None = None
    reason: str | None = None


class EsErrorDetail(EsErrorCause):
    root_cause: list[EsErrorCause] = Field(default_factory=list)
    caused_by: EsErrorCause | None = None


class EsErrorBody(ApiModel):
    """``{"error": {"root_cause": [...], "type": ..., "reason": ...}, "status": N}``.

    Very old clusters and proxies send ``"error": "text"``; that lands in ``reason``.
    """

    error: EsErrorDetail | None = None
    status: int | None = None

    @field_validator("error", mode="before")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        return {"reason": value} if isinstance(value, str) else value

    def sentence(self) -> str | None:
        """``type: reason`` (plus the cause when it adds something), or ``None``."""
        if self.error is None:
            return None
        detail = self.error
        text = f"{detail.type}: {detail.reason}" if detail.type else (detail.reason or "")
        cause = detail.caused_by
        if cause is not None and cause.reason and cause.reason != detail.reason:
            text += f" (caused by {cause.type}: {cause.reason})" if cause.type else f" ({cause.reason})"
        return text or None


# --- normalisation into Item ----------------------------------------------------------


def items_from_infer(
    response: InferResponse,
    *,
    model_id: str,
    texts: Sequence[str],
    task: InferenceTask,
    results_field: str | None = None,
) -> list[Item]:
    """Normalise an ``_infer`` answer into one :class:`Item` per input text (origin ``elasticsearch``).

    Raises ``ValueError`` when the number of results does not match the number of texts.
    Results carrying a ``warning`` are normalised too (the client refuses them first).
    """
    results = response.inference_results
    if len(results) != len(texts):
        raise ValueError(f"{len(texts)} document(s) were sent but {len(results)} result(s) came back")
    return [
        item_from_result(
            result, model_id=model_id, text=text, index=index, task=task, results_field=results_field
        )
        for index, (result, text) in enumerate(zip(results, texts, strict=True))
    ]


def item_from_result(
    result: InferenceResult,
    *,
    model_id: str,
    text: str,
    index: int,
    task: InferenceTask,
    results_field: str | None = None,
) -> Item:
    """Normalise one inference result; see :func:`items_from_infer`."""
    uid = f"es:{model_id}:{index}"
    value = result.value(results_field)
    labels: list[PredictedLabel] = []
    entities: list[Entity] = []
    # The shape decides before the task: an NER model asked without inference_config
    # (task left at its default) still answers with entities, never with a label.
    if result.entities is not None:
        entities = [_entity(entity, text) for entity in result.entities]
    elif task is InferenceTask.question_answering:
        answer = _answer_entity(result, value, text)
        entities = [answer] if answer is not None else []
    elif task in CLASSIFICATION_TASKS:
        labels = _labels(result, value)
    extras: dict[str, Any] = {
        "model_id": model_id,
        "task": task.value,
        "predicted_value": value,
        "prediction_probability": result.prediction_probability,
        "prediction_score": result.prediction_score,
        "is_truncated": result.is_truncated,
    }
    if result.top_classes is not None and task not in CLASSIFICATION_TASKS:
        extras["top_classes"] = [top.model_dump(mode="json", exclude_none=True) for top in result.top_classes]
    if result.predicted_value_sequence is not None:
        extras["predicted_value_sequence"] = result.predicted_value_sequence
    return Item(
        uid=uid,
        comment=Comment(id=uid, uid=uid, messages=[Message(body=MessageText(text=text))]),
        labels=labels,
        entities=entities,
        origin="elasticsearch",
        **extras,
    )


def _labels(result: InferenceResult, value: Any) -> list[PredictedLabel]:
    if result.top_classes:
        labels = [
            PredictedLabel(name=_class_label(top.class_name), probability=_probability(top))
            for top in result.top_classes
            if top.class_name is not None and str(top.class_name).strip()
        ]
    elif value is not None and str(value).strip() and result.prediction_probability is not None:
        labels = [PredictedLabel(name=label_name(str(value)), probability=result.prediction_probability)]
    else:
        labels = []
    labels.sort(key=lambda label: label.probability, reverse=True)
    return labels


def _class_label(class_name: Any) -> str:
    # A hierarchy may come as a list of parts; numbers and booleans (data-frame models) as text.
    if isinstance(class_name, list):
        return label_name([str(part) for part in class_name])
    return label_name(str(class_name))


def _probability(top: TopClass) -> float:
    if top.class_probability is not None:
        return top.class_probability
    return top.class_score if top.class_score is not None else 0.0


def _entity(entity: NerEntity, text: str) -> Entity:
    span = _span(text, entity.start_pos, entity.end_pos)
    return Entity(
        name=entity.class_name,
        kind=entity.class_name,
        formatted_value=entity.entity,
        span=span,
        spans=[span],
        probability=entity.class_probability,
        capture_ids=[],
    )


def _answer_entity(result: InferenceResult, value: Any, text: str) -> Entity | None:
    if value is None:
        return None
    extra = result.model_extra or {}
    start, end = extra.get("start_offset"), extra.get("end_offset")
    spans = [_span(text, start, end)] if isinstance(start, int) and isinstance(end, int) else []
    return Entity(
        name="answer",
        kind="answer",
        formatted_value=str(value),
        span=spans[0] if spans else None,
        spans=spans,
        probability=result.prediction_probability,
        capture_ids=[],
    )


def _span(text: str, start_units: int, end_units: int) -> Span:
    return Span(
        content_part="body",
        message_index=0,
        char_start=utf16_units_to_chars(text, start_units),
        char_end=utf16_units_to_chars(text, end_units),
        utf16_byte_start=2 * start_units,
        utf16_byte_end=2 * end_units,
    )


def utf16_units_to_chars(text: str, units: int) -> int:
    """The code-point offset in ``text`` of a UTF-16 code-unit offset (clamped to the text)."""
    if units <= 0:
        return 0
    if text.isascii() or max(map(ord, text)) < 0x10000:
        return min(units, len(text))
    seen = 0
    for position, char in enumerate(text):
        if seen >= units:
            return position
        seen += 2 if ord(char) > 0xFFFF else 1
    return len(text)


def chars_to_utf16_units(text: str, chars: int) -> int:
    """The UTF-16 code-unit offset of a code-point offset in ``text``."""
    prefix = text[: max(chars, 0)]
    return len(prefix) + sum(1 for char in prefix if ord(char) > 0xFFFF)


def inference_warnings(response: InferResponse) -> list[tuple[int, str]]:
    """``(document index, warning)`` for every result that carries a ``warning``."""
    return [
        (index, result.warning) for index, result in enumerate(response.inference_results) if result.warning
    ]
