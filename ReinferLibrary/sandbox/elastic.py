"""Elasticsearch trained-model inference, emulated for the sandbox.

``create_elastic_router(backend)`` returns a FastAPI router serving, at the sandbox's base
URL, what an Elasticsearch 9.x cluster (``version.number`` 9.1.0) answers for:

* ``GET /`` and ``HEAD /``: cluster info (``es.info()`` / ``es.ping()`` of the official client);
* ``GET /_ml/trained_models[/{model_id}]``: model configurations (ids, comma lists, ``*``);
* ``POST /_ml/trained_models/{model_id}/_infer`` (and the deprecated ``/deployment/_infer``).

Every response carries ``X-elastic-product: Elasticsearch`` (the official Python client
refuses a server without it) and answers a ``compatible-with=N`` request with the matching
``application/vnd.elasticsearch+json;compatible-with=N`` content type. As in Elasticsearch 9,
N must be 9 or 8: ``compatible-with=7`` (an 8.x client asking for 7.x answers) is a 400
``media_type_header_exception``, with the same body a real 9.x cluster sends, so a client
that would fail on a real cluster fails here too. Errors have the Elasticsearch shape
``{"error": {"root_cause": [...], "type", "reason"}, "status"}``.

A tokenization update is parsed as the server parses it (its ``TokenizationUpdate`` named
objects): keyed by the tokenizer type, ``{"tokenization": {"bert": {"truncate": "first"}}}``;
the flat form the Elasticsearch specification shows (``{"truncate": ...}``) is a 400
``x_content_parse_exception`` (caused by ``named_object_not_found_exception``), and a type
other than the model's is a 400 ``status_exception``. Classification models use ``bert``
and read ``text_field``; NER models use ``roberta`` and read ``text``
(``input.field_names``), so a client that hard-codes either fails here as on a real cluster.

Models come from an :class:`ElasticBackend` the sandbox server implements: a model for
which ``classification_labels`` returns labels is a ``text_classification`` model; one in
``zero_shot_model_ids()`` is a ``zero_shot_classification`` model (``bert``, reading
``text_field``, with no stored labels, so every request names its ``labels``, and the
NLI ``classification_labels`` ``entailment``/``neutral``/``contradiction``); any other id
in ``model_ids()`` is an ``ner`` model. As on a real cluster, asking a model for another
task (e.g. ``zero_shot_classification`` on a text classification model) is a
``403 status_exception``.

This module never imports the library's client or models: the sandbox is an independent
implementation of the API, so a test passing against it means something.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Callable
from typing import Any, Protocol
from urllib.parse import quote_plus

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

ES_VERSION = "9.1.0"
LUCENE_VERSION = "10.2.2"
API_VERSIONS = (9, 8)
"""REST API versions a 9.x cluster serves (``compatible-with=N``): its own and the previous major."""
MAX_SEQUENCE_LENGTH = 512
"""Tokens a sandbox model reads (BERT-like, two of them special) before truncation applies."""
MODEL_TRUNCATE = "first"
"""The models' configured ``truncate`` (what applies when a request leaves it out)."""
TEXT_FIELD = "text_field"
TOKENIZERS = ("bert", "bert_ja", "mpnet", "roberta", "xlm_roberta", "deberta_v2")
"""Tokenization types Elasticsearch knows (the names of its ``TokenizationUpdate`` parsers)."""
MODEL_TOKENIZER = {"text_classification": "bert", "zero_shot_classification": "bert", "ner": "roberta"}
"""Each sandbox model's tokenizer, by task: an update must name it (``{"bert": {...}}``)."""
MODEL_INPUT_FIELD = {"text_classification": TEXT_FIELD, "zero_shot_classification": TEXT_FIELD, "ner": "text"}
"""Each sandbox model's ``input.field_names[0]``: the NER model reads ``text``, so a client
that sends ``text_field`` to every model gets the warning a real cluster gives."""
DEFAULT_RESULTS_FIELD = "predicted_value"
TRUNCATE_VALUES = ("first", "second", "none")
KNOWN_TASKS = frozenset(
    {
        "text_classification",
        "zero_shot_classification",
        "ner",
        "fill_mask",
        "pass_through",
        "text_embedding",
        "text_expansion",
        "text_similarity",
        "question_answering",
        "classification",
        "regression",
    }
)
_TASK_OPTIONS: dict[str, frozenset[str]] = {
    "text_classification": frozenset(
        {"num_top_classes", "results_field", "tokenization", "classification_labels"}
    ),
    "zero_shot_classification": frozenset({"labels", "multi_label", "results_field", "tokenization"}),
    "ner": frozenset({"results_field", "tokenization"}),
}
_KINDS = {
    "text_classification": "text classification",
    "zero_shot_classification": "zero-shot classification",
    "ner": "named entity recognition",
}
NLI_LABELS = ["entailment", "neutral", "contradiction"]
"""A zero-shot model's ``classification_labels``: the NLI classes it was trained on."""
HYPOTHESIS_TEMPLATE = "This example is {}."
_COMPATIBLE = re.compile(r"compatible-with\s*=\s*(\d+)")
_TIME_VALUE = re.compile(r"^(-1|0|\d+(nanos|micros|ms|s|m|h|d))$")
_TOKEN = re.compile(r"\w+|[^\w\s]", re.UNICODE)
_CREATE_TIME = 1_735_689_600_000  # 2025-01-01T00:00:00Z, fixed so answers are reproducible
_TAG = "Elasticsearch (trained models)"


