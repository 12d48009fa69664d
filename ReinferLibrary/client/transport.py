"""HTTP transport: one session, a timeout on every call, retries, error mapping, redaction.

The one HTTP layer of both services: the Communications Mining client
(:mod:`.reinfer`) and the Elasticsearch client (:mod:`.elasticsearch`) send every call
through :meth:`Transport.request`, which adds the ``(connect, read)`` timeout, parses
the answer once (``model_validate_json`` on the raw bytes), turns failures into the
errors of :mod:`ReinferLibrary.errors` (the same class and category for the same failure
from either service) and reports each attempt to the ``on_call`` hook with the
credentials redacted. A :class:`Service` only says how that service's error bodies
read and which words its advice uses.

Retry policy
------------

Retried: HTTP 429, 500, 502, 503 and 504, connection errors and timeouts, with
exponential backoff and full jitter (a wait drawn from ``0 .. backoff * 2**n`` seconds,
``n`` = 0 for the first retry, the bound capped at 30 s). A ``Retry-After`` header
(seconds or an HTTP date) replaces the drawn wait; a server asking for more than
``max_retry_after`` seconds fails the call at once (retrying sooner would only meet the
same refusal). ``retries`` extra attempts at most. Only calls that are safe to repeat
are retried on all of these (:class:`~ReinferLibrary.errors.Repeat`); TLS failures never are (they fail
the same way until the CA bundle or the URL is fixed):

| Operation              | Method | Route (after dataset/source path)     | Retried | Why                    |
| ---------------------- | ------ | ------------------------------------- | ------- | ---------------------- |
| `list_streams`         | GET    | `/streams`                            | yes     | read                   |
| `get_stream`           | GET    | `/streams/{s}`                        | yes     | read                   |
| `create_stream`        | PUT    | `/streams`                            | no      | write (a repeat 409s)  |
| `update_stream`        | POST   | `/streams/{s}`                        | no      | write                  |
| `delete_stream`        | DELETE | `/streams/{s}`                        | yes     | idempotent (1)         |
| `fetch`                | POST   | `/streams/{s}/fetch`                  | yes     | never moves the stream |
| `results`              | GET    | `/streams/{s}/results`                | yes     | never moves the stream |
| `advance`              | POST   | `/streams/{s}/advance`                | yes     | same id twice is fine  |
| `reset`                | POST   | `/streams/{s}/reset`                  | no      | moves the stream       |
| `tag_exceptions`       | PUT    | `/streams/{s}/exceptions`             | yes     | idempotent PUT         |
| `untag_exceptions`     | DELETE | `/streams/{s}/exceptions?uid=`        | yes     | idempotent DELETE      |
| `get_dataset`          | GET    | (the dataset itself)                  | yes     | read                   |
| `get_comment`          | GET    | `/comments/{id}` (source)             | yes     | read                   |
| `sync_comments`        | POST   | `/sync` (source)                      | no      | write                  |
| `delete_comments`      | DELETE | `/comments?id=` (source)              | yes     | idempotent DELETE      |
| `download_attachment`  | GET    | `/api/v1/attachments/{reference}`     | yes     | read                   |
| `predict`              | POST   | `/labellers/{v}/predict`              | unsent only | billable (3)    |
| `predict_comments`     | POST   | `/labellers/{v}/predict-comments`     | unsent only | billable (3)    |
| `predict_raw_emails`   | POST   | `/labellers/{v}/predict-raw-emails`   | unsent only | billable (3)    |
| `get_model_tags`       | GET    | `/model-tags`                         | yes     | read                   |
| `get_validation`       | GET    | `/labellers/{v}/validation`           | yes     | read                   |
| `get_full_validation`  | GET    | `/labellers/{v}/validation` (2)       | yes     | read                   |
| `get_label_validation` | POST   | `/labellers/{v}/label-validation` (2) | yes     | read-only POST         |

(1) A 404 on a *retried* DELETE means the first attempt went through: treated as success.
(2) Under ``/api/_private`` instead of ``/api/v1``.
(3) Predictions cost one AI unit per comment, and the server may have done the work even
when no answer came back: they are retried only when the request certainly did not reach
processing (no connection could be made, 429, 503), never after a read timeout, a 502/504 or
a connection broken after sending. Their read timeout is at least ``predict_timeout``
(240 s by default, as the official CLI waits), since large batches take a while.

Streams routes become ``triggers`` routes with ``legacy_triggers=True``; the policy is the
same. The table is :data:`RETRY_POLICY` in code (a unit test keeps the two in step).

Error mapping
-------------

* A JSON error body with 4xx/5xx: the class for the status
  (:func:`~ReinferLibrary.errors.error_for_status`, refined by the service's classifier:
  Elasticsearch's ``403 status_exception`` is a bad request, its inference timeouts are
  timeouts) with the server's message (``message``, or Elasticsearch's ``type: reason``).
* An error status whose body is not JSON (a gateway's page, an empty body): the class for
  the status all the same (a 401 from the cloud gateway is an authentication error); the
  detail says what was received. A success whose body is not JSON (a proxy's login page):
  :class:`~ReinferLibrary.errors.ProtocolError`. A redirect (3xx) is never followed:
  ProtocolError naming the target.
* 2xx with ``"status": "error"``, or JSON that does not have the expected shape: ProtocolError.
* No answer in time: ReinferTimeoutError; no connection: ReinferConnectionError (status ``None``).

The advice at the end of an error fits the call and the service
(:func:`~ReinferLibrary.errors.advice_for`, one table for both services): a call that
is safe to repeat is told to retry later, one that changes data
(create, update, reset, sync) to check whether it took effect before repeating it.

Redaction
---------

The credentials are replaced by ``***`` in text about to be logged or raised: call records
(bodies and paths) and error messages, after parsing. Data is never changed: an answer is
parsed exactly as received, so a short token (one letter, or a word that also occurs in
the payload) cannot corrupt it. A successful answer that contains a credential of at
least ``ECHO_MIN`` (12) characters, which does not happen by chance, is a server or proxy
echoing it back: it is refused as a protocol error rather than handed to the robot (whose
return values Robot Framework logs at TRACE).
"""

