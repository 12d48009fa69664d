"""One error hierarchy for the whole library.

Every message is one readable line that says what was asked, what went wrong and
what to do. ``ROBOT_SUPPRESS_NAME`` keeps Robot Framework from prefixing the class
name, so the log shows the sentence, not ``ReinferServerError: ...``.

Robots branch on the *category* that starts every API error message::

    TRY
        Fetch Trigger Batch    routing
    EXCEPT    Technical error*    type=GLOB
        Log    The tenant is unwell; the stream has not moved, try again later.
    EXCEPT    Business error*    type=GLOB
        Log    The request itself was wrong; fix the data, tag an exception, move on.
    END

*Technical* errors (rate limit, server, timeout, connection, protocol) are worth
retrying later; *business* errors (bad request, not found, conflict, auth) are not.
Both services (Communications Mining and Elasticsearch) raise the same classes with the
same categories: the HTTP transport is shared, and only the words of the advice differ
(:class:`Vocabulary`, looked up in one table, :data:`ADVICE`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, ClassVar, Literal

Category = Literal["business", "technical", "configuration"]

MESSAGE_CAP = 2_000
"""Characters of any error message; a longer one is cut, saying how much was left out."""
LIST_CAP = 5
"""Problems listed in one message by :func:`summarize` before ``and K more``."""


def summarize(problems: Sequence[str], limit: int = LIST_CAP, sep: str = "; ") -> str:
    """The first ``limit`` problems joined by ``sep``, then ``and K more`` for the rest.

    Every message that lists problems (validation errors, unknown labels, bad lines)
    uses this, so a file with 250,000 mistakes still gives a one-line error.
    """
    shown = sep.join(problems[:limit])
    rest = len(problems) - limit
    return f"{shown} and {rest} more" if rest > 0 else shown


def cap_message(text: str, limit: int = MESSAGE_CAP) -> str:
    """``text`` cut to ``limit`` characters, saying how many were left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... [{len(text) - limit} more characters]"


class ReinferError(Exception):
    """Base of every error this library raises; its message is capped at :data:`MESSAGE_CAP`."""

    ROBOT_SUPPRESS_NAME = True
    category: ClassVar[Category] = "technical"

    def __init__(self, *args: Any) -> None:
        if len(args) == 1 and isinstance(args[0], str):
            args = (cap_message(args[0]),)
        super().__init__(*args)


class ReinferConfigurationError(ReinferError):
    """The robot asked for something invalid before any call was made (bad argument, bad file)."""

    category = "configuration"


class ThresholdFileError(ReinferConfigurationError):
    """A thresholds file could not be read or is invalid."""


class Repeat(str, Enum):
    """Whether a call may be sent again after a failure (the retry policy of an operation)."""

    SAFE = "safe"
    """Repeating it is harmless (reads, idempotent writes): every transient failure is retried."""
    UNSENT = "unsent"
    """Repeating it costs (billable predictions, model inference): only failures that certainly did
    not reach the server's processing are retried (no connection, 429, 503)."""
    NEVER = "never"
    """It changes data and a repeat could do it twice: never retried."""

    @property
    def retried(self) -> str:
        """The word of the "Retried" column in the documented policy tables."""
        return {"safe": "yes", "unsent": "unsent only", "never": "no"}[self.value]


@dataclass(frozen=True)
class Vocabulary:
    """The words one service's advice is written with (one table, :data:`ADVICE`, for both)."""

    service: str
    url: str
    """The setting that names the server, with a hint."""
    url_name: str
    url_example: str
    credentials: str
    names: str
    conflict: str
    throttled: str
    failed: str
    its_json: str
    connect_option: str
    unsent_then: str
    """What to do after a failure of a :attr:`Repeat.UNSENT` call that may have been processed."""