class ElasticBackend(Protocol):
    """What the sandbox server provides to the emulated Elasticsearch routes."""

    def check_auth(self, authorization_header: str | None) -> bool:
        """True when the ``Authorization`` header is valid.

        The sandbox accepts ``ApiKey <token>``, ``Bearer <token>`` and ``Basic`` with any user
        name and the token as password.
        """
        ...

    def model_ids(self) -> list[str]:
        """Every model id served: the classification models and the NER model(s)."""
        ...

    def classification_labels(self, model_id: str) -> list[str] | None:
        """The labels of a text classification model, ``None`` when ``model_id`` is not one."""
        ...

    def classify(self, model_id: str, texts: list[str]) -> list[dict[str, float]]:
        """Per text, every label of the model with its probability."""
        ...

    def zero_shot_model_ids(self) -> list[str]:
        """The ids (among ``model_ids()``) of the zero-shot classification models."""
        ...

    def zero_shot(
        self, texts: list[str], labels: list[str], multi_label: bool
    ) -> list[list[tuple[float, float]]]:
        """Per text, per label (in the given order), ``(probability, score)``."""
        ...

    def ner(self, texts: list[str]) -> list[list[dict[str, Any]]]:
        """Per text, the entities found: dicts with ``name``, ``spans`` (``char_start``/``char_end``)."""
        ...


