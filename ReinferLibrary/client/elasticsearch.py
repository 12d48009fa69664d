"""A small typed client for Elasticsearch trained-model inference (no Robot Framework imports).

Only the two routes the library needs: ``POST /_ml/trained_models/{model_id}/_infer`` and
``GET /_ml/trained_models/{model_id}`` (plus ``GET /`` to identify the cluster). Another
server, another authentication scheme, another error body, but the same HTTP transport as
the Communications Mining client (:class:`~ReinferLibrary.client.transport.Transport`):
one request loop, one retry rule, one set of error classes and categories, so a robot that
retries ``Technical error*`` sees the same category for the same failure from either
service. What is Elasticsearch's own is how its error bodies read
(:func:`es_classify`) and the words of the advice
(:data:`~ReinferLibrary.errors.ELASTICSEARCH`).

Retries: ``GET`` calls are reads, retried like any safe call. Inference has no side
effects but costs the deployment work, so it is retried only when the request certainly
did not reach the model (no connection, 429 queue full, 503 not allocated), as Predict
calls are (:attr:`~ReinferLibrary.errors.Repeat.UNSENT`): a read timeout or a 502/504
means the model may still be working, and asking again adds load. A TLS failure is not
retried: it fails the same way until the CA bundle or the URL is fixed.

Explicit settings win over the environment: ``verify`` goes on every request (requests lets
``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` override a session's ``verify``), and the
credentials are an auth object (a plain ``Authorization`` header would be replaced by a
``~/.netrc`` entry for the host).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError
from requests.auth import AuthBase, HTTPBasicAuth

from ..errors import (
    ELASTICSEARCH,
    BadRequestError,
    InferenceWarningError,
    NotFoundError,
    ReinferApiError,
    ReinferConfigurationError,
    ReinferTimeoutError,
    Repeat,
    error_for_status,
)
from ..models.elastic import (
    EsErrorBody,
    InferenceTask,
    InferRequest,
    InferResponse,
    TrainedModelConfig,
    TrainedModelsResponse,
    Truncate,
    build_infer_request,
    check_span,
    inference_warnings,
    items_from_infer,
)
from ..models.items import Item
from .routes import check_base_url
from .settings import CallRecord, safe_url
from .transport import Service, Transport, api_key, bearer

# --- how Elasticsearch's error bodies read ----------------------------------------------

# Elasticsearch error types that mean "no answer in time" whatever the status code says.
_TIMEOUT_TYPES = frozenset(
    {"timeout_exception", "elasticsearch_timeout_exception", "receive_timeout_transport_exception"}
)


def es_classify(status: int, payload: Any) -> tuple[type[ReinferApiError], str | None]:
    """The error class and the server's sentence (``type: reason``) for a JSON error body.

    ``403`` is an authentication problem only when Elasticsearch says ``security_exception``:
    asking a model for another task than it was trained for is a ``403 status_exception`` too.
    """
    parsed = _parse_error(payload)
    detail = parsed.error if parsed is not None else None
    kind = (detail.type or (detail.root_cause[0].type if detail.root_cause else None)) if detail else None
    reason = ((detail.reason or "") if detail else "").lower()
    sentence = parsed.sentence() if parsed is not None else None
    if status == 408 or kind in _TIMEOUT_TYPES or (kind == "status_exception" and "timeout" in reason):
        return ReinferTimeoutError, sentence
    if status == 403 and kind is not None and kind != "security_exception":
        return BadRequestError, sentence
    return error_for_status(status), sentence


def _parse_error(payload: Any) -> EsErrorBody | None:
    try:
        parsed = EsErrorBody.model_validate(payload)
    except ValidationError:
        return None
    return parsed if parsed.error is not None else None


ELASTICSEARCH_SERVICE = Service(
    words=ELASTICSEARCH, classify=es_classify, user_agent="robotframework-reinfer (ReinferLibrary)"
)


# --- settings ----------------------------------------------------------


@dataclass(frozen=True)
class ElasticsearchSettings:
    """Where the cluster is and how to authenticate. Secrets are excluded from ``repr``."""

    url: str
    """Base URL of the cluster, e.g. ``https://es.example.com:9200`` (a trailing slash is tolerated)."""
    api_key: str | None = field(default=None, repr=False)
    """Encoded API key, sent as ``Authorization: ApiKey <key>``."""
    bearer_token: str | None = field(default=None, repr=False)
    """An OAuth2 / service-account token, sent as ``Authorization: Bearer <token>``."""
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: tuple[float, float] = (10.0, 30.0)
    """(connect, read) seconds; a longer inference ``timeout`` raises the read timeout to match."""
    verify: bool | str = True
    """TLS verification: ``True``, ``False`` or the path of a CA bundle."""
    retries: int = 2
    """Extra attempts after the first on 429/502/503/504 and refused connections."""
    backoff: float = 0.5
    max_retry_after: float = 30.0
    """Longest ``Retry-After`` wait honoured; a server asking for more fails the call at once."""
    proxies: Mapping[str, str] | None = None
    deadline: float | None = None
    """Seconds one HTTP attempt may take in all; ``None``: 3 x the call's read timeout."""

    def __post_init__(self) -> None:
        if isinstance(self.verify, str) and not Path(self.verify).exists():
            # Otherwise requests raises a raw OSError on the first call, far from the cause.
            raise ReinferConfigurationError(
                f"The CA bundle {self.verify!r} given as verify= does not exist; give the path of a "
                "PEM file (or folder) of trusted CA certificates, or verify=True for the system's."
            )
        check_base_url(self.url, "Elasticsearch URL", "https://es.example.com:9200", safe_url(self.url))
        given = [self.api_key is not None, self.bearer_token is not None, self.username is not None]
        if sum(given) > 1:
            raise ReinferConfigurationError(
                "Give one way to authenticate to Elasticsearch: an API key, a bearer token, or a "
                "username and password."
            )
        if self.bearer_token is not None and not self.bearer_token.strip():
            raise ReinferConfigurationError("The Elasticsearch bearer token is empty; give bearer_token=.")
        if (self.username is None) != (self.password is None):
            raise ReinferConfigurationError(
                "Basic authentication to Elasticsearch needs both username and password."
            )
        if self.api_key is not None and not self.api_key.strip():
            raise ReinferConfigurationError(
                "The Elasticsearch API key is empty; set ELASTICSEARCH_API_KEY or api_key=."
            )
        if len(self.timeout) != 2 or min(self.timeout) <= 0:
            raise ReinferConfigurationError(
                f"Timeout {self.timeout!r} must be two positive numbers of seconds (connect, read)."
            )
        if self.retries < 0 or self.backoff < 0 or self.max_retry_after < 0:
            raise ReinferConfigurationError("Retries, backoff and max_retry_after must be 0 or more.")

    @property
    def base_url(self) -> str:
        return self.url.rstrip("/")

    def secrets(self) -> list[str]:
        """Every form of the credentials that could end up in text (for scrubbing)."""
        found = [value for value in (self.api_key, self.bearer_token, self.password) if value]
        if self.username is not None and self.password:
            found.append(base64.b64encode(f"{self.username}:{self.password}".encode()).decode())
        return found


