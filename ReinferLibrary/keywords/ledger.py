"""Keywords of the ``Ledger`` area: mark items finished, see and release the stream lease.

The lease and the ledger themselves live in ``ReinferLibrary.state``; the trigger keywords
use them through :mod:`.stream_safety` (fetch takes the lease and leaves finished items
out, advance refuses to move backwards, reset forgets).

For other keyword components (``Process Trigger``, a listener), the whole interface::

    guard = stream_guard(self, dataset, stream, takeover=False, wait=0.0)  # takes the lease
    guard.after_fetch(batch_dict, stream_id(self, dataset, stream), self.info, self.warn)
    #   -> leaves finished items out of batch_dict["results"], lists them in ["skipped"]
    guard.mark(uid, "done" | "exception", item_sequence_id, stream_id(...), self.warn)  # durable
    guard.before_advance(sequence_id, allow_backwards=False, warn=self.warn)  # lease + backwards
    self.client.advance(dataset, stream, sequence_id)
    guard.after_advance(sequence_id)
    guard.lease.check()   # LeaseLostError once another robot took the stream over

`Fetch Trigger Batch` and `Advance Trigger` already do the fetch and advance parts; a
component that calls the client directly calls the guard itself.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from robot.api.deco import keyword
from robot.libraries.BuiltIn import BuiltIn, RobotNotRunningError
from robot.utils import DotDict

from ..errors import ReinferConfigurationError
from ..state import StreamKey, held_lease
from .base import LibraryComponent
from .stream_safety import StreamGuard, item_position


def robot_name() -> str:
    """The running suite's name, for the lease owner (the script's name outside a robot run)."""
    try:
        name = BuiltIn().get_variable_value("${SUITE NAME}")
    except RobotNotRunningError:
        name = None
    return str(name or Path(sys.argv[0]).name or "python")


def stream_guard(
    component: LibraryComponent, dataset: str, stream: str, takeover: bool = False, wait: Any = 0.0
) -> StreamGuard:
    """The lease and ledger of a stream of the current connection (the lease taken now if needed)."""
    return component.ctx.safety.guard(
        component.connection.url, dataset, stream, robot_name, component.info, takeover=takeover, wait=wait
    )


def stream_id(component: LibraryComponent, dataset: str, stream: str) -> Callable[[], str]:
    """A callable giving the stream's id (asked only when the ledger needs to check it)."""
    return lambda: component.client.get_stream(dataset, stream).id