class EsError(Exception):
    """An error answered in the Elasticsearch shape."""

    def __init__(self, status: int, kind: str, reason: str, cause: tuple[str, str] | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.kind = kind
        self.reason = reason
        self.cause = cause
        """``(type, reason)`` of the exception this one wraps (``caused_by``), if any."""

    def body(self) -> dict[str, Any]:
        root: dict[str, Any] = {"type": self.kind, "reason": self.reason}
        if self.status == 401:
            root["header"] = {"WWW-Authenticate": list(_WWW_AUTHENTICATE)}
        error: dict[str, Any] = {"root_cause": [root], **root}
        if self.cause is not None:
            error["caused_by"] = {"type": self.cause[0], "reason": self.cause[1]}
        return {"error": error, "status": self.status}


_WWW_AUTHENTICATE = ('Basic realm="security", charset="UTF-8"', 'Bearer realm="security"', "ApiKey")


def _media_type(request: Request) -> str:
    for header in ("accept", "content-type"):
        match = _COMPATIBLE.search(request.headers.get(header, ""))
        if match:
            return f"application/vnd.elasticsearch+json;compatible-with={match.group(1)}"
    return "application/json"


def _json(request: Request, status: int, body: Any, *, plain: bool = False) -> Response:
    return JSONResponse(
        body,
        status_code=status,
        media_type="application/json" if plain else _media_type(request),
        headers={"X-elastic-product": "Elasticsearch"},
    )


def _error(request: Request, error: EsError) -> Response:
    # A refused compatible-with=N is answered in plain JSON: there is no version N to answer in.
    plain = error.kind == "media_type_header_exception"
    response = _json(request, error.status, error.body(), plain=plain)
    if error.status == 401:
        for value in _WWW_AUTHENTICATE:
            response.headers.append("WWW-Authenticate", value)
    return response


def _api_version(header: str | None) -> int | None:
    match = _COMPATIBLE.search(header or "")
    return int(match.group(1)) if match else None


def _has_content(request: Request) -> bool:
    length = request.headers.get("content-length", "0").strip()
    chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
    return chunked or (length.isdigit() and int(length) > 0)


def _check_media_types(request: Request, has_content: bool) -> None:
    """Elasticsearch's own rules (``RestCompatibleVersionHelper``) for ``compatible-with=N``."""
    accept, content_type = request.headers.get("accept"), request.headers.get("content-type")
    asked, sent = _api_version(accept), _api_version(content_type)
    current, oldest = API_VERSIONS[0], API_VERSIONS[-1]
    problem: str | None = None
    if asked is not None and not oldest <= asked <= current:
        problem = (
            f"Accept version must be either version {current} or {oldest}, but found {asked}. Accept={accept}"
        )
    elif has_content and sent is not None and not oldest <= sent <= current:
        problem = (
            f"Content-Type version must be either version {current} or {oldest}, but found {sent}. "
            f"Content-Type={content_type}"
        )
    elif has_content and asked is not None and sent is not None and asked != sent:
        problem = (
            "A compatible version is required on both Content-Type and Accept headers if either one has "
            "requested a compatible version and the compatible versions must match. "
            f"Accept={accept}, Content-Type={content_type}"
        )
    elif has_content and (asked is None) != (sent is None):
        problem = (
            "A compatible version is required on both Content-Type and Accept headers if either one has "
            f"requested a compatible version. Accept={accept}, Content-Type={content_type}"
        )
    if problem is not None:
        raise EsError(
            400,
            "media_type_header_exception",
            "Invalid media-type value on headers [Accept, Content-Type]",
            cause=("status_exception", problem),
        )


def _check_request(backend: ElasticBackend, request: Request) -> None:
    header = request.headers.get("authorization")
    if not backend.check_auth(header):
        reason = (
            f"missing authentication credentials for REST request [{request.url.path}]"
            if not header
            else "unable to authenticate with provided credentials and anonymous access is not allowed "
            "for this request"
        )
        raise EsError(401, "security_exception", reason)


# --- model configurations ------------------------------------------------------------


def _model_task(backend: ElasticBackend, model_id: str) -> tuple[str, list[str] | None] | None:
    labels = backend.classification_labels(model_id)
    if labels is not None:
        return "text_classification", labels
    if model_id in backend.zero_shot_model_ids():
        return "zero_shot_classification", None
    if model_id in backend.model_ids():
        return "ner", None
    return None


def _model_config(model_id: str, task: str, labels: list[str] | None) -> dict[str, Any]:
    tokenizer: dict[str, Any] = {
        "with_special_tokens": True,
        "max_sequence_length": MAX_SEQUENCE_LENGTH,
        "truncate": MODEL_TRUNCATE,
        "span": -1,
    }
    if MODEL_TOKENIZER[task] == "roberta":
        tokenizer["add_prefix_space"] = False
    else:
        tokenizer["do_lower_case"] = False
    options: dict[str, Any] = {
        "vocabulary": {"index": ".ml-inference-native-000002"},
        "tokenization": {MODEL_TOKENIZER[task]: tokenizer},
    }
    if labels is not None:
        options["classification_labels"] = labels
        options["num_top_classes"] = 0
    if task == "zero_shot_classification":
        options.update(
            classification_labels=NLI_LABELS, hypothesis_template=HYPOTHESIS_TEMPLATE, multi_label=False
        )
    kind = _KINDS[task]
    return {
        "model_id": model_id,
        "model_type": "pytorch",
        "created_by": "api_user",
        "version": "12.0.0",
        "create_time": _CREATE_TIME,
        "description": f"Reinfer sandbox {kind} model",
        "tags": ["sandbox"],
        "license_level": "platinum",
        "input": {"field_names": [MODEL_INPUT_FIELD[task]]},
        "inference_config": {task: options},
        "location": {"index": {"name": ".ml-inference-native-000002"}},
    }


def _get_models(backend: ElasticBackend, pattern: str) -> dict[str, Any]:
    known = backend.model_ids()
    chosen: list[str] = []
    for part in (piece.strip() for piece in pattern.split(",")):
        if part in ("", "_all", "*"):
            matches = list(known)
        elif "*" in part:
            matches = [model_id for model_id in known if fnmatch.fnmatchcase(model_id, part)]
        elif part in known:
            matches = [part]
        else:
            raise EsError(
                404, "resource_not_found_exception", f"No known trained model with model_id [{part}]"
            )
        chosen.extend(model_id for model_id in matches if model_id not in chosen)
    configs = []
    for model_id in sorted(chosen):
        found = _model_task(backend, model_id)
        if found is not None:
            configs.append(_model_config(model_id, *found))
    return {"count": len(configs), "trained_model_configs": configs}


# --- inference -----------------------------------------------------------------------


def _parse_body(raw: bytes) -> tuple[list[Any], dict[str, Any] | None]:
    try:
        body = json.loads(raw or b"null")
    except ValueError as error:
        raise EsError(
            400, "x_content_parse_exception", f"Failed to parse the request body: {error}"
        ) from None
    if not isinstance(body, dict):
        raise EsError(
            400, "x_content_parse_exception", "[trained_model_infer] the request body must be an object"
        )
    unknown = sorted(set(body) - {"docs", "inference_config"})
    if unknown:
        raise EsError(400, "x_content_parse_exception", f"[trained_model_infer] unknown field [{unknown[0]}]")
    docs = body.get("docs")
    if docs is None:
        raise EsError(400, "x_content_parse_exception", "[trained_model_infer] Required [docs]")
    if not isinstance(docs, list) or not docs:
        raise EsError(
            400,
            "action_request_validation_exception",
            "Validation Failed: 1: at least one document is required;",
        )
    config = body.get("inference_config")
    if config is not None and not isinstance(config, dict):
        raise EsError(
            400, "x_content_parse_exception", "[trained_model_infer] [inference_config] must be an object"
        )
    return docs, config


def _task_options(model_id: str, model_task: str, config: dict[str, Any] | None) -> dict[str, Any]:
    if not config:
        return {}
    if len(config) != 1:
        raise EsError(400, "x_content_parse_exception", "[inference_config] must contain exactly one task")
    task, options = next(iter(config.items()))
    if task not in KNOWN_TASKS:
        raise EsError(400, "x_content_parse_exception", f"[inference_config] unknown field [{task}]")
    if task != model_task:
        raise EsError(
            403,
            "status_exception",
            f"Trained model [{model_id}] is configured for task [{model_task}] but called with task [{task}]",
        )
    if not isinstance(options, dict):
        raise EsError(400, "x_content_parse_exception", f"[{task}] must be an object")
    unknown = sorted(set(options) - _TASK_OPTIONS[task])
    if unknown:
        raise EsError(400, "x_content_parse_exception", f"[{task}] unknown field [{unknown[0]}]")
    return options


def _tokenization_update(task: str, tokenization: Any) -> tuple[str | None, Any]:
    """``(truncate, span)`` of a tokenization update, parsed as Elasticsearch's parsers do.

    The update is a named object keyed by the tokenizer type (``{"bert": {"truncate": "first"}}``)
    and must name the model's own type. The flat form (``{"truncate": ...}``) is what the
    Elasticsearch specification shows, but the server refuses it: ``truncate`` is no tokenizer.
    """
    tokenizer = MODEL_TOKENIZER[task]
    failed = f"[{task}] failed to parse field [tokenization]"
    if not isinstance(tokenization, dict) or not tokenization:
        raise EsError(
            400,
            "x_content_parse_exception",
            failed,
            cause=("illegal_argument_exception", "[tokenization] must be an object with one field"),
        )
    if len(tokenization) != 1:
        raise EsError(
            400,
            "x_content_parse_exception",
            failed,
            cause=("x_content_parse_exception", "[tokenization] can only contain one field"),
        )
    name, update = next(iter(tokenization.items()))
    if name not in TOKENIZERS:
        raise EsError(
            400,
            "x_content_parse_exception",
            failed,
            cause=("named_object_not_found_exception", f"unknown field [{name}]"),
        )
    if not isinstance(update, dict):
        raise EsError(400, "x_content_parse_exception", f"[{name}_tokenization_update] must be an object")
    unknown = sorted(set(update) - {"truncate", "span"})
    if unknown:
        raise EsError(
            400, "x_content_parse_exception", f"[{name}_tokenization_update] unknown field [{unknown[0]}]"
        )
    if name != tokenizer:
        raise EsError(
            400,
            "status_exception",
            f"Tokenization config of type [{tokenizer}] can not be updated with a request of type [{name}]",
        )
    return update.get("truncate"), update.get("span")


def _renamed_labels(new_labels: Any, renamed: list[str]) -> list[str]:
    """The model's labels, or ``classification_labels`` renaming them one for one."""
    if new_labels is None:
        return renamed
    if not isinstance(new_labels, list) or not all(isinstance(label, str) for label in new_labels):
        raise EsError(400, "x_content_parse_exception", "[classification_labels] must be a list of strings")
    if len(new_labels) != len(renamed):
        raise EsError(
            400,
            "status_exception",
            f"The number of [classification_labels] [{len(new_labels)}] must equal the number of labels "
            f"the model was trained with [{len(renamed)}]",
        )
    return list(new_labels)


def _truncate(task: str, tokenization: Any) -> str | None:
    """The truncation a ``tokenization`` update asks for (``span`` for a windowed one), checked."""
    truncate, span = _tokenization_update(task, tokenization)
    if truncate is not None and truncate not in TRUNCATE_VALUES:
        raise EsError(
            400,
            "illegal_argument_exception",
            f"[truncate] must be one of [first, second, none], got [{truncate}]",
        )
    if span is not None and (isinstance(span, bool) or not isinstance(span, int)):
        raise EsError(400, "x_content_parse_exception", "[tokenization] failed to parse field [span]")
    if span is not None and span != -1:
        _check_span(span, truncate)
        truncate = "span"
    return truncate


def _check_options(
    options: dict[str, Any], labels: list[str] | None, task: str
) -> tuple[str, int, str | None, list[str]]:
    """(results_field, num_top_classes, truncate, renamed labels) after validating the options."""
    results_field = options.get("results_field", DEFAULT_RESULTS_FIELD)
    if not isinstance(results_field, str) or not results_field:
        raise EsError(400, "x_content_parse_exception", "[results_field] must be a non-empty string")
    top = options.get("num_top_classes", 0)
    if isinstance(top, bool) or not isinstance(top, int) or top < -1:
        raise EsError(400, "x_content_parse_exception", "[num_top_classes] must be an integer >= -1")
    renamed = _renamed_labels(options.get("classification_labels"), list(labels or []))
    truncate = _truncate(task, options["tokenization"]) if "tokenization" in options else None
    return results_field, top, truncate, renamed


def _check_span(span: int, truncate: str | None) -> None:
    """Elasticsearch's ``Tokenization`` rules for a span (the model's own truncate is ``first``)."""
    effective = truncate or MODEL_TRUNCATE
    if effective != "none":
        # Left out, truncate is the model's own (first): Elasticsearch refuses that too.
        reason = f"[span] must not be provided when [truncate] is [{effective}]"
    elif span < -1:
        reason = (
            "[span] must be non-negative to indicate span length or [-1] to indicate no windowing "
            "should occur"
        )
    elif span > MAX_SEQUENCE_LENGTH:
        reason = (
            f"[span] provided [{span}] must not be greater than [max_sequence_length] provided "
            f"[{MAX_SEQUENCE_LENGTH}]"
        )
    else:
        return
    raise EsError(400, "illegal_argument_exception", reason)


def _fit(text: str, truncate: str | None) -> tuple[str, bool]:
    """The text the model reads and whether it was truncated (or 400 when truncation is off)."""
    tokens = list(_TOKEN.finditer(text))
    room = MAX_SEQUENCE_LENGTH - 2
    if len(tokens) <= room or truncate == "span":
        return text, False
    if truncate == "none":
        raise EsError(
            400,
            "status_exception",
            f"Input too large. The tokenized input length [{len(tokens) + 2}] exceeds the maximum sequence "
            f"length [{MAX_SEQUENCE_LENGTH}]",
        )
    return text[: tokens[room - 1].end()], True


def _utf16_units(text: str, chars: int) -> int:
    prefix = text[: max(chars, 0)]
    return len(prefix) + sum(1 for char in prefix if ord(char) > 0xFFFF)


def _classification_result(
    probabilities: dict[str, float], labels: list[str], renamed: list[str], results_field: str, top: int
) -> dict[str, Any]:
    order = labels or list(probabilities)
    names = dict(zip(order, renamed or order, strict=True))
    scored = sorted(
        ((names.get(label, label), float(probabilities.get(label, 0.0))) for label in order),
        key=lambda pair: pair[1],
        reverse=True,
    )
    best_name, best = scored[0] if scored else ("", 0.0)
    result: dict[str, Any] = {results_field: best_name, "prediction_probability": best}
    if top != 0:
        shown = scored if top == -1 else scored[:top]
        result["top_classes"] = [
            {"class_name": name, "class_probability": value, "class_score": value} for name, value in shown
        ]
    return result


def _zero_shot_labels(options: dict[str, Any]) -> tuple[list[str], bool]:
    """(labels, multi_label) of a zero-shot request; the sandbox's zero-shot model stores no labels."""
    labels = options.get("labels")
    if labels is None:
        raise EsError(
            400,
            "status_exception",
            "stored configuration has no [labels] defined, supplied inference_config update must "
            "supply [labels]",
        )
    if (
        not isinstance(labels, list)
        or not labels
        or not all(isinstance(label, str) and label for label in labels)
    ):
        raise EsError(400, "x_content_parse_exception", "[labels] must be a non-empty list of strings")
    multi_label = options.get("multi_label", False)
    if not isinstance(multi_label, bool):
        raise EsError(400, "x_content_parse_exception", "[multi_label] must be a boolean")
    return list(labels), multi_label


def _zero_shot_result(
    scored: list[tuple[float, float]], labels: list[str], results_field: str
) -> dict[str, Any]:
    """Every label, most probable first, as Elasticsearch answers a zero-shot request."""
    ranked = sorted(zip(labels, scored, strict=True), key=lambda pair: pair[1][0], reverse=True)
    best, (probability, _) = ranked[0]
    return {
        results_field: best,
        "top_classes": [
            {"class_name": name, "class_probability": value, "class_score": score}
            for name, (value, score) in ranked
        ],
        "prediction_probability": probability,
    }


def _body_span(entity: dict[str, Any], text: str) -> tuple[int, int] | None:
    """The (start, end) code points of the entity in the body text, if it has a usable span there."""
    for span in entity.get("spans") or [entity.get("span") or {}]:
        if span.get("content_part", "body") != "body" or span.get("message_index", 0) != 0:
            continue
        start, end = span.get("char_start"), span.get("char_end")
        if isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text):
            return start, end
    return None