from __future__ import annotations

import contextlib
import email.utils
import gc
import json
import math
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Protocol, TypeVar
from urllib.parse import urlencode, urljoin

import requests
import urllib3.exceptions
from pydantic import BaseModel, ValidationError
from requests.auth import AuthBase

from ..errors import (
    REINFER,
    ProtocolError,
    ReinferApiError,
    ReinferConfigurationError,
    ReinferConnectionError,
    ReinferTimeoutError,
    Repeat,
    Vocabulary,
    advice_for,
    error_for_status,
)
from ..models.base import validation_problems
from .envelopes import Envelope
from .settings import CallRecord, safe_url, url_userinfo

RETRY_POLICY: dict[str, Repeat] = {
    "list_streams": Repeat.SAFE,
    "get_stream": Repeat.SAFE,
    "create_stream": Repeat.NEVER,
    "update_stream": Repeat.NEVER,
    "delete_stream": Repeat.SAFE,
    "fetch": Repeat.SAFE,
    "results": Repeat.SAFE,
    "advance": Repeat.SAFE,
    "reset": Repeat.NEVER,
    "tag_exceptions": Repeat.SAFE,
    "untag_exceptions": Repeat.SAFE,
    "get_dataset": Repeat.SAFE,
    "get_comment": Repeat.SAFE,
    "sync_comments": Repeat.NEVER,
    "delete_comments": Repeat.SAFE,
    "download_attachment": Repeat.SAFE,
    "predict": Repeat.UNSENT,
    "predict_comments": Repeat.UNSENT,
    "predict_raw_emails": Repeat.UNSENT,
    "get_model_tags": Repeat.SAFE,
    "get_validation": Repeat.SAFE,
    "get_full_validation": Repeat.SAFE,
    "get_label_validation": Repeat.SAFE,
}
"""Operation name -> whether and when a failed attempt may be repeated (the table above)."""

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Statuses retried for a :attr:`~ReinferLibrary.errors.Repeat.SAFE` call."""
UNSENT_STATUSES = frozenset({429, 503})
"""Statuses retried for a :attr:`~ReinferLibrary.errors.Repeat.UNSENT` call: refused before processing."""
DEADLINE_FACTOR = 3.0
"""Default deadline of one attempt, as a multiple of its read timeout (60 s timeout: 180 s)."""
MAX_BODY = 64 * 1024 * 1024
"""Bytes of one answer the transport reads at most (64 MiB, after decompression); more is refused."""
_CHUNK = 64 * 1024
MAX_BACKOFF = 30.0
"""Upper bound, in seconds, of one drawn backoff wait."""
BODY_LIMIT = 10_000
"""Characters of a request/response body handed to ``on_call``."""
SNIPPET = 80
"""Characters of an unexpected body quoted in an error message."""
MESSAGE_LIMIT = 500
"""Characters of a server message quoted in an error message."""

REDACTED = "***"
ECHO_MIN = 12
"""Characters a secret needs before a successful answer containing it counts as an echo."""
RETRY_AFTER_ADVICE = (
    "Retry after that wait, or raise max_retry_after= (Connect To Reinfer) to let the library wait."
)
_JSON_HEADERS = {"Content-Type": "application/json"}
USER_AGENT = "robotframework-reinfer (ReinferLibrary client)"

Params = Sequence[tuple[str, str | int]]
M = TypeVar("M", bound=BaseModel)
E = TypeVar("E", bound=ReinferApiError)


class HttpSettings(Protocol):
    """What the transport needs from a service's connection settings (either service's)."""

    @property
    def base_url(self) -> str: ...
    @property
    def timeout(self) -> tuple[float, float]: ...
    @property
    def retries(self) -> int: ...
    @property
    def backoff(self) -> float: ...
    @property
    def max_retry_after(self) -> float: ...
    @property
    def verify(self) -> bool | str: ...
    @property
    def proxies(self) -> Mapping[str, str] | None: ...


Classifier = Callable[[int, Any], "tuple[type[ReinferApiError], str | None]"]
"""(status, parsed JSON error body) -> (error class, the server's sentence)."""


def reinfer_classify(status: int, payload: Any) -> tuple[type[ReinferApiError], str | None]:
    """The Communications Mining error body: ``{"status": "error", "message": ...}``."""
    return error_for_status(status), _server_message(payload)


@dataclass(frozen=True)
class Service:
    """What differs between the services on one transport: how errors read, and their words."""

    words: Vocabulary
    classify: Classifier
    user_agent: str = USER_AGENT


REINFER_SERVICE = Service(words=REINFER, classify=reinfer_classify)


# --- small pure helpers (unit-tested directly) ---------------------------------------


def redact(text: str, token: str) -> str:
    """``text`` with every occurrence of ``token`` replaced by ``***``."""
    return text.replace(token, REDACTED) if token and token in text else text


def one_line(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Whitespace collapsed to single spaces, cut to ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 3] + "..."


def clip(text: str, limit: int = BODY_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} more characters]"