class LedgerKeywords(LibraryComponent):
    """Keywords of the ``Ledger`` area."""

    @keyword(tags=("Trigger", "Ledger"))
    def mark_item_done(
        self,
        trigger: str,
        item: dict | str,
        outcome: Literal["done", "exception"] = "done",
        dataset: str | None = None,
    ) -> None:
        """Record in this machine's ledger that the work for a comment is finished.

        Call it right after the work for the item is safe (routed, stored, sent). The
        record is on disk (SQLite, fsync'd) before the keyword returns. If the robot then
        crashes before `Advance Trigger`, the next run's `Fetch Trigger Batch` gets the same
        batch but leaves this comment out (logged as skipped), so its work is not done a
        second time; advancing past the batch covers it. See `Nothing processed twice`.

        Args:
            trigger: Stream name, or ``owner/dataset/name``.
            item: The item from ``${batch.results}``, or its comment uid.
            outcome: ``done`` (handled) or ``exception`` (set aside, e.g. after
                `Tag Trigger Exception`); either way it is not processed again.
            dataset: ``owner/name``; default: the connection's dataset.

        Example:
        | ${batch} = | Fetch Trigger Batch | routing |
        | FOR | ${item} | IN | @{batch.results} |
        | | Route Comment | ${item} |
        | | Mark Item Done | routing | ${item} |
        | END |
        | Advance Trigger | routing | ${batch} |
        """
        dataset, stream = self.stream(trigger, dataset)
        uid, sequence_id = item_position(item)
        if not uid:
            raise ReinferConfigurationError(
                "Mark Item Done needs an item from Fetch Trigger Batch or a comment uid, "
                f"got {str(item)[:80]!r}."
            )
        guard = stream_guard(self, dataset, stream)
        guard.mark(uid, outcome, sequence_id, stream_id(self, dataset, stream), self.warn)
        self.info(f"Ledger: comment {uid} of trigger {stream!r} is {outcome}.")

    @keyword(tags=("Trigger", "Ledger"))
    def run_once_for_item(
        self, trigger: str, item: dict, name: str, *args: Any, dataset: str | None = None
    ) -> Any:
        """Run a keyword for a comment at most once, even across crashes; return its result.

        `Mark Item Done` after the work leaves one gap: a crash after the work and before
        the mark is on disk does the work again after the restart. This keyword closes it.
        It records in the ledger that the work begins, runs ``name`` with ``args``, then
        records it done (on disk before it returns). After a crash in between, the next
        `Fetch Trigger Batch` leaves the comment out, lists it in ``${batch.interrupted}``
        and warns: its work may or may not have happened, so a person checks it (like an
        *abandoned* queue item in Orchestrator), rather than the robot doing it twice.

        If the keyword fails, the failure is raised as it is and the comment is not
        marked, so a later run may try it again. See `Nothing processed twice`.

        Args:
            trigger: Stream name, or ``owner/dataset/name``.
            item: The item from ``${batch.results}``.
            name: The keyword that does the work.
            args: Its arguments.
            dataset: ``owner/name``; default: the connection's dataset.

        Returns:
            What the keyword returned.

        Example:
        | FOR | ${item} | IN | @{batch.results} |
        | | Run Once For Item | routing | ${item} | Open Ticket | ${item} |
        | END |
        | Advance Trigger | routing | ${batch} |
        """
        dataset, stream = self.stream(trigger, dataset)
        uid, sequence_id = item_position(item)
        if not uid or isinstance(item, str):
            raise ReinferConfigurationError(
                f"Run Once For Item needs an item from Fetch Trigger Batch, got {str(item)[:80]!r}."
            )
        guard = stream_guard(self, dataset, stream)
        guard.start(uid, sequence_id, stream_id(self, dataset, stream), self.warn)
        try:
            result = BuiltIn().run_keyword(name, *args)
        except BaseException:
            guard.ledger.abandon(uid)
            raise
        guard.mark(uid, "done", sequence_id, stream_id(self, dataset, stream), self.warn)
        return result

    @keyword(tags=("Trigger", "Ledger"))
    def get_trigger_lease(self, trigger: str, dataset: str | None = None) -> DotDict | None:
        """Who holds the lease on a trigger now, or ``None`` when no one does.

        Only one robot consumes a stream at a time: the first `Fetch Trigger Batch` takes
        the lease, and a second robot's fetch fails at once naming the owner. See
        `One consumer per stream`.

        Args:
            trigger: Stream name, or ``owner/dataset/name``.
            dataset: ``owner/name``; default: the connection's dataset.

        Returns:
            ``host``, ``pid``, ``robot``, ``started`` and ``expires`` (epoch seconds) and
            ``mine`` (``True`` when this robot holds it); ``None`` when the stream is free.

        Example:
        | ${lease} = | Get Trigger Lease | routing |
        | IF | $lease and not $lease.mine | Log | Held by ${lease.robot} (pid ${lease.pid} on ${lease.host}) |
        """
        dataset, stream = self.stream(trigger, dataset)
        safety = self.ctx.safety
        key = StreamKey.of(self.connection.url, dataset, stream)
        holder = safety.store().read(key)
        if holder is None:
            return None
        mine = held_lease(safety.store(), key)
        return DotDict(
            host=holder.host,
            pid=holder.pid,
            robot=holder.robot,
            started=holder.started,
            expires=holder.expires,
            mine=bool(mine and mine.owner and mine.owner.token == holder.token),
        )

    @keyword(tags=("Trigger", "Ledger"))
    def release_trigger_lease(self, trigger: str, dataset: str | None = None) -> None:
        """Give up this robot's lease on a trigger, so another robot may consume it now.

        Not needed at the end of a run: leases are released when the robot process ends
        cleanly, and a killed robot's lease is free at once on the same machine (after
        ``lease_ttl`` elsewhere). Releasing a lease this robot does not hold does nothing.

        Args:
            trigger: Stream name, or ``owner/dataset/name``.
            dataset: ``owner/name``; default: the connection's dataset.

        Example:
        | Release Trigger Lease | routing |
        """
        dataset, stream = self.stream(trigger, dataset)
        guard = self.ctx.safety.held(self.connection.url, dataset, stream)
        if guard is None or not guard.lease.held:
            self.info(f"This robot holds no lease on trigger {stream!r} of {dataset}; nothing to release.")
            return
        guard.lease.release()
        self.info(f"Released the lease on stream {guard.key}.")