def _ner_result(text: str, found: list[dict[str, Any]], results_field: str) -> dict[str, Any]:
    located: list[tuple[int, int, str, float]] = []
    for entity in found:
        span = _body_span(entity, text)
        if span is not None:
            probability = entity.get("probability")
            name = str(entity.get("name") or entity.get("kind"))
            located.append((*span, name, float(probability) if probability is not None else 1.0))
    located.sort(key=lambda entry: (entry[0], entry[1]))
    entities = [
        {
            "entity": text[start:end],
            "class_name": name,
            "class_probability": probability,
            "start_pos": _utf16_units(text, start),
            "end_pos": _utf16_units(text, end),
        }
        for start, end, name, probability in located
    ]
    # The annotated text: "[surface](CLASS&url+encoded+surface)" for each entity, as Elasticsearch writes it.
    annotated, cursor = [], 0
    for start, end, name, _ in located:
        if start < cursor:
            continue  # overlapping entities: the annotated text marks only the first
        surface = text[start:end]
        annotated.append(f"{text[cursor:start]}[{surface}]({name}&{quote_plus(surface)})")
        cursor = end
    annotated.append(text[cursor:])
    return {results_field: "".join(annotated), "entities": entities}


def _answers(
    backend: ElasticBackend,
    model_id: str,
    model_task: str,
    texts: list[str],
    labels: list[str],
    renamed: list[str],
    results_field: str,
    top: int,
    multi_label: bool,
) -> list[dict[str, Any]]:
    """The model's answer for each readable text, in the task's result shape."""
    if not texts:
        return []
    if model_task == "text_classification":
        return [
            _classification_result(probabilities, labels, renamed, results_field, top)
            for probabilities in backend.classify(model_id, texts)
        ]
    if model_task == "zero_shot_classification":
        return [
            _zero_shot_result(scored, labels, results_field)
            for scored in backend.zero_shot(texts, labels, multi_label)
        ]
    return [
        _ner_result(text, entities, results_field)
        for text, entities in zip(texts, backend.ner(texts), strict=True)
    ]