def backoff_delay(
    retry_number: int,
    backoff: float,
    cap: float = MAX_BACKOFF,
    uniform: Callable[[float, float], float] = random.uniform,
) -> float:
    """Full-jitter wait before retry ``retry_number`` (0 for the first retry)."""
    # min() on the exponent keeps 2.0**n finite however many retries are configured.
    bound = min(cap, backoff * 2.0 ** min(retry_number, 64))
    return uniform(0.0, bound)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (seconds or HTTP date); ``None`` if unusable."""
    if not value or not value.strip():
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value.strip())
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=timezone.utc)
        seconds = (when - (now or datetime.now(timezone.utc))).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def _content_type(response: requests.Response) -> str:
    return response.headers.get("Content-Type", "").split(";")[0].strip() or "a body with no content type"


def _body_text(response: requests.Response) -> str:
    # The API speaks UTF-8 JSON; decoding explicitly avoids requests' slow charset guessing.
    return response.content.decode("utf-8", errors="replace")


class _HeaderAuth(AuthBase):
    """``Authorization: <scheme> <credential>`` on every request; the repr never shows it.

    An auth object rather than a session header: requests fills in ``~/.netrc`` credentials
    for the host whenever no auth object is set, and they would replace the header.
    """

    def __init__(self, scheme: str, credential: str) -> None:
        self._scheme = scheme
        self._header = f"{scheme} {credential}"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self._header
        return request

    def __repr__(self) -> str:
        return f"_HeaderAuth({self._scheme} ***)"


def bearer(token: str) -> AuthBase:
    """``Authorization: Bearer <token>`` (Communications Mining, Elasticsearch bearer tokens)."""
    return _HeaderAuth("Bearer", token)


def api_key(key: str) -> AuthBase:
    """``Authorization: ApiKey <key>`` (Elasticsearch API keys)."""
    return _HeaderAuth("ApiKey", key)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Python's cyclic garbage collector held off while an answer is parsed.

    Parsing a batch allocates thousands of dictionaries and lists, which start the collector
    every 700 of them; each run walks the young objects and, every tenth time, the older ones
    (in a robot, Robot Framework's whole model): about a sixth of the batch idiom's CPU.
    The parsed answer is a tree with no cycles, so those runs find nothing to free. Reference
    counting still frees everything at once; the collector runs once afterwards. A collector
    the caller turned off stays off.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class Transport:
    """One ``requests.Session`` with the credentials, the timeouts and the one retry loop.

    Both services' clients send every call through :meth:`request` (or :meth:`send`), so a
    failure reads the same, with the same category, whichever service it came from; the
    :class:`Service` only supplies how its error bodies read and the words of the advice.
    ``secrets`` are every form of the credentials that could appear in text (redacted).

    ``sleep`` (default :func:`time.sleep`) and ``uniform`` (default :func:`random.uniform`)
    are plain attributes so tests can replace them and never wait.
    """

    def __init__(
        self,
        settings: HttpSettings,
        on_call: Callable[[CallRecord], None] | None = None,
        *,
        auth: AuthBase | None = None,
        secrets: Sequence[str] = (),
        service: Service = REINFER_SERVICE,
    ) -> None:
        self.settings = settings
        self.on_call = on_call
        self.service = service
        self.sleep: Callable[[float], None] = time.sleep
        self.uniform: Callable[[float, float], float] = random.uniform
        self._base = settings.base_url
        # Longest first, so a secret containing another is replaced whole.
        self._secrets = sorted({secret for secret in secrets if secret}, key=len, reverse=True)
        # Only a secret long enough not to occur by chance is looked for in successful answers.
        self._echo_bytes = [secret.encode("utf-8") for secret in self._secrets if len(secret) >= ECHO_MIN]
        self._userinfo = url_userinfo(settings.base_url)
        self.session = requests.Session()
        # As session auth (not a plain header) so requests never swaps in ~/.netrc credentials.
        self.session.auth = auth
        self.session.headers.update({"Accept": "application/json", "User-Agent": service.user_agent})
        # verify/proxies go on every request, not the session: requests lets REQUESTS_CA_BUNDLE and
        # *_PROXY variables override session attributes, and explicit settings must win.
        self._verify = settings.verify
        self._proxies = dict(settings.proxies) if settings.proxies else None
        self.max_body = MAX_BODY
        """Largest answer read, in bytes; a larger one is refused with a protocol error."""

    def close(self) -> None:
        self.session.close()

    # --- the one request loop --------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        retry: Repeat | bool,
        body: str | None = None,
        params: Params | None = None,
        read_timeout: float | None = None,
    ) -> M:
        """Send one API call and parse its answer into ``model``.

        ``path`` starts after the base URL; ``body`` is the already-serialised JSON text;
        ``retry`` is the call's :class:`~ReinferLibrary.errors.Repeat` policy (``True`` /
        ``False`` mean ``SAFE`` / ``NEVER``); ``read_timeout`` raises the read timeout of this
        call (never lowers it).
        """
        repeat = _as_repeat(retry)
        response, attempt = self._send(method, path, repeat, body, params, read_timeout)
        return self._parse(method, path, response, model, attempt, repeat)

    def send(
        self,
        method: str,
        path: str,
        *,
        retry: Repeat | bool,
        body: str | None = None,
        params: Params | None = None,
        read_timeout: float | None = None,
    ) -> bytes:
        """Like :meth:`request`, but return the successful answer's bytes unparsed."""
        return self._send(method, path, _as_repeat(retry), body, params, read_timeout)[0].content

    def _send(
        self,
        method: str,
        path: str,
        repeat: Repeat,
        body: str | None,
        params: Params | None,
        read_timeout: float | None,
    ) -> tuple[requests.Response, int]:
        url = self._base + path
        shown = f"{path}?{urlencode(params)}" if params else path
        data = body.encode("utf-8") if body is not None else None
        headers = _JSON_HEADERS if body is not None else None
        connect, read = self.settings.timeout
        if read_timeout is not None:
            read = max(read, read_timeout)
        deadline = self.deadline(read)
        attempts = 1 if repeat is Repeat.NEVER else 1 + self.settings.retries
        attempt = 0
        while True:
            attempt += 1
            started = time.perf_counter()
            response: requests.Response | None = None
            failure: requests.RequestException | None = None
            try:
                response = self._attempt(method, url, params, data, headers, (connect, read), deadline)
            except _TooLargeError as exc:
                self._record(method, shown, exc.status, _ms(started), attempt, body, None, None)
                raise self.protocol_error(
                    method, path, exc.detail(), kind="too_large", repeat=repeat, status=exc.status
                ) from None
            except requests.RequestException as exc:
                failure = exc
            elapsed_ms = _ms(started)

            if response is not None and 200 <= response.status_code < 300:
                self._record(method, shown, response.status_code, elapsed_ms, attempt, body, response, None)
                return response, attempt
            if response is not None and 300 <= response.status_code < 400:
                self._record(method, shown, response.status_code, elapsed_ms, attempt, body, response, None)
                raise self._redirect_error(method, path, response, url, repeat)

            delay, refused_wait = self._next_try(response, failure, repeat, attempt < attempts, attempt)
            status = response.status_code if response is not None else None
            self._record(method, shown, status, elapsed_ms, attempt, body, response, delay)
            if delay is None:
                if response is not None:
                    raise self._status_error(method, path, response, attempt, repeat, refused_wait)
                raise self._failure_error(method, path, failure, attempt, repeat, (connect, read, deadline))
            self.sleep(delay)

    def _next_try(
        self,
        response: requests.Response | None,
        failure: requests.RequestException | None,
        repeat: Repeat,
        attempts_left: bool,
        attempt: int,
    ) -> tuple[float | None, float | None]:
        """(seconds until the next attempt, or ``None`` to fail now; the wait the server asked
        for when it was over the cap, for the error message)."""
        if response is None:
            transient = _transient(failure, repeat)
        else:
            transient = response.status_code in (
                UNSENT_STATUSES if repeat is Repeat.UNSENT else RETRY_STATUSES
            )
        asked = parse_retry_after(response.headers.get("Retry-After")) if response is not None else None
        # A wait longer than the cap would only meet the same refusal sooner: fail at once.
        too_long = asked is not None and asked > self.settings.max_retry_after
        if not (transient and attempts_left):
            return None, None
        if too_long:
            return None, asked
        return (asked if asked is not None else self._backoff(attempt)), None

    def deadline(self, read: float) -> float:
        """Seconds one attempt may take in all (connect and the whole answer), for a read timeout."""
        given: float | None = getattr(self.settings, "deadline", None)
        return given if given is not None else DEADLINE_FACTOR * read

    def _attempt(
        self,
        method: str,
        url: str,
        params: Params | None,
        data: bytes | None,
        headers: Mapping[str, str] | None,
        timeout: tuple[float, float],
        deadline: float,
    ) -> requests.Response:
        """One HTTP attempt whose whole answer is read within ``deadline`` and the size limit.

        Redirects are never followed (the caller refuses them). A URL requests cannot use
        or a CA bundle it cannot read is a configuration error, not a failed call.
        """
        started = time.monotonic()
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                data=data,
                headers=headers,
                timeout=timeout,
                verify=self._verify,
                proxies=self._proxies,
                allow_redirects=False,
                stream=True,
            )
        except _UNUSABLE_URL as exc:
            raise ReinferConfigurationError(
                f"{self.service.words.url_name} {safe_url(self._base)!r} cannot be used: "
                f"{self._line(self._without_userinfo(str(exc)), 200)}. Give a URL such as "
                f"{self.service.words.url_example}."
            ) from None
        except requests.RequestException:
            raise
        except OSError as exc:  # requests' "Could not find a suitable TLS CA certificate bundle"
            raise ReinferConfigurationError(
                f"The CA bundle cannot be read ({self._line(str(exc), 200)}): give verify= the path of a PEM "
                "file (or folder) of trusted CA certificates that exists, or check REQUESTS_CA_BUNDLE."
            ) from None
        try:
            content = self._read_body(response, started, timeout[1], deadline)
        except BaseException:
            response.close()  # a body read part way: the connection is not reused
            raise
        response._content = content
        response._content_consumed = True  # type: ignore[attr-defined]
        response.close()  # read to the end: gives the connection back to the pool, still open
        return response

    def _read_body(self, response: requests.Response, started: float, read: float, deadline: float) -> bytes:
        """The whole body, refused over :attr:`max_body` bytes or after ``deadline`` seconds.

        Each read returns what has arrived (``read1``), with the socket timeout lowered to the
        time left, so a server that trickles its answer byte by byte cannot outlast the deadline.
        """
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            raise _TooLargeError(response.status_code, int(declared), self.max_body, declared=True)
        raw = response.raw
        chunks: list[bytes] = []
        size = 0
        while True:
            left = deadline - (time.monotonic() - started)
            if left <= 0:
                raise _DeadlineError(deadline, size)
            _socket_timeout(raw, min(read, left))
            chunk = _read_chunk(raw, started, deadline, size)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.max_body:
                raise _TooLargeError(response.status_code, size, self.max_body, declared=False)
            chunks.append(chunk)

    def _redirect_error(
        self, method: str, path: str, response: requests.Response, url: str, repeat: Repeat
    ) -> ProtocolError:
        target = response.headers.get("Location")
        where = (
            f"to {safe_url(urljoin(url, target))}" if target else "without saying where (no Location header)"
        )
        detail = (
            f"the server answered {response.status_code} and redirects {where}; "
            "redirects are not followed for API calls"
        )
        return self.protocol_error(
            method, path, detail, kind="redirect", repeat=repeat, status=response.status_code
        )

    # --- retry timing ----------------------------------------------------------------

    def _backoff(self, attempt: int) -> float:
        return backoff_delay(attempt - 1, self.settings.backoff, uniform=self.uniform)

    # --- logging hook ----------------------------------------------------------------

    def _record(
        self,
        method: str,
        shown: str,
        status: int | None,
        elapsed_ms: float,
        attempt: int,
        body: str | None,
        response: requests.Response | None,
        retry_in: float | None,
    ) -> None:
        if self.on_call is None:
            return
        self.on_call(
            CallRecord(
                method=method,
                path=self._redact(shown),
                status=status,
                elapsed_ms=elapsed_ms,
                attempt=attempt,
                request_body=(lambda: clip(self._redact(body))) if body is not None else None,
                response_body=(lambda: clip(self._redact(_body_text(response))))
                if response is not None
                else None,
                retry_in=retry_in,
            )
        )

    def redact(self, text: str) -> str:
        """``text`` with every secret of this connection replaced by ``***``."""
        for secret in self._secrets:
            text = redact(text, secret)
        return text

    _redact = redact

    def _line(self, text: str, limit: int = MESSAGE_LIMIT) -> str:
        return one_line(self._redact(text), limit)

    def _advice(self, title: str, kind: str | None, repeat: Repeat) -> str:
        return advice_for(title, kind, repeat, self.service.words)

    # --- parsing and errors ----------------------------------------------------------

    def error(
        self,
        cls: type[E],
        method: str,
        path: str,
        detail: str,
        *,
        kind: str | None = None,
        repeat: Repeat = Repeat.SAFE,
        status: int | None = 200,
        attempts: int = 1,
    ) -> E:
        """An error of class ``cls``: path and detail redacted, the advice in this service's words."""
        return cls(
            method,
            self._redact(path),
            status,
            detail=self._line(detail),
            attempts=attempts,
            advice=self._advice(cls.title, kind, repeat),
        )

    def protocol_error(
        self,
        method: str,
        path: str,
        detail: str,
        *,
        kind: str | None = "shape",
        repeat: Repeat = Repeat.SAFE,
        status: int | None = 200,
        attempts: int = 1,
    ) -> ProtocolError:
        """A protocol error about an answer the client could not use (``kind`` picks the advice)."""
        return self.error(
            ProtocolError, method, path, detail, kind=kind, repeat=repeat, status=status, attempts=attempts
        )

    def _parse(
        self,
        method: str,
        path: str,
        response: requests.Response,
        model: type[M],
        attempts: int,
        repeat: Repeat,
    ) -> M:
        # The answer is parsed exactly as received: redaction is for text about to be logged or
        # raised, never for data (a short token would otherwise corrupt the JSON).
        content = response.content
        try:
            # An empty 2xx body (a 204 from a proxy) is fine where nothing is expected back.
            with gc_paused():
                parsed = model.model_validate_json(content) if content.strip() else model.model_validate({})
        except ValidationError as exc:
            detail, kind = self._shape_detail(response, content, exc)
            raise self.protocol_error(
                method, path, detail, kind=kind, repeat=repeat, status=response.status_code, attempts=attempts
            ) from exc
        if any(secret in content for secret in self._echo_bytes):
            # Handing it on would put the credentials in the robot's data, which Robot Framework
            # logs at TRACE; changing the data is no option, so the answer is refused.
            raise self.protocol_error(
                method,
                path,
                "the answer contains the credentials of this connection (the server echoed them back), "
                "so it is not handed on",
                kind="echo",
                repeat=repeat,
                status=response.status_code,
                attempts=attempts,
            )
        if isinstance(parsed, Envelope) and parsed.status == "error":
            message = (parsed.model_extra or {}).get("message")
            raise self.protocol_error(
                method,
                path,
                f"the answer says status 'error' with HTTP {response.status_code}: {message}",
                kind="status_error",
                repeat=repeat,
                status=response.status_code,
                attempts=attempts,
            )
        return parsed

    def _not_json(self, response: requests.Response) -> str:
        text = _body_text(response)
        if not text.strip():
            return f"expected {self.service.words.its_json} but got an empty body ({_content_type(response)})"
        snippet = self._line(text, SNIPPET)
        return (
            f"expected {self.service.words.its_json} but got {_content_type(response)} "
            f"(first {SNIPPET} chars: {snippet})"
        )

    def _shape_detail(
        self, response: requests.Response, content: bytes, exc: ValidationError
    ) -> tuple[str, str | None]:
        """(detail, protocol error kind) of a 2xx answer the model could not read."""
        errors = exc.errors(include_url=False, include_input=False)
        if not content.strip() or errors[0]["type"] == "json_invalid":
            return self._not_json(response), None
        payload = _json_or_none(content)
        if isinstance(payload, dict) and payload.get("status") == "error":
            message = payload.get("message")
            detail = f"the answer says status 'error' with HTTP {response.status_code}: {message}"
            return self._line(detail), "status_error"
        problems = validation_problems(exc, top="top level")
        return self._line(f"the JSON does not have the expected shape ({problems})"), "shape"

    def _status_error(
        self,
        method: str,
        path: str,
        response: requests.Response,
        attempts: int,
        repeat: Repeat,
        wait: float | None = None,
    ) -> ReinferApiError:
        """The error of a failed status; ``wait`` is a Retry-After above the cap, which ended the retries."""
        status = response.status_code
        payload = _json_or_none(response.content)
        kind: str | None = None
        if payload is None:
            # The status decides the category; the body (a gateway's page, an empty body) only
            # adds detail: a revoked token behind a cloud gateway is still an authentication error.
            cls = error_for_status(status) if status >= 400 else ProtocolError
            detail: str | None = self._not_json(response)
            message = None
        else:
            cls, said = self.service.classify(status, payload)
            message = self._line(said) if said else None
            detail = None
        advice = self._advice(cls.title, kind, repeat)
        if wait is not None:
            cap = self.settings.max_retry_after
            waited = (
                f"the server asked to wait {wait:g} s before retrying, more than max_retry_after ({cap:g} s)"
            )
            detail = f"{(detail or message or '').rstrip('.')}; {waited}".lstrip("; ")
            advice = RETRY_AFTER_ADVICE
        return cls(
            method, self._redact(path), status, message, detail=detail, attempts=attempts, advice=advice
        )

    def _failure_error(
        self,
        method: str,
        path: str,
        failure: requests.RequestException | None,
        attempts: int,
        repeat: Repeat,
        timeout: tuple[float, float, float],
    ) -> ReinferApiError:
        """The error of an attempt without a usable answer; ``timeout`` is (connect, read, deadline)."""
        connect, read, deadline = timeout
        if isinstance(failure, _DeadlineError):
            cls: type[ReinferApiError] = ReinferTimeoutError
            kind: str | None = "deadline"
            detail = (
                f"the whole answer did not arrive within the deadline of {deadline:g} s (deadline=); "
                f"{failure.received:,} bytes had arrived, each within the per-read timeout of {read:g} s"
            )
        elif isinstance(failure, requests.ConnectTimeout):
            cls, kind, detail = ReinferTimeoutError, "connect", f"could not connect within {connect:g} s"
        elif isinstance(failure, requests.Timeout):
            cls, kind, detail = (
                ReinferTimeoutError,
                None,
                f"no answer within {read:g} s (the per-read timeout=)",
            )
        else:
            cls, (kind, words) = ReinferConnectionError, _connection_failure(failure)
            reason = one_line(self._without_userinfo(_reason(failure)), 300)
            host = self._without_userinfo(self._base.split("://", 1)[-1].split("/", 1)[0])
            detail = f"{words} to {host}: {reason}"
        return self.error(cls, method, path, detail, kind=kind, repeat=repeat, status=None, attempts=attempts)

    def _without_userinfo(self, text: str) -> str:
        """``text`` without the URL's ``user:password`` (requests may quote the URL in its errors)."""
        return text.replace(f"{self._userinfo}@", "") if self._userinfo else text


