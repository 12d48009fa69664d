"""What every work-queue backend offers, and what its items look like.

A *work queue* holds *work items*: a JSON payload, a ``reference`` that is unique within
the queue (a comment uid: adding it twice keeps one item), an ``id`` the backend gives,
and the number of the ``attempt`` (1 on first delivery). A performer *claims* an item with
a *lease*; until the lease ends nobody else gets it. The performer then *completes* it or
*fails* it. A failed item is offered again (``retry``) until ``max_attempts`` deliveries
were used, then it goes to the *dead-letter* queue with every reason it failed. An item
whose performer died (its lease ran out) is offered again too, and counts as an attempt.

Completing or failing needs the claim's ``token``: once another performer has claimed the
item again, the old claim's token is void and the call fails with a
:class:`~ReinferLibrary.errors.WorkItemError` (``work item lease lost``). So an item is
completed at most once.

*Retention*: a finished item is kept so that adding its reference again adds nothing, but
not for ever. Done items finished more than ``retention`` ago (default 30 days) are purged
automatically, at most once an hour per queue and process (:meth:`WorkQueueBackend.purge_due`);
:meth:`WorkQueueBackend.purge` purges done, failed or dead items on demand. Pending and
claimed items are never purged. A reference added again after its item was purged is a new
item.

This package imports nothing of Robot Framework or of the keyword layer.
"""

from __future__ import annotations

import json
import math
import os
import socket
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any, Literal

from ..errors import WorkItemError, WorkQueueConfigurationError

Outcome = Literal["retry", "failed", "dead"]
"""What :meth:`WorkQueueBackend.fail` did: offered again, failed for good, dead-lettered."""
Finished = Literal["done", "failed", "dead"]
"""The states an item ends in; only these are ever purged."""
FINISHED: tuple[Finished, ...] = ("done", "failed", "dead")

DEFAULT_LEASE = timedelta(minutes=5)
DEFAULT_MAX_ATTEMPTS = 3
DEFAULT_OPERATION_TIMEOUT = timedelta(seconds=10)
DEFAULT_RETENTION = timedelta(days=30)
"""How long a done item is kept (so its reference is not added again) before it is purged."""
PURGE_EVERY = 3600.0
"""Seconds between two automatic purges of one queue by one process (shorter when retention is)."""
PURGE_CHUNK = 500
"""Items purged per transaction (SQLite) or script call (Redis), so performers are never held up long."""
# How long a robot may wait between two looks at an empty queue: short enough that a new
# item is taken at once, long enough that idle performers do not keep a core busy.
POLL_INTERVALS = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2)
MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class WorkItem:
    """One claimed work item. ``item.payload``, ``item.reference`` (and ``item["payload"]``) both work."""

    queue: str
    id: str
    reference: str
    payload: Any
    attempt: int
    token: str = field(repr=False)
    """The claim's secret-less handle: only the performer holding it can complete or fail."""
    reasons: tuple[str, ...] = ()
    """Why earlier attempts failed (oldest first)."""

    def __getitem__(self, name: str) -> Any:
        if name not in _ITEM_FIELDS:
            raise KeyError(name)
        return getattr(self, name)

    def __str__(self) -> str:
        return f"work item {self.id} (reference {self.reference}) of queue {self.queue}"


_ITEM_FIELDS = frozenset(WorkItem.__dataclass_fields__)


@dataclass(frozen=True)
class QueueStats(Mapping[str, int]):
    """Counts of one queue. A mapping, so ``${stats}[done]`` and ``${stats.done}`` both work.

    ``pending`` waits for a performer (retries and expired leases included), ``in_progress``
    is claimed under a running lease, ``done`` completed, ``failed`` failed with
    ``retry=False``, ``dead`` in the dead-letter queue. ``retried`` counts items delivered
    more than once (a retry or an expired lease), whatever their state now.
    """

    pending: int = 0
    in_progress: int = 0
    done: int = 0
    failed: int = 0
    dead: int = 0
    retried: int = 0

    def __getitem__(self, name: str) -> int:
        if name not in _STATS_FIELDS:
            raise KeyError(name)
        return int(getattr(self, name))

    def __iter__(self) -> Iterator[str]:
        return iter(asdict(self))

    def __len__(self) -> int:
        return len(_STATS_FIELDS)

    @property
    def total(self) -> int:
        """Every item the queue holds, whatever its state."""
        return self.pending + self.in_progress + self.done + self.failed + self.dead


_STATS_FIELDS = frozenset(QueueStats.__dataclass_fields__)


