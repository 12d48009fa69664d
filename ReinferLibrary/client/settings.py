"""What a client needs to know to connect, and what it reports after every HTTP attempt."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from ..errors import ReinferConfigurationError
from .routes import check_base_url

_API_SUFFIX = re.compile(r"/api(/v1|/_private)?/*$", re.IGNORECASE)


def safe_url(url: str) -> str:
    """The URL without any ``user:password@`` part, for log lines and error messages."""
    try:
        parts = urlsplit(url)
    except ValueError:  # a malformed URL (e.g. a bad IPv6 literal): show nothing after the scheme
        return url.split("://", 1)[0] + "://***" if "@" in url else url
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def url_userinfo(url: str) -> str | None:
    """The ``user:password`` part of a URL, if any (to remove it from text quoting the URL)."""
    netloc = url.split("://", 1)[-1].split("/", 1)[0]
    return netloc.rsplit("@", 1)[0] if "@" in netloc else None


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
    """Longest wait honoured from a ``Retry-After`` header, in seconds; a server asking for
    more fails the call at once (:class:`~ReinferLibrary.errors.RateLimitedError` for 429)."""
    verify: bool | str = True
    """TLS verification: ``True``, ``False`` or the path of a CA bundle."""
    proxies: Mapping[str, str] | None = None
    legacy_triggers: bool = False
    """Use the pre-2023 ``/triggers`` routes and ``trigger`` body keys instead of streams."""
    predict_timeout: float = 240.0
    """Least read timeout of a Predict call, in seconds (the official CLI waits 240 s): the
    server may work on a large batch that long, and a Predict call is never repeated after a
    read timeout (it is billable and may have been done)."""
    deadline: float | None = None
    """Seconds one HTTP attempt may take in all (connect and the whole answer), however
    steadily the server trickles it; ``None``: 3 x the call's read timeout."""

    def __post_init__(self) -> None:
        # Fail at connect time with a sentence, not at the first call with a requests traceback.
        shown = safe_url(self.url)
        check_base_url(self.url, "Reinfer URL", "https://cloud.uipath.com/org/tenant/reinfer_", shown)
        suffix = _API_SUFFIX.search(urlsplit(self.url).path)
        if suffix:
            raise ReinferConfigurationError(
                f"Reinfer URL {shown!r} ends with {suffix.group(0).rstrip('/')}: remove it, the URL is "
                "everything before /api (the library adds /api/v1/... itself)."
            )
        if not self.token:
            raise ReinferConfigurationError("Reinfer token is empty; set REINFER_TOKEN or pass token=.")
        if not isinstance(self.timeout, tuple) or len(self.timeout) != 2 or min(self.timeout) <= 0:
            raise ReinferConfigurationError(
                f"Timeout {self.timeout!r} must be two positive numbers of seconds (connect, read)."
            )
        if self.predict_timeout <= 0:
            raise ReinferConfigurationError(
                f"predict_timeout must be more than 0 seconds, got {self.predict_timeout:g}."
            )
        if self.deadline is not None and self.deadline <= 0:
            raise ReinferConfigurationError(f"Deadline must be more than 0 seconds, got {self.deadline:g}.")
        if self.retries < 0:
            raise ReinferConfigurationError(f"Retries must be 0 or more, got {self.retries}.")
        if self.backoff < 0 or self.max_retry_after < 0:
            raise ReinferConfigurationError(
                f"Backoff ({self.backoff}) and max_retry_after ({self.max_retry_after}) must be 0 or more."
            )

    def __repr__(self) -> str:
        # Neither the token nor user:password in a URL may reach a log or a traceback.
        proxies = {scheme: safe_url(url) for scheme, url in self.proxies.items()} if self.proxies else None
        return (
            f"ConnectionSettings(url={safe_url(self.url)!r}, timeout={self.timeout!r}, "
            f"retries={self.retries!r}, backoff={self.backoff!r}, max_retry_after={self.max_retry_after!r}, "
            f"verify={self.verify!r}, proxies={proxies!r}, legacy_triggers={self.legacy_triggers!r}, "
            f"predict_timeout={self.predict_timeout!r}, deadline={self.deadline!r})"
        )

    @property
    def base_url(self) -> str:
        """The base URL without a trailing slash, ready to have ``/api/...`` appended."""
        return self.url.rstrip("/")


Body = str | None | Callable[[], str | None]
"""A body as text, or a function giving it the first time it is read."""


class CallRecord:
    """One HTTP attempt, as handed to the ``on_call`` hook (the keyword layer logs it).

    Bodies are already redacted (the token replaced by ``***``) and cut to 10,000 characters.
    The client hands them over as functions made when they are first read, so a hook that
    does not read them (the keywords' own below DEBUG) costs no decoding of a 250 KB answer.
    """

    __slots__ = (
        "_request_body",
        "_response_body",
        "attempt",
        "elapsed_ms",
        "method",
        "path",
        "retry_in",
        "status",
    )

    def __init__(
        self,
        method: str,
        path: str,
        status: int | None,
        elapsed_ms: float,
        attempt: int,
        request_body: Body,
        response_body: Body,
        retry_in: float | None,
    ) -> None:
        self.method = method
        self.path = path
        """URL path from ``/api`` on, with the query string if there was one (host omitted)."""
        self.status = status
        """HTTP status, or ``None`` when no response arrived (timeout, connection error)."""
        self.elapsed_ms = elapsed_ms
        self.attempt = attempt
        """1 for the first attempt, 2 for the first retry, ..."""
        self._request_body = request_body
        self._response_body = response_body
        self.retry_in = retry_in
        """Seconds until the next attempt, when one follows; ``None`` when this was the last."""

    @property
    def request_body(self) -> str | None:
        if callable(self._request_body):
            self._request_body = self._request_body()
        return self._request_body

    @property
    def response_body(self) -> str | None:
        if callable(self._response_body):
            self._response_body = self._response_body()
        return self._response_body

    def _fields(self) -> tuple[object, ...]:
        return (
            self.method,
            self.path,
            self.status,
            self.elapsed_ms,
            self.attempt,
            self.request_body,
            self.response_body,
            self.retry_in,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CallRecord) and self._fields() == other._fields()

    def __hash__(self) -> int:  # hashable and equal by value, as the frozen dataclass it was
        return hash(self._fields())

    def __repr__(self) -> str:
        names = (
            "method",
            "path",
            "status",
            "elapsed_ms",
            "attempt",
            "request_body",
            "response_body",
            "retry_in",
        )
        shown = ", ".join(f"{name}={value!r}" for name, value in zip(names, self._fields(), strict=True))
        return f"CallRecord({shown})"