class _DeadlineError(requests.Timeout):
    """The answer kept coming, but not all of it within the deadline."""

    def __init__(self, deadline: float, received: int) -> None:
        super().__init__(f"deadline of {deadline:g} s exceeded")
        self.received = received


class _TooLargeError(Exception):
    """The answer is larger than the transport accepts."""

    def __init__(self, status: int, size: int, limit: int, *, declared: bool) -> None:
        super().__init__(size)
        self.status = status
        self.size = size
        self.limit = limit
        self.declared = declared

    def detail(self) -> str:
        said = f"announces {self.size:,} bytes" if self.declared else f"went past {self.size:,} bytes"
        return (
            f"the answer {said}, more than the {self.limit:,} bytes the library accepts in one answer "
            "(Transport.max_body); it was not read"
        )


def _socket_timeout(raw: Any, seconds: float) -> None:
    """Lower the socket timeout of a streamed response (no-op where there is no socket, as in tests)."""
    sock = getattr(getattr(raw, "connection", None), "sock", None)
    if sock is not None:
        sock.settimeout(max(seconds, 0.001))


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0


_UNUSABLE_URL = (
    requests.exceptions.InvalidURL,
    requests.exceptions.MissingSchema,
    requests.exceptions.InvalidSchema,
    requests.exceptions.InvalidProxyURL,
    requests.exceptions.URLRequired,
)