REINFER = Vocabulary(
    service="the server",
    url="REINFER_URL (everything before /api)",
    url_name="REINFER_URL",
    url_example="https://cloud.uipath.com/org/tenant/reinfer_ (everything before /api)",
    credentials="the token (REINFER_TOKEN) and that its user has the permissions this call needs",
    names="the names (project/dataset, stream, comment uid, model version)",
    conflict="The resource exists or is in use; pick another name or delete it first.",
    throttled="The tenant is throttling this user; retry later or lower the request rate (pabot processes).",
    failed="The platform failed",
    its_json="the API's JSON",
    connect_option="connect_timeout=",
    unsent_then=(
        "the server may have processed it and predictions are billable (1 AI unit per comment), "
        "so it was not repeated: repeat it only if paying again is acceptable"
    ),
)
ELASTICSEARCH = Vocabulary(
    service="Elasticsearch",
    url="ELASTICSEARCH_URL (the cluster, not Kibana)",
    url_name="ELASTICSEARCH_URL",
    url_example="https://es.example.com:9200",
    credentials=(
        "the API key (ELASTICSEARCH_API_KEY) or username/password, and that the user has the machine "
        "learning privileges (monitor_ml, or manage_ml to change models)"
    ),
    names="the model id (Get Trained Model lists what the cluster knows)",
    conflict=(
        "The model is not ready for inference (deployment not started or not allocated); start it and retry."
    ),
    throttled=(
        "The model deployment's inference queue is full; retry later, lower the request rate "
        "(pabot processes) or give the deployment more allocations."
    ),
    failed="Elasticsearch failed (is the model deployment started?)",
    its_json="Elasticsearch's JSON",
    connect_option="timeout=",
    unsent_then=(
        "the model may still be working on it, so it was not repeated (asking again adds load): "
        "retry later, or check the deployment's allocations and queue"
    ),
)

_THEN = {
    Repeat.SAFE: "this call is safe to repeat, so retry later",
    Repeat.NEVER: (
        "this call changes data and may have taken effect, so check the result "
        "(e.g. Get Trigger, or where the trigger now is) before repeating it"
    ),
}

ADVICE: dict[tuple[str, str | None], str] = {
    ("authentication", None): "Check {credentials}.",
    ("not found", None): "Check {names} and {url}.",
    ("conflict", None): "{conflict}",
    (
        "bad request",
        None,
    ): "Fix the request as the server's message says; retrying the same request will fail again.",
    ("inference warning", None): (
        "The document could not be inferred; check the text and the model's input field and task."
    ),
    ("rate limited", None): "{throttled}",
    ("server", None): "{failed}; {then}.",
    ("protocol", None): "The answer is not {its_json}; check {url} and any proxy.",
    ("protocol", "status_error"): "The server answered with success but reported an error; {then}.",
    ("protocol", "shape"): (
        "The answer is JSON but not in the shape this library expects (another API version, or another "
        "service at {url_name}); run with --loglevel DEBUG to see the body{shape_then}."
    ),
    ("protocol", "redirect"): (
        "API calls do not follow redirects: if the target is the API, set {url_name} to it; "
        "otherwise check {url} and any proxy."
    ),
    ("protocol", "too_large"): (
        "Check {url} (another service can send anything); ask for less at a time (a smaller size=) "
        "if the answer is really this large."
    ),
    ("protocol", "echo"): (
        "A server that echoes credentials back is not the API (a debugging proxy?); check {url} and "
        "any proxy, and replace the token if the answer was stored anywhere{shape_then}."
    ),
    (
        "timeout",
        "connect",
    ): "Nothing was sent: check {url_name}, the network and proxies, or raise {connect_option}.",
    ("timeout", None): "No answer in time; {then}; raise timeout= if this persists.",
    ("timeout", "deadline"): "The answer did not complete in time; {then}; raise deadline= if this persists.",
    ("connection", "tls"): (
        "Nothing was sent, and retrying fails the same way until it is fixed: check verify= (the CA bundle "
        "that signed the server's certificate), that the URL's host name is the one in the certificate, "
        "that the port speaks HTTPS, and any TLS-inspecting proxy."
    ),
    ("connection", "unsent"): (
        "Nothing was sent: check {url_name}, the network, proxies and the CA bundle, then retry."
    ),
    ("connection", None): (
        "The connection failed; {then}; check {url_name}, the network, proxies and the CA bundle."
    ),
}
"""(error title, kind) -> advice template, for both services; :func:`advice_for` fills it in."""


def advice_for(
    title: str, kind: str | None = None, repeat: Repeat = Repeat.SAFE, words: Vocabulary = REINFER
) -> str:
    """The advice for a failure: what to do next, in the words of the service that failed."""
    template = ADVICE.get((title, kind)) or ADVICE.get((title, None), "")
    then = words.unsent_then if repeat is Repeat.UNSENT else _THEN[repeat]
    shape_then = (
        "; the server answered with success, so check the result before repeating the call"
        if repeat is not Repeat.SAFE
        else ""
    )
    return template.format(
        then=then,
        shape_then=shape_then,
        service=words.service,
        url=words.url,
        url_name=words.url_name,
        credentials=words.credentials,
        names=words.names,
        conflict=words.conflict,
        throttled=words.throttled,
        failed=words.failed,
        its_json=words.its_json,
        connect_option=words.connect_option,
    )


