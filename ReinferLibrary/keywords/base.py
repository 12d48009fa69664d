"""What every keyword component shares: the connections, the defaults and the log helpers.

A component is a thin adapter: it resolves the connection and dataset, calls the client
or a logic function, logs a line a person can read, and returns plain robot data.
Keyword components written later (predictions, Elasticsearch) subclass
:class:`LibraryComponent` and get the same helpers.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from robot.api import logger
from robot.api.types import Secret
from robot.running.context import EXECUTION_CONTEXTS
from robot.utils import ConnectionCache, DotDict

from ..client import CallRecord, ConnectionSettings, ReinferClient, safe_url
from ..client.elasticsearch import EsCallRecord
from ..errors import ReinferConfigurationError
from ..models import Item

URL_ENV = "REINFER_URL"
TOKEN_ENV = "REINFER_TOKEN"  # noqa: S105  # the variable name, not a token

PLAIN_TEXT_REFUSED = (
    "Pass the token as a Secret: put `${TOKEN: Secret}    %{REINFER_TOKEN}` in *** Variables *** and use "
    "token=${TOKEN}, or leave token out to read the REINFER_TOKEN environment variable. "
    "A plain text token would be written to log.html and output.xml."
)

DEBUG_PRIORITY = 1
"""Robot Framework's priority of the DEBUG level (TRACE is 0)."""


def to_robot(value: Any) -> Any:
    """Plain robot data: models dumped once as JSON-ready data, dicts made DotDicts.

    ``${item.comment.uid}`` and ``${item}[comment][uid]`` both work, and the result is
    JSON-serialisable for hand-off to another robot.
    """
    if isinstance(value, BaseModel):
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        return [to_robot(entry) for entry in value]
    return _convert(value)


def _convert(value: Any) -> Any:
    # Builds DotDicts directly rather than through DotDict(...), whose constructor copies
    # every level twice; a batch of 64 items holds a few thousand dictionaries.
    kind = type(value)
    if kind is dict or kind is DotDict:
        result = DotDict()
        for key, entry in value.items():
            entry_kind = type(entry)
            if entry_kind is dict or entry_kind is list:
                entry = _convert(entry)
            result[key] = entry
        return result
    if kind is list:
        return [_convert(entry) if type(entry) in (dict, list) else entry for entry in value]
    return value


def debug_enabled() -> bool:
    """True when DEBUG messages would reach the log (checked before formatting bodies)."""
    context = EXECUTION_CONTEXTS.current
    if context is None:
        return False
    try:
        return bool(context.output.log_level.priority <= DEBUG_PRIORITY)
    except AttributeError:  # an older or different output object: let RF filter
        return True


def log_attempt(record: CallRecord | EsCallRecord) -> None:
    """The ``on_call`` hook of either client: one INFO line per HTTP attempt, WARN when a retry follows."""
    status = record.status if record.status is not None else "no answer"
    line = f"{record.method} {record.path} -> {status} in {record.elapsed_ms:.0f} ms"
    if record.attempt > 1:
        line += f" (attempt {record.attempt})"
    if record.retry_in is not None:
        logger.warn(f"{line}; retrying in {record.retry_in:.1f} s")
    else:
        logger.info(line)


def log_call(record: CallRecord) -> None:
    """The Reinfer client's ``on_call`` hook: :func:`log_attempt`, then the bodies.

    Bodies (already redacted by the client) go to DEBUG only, and are formatted only
    when DEBUG is on.
    """
    log_attempt(record)
    if debug_enabled():
        if record.request_body:
            logger.debug(f"Request body: {record.request_body}")
        if record.response_body:
            logger.debug(f"Response body: {record.response_body}")


def seconds(value: timedelta | float | int) -> float:
    """Seconds from a timedelta (or a number of seconds)."""
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


def token_value(
    token: Secret | str | None, where: str = "token", advice: str = PLAIN_TEXT_REFUSED
) -> str | None:
    """The text of a Secret (a token, an API key, a password); a plain string is refused.

    Plain text would already be in the log, so the error names ``where`` and gives ``advice``
    on passing it as a Secret instead.
    """
    if token is None:
        return None
    if isinstance(token, Secret):
        return str(token.value)
    raise ReinferConfigurationError(f"The {where} was given as plain text. {advice}")


def verify_setting(verify: bool | Path) -> bool | str:
    """A ``verify=`` keyword argument as requests takes it: a flag, or a CA bundle path as text."""
    return str(verify) if isinstance(verify, Path) else verify


@dataclass
class ConnectionDefaults:
    """Import arguments of the library: used by ``Connect To Reinfer`` when not given."""

    url: str | None = None
    token: Secret | None = None
    dataset: str | None = None
    timeout: timedelta = timedelta(seconds=60)
    connect_timeout: timedelta = timedelta(seconds=10)
    retries: int = 3
    max_retry_after: timedelta = timedelta(seconds=60)
    verify: bool | Path = True
    proxies: dict[str, str] | None = None
    legacy_triggers: bool = False


@dataclass
class ReinferConnection:
    """One open connection: a client plus what the keywords remember about it."""

    client: ReinferClient
    url: str
    dataset: str | None
    alias: str | None = None
    positions: dict[tuple[str, str], str] = field(default_factory=dict)
    """(dataset, stream) -> the last position this library moved the stream to."""
    closed: bool = False

    def close(self) -> None:
        if not self.closed:
            self.client.close()
            self.closed = True


NO_CONNECTION = "No Reinfer connection is open: call Connect To Reinfer"