def _infer(backend: ElasticBackend, model_id: str, raw: bytes, timeout: str | None) -> dict[str, Any]:
    if timeout is not None and not _TIME_VALUE.match(timeout):
        raise EsError(
            400,
            "parse_exception",
            f"failed to parse setting [timeout] with value [{timeout}] as a time value: "
            "unit is missing or unrecognized",
        )
    found = _model_task(backend, model_id)
    if found is None:
        raise EsError(404, "resource_not_found_exception", f"Could not find trained model [{model_id}]")
    model_task, labels = found
    docs, config = _parse_body(raw)
    options = _task_options(model_id, model_task, config)
    results_field, top, truncate, renamed = _check_options(options, labels, model_task)
    multi_label = False
    if model_task == "zero_shot_classification":
        labels, multi_label = _zero_shot_labels(options)
    results: list[dict[str, Any] | None] = []
    texts: list[str] = []
    field = MODEL_INPUT_FIELD[model_task]
    for doc in docs:
        value = doc.get(field) if isinstance(doc, dict) else None
        if not isinstance(value, str):
            results.append({"warning": f"Input field [{field}] does not exist in the source document"})
            continue
        text, truncated = _fit(value, truncate)
        texts.append(text)
        results.append({"is_truncated": True} if truncated else None)
    answers = _answers(
        backend, model_id, model_task, texts, labels or [], renamed, results_field, top, multi_label
    )
    inference_results, fresh = [], iter(answers)
    for result in results:
        if result is not None and "warning" in result:
            inference_results.append(result)
        else:
            inference_results.append({**next(fresh), **(result or {})})
    return {"inference_results": inference_results}