class ReinferApiError(ReinferError):
    """A call to an API failed. Carries method, path, status and the server's message.

    ``advice`` defaults to the class's advice in the Communications Mining words; the
    transport passes advice that fits the call and the service (:func:`advice_for`).
    """

    title: ClassVar[str] = "API error"

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        server_message: str | None = None,
        *,
        detail: str | None = None,
        attempts: int = 1,
        advice: str | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.server_message = server_message
        self.attempts = attempts
        self.given_advice = advice_for(self.title) if advice is None else advice
        super().__init__(self._compose(detail))

    def _compose(self, detail: str | None) -> str:
        prefix = "Technical" if self.category == "technical" else "Business"
        status = f"returned {self.status}" if self.status is not None else "failed"
        text = f"{prefix} error ({self.title}): {self.method} {self.path} {status}"
        said = detail or self.server_message
        if said:
            text += f": {said.strip().rstrip('.')}."
        else:
            text += "."
        if self.attempts > 1:
            text += f" Tried {self.attempts} times."
        if self.given_advice:
            text += f" {self.given_advice}"
        return text


class AuthenticationError(ReinferApiError):
    title = "authentication"
    category = "business"


class NotFoundError(ReinferApiError):
    title = "not found"
    category = "business"


class ConflictError(ReinferApiError):
    title = "conflict"
    category = "business"


class BadRequestError(ReinferApiError):
    title = "bad request"
    category = "business"


class InferenceWarningError(BadRequestError):
    """A trained model answered with a ``warning`` instead of a prediction (it could not read the text)."""

    title = "inference warning"


class RateLimitedError(ReinferApiError):
    title = "rate limited"


class ServerError(ReinferApiError):
    title = "server"


class ProtocolError(ReinferApiError):
    """An answer that is not what the API sends.

    Kinds (for the advice): ``None`` (not JSON: a proxy's page, an empty body),
    ``status_error`` (a success status whose body says ``"status": "error"``), ``shape``
    (JSON of another shape), ``redirect`` (a 3xx: never followed), ``too_large`` (over the
    size limit) and ``echo`` (a successful answer that contains the credentials).
    """

    title = "protocol"


class ReinferTimeoutError(ReinferApiError):
    """No answer in time. Kinds: ``connect``, ``None`` (the per-read timeout) and ``deadline``."""

    title = "timeout"


class ReinferConnectionError(ReinferApiError):
    """The connection failed. Kinds: ``tls``, ``unsent`` (nothing was sent) and ``None`` (it broke)."""

    title = "connection"


class TitledError(ReinferError):
    """An error that is not an API call's, worded like one: ``<Category> error (<title>): <message>``.

    So one ``TRY/EXCEPT    Business error*`` (or ``Technical error*``) pattern in a robot
    catches it together with the API's errors of the same category.
    """

    def __init__(self, title: str, message: str) -> None:
        self.title = title
        prefix = "Technical" if self.category == "technical" else "Business"
        super().__init__(f"{prefix} error ({title}): {message}")


class ItemDataError(TitledError):
    """The comment does not carry what was asked (an entity, a label property).

    A *business* error: the data is what it is, so retrying will not help; a robot
    typically tags a trigger exception and moves on. The message starts with
    ``Business error (...)`` like the API's business errors, so one ``TRY/EXCEPT``
    pattern catches both.
    """

    category = "business"


class WorkItemError(TitledError):
    """A work-queue call was wrong about its item: unknown item, lease lost, payload not JSON.

    A *business* error: repeating the same call fails the same way. A lost lease means
    another performer has the item now; this performer must not complete or fail it.
    """

    category = "business"


class WorkQueueUnavailableError(TitledError):
    """The work queue could not be reached or used: Redis down, SQLite locked or corrupt.

    A *technical* error: nothing was changed (every queue operation is one transaction),
    so the call is safe to repeat once the queue is back.
    """

    category = "technical"


class WorkQueueConfigurationError(ReinferConfigurationError):
    """The work-queue library was set up wrongly: unknown URL scheme, bad lease or limit."""


def error_for_status(status: int) -> type[ReinferApiError]:
    """The error class for an HTTP status code."""
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status == 409:
        return ConflictError
    if status == 429:
        return RateLimitedError
    if status >= 500:
        return ServerError
    if 400 <= status < 500:
        return BadRequestError
    return ProtocolError


class StreamLeaseError(ReinferConfigurationError):
    """Another consumer holds the stream's lease (see ``ReinferLibrary.state.lease``).

    Not retried by the library: two consumers on one stream process the same comments, so
    the second one stops at once with one line naming the owner and how to take over.
    """


class LeaseLostError(StreamLeaseError):
    """This robot's lease was taken over (``takeover=``) or expired and was claimed by another."""


class StreamBackwardsError(ReinferConfigurationError):
    """An advance would move the stream to a position before this machine's last advance."""
