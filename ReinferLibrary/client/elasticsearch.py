"""A small typed client for Elasticsearch trained-model inference (no Robot Framework imports).

Only the two routes the library needs: ``POST /_ml/trained_models/{model_id}/_infer`` and
``GET /_ml/trained_models/{model_id}`` (plus ``GET /`` to identify the cluster). It is
independent of the Communications Mining client on purpose: another server, another
authentication scheme, another error body. Only the transport's pure helpers are shared
(the backoff draw and the redaction rule).

Retries: inference has no side effects, so 429, 502, 503, 504 and refused connections are
retried with exponential backoff and full jitter (``Retry-After`` honoured up to a cap).
A *read timeout* is not retried: the deployment is busy, and asking again adds load. A TLS
failure (certificate verification, handshake) is not retried either: it fails the same way
until the CA bundle or the URL is fixed.

Explicit settings win over the environment: ``verify`` goes on every request (requests lets
``REQUESTS_CA_BUNDLE`` / ``CURL_CA_BUNDLE`` override a session's ``verify``), and the
credentials are an auth object (a plain ``Authorization`` header would be replaced by a
``~/.netrc`` entry for the host).
"""

from __future__ import annotations

import base64
import json
import math
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote

import requests
from pydantic import BaseModel, ValidationError
from requests.auth import AuthBase, HTTPBasicAuth

from ..errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    ProtocolError,
    RateLimitedError,
    ReinferApiError,
    ReinferConfigurationError,
    ReinferConnectionError,
    ReinferTimeoutError,
    ServerError,
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
    inference_warnings,
    items_from_infer,
)
from ..models.items import Item
from .transport import backoff_delay, parse_retry_after, redact

# --- errors: the library's hierarchy, with advice that fits Elasticsearch -------------


class ElasticsearchAuthenticationError(AuthenticationError):
    advice = (
        "Check the API key (ELASTICSEARCH_API_KEY) or username/password, and that the user "
        "has the machine learning privileges (monitor_ml, or manage_ml to change models)."
    )


class ElasticsearchNotFoundError(NotFoundError):
    advice = "Check the model id (Get Trained Model lists what the cluster knows) and the URL."


class ElasticsearchConflictError(ConflictError):
    advice = (
        "The model is not ready for inference (deployment not started or not allocated); start it and retry."
    )


class ElasticsearchBadRequestError(BadRequestError):
    advice = "Fix the request as Elasticsearch says (task, options, model id); retrying it will fail again."


class InferenceWarningError(ElasticsearchBadRequestError):
    """A result carried ``warning`` instead of a prediction: the model could not read the document."""

    title = "inference warning"
    advice = "The document could not be inferred; check the text and the model's input field and task."


class ElasticsearchRateLimitedError(RateLimitedError):
    advice = (
        "The model deployment's inference queue is full; retry later, lower the request rate "
        "(pabot processes) or give the deployment more allocations."
    )


class ElasticsearchServerError(ServerError):
    advice = (
        "Elasticsearch failed (is the model deployment started?); inference changes nothing, "
        "so retrying is safe."
    )


class ElasticsearchProtocolError(ProtocolError):
    advice = "The answer is not Elasticsearch's JSON; check the URL (the cluster, not Kibana) and any proxy."


class ElasticsearchTimeoutError(ReinferTimeoutError):
    advice = (
        "Inference took too long; retrying is safe. Raise timeout= or check the deployment's "
        "allocations and queue."
    )


class ElasticsearchConnectionError(ReinferConnectionError):
    advice = (
        "Could not reach Elasticsearch; check ELASTICSEARCH_URL, the network, proxies "
        "and the CA bundle (verify=)."
    )


class ElasticsearchTlsError(ElasticsearchConnectionError):
    """TLS failed (certificate not trusted, wrong host name, not TLS at all): permanent until fixed.

    A connection error for code that catches those, but a *business* error in the message:
    retrying later fails the same way, so robots must not treat it as a passing outage.
    """

    title = "TLS certificate"
    category = "business"
    advice = (
        "The TLS connection failed, and retrying will fail the same way: check verify= (the CA "
        "bundle that signed the cluster's certificate; with verify=True, REQUESTS_CA_BUNDLE when "
        "set), that the URL's host name is the one in the certificate, and that the port speaks HTTPS."
    )