def _cluster_info() -> dict[str, Any]:
    return {
        "name": "reinfer-sandbox",
        "cluster_name": "reinfer-sandbox",
        "cluster_uuid": "c2FuZGJveC1jbHVzdGVy",
        "version": {
            "number": ES_VERSION,
            "build_flavor": "default",
            "build_type": "docker",
            "build_hash": "sandbox",
            "build_date": "2025-07-24T14:18:42.152385932Z",
            "build_snapshot": False,
            "lucene_version": LUCENE_VERSION,
            "minimum_wire_compatibility_version": "8.19.0",
            "minimum_index_compatibility_version": "8.0.0",
        },
        "tagline": "You Know, for Search",
    }


_INFER_BODY_SCHEMA: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["docs"],
                    "properties": {
                        "docs": {
                            "type": "array",
                            "items": {"type": "object", "properties": {TEXT_FIELD: {"type": "string"}}},
                        },
                        "inference_config": {
                            "type": "object",
                            "description": "One task key (text_classification, zero_shot_classification "
                            "or ner) with its options: num_top_classes, results_field, "
                            "classification_labels, labels and multi_label (zero-shot), tokenization "
                            "{<tokenizer type>: {truncate, span}} (bert for classification and "
                            "zero-shot, roberta for NER models). Documents carry the model's input "
                            "field: text_field (classification, zero-shot) or text (NER).",
                        },
                    },
                },
                "example": {
                    "docs": [{TEXT_FIELD: "My order 12345678 never arrived"}],
                    "inference_config": {"text_classification": {"num_top_classes": 3}},
                },
            }
        },
    }
}