def _read_chunk(raw: Any, started: float, deadline: float, size: int) -> bytes:
    """What has arrived of a body, with urllib3's failures as the requests errors they stand for."""
    try:
        chunk: bytes = raw.read1(_CHUNK, decode_content=True)
    except urllib3.exceptions.ReadTimeoutError as exc:
        if time.monotonic() - started >= deadline:
            raise _DeadlineError(deadline, size) from None
        raise requests.ReadTimeout(exc) from None
    except urllib3.exceptions.DecodeError as exc:
        raise requests.exceptions.ContentDecodingError(exc) from None
    except (urllib3.exceptions.ProtocolError, OSError) as exc:
        raise requests.ConnectionError(urllib3.exceptions.ProtocolError("Connection broken", exc)) from None
    return chunk


def _as_repeat(retry: Repeat | bool) -> Repeat:
    if isinstance(retry, Repeat):
        return retry
    return Repeat.SAFE if retry else Repeat.NEVER


def _causes(failure: BaseException | None) -> Iterator[BaseException]:
    """``failure`` and what it wraps: args, urllib3's ``reason``, ``__cause__``/``__context__``."""
    seen: set[int] = set()
    todo: list[BaseException] = [failure] if failure is not None else []
    while todo:
        error = todo.pop()
        if id(error) in seen:
            continue
        seen.add(id(error))
        yield error
        inner = [getattr(error, "reason", None), error.__cause__, error.__context__, *error.args]
        todo.extend(entry for entry in inner if isinstance(entry, BaseException))


