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
    """A call to the API failed. Carries method, path, status and the server's message."""

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
    ) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.server_message = server_message
        self.attempts = attempts
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
        if self.advice:
            text += f" {self.advice}"
        return text


class AuthenticationError(ReinferApiError):
    title = "authentication"
    category = "business"
    advice = "Check the token (REINFER_TOKEN) and that its user has the permissions this call needs."


class NotFoundError(ReinferApiError):
    title = "not found"
    category = "business"
    advice = "Check the names (project/dataset, stream, comment uid, model version)."


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
    advice = "The platform failed; retry later (fetch never moves a stream, so nothing is lost)."


class ProtocolError(ReinferApiError):
    title = "protocol"
    advice = "The answer is not the API's JSON; check the URL (everything before /api) and any proxy."


class ReinferTimeoutError(ReinferApiError):
    title = "timeout"
    advice = (
        "No answer in time. Reads (fetch, results, get, predict) and advance are safe to retry; "
        "for a create or sync, check the result first. Raise timeout= if this persists."
    )


class ReinferConnectionError(ReinferApiError):
    title = "connection"
    advice = "Could not reach the server; check REINFER_URL, the network, proxies and the CA bundle."


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