@dataclass(frozen=True)
class DeadItem:
    """An item in the dead-letter queue, with why each attempt failed."""

    queue: str
    id: str
    reference: str
    payload: Any
    attempt: int
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Added:
    """What :meth:`WorkQueueBackend.add` did: the item's id, and whether it was new."""

    id: str
    created: bool


def encode_payload(payload: Any, queue: str, reference: str) -> str:
    """``payload`` as JSON text, or a :class:`WorkItemError` naming what could not be encoded."""
    try:
        return json.dumps(payload, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as error:
        raise WorkItemError(
            "work item payload not JSON",
            f"the payload of reference {reference} for queue {queue} cannot be stored: {error}; "
            "give a dictionary, list, text, number, boolean or None (convert dates and objects to text).",
        ) from None


def check_queue_name(queue: str) -> str:
    """A queue name: 1-200 printable characters, no ``:`` (Redis's key separator), no spaces at the ends."""
    name = str(queue)
    if (
        not name
        or name != name.strip()
        or len(name) > MAX_NAME_LENGTH
        or ":" in name
        or not name.isprintable()
    ):
        raise WorkQueueConfigurationError(
            f"Queue name {name!r} is not usable: give 1-{MAX_NAME_LENGTH} printable characters, "
            "no ':' and no spaces at either end (e.g. 'refunds')."
        )
    return name


def check_reference(reference: str | None) -> str | None:
    if reference is None:
        return None
    text = str(reference)
    if not text or len(text) > 1000:
        raise WorkQueueConfigurationError(
            f"reference must be 1-1000 characters (a comment uid), got {len(text)}; "
            "leave it out to get a new item."
        )
    return text


def new_item(queue: str, payload: Any, reference: str | None) -> tuple[str, str, str]:
    """(queue name, reference, payload as JSON) of an item to add, each checked.

    No reference: a new unique one, so every such call adds an item.
    """
    name = check_queue_name(queue)
    given = check_reference(reference)
    ref = given if given is not None else f"item-{uuid.uuid4().hex}"
    return name, ref, encode_payload(payload, name, ref)


def finished_states(states: str | Iterable[str]) -> tuple[Finished, ...]:
    """``done``, ``"done, failed"``, ``["failed", "dead"]``... as states that may be purged, each once.

    A configuration error for anything else: pending and claimed items are never purged.
    """
    words = states.replace(",", " ").split() if isinstance(states, str) else [str(s).strip() for s in states]
    chosen: list[Finished] = []
    for word in words:
        state = word.lower()
        if state not in FINISHED:
            raise WorkQueueConfigurationError(
                f"Cannot purge work items in state {word!r}: give done, failed or dead (or several, "
                "e.g. 'done, failed'); pending and in-progress items are never purged."
            )
        finished: Finished = state
        if finished not in chosen:
            chosen.append(finished)
    if not chosen:
        raise WorkQueueConfigurationError("states is empty: give done, failed or dead (or several).")
    return tuple(chosen)


def seconds(value: timedelta, name: str, *, allow_zero: bool) -> float:
    """``value`` in seconds, or a configuration error when it is negative (or zero, when not allowed)."""
    total = value.total_seconds()
    if math.isnan(total) or total < 0 or (total == 0 and not allow_zero):
        least = "0 seconds or more" if allow_zero else "more than 0 seconds"
        raise WorkQueueConfigurationError(f"{name} must be {least}, got {value}.")
    return total


def consumer_name() -> str:
    """Who claims: ``host:pid``, as it appears in Redis's consumer list and in lost-lease errors."""
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_lost(item: WorkItem, what: str, state: str) -> WorkItemError:
    """The error for a claim that is no longer this performer's; ``state`` is the item's state now."""
    if state == "in_progress":
        now = "its lease ran out and another performer claimed it"
    elif state == "pending":
        now = "its lease ran out and it waits for the next performer"
    else:
        now = f"it is {state.replace('_', ' ')} already (completed or failed once before)"
    return WorkItemError(
        "work item lease lost",
        f"cannot {what} {item} (attempt {item.attempt}): {now}; this claim no longer holds it, so do not "
        "repeat its work; take the next item (raise lease= on Get Work Item if the work takes longer).",
    )


def unknown_item(queue: str, item_id: str, what: str) -> WorkItemError:
    return WorkItemError(
        "unknown work item",
        f"cannot {what} work item {item_id} of queue {queue}: the queue has no such item; "
        "pass the item Get Work Item returned, unchanged, to the library connected to the same queue URL.",
    )


class WorkQueueBackend(ABC):
    """The operations a work-queue engine offers; one instance is one connection to it."""

    url: str
    """The URL it was opened with, without a password."""

    def __init__(
        self,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        retention: float | None = DEFAULT_RETENTION.total_seconds(),
    ) -> None:
        if max_attempts < 1:
            raise WorkQueueConfigurationError(f"max_attempts must be 1 or more, got {max_attempts}.")
        if retention is not None and not retention > 0:
            raise WorkQueueConfigurationError(
                f"retention must be more than 0 seconds, got {retention:g} s; give None to keep done items."
            )
        self.max_attempts = max_attempts
        self.retention = retention
        self.consumer = consumer_name()
        self._next_purge: dict[str, float] = {}

    @abstractmethod
    def add(self, queue: str, payload: Any, reference: str | None = None) -> Added:
        """Add an item; with a ``reference`` already in the queue, keep the old one (``created`` false)."""

    @abstractmethod
    def try_claim(self, queue: str, lease: float) -> WorkItem | None:
        """Claim the next pending item (or one whose lease ran out) for ``lease`` seconds, or None."""

    @abstractmethod
    def complete(self, item: WorkItem) -> None:
        """Mark a claimed item done; :func:`lease_lost` when the claim is void."""

    @abstractmethod
    def fail(self, item: WorkItem, reason: str, retry: bool) -> Outcome:
        """Fail a claimed item: offer it again, fail it for good, or dead-letter it."""

    @abstractmethod
    def extend(self, item: WorkItem, lease: float) -> None:
        """Give a claimed item a new lease of ``lease`` seconds from now."""

    @abstractmethod
    def stats(self, queue: str) -> QueueStats:
        """The queue's counts."""

    @abstractmethod
    def dead_items(self, queue: str, limit: int = 100) -> list[DeadItem]:
        """The first ``limit`` items of the queue's dead-letter queue."""

    @abstractmethod
    def queue_names(self) -> list[str]:
        """The names of the queues that hold items, sorted."""

    @abstractmethod
    def close(self) -> None:
        """Release the connection."""

    @abstractmethod
    def purge_chunk(self, queue: str, older_than: float, state: Finished, limit: int) -> int:
        """Delete up to ``limit`` items of ``queue`` in ``state`` that reached it more than
        ``older_than`` seconds ago, with their references; how many were deleted."""

    def purge(self, queue: str, older_than: float, states: Iterable[Finished] = ("done",)) -> int:
        """Delete the items of ``queue`` in ``states`` (finished states only) that reached them more
        than ``older_than`` seconds ago; how many were deleted. Pending and claimed items stay."""
        name = check_queue_name(queue)
        if older_than < 0 or math.isnan(older_than):
            raise WorkQueueConfigurationError(f"older_than must be 0 seconds or more, got {older_than}.")
        total = 0
        for state in finished_states(states):
            while True:
                deleted = self.purge_chunk(name, older_than, state, PURGE_CHUNK)
                total += deleted
                if deleted < PURGE_CHUNK:
                    break
        return total

    def purge_due(self, queue: str) -> int:
        """Purge ``queue``'s done items older than ``retention`` if this process has not done so
        within the last hour (or within ``retention``, when shorter); how many were deleted.

        Called by every claim (`Get Work Item`): a robot that runs for months keeps a bounded queue."""
        if self.retention is None:
            return 0
        now = time.monotonic()
        if now < self._next_purge.get(queue, 0.0):
            return 0
        self._next_purge[queue] = now + min(self.retention, PURGE_EVERY)
        return self.purge(queue, self.retention, ("done",))

    def claim(self, queue: str, lease: float, timeout: float) -> WorkItem | None:
        """Claim the next item, waiting up to ``timeout`` seconds for one; None when none came."""
        self.purge_due(check_queue_name(queue))
        deadline = time.monotonic() + timeout
        polls = 0
        while True:
            item = self.try_claim(queue, lease)
            if item is not None:
                return item
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            time.sleep(min(POLL_INTERVALS[min(polls, len(POLL_INTERVALS) - 1)], left))
            polls += 1

    def __enter__(self) -> WorkQueueBackend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def decode_payload(text: str) -> Any:
    return json.loads(text)


def decode_reasons(text: str | None) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text else ()


def claimed_item(item: object) -> WorkItem:
    """The :class:`WorkItem` a robot passed back (Robot may hand over the object itself)."""
    if isinstance(item, WorkItem):
        return item
    raise WorkItemError(
        "unknown work item",
        f"expected the work item Get Work Item returned, got {type(item).__name__}; "
        "pass that item unchanged to Complete Work Item or Fail Work Item.",
    )
