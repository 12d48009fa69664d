"""Work queues for the dispatcher/performer pattern, on an existing engine chosen by URL.

- ``sqlite:///path/queues.db`` (or no URL: ``queues.db`` in the state directory): the
  embedded queue, nothing to install, for performers on one machine (pabot);
- ``redis://host:6379/0`` (``rediss://`` for TLS): Redis Streams with a consumer group,
  for performers on several machines.

Both backends behave the same (the same test suite runs on both); see
:mod:`ReinferLibrary.queues.base` for the model. ``ReinferLibrary.WorkQueues`` is the
Robot Framework library class on top; this package imports nothing of Robot Framework.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from ..errors import WorkQueueConfigurationError
from .base import (
    DEFAULT_LEASE,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_OPERATION_TIMEOUT,
    DEFAULT_RETENTION,
    FINISHED,
    Added,
    DeadItem,
    Finished,
    Outcome,
    QueueStats,
    WorkItem,
    WorkQueueBackend,
    claimed_item,
    finished_states,
    seconds,
)

EMBEDDED_FILE_NAME = "queues.db"
SCHEMES = ("sqlite", "redis", "rediss", "unix")


def default_url(state_directory: Path) -> str:
    """The embedded queue's URL: ``queues.db`` in the state directory."""
    return f"sqlite://{(state_directory / EMBEDDED_FILE_NAME).resolve().as_posix()}"


def engine_of(url: str) -> str:
    """``sqlite`` or ``redis`` for a work-queue URL; a configuration error for anything else.

    Checks the URL's form only, without connecting, so a robot fails at import on a typo.
    """
    from .redis_streams import redacted

    text = str(url).strip()
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme == "sqlite":
        from .sqlite import path_of

        path_of(text)
        return "sqlite"
    if scheme in ("redis", "rediss", "unix"):
        if scheme != "unix" and not text.split("://", 1)[1].split("/", 1)[0]:
            raise WorkQueueConfigurationError(
                f"Work queue URL {redacted(text)} names no host: give redis://host:6379/0."
            )
        return "redis"
    raise WorkQueueConfigurationError(
        f"Work queue URL {redacted(text)!r} has an unknown scheme {scheme or '(none)'!r}: give "
        "sqlite:///path/queues.db (one machine), redis://host:6379/0 (several machines), or leave url out "
        "for the embedded queue in the state directory."
    )


def open_queue(
    url: str,
    *,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    timeout: timedelta = DEFAULT_OPERATION_TIMEOUT,
    retention: timedelta | None = DEFAULT_RETENTION,
) -> WorkQueueBackend:
    """Connect to the work-queue backend ``url`` names; a configuration error for any other scheme.

    ``retention``: done items older than this are purged automatically; None keeps them."""
    text = str(url).strip()
    wait = seconds(timeout, "timeout", allow_zero=False)
    keep = None if retention is None else seconds(retention, "retention", allow_zero=False)
    if engine_of(text) == "sqlite":
        from .sqlite import SqliteWorkQueue

        return SqliteWorkQueue(text, max_attempts=max_attempts, timeout=wait, retention=keep)
    from .redis_streams import RedisWorkQueue

    return RedisWorkQueue(text, max_attempts=max_attempts, timeout=wait, retention=keep)


__all__ = [
    "DEFAULT_LEASE",
    "DEFAULT_MAX_ATTEMPTS",
    "DEFAULT_OPERATION_TIMEOUT",
    "DEFAULT_RETENTION",
    "FINISHED",
    "Added",
    "DeadItem",
    "Finished",
    "Outcome",
    "QueueStats",
    "WorkItem",
    "WorkQueueBackend",
    "claimed_item",
    "default_url",
    "engine_of",
    "finished_states",
    "open_queue",
]

# `lease_store("redis://…")` (the state package) imports this package to find its Redis store.
from . import redis_lease as _redis_lease  # noqa: E402,F401