def format_timeout(seconds: float) -> str:
    """An Elasticsearch time value: whole seconds as ``30s``, anything finer as ``1500ms``."""
    if seconds <= 0:
        raise ReinferConfigurationError(f"Inference timeout must be positive, got {seconds} seconds.")
    if float(seconds).is_integer():
        return f"{int(seconds)}s"
    return f"{max(1, round(seconds * 1000))}ms"


def model_path(model_id: str, suffix: str = "", *, wildcards: bool = False) -> str:
    """``/_ml/trained_models/{model_id}{suffix}`` with the id quoted for the URL."""
    if not model_id or not model_id.strip():
        raise ReinferConfigurationError("The trained model id is empty.")
    return f"/_ml/trained_models/{quote(model_id.strip(), safe='*,' if wildcards else '')}{suffix}"


# --- the client --------------------------------------------------------------------------


class ElasticsearchClient:
    """One connection to a cluster: the shared :class:`~.transport.Transport` with Elasticsearch's words."""

    def __init__(
        self,
        settings: ElasticsearchSettings,
        on_call: Callable[[CallRecord], None] | None = None,
        *,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.settings = settings
        self.transport = Transport(
            settings,
            on_call,
            auth=_auth(settings),
            secrets=settings.secrets(),
            service=ELASTICSEARCH_SERVICE,
        )
        if sleep is not None:
            self.transport.sleep = sleep
        self._models: dict[str, TrainedModelConfig] = {}

    def __repr__(self) -> str:
        return f"ElasticsearchClient(url={self.settings.base_url!r})"

    def close(self) -> None:
        self.transport.close()

    # -- routes --

    def info(self) -> dict[str, Any]:
        """``GET /``: cluster name and version (proves the URL is an Elasticsearch cluster)."""
        body = self.transport.send("GET", "/", retry=Repeat.SAFE)
        try:
            data: Any = json.loads(body)
        except ValueError:
            raise self.transport.protocol_error("GET", "/", "the answer is not JSON", kind=None) from None
        if not isinstance(data, dict):
            raise self.transport.protocol_error("GET", "/", "the answer is not a JSON object")
        return data

    def get_trained_model(self, model_id: str) -> TrainedModelConfig:
        """``GET /_ml/trained_models/{model_id}``: the model's configuration."""
        path = model_path(model_id, wildcards=True)
        response = self.transport.request("GET", path, TrainedModelsResponse, retry=Repeat.SAFE)
        if not response.trained_model_configs:
            raise self.transport.error(
                NotFoundError, "GET", path, f"the cluster knows no trained model [{model_id.strip()}]"
            )
        return response.trained_model_configs[0]

    def model_config(self, model_id: str) -> TrainedModelConfig:
        """The model's configuration, read once per connection (a model's input field and
        tokenizer do not change while it is deployed)."""
        key = model_id.strip()
        if key not in self._models:
            self._models[key] = self.get_trained_model(key)
        return self._models[key]

    def infer(self, model_id: str, request: InferRequest, timeout: float | None = None) -> InferResponse:
        """``POST /_ml/trained_models/{model_id}/_infer``; a ``warning`` in any result is an error."""
        path = model_path(model_id, "/_infer")
        params = [("timeout", format_timeout(timeout))] if timeout is not None else None
        shown = f"{path}?timeout={params[0][1]}" if params else path
        response = self.transport.request(
            "POST",
            path,
            InferResponse,
            retry=Repeat.UNSENT,
            body=json.dumps(request.to_body(), ensure_ascii=False),
            params=params,
            # The server waits up to the inference timeout; give the answer time to travel back.
            read_timeout=timeout + 5.0 if timeout is not None else None,
        )
        warnings = inference_warnings(response)
        if warnings:
            index, warning = warnings[0]
            more = f" (and {len(warnings) - 1} more)" if len(warnings) > 1 else ""
            raise self.transport.error(
                InferenceWarningError,
                "POST",
                shown,
                f"model [{model_id.strip()}] could not infer document {index + 1} of "
                f"{len(request.docs)}{more}: {warning}",
            )
        if len(response.inference_results) != len(request.docs):
            raise self.transport.protocol_error(
                "POST",
                shown,
                f"{len(request.docs)} document(s) sent but "
                f"{len(response.inference_results)} result(s) returned",
                repeat=Repeat.UNSENT,
            )
        return response

    def infer_items(
        self,
        model_id: str,
        texts: Sequence[str],
        task: InferenceTask = InferenceTask.text_classification,
        *,
        labels: Sequence[str] | None = None,
        multi_label: bool | None = None,
        num_top_classes: int | None = None,
        results_field: str | None = None,
        truncate: Truncate | None = None,
        span: int | None = None,
        question: str | None = None,
        timeout: float | None = None,
    ) -> list[Item]:
        """Infer ``texts`` (one doc each) and normalise the answer into items, in order.

        The document field and the tokenization type come from the model's configuration
        (:meth:`model_config`, one ``GET`` per model and connection); zero-shot ``labels`` may
        be left out when the model stores its own.
        """
        check_span(truncate, span)  # before reading the configuration: no call for a request doomed anyway
        config = self.model_config(model_id)
        if (
            task is InferenceTask.zero_shot_classification
            and labels is None
            and not config.stored_zero_shot_labels
        ):
            raise ReinferConfigurationError(
                f"Zero-shot model [{model_id.strip()}] stores no labels: "
                "give labels= (the classes to choose from)."
            )
        request = build_infer_request(
            texts,
            task,
            labels=labels,
            multi_label=multi_label,
            num_top_classes=num_top_classes,
            results_field=results_field,
            truncate=truncate,
            span=span,
            question=question,
            input_field=config.input_field,
            tokenizer=config.tokenizer,
        )
        response = self.infer(model_id, request, timeout=timeout)
        try:
            return items_from_infer(
                response, model_id=model_id.strip(), texts=texts, task=task, results_field=results_field
            )
        except ValueError as error:  # e.g. a class name that is no label name (">")
            raise self.transport.protocol_error(
                "POST", model_path(model_id, "/_infer"), f"the answer cannot be read: {error}"
            ) from None


def _auth(settings: ElasticsearchSettings) -> AuthBase | None:
    if settings.api_key is not None:
        return api_key(settings.api_key.strip())
    if settings.bearer_token is not None:
        return bearer(settings.bearer_token.strip())
    if settings.username is not None and settings.password is not None:
        return HTTPBasicAuth(settings.username, settings.password)
    return None
