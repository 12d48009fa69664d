"""What a client needs to know to connect, and what it reports after every HTTP attempt."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ..errors import ReinferConfigurationError


@dataclass(frozen=True)
class ConnectionSettings:
    """Where the API is and how patiently to talk to it.

    ``token`` is excluded from ``repr`` so a settings object can be logged or shown in a
    traceback without leaking it.
    """

    url: str
    """Base URL: everything before ``/api`` (a trailing slash is tolerated)."""
    token: str = field(repr=False)
    timeout: tuple[float, float] = (10.0, 60.0)
    """(connect, read) seconds, applied to every request."""
    retries: int = 3
    """Extra attempts after the first, for calls that are safe to repeat."""
    backoff: float = 0.5
    """Base seconds of the exponential backoff (full jitter)."""
    max_retry_after: float = 60.0
    """Longest wait honoured from a ``Retry-After`` header, in seconds."""
    verify: bool | str = True
    """TLS verification: ``True``, ``False`` or the path of a CA bundle."""
    proxies: Mapping[str, str] | None = None
    legacy_triggers: bool = False
    """Use the pre-2023 ``/triggers`` routes and ``trigger`` body keys instead of streams."""

    def __post_init__(self) -> None:
        # Fail at connect time with a sentence, not at the first call with a requests traceback.
        if not self.url.startswith(("http://", "https://")):
            raise ReinferConfigurationError(
                f"Reinfer URL {self.url!r} must start with http:// or https:// "
                "(give everything before /api, e.g. https://cloud.uipath.com/org/tenant/reinfer_)."
            )
        if not self.token:
            raise ReinferConfigurationError("Reinfer token is empty; set REINFER_TOKEN or pass token=.")
        if not isinstance(self.timeout, tuple) or len(self.timeout) != 2 or min(self.timeout) <= 0:
            raise ReinferConfigurationError(
                f"Timeout {self.timeout!r} must be two positive numbers of seconds (connect, read)."
            )
        if self.retries < 0:
            raise ReinferConfigurationError(f"Retries must be 0 or more, got {self.retries}.")
        if self.backoff < 0 or self.max_retry_after < 0:
            raise ReinferConfigurationError(
                f"Backoff ({self.backoff}) and max_retry_after ({self.max_retry_after}) must be 0 or more."
            )

    @property
    def base_url(self) -> str:
        """The base URL without a trailing slash, ready to have ``/api/...`` appended."""
        return self.url.rstrip("/")


@dataclass(frozen=True)
class CallRecord:
    """One HTTP attempt, as handed to the ``on_call`` hook (the keyword layer logs it).

    Bodies are already redacted (the token replaced by ``***``) and cut to 10,000 characters.
    """

    method: str
    path: str
    """URL path from ``/api`` on, with the query string if there was one (host omitted)."""
    status: int | None
    """HTTP status, or ``None`` when no response arrived (timeout, connection error)."""
    elapsed_ms: float
    attempt: int
    """1 for the first attempt, 2 for the first retry, ..."""
    request_body: str | None
    response_body: str | None
    retry_in: float | None
    """Seconds until the next attempt, when one follows; ``None`` when this was the last."""
