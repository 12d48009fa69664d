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
"""

from __future__ import annotations

from typing import ClassVar, Literal

Category = Literal["business", "technical", "configuration"]


class ReinferError(Exception):
    """Base of every error this library raises."""

    ROBOT_SUPPRESS_NAME = True
    category: ClassVar[Category] = "technical"


class ReinferConfigurationError(ReinferError):
    """The robot asked for something invalid before any call was made (bad argument, bad file)."""

    category = "configuration"


class ThresholdFileError(ReinferConfigurationError):
    """A thresholds file could not be read or is invalid."""


class ReinferApiError(ReinferError):
    """A call to the API failed. Carries method, path, status and the server's message.

    ``advice`` is the class's general advice; the client passes advice that fits the
    call instead (:meth:`advise`): whether the call is safe to repeat, and what kind of
    failure it was.
    """

    title: ClassVar[str] = "API error"
    advice: ClassVar[str] = ""

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
        self.given_advice = self.advice if advice is None else advice
        super().__init__(self._compose(detail))

    @classmethod
    def advise(cls, *, repeatable: bool, kind: str | None = None) -> str:
        """Advice for this failure of a call that is (or is not) ``repeatable``.

        ``kind`` narrows it down where the class covers several failures (see the
        subclasses). The base answer is the class's general advice.
        """
        return cls.advice

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


SAFE_TO_REPEAT = "this call is safe to repeat, so retry later"
MAY_HAVE_TAKEN_EFFECT = (
    "this call changes data and may have taken effect, so check the result "
    "(e.g. Get Trigger, or where the trigger now is) before repeating it"
)


def _then(repeatable: bool) -> str:
    """What to do next, by whether repeating the call is harmless."""
    return SAFE_TO_REPEAT if repeatable else MAY_HAVE_TAKEN_EFFECT


class AuthenticationError(ReinferApiError):
    title = "authentication"
    category = "business"
    advice = "Check the token (REINFER_TOKEN) and that its user has the permissions this call needs."


class NotFoundError(ReinferApiError):
    title = "not found"
    category = "business"
    advice = (
        "Check the names (project/dataset, stream, comment uid, model version) and REINFER_URL "
        "(everything before /api)."
    )


class ConflictError(ReinferApiError):
    title = "conflict"
    category = "business"
    advice = "The resource exists or is in use; pick another name or delete it first."


class BadRequestError(ReinferApiError):
    title = "bad request"
    category = "business"
    advice = "Fix the request as the server's message says; retrying the same request will fail again."


class RateLimitedError(ReinferApiError):
    title = "rate limited"
    advice = "The tenant is throttling this user; retry later or lower the request rate (pabot processes)."


class ServerError(ReinferApiError):
    title = "server"
    advice = "The platform failed; retry later if the call is safe to repeat (see Retries)."

    @classmethod
    def advise(cls, *, repeatable: bool, kind: str | None = None) -> str:
        return f"The platform failed; {_then(repeatable)}."


class ProtocolError(ReinferApiError):
    """An answer that is not what the API sends.

    Kinds: ``not_json`` (a proxy's page, an empty body), ``status_error`` (a success
    status whose body says ``"status": "error"``) and ``shape`` (JSON of another shape).
    """

    title = "protocol"
    advice = "The answer is not the API's JSON; check REINFER_URL (everything before /api) and any proxy."

    @classmethod
    def advise(cls, *, repeatable: bool, kind: str | None = None) -> str:
        if kind == "status_error":
            return f"The server answered with success but reported an error; {_then(repeatable)}."
        if kind == "shape":
            text = (
                "The answer is JSON but not in the shape this library expects (another API version, "
                "or another service at REINFER_URL); run with --loglevel DEBUG to see the body"
            )
            if not repeatable:
                text += "; the server answered with success, so check the result before repeating the call"
            return text + "."
        return cls.advice


class ReinferTimeoutError(ReinferApiError):
    """No answer in time. Kinds: ``connect`` (no connection in time) and ``read`` (no answer)."""

    title = "timeout"
    advice = (
        "No answer in time. Reads (fetch, results, get, predict) and advance are safe to retry; "
        "for a create or sync, check the result first. Raise timeout= if this persists."
    )

    @classmethod
    def advise(cls, *, repeatable: bool, kind: str | None = None) -> str:
        if kind == "connect":
            return "Nothing was sent: check REINFER_URL, the network and proxies, or raise connect_timeout=."
        return f"No answer in time; {_then(repeatable)}; raise timeout= if this persists."


class ReinferConnectionError(ReinferApiError):
    """The connection failed. Kinds: ``tls`` (before anything was sent) and ``connection``."""

    title = "connection"
    advice = "Could not reach the server; check REINFER_URL, the network, proxies and the CA bundle."

    @classmethod
    def advise(cls, *, repeatable: bool, kind: str | None = None) -> str:
        if kind == "tls":
            return (
                "Nothing was sent: check the CA bundle (verify=), the URL's host name and any "
                "TLS-inspecting proxy."
            )
        if repeatable:
            return cls.advice
        return (
            "The connection failed, and if the call was sent it may have taken effect: check the result "
            "before repeating it; check REINFER_URL, the network and proxies."
        )


class ItemDataError(ReinferError):
    """The comment does not carry what was asked (an entity, a label property).

    A *business* error: the data is what it is, so retrying will not help; a robot
    typically tags a trigger exception and moves on. The message starts with
    ``Business error (...)`` like the API's business errors, so one ``TRY/EXCEPT``
    pattern catches both.
    """

    category = "business"

    def __init__(self, title: str, message: str) -> None:
        self.title = title
        super().__init__(f"Business error ({title}): {message}")


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
