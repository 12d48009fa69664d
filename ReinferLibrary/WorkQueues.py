"""``Library    ReinferLibrary.WorkQueues    url=…``: work queues for dispatcher and performer robots.

The keyword layer over :mod:`ReinferLibrary.queues` (which knows nothing of Robot
Framework). Robot Framework finds the class of the same name as this module.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from robot.api import logger
from robot.api.deco import keyword, library
from robot.api.types import Secret
from robot.utils import secs_to_timestr

from .errors import WorkQueueConfigurationError
from .queues import (
    DEFAULT_LEASE,
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_OPERATION_TIMEOUT,
    DEFAULT_RETENTION,
    DeadItem,
    Outcome,
    QueueStats,
    WorkItem,
    WorkQueueBackend,
    claimed_item,
    default_url,
    engine_of,
    finished_states,
    open_queue,
)
from .queues.base import seconds
from .state.paths import state_dir
from .version import __version__

__all__ = ["WorkQueues"]


@library(scope="GLOBAL", version=__version__, doc_format="ROBOT", auto_keywords=False)
class WorkQueues:
    """Work queues for the dispatcher/performer pattern: one robot fills a queue, many take from it.

    A *dispatcher* robot reads a stream and adds one work item per comment with
    `Add Work Item`; N *performer* robots (pabot processes on one machine, or robots on
    several machines) take items with `Get Work Item`, do the slow work (key a claim into
    an ERP, answer a customer) and finish each with `Complete Work Item` or
    `Fail Work Item`. `Get Work Queue Stats` counts what is pending, in progress, done,
    failed and dead.

    %TOC%

    = Choosing the queue =

    The ``url`` import argument names the engine; every robot that shares a queue uses the
    same URL:

    | =URL= | =Engine= | =Use it for= |
    | (not given) | SQLite file ``queues.db`` in the state directory | one machine, nothing to install |
    | ``sqlite:///path/queues.db`` | SQLite file at that absolute path | one machine, a chosen file |
    | ``redis://host:6379/0`` | Redis Streams with a consumer group | performers on several machines |

    The state directory is ``REINFER_STATE_DIR``, else ``reinfer-library`` in the user's
    cache directory. ``sqlite://relative/path.db`` names a relative path; ``rediss://``
    is Redis over TLS, ``redis://:password@host:6379/0`` carries a password (never logged).

    Both engines behave the same. SQLite is in WAL mode and claims in one transaction,
    so several pabot processes can share the file; keep it on a local disk. Redis needs
    version 6.2 or newer, and ``appendonly yes`` so that a restart of Redis loses no
    item; ``pip install 'robotframework-reinfer[redis]'`` installs its client.

    | ***** Settings *****
    | Library    ReinferLibrary.WorkQueues                                   # embedded
    | Library    ReinferLibrary.WorkQueues    url=redis://queues.example:6379/0    # shared

    A URL with a password is best given as a ``Secret``, read from the environment, so it
    appears in no file and Robot Framework never logs it (error messages show it as ``***``):

    | ***** Variables *****
    | ${QUEUE_URL: Secret}    %{REINFER_WORK_QUEUE_URL}
    |
    | ***** Settings *****
    | Library    ReinferLibrary.WorkQueues    url=${QUEUE_URL}

    = Work items =

    An item has an ``id`` (given by the queue), a ``reference`` unique within the queue
    (the comment uid: adding it again keeps the one item, so a dispatcher that repeats a
    batch after a crash adds nothing twice), a JSON ``payload`` (a dictionary, list, text,
    number, boolean or None) and the ``attempt`` it is on (1 on the first delivery). Read
    them as ``${item.payload}`` or ``${item}[payload]``; ``${item.reasons}`` lists why
    earlier attempts failed.

    = Leases, retries and the dead-letter queue =

    `Get Work Item` *claims* an item with a lease (default 5 minutes): until it ends, no
    other performer gets the item. A performer that dies mid-item (killed, machine off)
    never finishes it; when its lease ends, the next `Get Work Item` anywhere gets the item
    again as its next attempt. So the work of one item may run twice when a performer
    dies: make it idempotent where you can (look the claim up before keying it again).
    Work that takes long extends its lease with `Extend Work Item Lease`.

    Only the claim that holds the item can finish it. Once its lease ended and another
    performer claimed the item, `Complete Work Item` and `Fail Work Item` of the old
    claim fail with ``Business error (work item lease lost)``: an item is completed at
    most once.

    `Fail Work Item` with ``retry=True`` (a technical problem: the ERP was down) offers the
    item again, until ``max_attempts`` deliveries (default 3) were used; then it goes to
    the *dead-letter queue* with every reason it failed (`Get Dead Work Items`). With
    ``retry=False`` (a business exception: the order does not exist) the item is failed
    for good. A lease that ran out counts as a failed attempt too, so an item that kills
    every performer that takes it ends in the dead-letter queue instead of looping.

    = Retention =

    A finished item is kept so that adding its reference again adds nothing (a dispatcher
    repeating a batch after a crash). It is not kept for ever: a performer robot that runs
    for months would grow the queue's file (or Redis's memory) without bound. Done items
    finished more than ``retention`` ago (import argument, default ``30 days``) are purged
    automatically by `Get Work Item`, at most once an hour per queue and process.
    ``retention=NONE`` keeps them. A reference added again after its item was purged is a
    new item, so keep ``retention`` longer than a dispatcher can be down with a batch it has
    not advanced past.

    Failed and dead items wait for a person and are not purged automatically:
    `Purge Work Queue` deletes them (and done items) on demand, once they were looked at.
    Pending and in-progress items are never purged. On SQLite the file stops growing once
    the retention period is full (freed pages are reused; it does not shrink).

    | ***** Settings *****
    | Library    ReinferLibrary.WorkQueues    retention=7 days

    = Errors =

    Errors follow the library's categories, one line each:

    - ``Business error (work item payload not JSON)``, ``Business error (unknown work
      item)``, ``Business error (work item lease lost)``: repeating the call fails the
      same way; the robot moves on.
    - ``Technical error (work queue unreachable)`` (Redis down), ``Technical error (work
      queue busy)`` (SQLite locked past ``timeout``), ``Technical error (work queue
      database corrupt)``: nothing was changed; retry later.
    - A configuration error (no category) for an unknown URL scheme or a bad argument.

    = Examples =

    A dispatcher adds one item per comment; a performer loops until the queue stays empty:

    | ***** Settings *****
    | Library    ReinferLibrary
    | Library    ReinferLibrary.WorkQueues
    |
    | ***** Tasks *****
    | Dispatch
    |     ${batch} =    Fetch Trigger Batch    routing
    |     FOR    ${item}    IN    @{batch.results}
    |         VAR    &{payload}    uid=${item.uid}    subject=${item.comment.messages[0].subject.text}
    |         Add Work Item    refunds    ${payload}    reference=${item.uid}
    |     END
    |     Advance Trigger    routing    ${batch}
    |
    | Perform
    |     WHILE    True    limit=NONE
    |         ${work} =    Get Work Item    refunds    timeout=30 s
    |         IF    $work is None    BREAK
    |         TRY
    |             Key Refund Into ERP    ${work.payload}
    |             Complete Work Item    ${work}
    |         EXCEPT    Technical error*    type=GLOB    AS    ${error}
    |             Fail Work Item    ${work}    ${error}    retry=True
    |         EXCEPT    Business error*    type=GLOB    AS    ${error}
    |             Fail Work Item    ${work}    ${error}    retry=False
    |         END
    |     END

    ``make scale-demo PERFORMERS=4`` runs this pattern on the demo inbox under pabot;
    the guide's chapter "Scaling out" shows how to run performers on several machines.
    """

    ROBOT_LIBRARY_SCOPE = "GLOBAL"

    def __init__(
        self,
        url: Secret | str | None = None,
        lease: timedelta = DEFAULT_LEASE,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout: timedelta = DEFAULT_OPERATION_TIMEOUT,
        retention: timedelta | None = DEFAULT_RETENTION,
    ) -> None:
        """Connect to the work queues at ``url``.

        Args:
            url: ``sqlite:///path/queues.db`` or ``redis://host:6379/0``; not given (or
                ``${None}``): the embedded queue, ``queues.db`` in the state directory.
                A URL with a password may be a ``Secret``, so Robot Framework never logs it.
            lease: How long a claim holds an item before another performer may take it.
            max_attempts: Deliveries of an item before it goes to the dead-letter queue.
            timeout: How long one queue operation may wait (a locked SQLite file, a slow
                Redis) before it fails with a technical error.
            retention: How long a done item is kept before `Get Work Item` purges it
                (see `Retention`); ``NONE``: kept until `Purge Work Queue`.

        Example:
        | Library | ReinferLibrary.WorkQueues | url=redis://127.0.0.1:6379/0 | lease=10 min | max_attempts=5 |
        | Library | ReinferLibrary.WorkQueues | retention=7 days |
        """
        if isinstance(url, Secret):
            url = str(url.value)
        if url is not None and not str(url).strip():
            raise WorkQueueConfigurationError(
                "url is empty: leave it out for the embedded queue in the state directory, or give "
                "sqlite:///path/queues.db or redis://host:6379/0."
            )
        if url is not None:
            engine_of(url)  # a typo fails here, at import, not at the first item
        self._url = url
        self._lease = seconds(lease, "lease", allow_zero=False)
        self._max_attempts = max_attempts
        self._timeout = timeout
        self._retention = retention
        if retention is not None:
            seconds(retention, "retention", allow_zero=False)
        self._queue: WorkQueueBackend | None = None
        # Opened lazily, so a robot that imports the library but never uses it (a dry run,
        # libdoc) touches no database and no network.
        seconds(timeout, "timeout", allow_zero=False)
        if max_attempts < 1:
            raise WorkQueueConfigurationError(f"max_attempts must be 1 or more, got {max_attempts}.")

    @property
    def queue(self) -> WorkQueueBackend:
        if self._queue is None:
            url = self._url if self._url is not None else default_url(state_dir())
            self._queue = open_queue(
                url, max_attempts=self._max_attempts, timeout=self._timeout, retention=self._retention
            )
            logger.info(f"Work queues at {self._queue.url}.")
        return self._queue

    @keyword(tags=("Work queues",))
    def add_work_item(self, queue: str, payload: Any, reference: str | None = None) -> str:
        """Add a work item to ``queue``; adding a ``reference`` the queue already has keeps the old item.

        Idempotent by ``reference``: a dispatcher that handles the same batch again after a
        crash adds nothing twice, whatever state the item is in now (pending, done, dead).

        Args:
            queue: Queue name, e.g. ``refunds`` (no ``:``).
            payload: What the performer needs, JSON-serialisable: a dictionary, list, text,
                number, boolean or None.
            reference: Unique within the queue, e.g. the comment uid; not given: a new
                unique reference (every call adds an item).

        Returns:
            The item's id (the existing item's id when the reference was known).

        Example:
        | VAR | &{payload} | uid=${item.uid} | order=${order} |
        | ${id} = | Add Work Item | refunds | ${payload} | reference=${item.uid} |
        """
        added = self.queue.add(queue, payload, reference)
        if added.created:
            logger.info(f"Added work item {added.id} to queue {queue} (reference {reference or 'new'}).")
        else:
            logger.info(
                f"Queue {queue} already has reference {reference} as work item {added.id}: not added again."
            )
        return added.id

    @keyword(tags=("Work queues",))
    def get_work_item(
        self, queue: str, timeout: timedelta = timedelta(0), lease: timedelta | None = None
    ) -> WorkItem | None:
        """Claim the next work item of ``queue``, waiting up to ``timeout`` for one; ``None`` when none came.

        Items come oldest first; an item whose performer's lease ran out comes first of all,
        as its next attempt. The claim holds the item for ``lease``; see
        `Leases, retries and the dead-letter queue`.

        Args:
            queue: Queue name.
            timeout: How long to wait while the queue is empty (``0 s``: look once).
            lease: How long this claim holds the item; default: the library's ``lease``.

        Returns:
            The item (``id``, ``reference``, ``payload``, ``attempt``, ``reasons``), or ``None``.

        Example:
        | ${work} = | Get Work Item | refunds | timeout=30 s |
        | IF | $work is None | RETURN |
        | Log | Attempt ${work.attempt} of ${work.reference}: ${work.payload}[order] |
        """
        hold = self._lease if lease is None else seconds(lease, "lease", allow_zero=False)
        item = self.queue.claim(queue, hold, seconds(timeout, "timeout", allow_zero=True))
        if item is None:
            logger.info(f"No work item in queue {queue} within {timeout}.")
        else:
            logger.info(f"Claimed {item}, attempt {item.attempt}, for {hold:g} s.")
        return item

    @keyword(tags=("Work queues",))
    def complete_work_item(self, item: Any) -> None:
        """Mark a claimed work item done.

        Fails with ``Business error (work item lease lost)`` when this claim no longer holds
        the item (its lease ran out and another performer claimed it, or it is finished).

        Args:
            item: The item `Get Work Item` returned.

        Example:
        | ${work} = | Get Work Item | refunds |
        | Key Refund Into ERP | ${work.payload} |
        | Complete Work Item | ${work} |
        """
        work = claimed_item(item)
        self.queue.complete(work)
        logger.info(f"Completed {work} on attempt {work.attempt}.")

    @keyword(tags=("Work queues",))
    def fail_work_item(self, item: Any, reason: str, retry: bool = True) -> Outcome:
        """Fail a claimed work item: offer it again (``retry``) or fail it for good.

        After its last attempt (``max_attempts``) a retried item goes to the dead-letter queue.

        Args:
            item: The item `Get Work Item` returned.
            reason: Why it failed; kept with the item (see `Get Dead Work Items`).
            retry: ``True`` for a problem that may pass (a system was down): the item is
                offered again until ``max_attempts`` deliveries were used, then it goes to
                the dead-letter queue. ``False`` for a business exception: failed for good.

        Returns:
            ``retry`` (offered again), ``failed`` (for good) or ``dead`` (in the dead-letter queue).

        Example:
        | ${outcome} = | Fail Work Item | ${work} | ERP timed out | retry=True |
        | Fail Work Item | ${work} | Order ${work.payload}[order] does not exist | retry=False |
        """
        work = claimed_item(item)
        outcome = self.queue.fail(work, str(reason), retry)
        words = {
            "retry": "it will be offered again",
            "failed": "failed for good",
            "dead": f"moved to the dead-letter queue after {work.attempt} attempts",
        }[outcome]
        log = logger.warn if outcome == "dead" else logger.info
        log(f"Failed {work} on attempt {work.attempt} ({reason}): {words}.")
        return outcome

    @keyword(tags=("Work queues",))
    def extend_work_item_lease(self, item: Any, lease: timedelta | None = None) -> None:
        """Give a claimed work item a new lease from now, for work that takes longer than planned.

        Args:
            item: The item `Get Work Item` returned.
            lease: The new lease, counted from now; default: the library's ``lease``.

        Example:
        | Extend Work Item Lease | ${work} | lease=15 min |
        """
        work = claimed_item(item)
        hold = self._lease if lease is None else seconds(lease, "lease", allow_zero=False)
        self.queue.extend(work, hold)
        logger.info(f"Extended the lease of {work} by {hold:g} s from now.")

    @keyword(tags=("Work queues",))
    def get_work_queue_stats(self, queue: str) -> QueueStats:
        """How many items of ``queue`` are pending, in progress, done, failed and dead.

        ``pending`` includes items offered again; ``in_progress`` includes claims whose
        lease ran out that nobody took over yet; ``retried`` counts items delivered more
        than once, whatever their state now.

        Args:
            queue: Queue name.

        Returns:
            A mapping with ``pending``, ``in_progress``, ``done``, ``failed``, ``dead``, ``retried``.

        Example:
        | ${stats} = | Get Work Queue Stats | refunds |
        | Should Be Equal As Integers | ${stats}[pending] | 0 |
        | Log | ${stats.done} done, ${stats.dead} dead |
        """
        stats = self.queue.stats(queue)
        logger.info(
            f"Queue {queue}: {stats.pending} pending, {stats.in_progress} in progress, {stats.done} done, "
            f"{stats.failed} failed, {stats.dead} dead ({stats.retried} retried)."
        )
        return stats

    @keyword(tags=("Work queues",))
    def get_dead_work_items(self, queue: str, limit: int = 100) -> list[DeadItem]:
        """The items of ``queue``'s dead-letter queue, with the reason of every failed attempt.

        Args:
            queue: Queue name.
            limit: At most this many, oldest first.

        Returns:
            A list of items with ``id``, ``reference``, ``payload``, ``attempt`` and ``reasons``.

        Example:
        | ${dead} = | Get Dead Work Items | refunds |
        | FOR | ${item} | IN | @{dead} |
        | | Log | ${item.reference}: ${item.reasons} | WARN |
        | END |
        """
        return self.queue.dead_items(queue, limit)

    @keyword(tags=("Work queues",))
    def purge_work_queue(
        self, queue: str, older_than: timedelta | None = None, states: str | list[str] = "done"
    ) -> int:
        """Delete finished items of ``queue`` older than ``older_than``; return how many were deleted.

        Done items older than the library's ``retention`` are purged by `Get Work Item`
        anyway (see `Retention`); this keyword is for the rest: failed and dead items once a
        person has looked at them, or a purge at a time of your choosing. Pending and
        in-progress items are never deleted. A reference added again after its item was
        purged is a new item.

        Args:
            queue: Queue name.
            older_than: Delete items that reached their state longer ago than this
                (``0 s``: all of them); default: the library's ``retention``.
            states: Which finished states: ``done``, ``failed``, ``dead``, or several
                (``done, failed, dead`` or a list).

        Returns:
            How many items were deleted.

        Example:
        | ${dead} = | Get Dead Work Items | refunds |
        | Log List | ${dead} |
        | ${purged} = | Purge Work Queue | refunds | older_than=7 days | states=failed, dead |
        | Purge Work Queue | refunds |
        """
        chosen = finished_states(states)
        age = older_than if older_than is not None else self._retention
        if age is None:
            raise WorkQueueConfigurationError(
                "Purge Work Queue needs older_than= (e.g. older_than=30 days) when the library was "
                "imported with retention=NONE."
            )
        limit = seconds(age, "older_than", allow_zero=True)
        deleted = self.queue.purge(queue, limit, chosen)
        logger.info(
            f"Purged {deleted} work item(s) of queue {queue} ({', '.join(chosen)}) finished more than "
            f"{secs_to_timestr(limit)} ago."
        )
        return deleted