_NOT_CONNECTED = (
    urllib3.exceptions.NewConnectionError,  # refused, unreachable, name not resolved
    urllib3.exceptions.ConnectTimeoutError,
    ConnectionRefusedError,
)


def _unsent(failure: BaseException | None) -> bool:
    """True when the request certainly never reached the server (no connection was made)."""
    if isinstance(failure, requests.ConnectTimeout):
        return True
    return any(isinstance(error, _NOT_CONNECTED) for error in _causes(failure))


def _connection_failure(failure: BaseException | None) -> tuple[str | None, str]:
    """(advice kind, words) of a failed connection: TLS, nothing sent, broken after sending."""
    if isinstance(failure, requests.exceptions.SSLError):
        return "tls", "TLS/SSL failed"
    if _unsent(failure):
        return "unsent", "no connection"
    if _broken(failure):
        return None, "the connection broke"
    if isinstance(failure, requests.ConnectionError):
        return None, "no connection"
    return None, "request failed"


def _broken(failure: BaseException | None) -> bool:
    """True when a connection was made and broke (the request may have reached the server)."""
    if isinstance(failure, requests.exceptions.ChunkedEncodingError):
        return True
    return any(isinstance(error, urllib3.exceptions.ProtocolError) for error in _causes(failure))


def _transient(failure: requests.RequestException | None, repeat: Repeat) -> bool:
    """Worth another try: for costly calls only what never reached the server; TLS never."""
    if isinstance(failure, requests.exceptions.SSLError):
        return False
    if repeat is Repeat.UNSENT:
        return _unsent(failure)
    return isinstance(
        failure, (requests.Timeout, requests.ConnectionError, requests.exceptions.ChunkedEncodingError)
    )