class LibraryContext:
    """State shared by all components of one library instance."""

    def __init__(
        self,
        defaults: ConnectionDefaults,
        client_factory: Callable[[ConnectionSettings], ReinferClient] | None = None,
    ) -> None:
        self.defaults = defaults
        self.connections: ConnectionCache[ReinferConnection] = ConnectionCache(
            f"{NO_CONNECTION}, or set REINFER_URL and REINFER_TOKEN."
        )
        self.client_factory = client_factory or (lambda settings: ReinferClient(settings, on_call=log_call))
        self.ever_opened = False
        """Whether this robot opened a connection; only before that does a keyword connect by itself."""

    def settings_for(
        self,
        url: str | None,
        token: str | None,
        timeout: timedelta,
        connect_timeout: timedelta,
        retries: int,
        verify: bool | Path,
        proxies: Mapping[str, str] | None,
        legacy_triggers: bool,
        max_retry_after: timedelta | float | None = None,
    ) -> ConnectionSettings:
        """Connection settings from arguments, import defaults and the environment."""
        url = url or self.defaults.url or os.environ.get(URL_ENV)
        token = token or token_value(self.defaults.token, "library import token") or os.environ.get(TOKEN_ENV)
        missing = [name for name, value in (("URL", url), ("token", token)) if not value]
        if missing:
            raise ReinferConfigurationError(
                f"Cannot connect to Reinfer: no {' and no '.join(missing)}. Give url= and token= to "
                f"Connect To Reinfer (token as a Secret: `${{TOKEN: Secret}}    %{{{TOKEN_ENV}}}`), "
                f"or set the {URL_ENV} and {TOKEN_ENV} environment variables."
            )
        assert url is not None and token is not None  # for mypy: checked just above
        if retries < 0:
            raise ReinferConfigurationError(f"retries must be 0 or more, got {retries}.")
        cap = seconds(self.defaults.max_retry_after if max_retry_after is None else max_retry_after)
        if cap < 0:
            raise ReinferConfigurationError(f"max_retry_after must be 0 seconds or more, got {cap:g}.")
        return ConnectionSettings(
            url=url,
            token=token,
            timeout=(seconds(connect_timeout), seconds(timeout)),
            retries=retries,
            max_retry_after=cap,
            verify=verify_setting(verify),
            proxies=dict(proxies) if proxies else None,
            legacy_triggers=legacy_triggers,
        )

    def open(self, settings: ConnectionSettings, dataset: str | None, alias: str | None) -> int:
        """Open a connection, make it current and return its index."""
        client = self.client_factory(settings)
        connection = ReinferConnection(client=client, url=settings.base_url, dataset=dataset, alias=alias)
        self.ever_opened = True
        return self.connections.register(connection, alias)

    def open_aliases(self) -> list[str]:
        """Aliases (or indexes) of the connections still open, for messages."""
        return [c.alias or str(i) for i, c in enumerate(self.connections, start=1) if not c.closed]

    def current(self) -> ReinferConnection:
        """The current connection.

        Before the robot opened any, one is opened from the import arguments or the
        environment. After that, never again by itself: once the robot closed its
        connection, the environment may point at another tenant than the one it chose.
        """
        if not self.connections:
            if self.ever_opened:
                still_open = self.open_aliases()
                hint = (
                    f", or Switch Reinfer Connection to one still open ({', '.join(still_open)})"
                    if still_open
                    else " (the robot closed its connections, so none is opened from the environment again)"
                )
                raise ReinferConfigurationError(f"{NO_CONNECTION}{hint}.")
            defaults = self.defaults
            settings = self.settings_for(
                None,
                None,
                defaults.timeout,
                defaults.connect_timeout,
                defaults.retries,
                defaults.verify,
                defaults.proxies,
                defaults.legacy_triggers,
            )
            self.open(settings, defaults.dataset, None)
            logger.info(
                f"Connected to {safe_url(settings.base_url)} from the library defaults / environment."
            )
        connection = self.connections.current
        assert isinstance(connection, ReinferConnection)
        return connection


class LibraryComponent:
    """Base of every keyword component: access to the shared context and helpers."""

    def __init__(self, context: LibraryContext) -> None:
        self.ctx = context

    @property
    def connection(self) -> ReinferConnection:
        return self.ctx.current()

    @property
    def client(self) -> ReinferClient:
        return self.connection.client

    def dataset(self, dataset: str | None) -> str:
        """``owner/name`` of the dataset to use: the argument, else the connection's default."""
        chosen = dataset or self.connection.dataset
        if not chosen:
            raise ReinferConfigurationError(
                "No dataset given: pass dataset=owner/name to this keyword, or to Connect To Reinfer "
                "so every keyword uses it."
            )
        return chosen

    def stream(self, trigger: str, dataset: str | None) -> tuple[str, str]:
        """(dataset, stream) from a trigger name; ``owner/dataset/stream`` names all three."""
        parts = [part.strip() for part in str(trigger).split("/")]
        if len(parts) == 3 and all(parts):
            full = f"{parts[0]}/{parts[1]}"
            if dataset and dataset.replace(" ", "") != full:
                raise ReinferConfigurationError(
                    f"Trigger {trigger!r} names dataset {full!r} but dataset={dataset!r} was given; give one."
                )
            return full, parts[2]
        if len(parts) != 1 or not parts[0]:
            raise ReinferConfigurationError(
                f"Trigger {trigger!r} must be a stream name ('routing') or 'owner/dataset/stream'."
            )
        return self.dataset(dataset), parts[0]

    @staticmethod
    def info(message: str, html: bool = False) -> None:
        logger.info(message, html=html)

    @staticmethod
    def debug(message: str) -> None:
        logger.debug(message)

    @staticmethod
    def warn(message: str) -> None:
        logger.warn(message)

    @staticmethod
    def to_robot(value: Any) -> Any:
        return to_robot(value)


ItemArg = dict | Item
"""What keywords accept as an item: one of ``${batch.results}``, any dictionary, or an Item."""