_BY_BASE: dict[type[ReinferApiError], type[ReinferApiError]] = {
    AuthenticationError: ElasticsearchAuthenticationError,
    NotFoundError: ElasticsearchNotFoundError,
    ConflictError: ElasticsearchConflictError,
    BadRequestError: ElasticsearchBadRequestError,
    RateLimitedError: ElasticsearchRateLimitedError,
    ServerError: ElasticsearchServerError,
    ProtocolError: ElasticsearchProtocolError,
}

# Elasticsearch error types that mean "no answer in time" whatever the status code says.
_TIMEOUT_TYPES = frozenset(
    {"timeout_exception", "elasticsearch_timeout_exception", "receive_timeout_transport_exception"}
)
_RETRY_STATUSES = frozenset({429, 502, 503, 504})


def error_for_response(status: int, body: bytes | str | None) -> tuple[type[ReinferApiError], str | None]:
    """The error class and the server's sentence (``type: reason``) for a failed response.

    ``403`` is an authentication problem only when Elasticsearch says ``security_exception``:
    asking a model for another task than it was trained for is a ``403 status_exception`` too.
    """
    parsed = _parse_error(body)
    detail = parsed.error if parsed is not None else None
    kind = (detail.type or (detail.root_cause[0].type if detail.root_cause else None)) if detail else None
    reason = ((detail.reason or "") if detail else "").lower()
    sentence = parsed.sentence() if parsed is not None else _text_snippet(body)
    if status == 408 or kind in _TIMEOUT_TYPES or (kind == "status_exception" and "timeout" in reason):
        return ElasticsearchTimeoutError, sentence
    if status == 403 and kind is not None and kind != "security_exception":
        return ElasticsearchBadRequestError, sentence
    base = error_for_status(status)
    return _BY_BASE.get(base, base), sentence


def _parse_error(body: bytes | str | None) -> EsErrorBody | None:
    if not body:
        return None
    try:
        parsed = EsErrorBody.model_validate_json(body)
    except ValidationError:
        return None
    return parsed if parsed.error is not None else None


def _text_snippet(body: bytes | str | None) -> str | None:
    if not body:
        return None
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    text = " ".join(text.split())
    return text[:200] + ("..." if len(text) > 200 else "") if text else None


# --- settings and call records ----------------------------------------------------------


@dataclass(frozen=True)
class ElasticsearchSettings:
    """Where the cluster is and how to authenticate. Secrets are excluded from ``repr``."""

    url: str
    """Base URL of the cluster, e.g. ``https://es.example.com:9200`` (a trailing slash is tolerated)."""
    api_key: str | None = field(default=None, repr=False)
    """Encoded API key, sent as ``Authorization: ApiKey <key>``."""
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

    def __post_init__(self) -> None:
        if isinstance(self.verify, str) and not Path(self.verify).exists():
            # Otherwise requests raises a raw OSError on the first call, far from the cause.
            raise ReinferConfigurationError(
                f"The CA bundle {self.verify!r} given as verify= does not exist; give the path of a "
                "PEM file (or folder) of trusted CA certificates, or verify=True for the system's."
            )
        if not self.url.startswith(("http://", "https://")):
            raise ReinferConfigurationError(
                f"Elasticsearch URL {self.url!r} must start with http:// or https:// "
                "(e.g. https://es.example.com:9200)."
            )
        if self.api_key is not None and self.username is not None:
            raise ReinferConfigurationError(
                "Give either an API key or a username and password for Elasticsearch, not both."
            )
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
        found = [value for value in (self.api_key, self.password) if value]
        if self.username is not None and self.password:
            found.append(base64.b64encode(f"{self.username}:{self.password}".encode()).decode())
        return found


@dataclass(frozen=True)
class EsCallRecord:
    """One HTTP attempt, as handed to the ``on_call`` hook (the keyword layer logs it)."""

    method: str
    path: str
    """Path with the query string, host omitted."""
    status: int | None
    """HTTP status, or ``None`` when no response arrived."""
    elapsed_ms: float
    attempt: int
    retry_in: float | None
    """Seconds until the next attempt, when one follows."""


_Model = TypeVar("_Model", bound=BaseModel)


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