def _reason(failure: requests.RequestException | None) -> str:
    """The useful end of a requests/urllib3 error chain, without object addresses.

    For TLS, the SSL reason (e.g. ``certificate verify failed: self-signed certificate``),
    which urllib3 puts at the end of a long line.
    """
    if isinstance(failure, requests.exceptions.SSLError):
        found = _SSL_REASON.search(str(failure))
        if found:
            return found.group(1).rstrip(" ,")
    inner: Any = failure.args[0] if failure is not None and failure.args else failure
    inner = getattr(inner, "reason", None) or inner  # urllib3's MaxRetryError wraps the cause
    text = str(inner) or type(failure).__name__
    return _OBJECT_REPR.sub("", text)


_SSL_REASON = re.compile(r"\[SSL[^\]]*\]\s*([^()]+?)\s*\(_ssl\.c")
_OBJECT_REPR = re.compile(r"<[^<>]* object at 0x[0-9a-fA-F]+>:?\s*")


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


def _server_message(payload: Any) -> str | None:
    """The server's sentence from an error body: ``message`` (the API) or ``detail`` (frameworks)."""
    if not isinstance(payload, dict):
        return None
    for key in ("message", "detail"):
        value = payload.get(key)
        if isinstance(value, str) and value.strip():
            return value
    return None