def create_elastic_router(backend: ElasticBackend, *, include_root: bool = True) -> APIRouter:
    """The emulated Elasticsearch routes over ``backend``; ``include_root`` adds ``GET /`` and ``HEAD /``."""
    router = APIRouter(tags=[_TAG])

    async def answer(request: Request, work: Callable[[], Any]) -> Response:
        try:
            # Elasticsearch reads the media types while parsing the request, before authenticating.
            _check_media_types(request, _has_content(request))
            _check_request(backend, request)
            # Models are CPU work: keep them off the event loop so other routes stay responsive.
            return _json(request, 200, await run_in_threadpool(work))
        except EsError as error:
            return _error(request, error)

    if include_root:

        async def cluster_info(request: Request) -> Response:
            return await answer(request, _cluster_info)

        async def cluster_ping(request: Request) -> Response:
            response = await answer(request, _cluster_info)
            return Response(status_code=response.status_code, headers={"X-elastic-product": "Elasticsearch"})

        router.add_api_route("/", cluster_info, methods=["GET"], summary="Elasticsearch cluster info")
        router.add_api_route("/", cluster_ping, methods=["HEAD"], include_in_schema=False)

    @router.get("/_ml/trained_models", summary="Get all trained model configurations")
    async def get_all_models(request: Request) -> Response:
        return await answer(request, lambda: _get_models(backend, "_all"))

    @router.get("/_ml/trained_models/{model_id}", summary="Get trained model configurations")
    async def get_models(request: Request, model_id: str) -> Response:
        return await answer(request, lambda: _get_models(backend, model_id))

    async def infer(request: Request, model_id: str) -> Response:
        raw = await request.body()
        timeout = request.query_params.get("timeout")
        return await answer(request, lambda: _infer(backend, model_id, raw, timeout))

    router.add_api_route(
        "/_ml/trained_models/{model_id}/_infer",
        infer,
        methods=["POST"],
        summary="Evaluate a trained model",
        openapi_extra=_INFER_BODY_SCHEMA,
    )
    router.add_api_route(
        "/_ml/trained_models/{model_id}/deployment/_infer",
        infer,
        methods=["POST"],
        summary="Evaluate a trained model (deprecated path)",
        deprecated=True,
        openapi_extra=_INFER_BODY_SCHEMA,
    )
    return router