class _ApiKeyAuth(AuthBase):
    """``Authorization: ApiKey <key>`` on every request; the repr never shows the key.

    An auth object rather than a session header: requests fills in ``~/.netrc`` credentials
    for the host whenever no auth object is set, and they would replace the header.
    """

    def __init__(self, api_key: str) -> None:
        self._header = f"ApiKey {api_key}"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self._header
        return request

    def __repr__(self) -> str:
        return "_ApiKeyAuth(***)"


class ElasticsearchClient:
    """One ``requests.Session`` per cluster connection."""

    def __init__(
        self,
        settings: ElasticsearchSettings,
        on_call: Callable[[EsCallRecord], None] | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.settings = settings
        self._on_call = on_call
        self._sleep = sleep
        self._secrets = settings.secrets()
        self._session = requests.Session()
        self._session.headers.update(
            {"Accept": "application/json", "User-Agent": "robotframework-reinfer (ReinferLibrary)"}
        )
        if settings.api_key is not None:
            self._session.auth = _ApiKeyAuth(settings.api_key.strip())
        elif settings.username is not None and settings.password is not None:
            self._session.auth = HTTPBasicAuth(settings.username, settings.password)
        # Not session.verify: requests lets REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE override that;
        # passed on each request, an explicit CA bundle or verify=False wins.
        self._verify = settings.verify

    def __repr__(self) -> str:
        return f"ElasticsearchClient(url={self.settings.base_url!r})"

    def close(self) -> None:
        self._session.close()

    # -- routes --

    def info(self) -> dict[str, Any]:
        """``GET /``: cluster name and version (proves the URL is an Elasticsearch cluster)."""
        body = self._call("GET", "/")
        try:
            data: Any = json.loads(body)
        except ValueError:
            raise ElasticsearchProtocolError("GET", "/", 200, detail="the answer is not JSON") from None
        if not isinstance(data, dict):
            raise ElasticsearchProtocolError("GET", "/", 200, detail="the answer is not a JSON object")
        return data

    def get_trained_model(self, model_id: str) -> TrainedModelConfig:
        """``GET /_ml/trained_models/{model_id}``: the model's configuration."""
        path = model_path(model_id, wildcards=True)
        response = self._parse("GET", path, self._call("GET", path), TrainedModelsResponse)
        if not response.trained_model_configs:
            raise ElasticsearchNotFoundError(
                "GET", path, 200, detail=f"the cluster knows no trained model [{model_id.strip()}]"
            )
        return response.trained_model_configs[0]

    def infer(self, model_id: str, request: InferRequest, timeout: float | None = None) -> InferResponse:
        """``POST /_ml/trained_models/{model_id}/_infer``; a ``warning`` in any result is an error."""
        path = model_path(model_id, "/_infer")
        params = {"timeout": format_timeout(timeout)} if timeout is not None else None
        shown = f"{path}?timeout={params['timeout']}" if params else path
        body = self._call("POST", path, payload=request.to_body(), params=params, read_timeout=timeout)
        response = self._parse("POST", shown, body, InferResponse)
        warnings = inference_warnings(response)
        if warnings:
            index, warning = warnings[0]
            more = f" (and {len(warnings) - 1} more)" if len(warnings) > 1 else ""
            raise InferenceWarningError(
                "POST",
                shown,
                200,
                detail=self._scrub(
                    f"model [{model_id.strip()}] could not infer document {index + 1} of "
                    f"{len(request.docs)}{more}: {warning}"
                ),
            )
        if len(response.inference_results) != len(request.docs):
            raise ElasticsearchProtocolError(
                "POST",
                shown,
                200,
                detail=(
                    f"{len(request.docs)} document(s) sent but "
                    f"{len(response.inference_results)} result(s) returned"
                ),
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
        """Infer ``texts`` (one doc each) and normalise the answer into items, in order."""
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
        )
        response = self.infer(model_id, request, timeout=timeout)
        try:
            return items_from_infer(
                response, model_id=model_id.strip(), texts=texts, task=task, results_field=results_field
            )
        except ValueError as error:  # e.g. a class name that is no label name (">")
            raise ElasticsearchProtocolError(
                "POST", model_path(model_id, "/_infer"), 200, detail=f"the answer cannot be read: {error}"
            ) from None

    # -- transport --

    def _call(
        self,
        method: str,
        path: str,
        *,
        payload: Any = None,
        params: dict[str, str] | None = None,
        read_timeout: float | None = None,
    ) -> bytes:
        connect, read = self.settings.timeout
        if read_timeout is not None:
            # The server waits up to the inference timeout; give the answer time to travel back.
            read = max(read, read_timeout + 5.0)
        shown = f"{path}?{'&'.join(f'{k}={v}' for k, v in params.items())}" if params else path
        attempts = self.settings.retries + 1
        for attempt in range(1, attempts + 1):
            started = time.perf_counter()
            try:
                response = self._session.request(
                    method,
                    self.settings.base_url + path,
                    json=payload,
                    params=params,
                    timeout=(connect, read),
                    verify=self._verify,
                )
            except requests.exceptions.SSLError as error:
                # Before ConnectionError (its base): a certificate problem never heals on retry.
                self._record(method, shown, None, started, attempt, None)
                raise ElasticsearchTlsError(
                    method, shown, None, detail=self._scrub(_ssl_reason(error)), attempts=attempt
                ) from None
            except requests.Timeout as error:
                # A connect timeout never reached the server: as safe to retry as a refused connection.
                if isinstance(error, requests.ConnectTimeout) and attempt < attempts:
                    self._wait(method, shown, None, started, attempt, self._backoff(attempt))
                    continue
                self._record(method, shown, None, started, attempt, None)
                raise ElasticsearchTimeoutError(
                    method, shown, None, detail=f"no answer within {read:g} seconds", attempts=attempt
                ) from None
            except requests.ConnectionError as error:
                if attempt < attempts:
                    self._wait(method, shown, None, started, attempt, self._backoff(attempt))
                    continue
                self._record(method, shown, None, started, attempt, None)
                raise ElasticsearchConnectionError(
                    method, shown, None, detail=self._scrub(_first_line(error)), attempts=attempt
                ) from None
            status = response.status_code
            if 200 <= status < 300:
                self._record(method, shown, status, started, attempt, None)
                return response.content
            if status in _RETRY_STATUSES and attempt < attempts:
                delay = self._retry_after(response) or self._backoff(attempt)
                self._wait(method, shown, status, started, attempt, delay)
                continue
            self._record(method, shown, status, started, attempt, None)
            kind, sentence = error_for_response(status, response.content)
            raise kind(
                method,
                shown,
                status,
                self._scrub(sentence) if sentence else None,
                attempts=attempt,
            )
        raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover

    def _parse(self, method: str, path: str, body: bytes, model: type[_Model]) -> _Model:
        try:
            return model.model_validate_json(body)
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            detail = f"the answer is not what Elasticsearch sends ({where or 'body'}: {first['msg']})"
            raise ElasticsearchProtocolError(method, path, 200, detail=detail) from None

    def _wait(
        self, method: str, path: str, status: int | None, started: float, attempt: int, delay: float
    ) -> None:
        self._record(method, path, status, started, attempt, delay)
        self._sleep(delay)

    def _record(
        self, method: str, path: str, status: int | None, started: float, attempt: int, retry_in: float | None
    ) -> None:
        if self._on_call is not None:
            elapsed = (time.perf_counter() - started) * 1000.0
            self._on_call(EsCallRecord(method, path, status, elapsed, attempt, retry_in))

    def _backoff(self, attempt: int) -> float:
        # The transport's full jitter, but uncapped: this client never capped one wait.
        return backoff_delay(attempt - 1, self.settings.backoff, cap=math.inf)

    def _retry_after(self, response: requests.Response) -> float | None:
        # The same header rules as the Reinfer transport (seconds or an HTTP date; NaN ignored).
        seconds = parse_retry_after(response.headers.get("Retry-After"))
        return None if seconds is None else min(seconds, self.settings.max_retry_after)

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = redact(text, secret)
        return text


def _ssl_reason(error: requests.exceptions.SSLError) -> str:
    """The readable part of a TLS failure, e.g. ``certificate verify failed: self-signed certificate``."""
    # Searched in the whole text: urllib3 puts the SSL reason at the end of a long line.
    found = re.search(r"\[SSL[^\]]*\]\s*([^()]+?)\s*\(_ssl\.c", str(error))
    if found:
        return f"TLS failed: {found.group(1).rstrip(' ,')}"
    return f"TLS failed: {_first_line(error)}"


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return text[0][:300] if text else type(error).__name__
