"""The glue between trigger keywords and ``ReinferLibrary.state``: lease, ledger, guards.

One :class:`StreamSafety` per library instance (``context.safety``) keeps the lease options
and the ledgers it opened; :meth:`StreamSafety.guard` gives the :class:`StreamGuard` of one
stream, which the trigger keywords call around fetch, advance, reset and mark. No Robot
Framework import: the components pass their log functions in.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import ReinferConfigurationError, StreamBackwardsError
from ..logic.items import field as item_field
from ..logic.items import item_uid
from ..models.moments import iso_utc
from ..state import DEFAULT_TTL, LeaseStore, Ledger, StreamKey, StreamLease, hold, lease_store
from ..state.ledger import Outcome

LEASE_ENV = "REINFER_LEASE"
"""Environment default of the lease store: a folder, ``file:///folder`` or ``redis://...``."""

Log = Callable[[str], Any]


@dataclass
class StreamGuard:
    """Lease and ledger of one stream, as the keywords use them."""

    key: StreamKey
    lease: StreamLease
    ledger: Ledger
    bound: bool = False
    """Whether the ledger was checked against the stream's id in this process."""

    def bind(self, stream_id: Callable[[], str], warn: Log) -> None:
        """Check once per process that the ledger belongs to this very stream (not a deleted
        one of the same name); a ledger of another stream is forgotten, with a warning."""
        if self.bound:
            return
        forgotten = self.ledger.bind_stream(stream_id())
        self.bound = True
        if forgotten:
            warn(
                f"Stream {self.key} is not the one this machine's ledger knew (it was deleted and "
                f"re-created): forgot {forgotten} finished comment(s) of the old stream."
            )

    def after_fetch(self, batch: dict[str, Any], stream_id: Callable[[], str], info: Log, warn: Log) -> None:
        """Note the batch's positions; leave out comments the ledger has as finished (in place)."""
        results = batch.get("results") or []
        news = self.ledger.note_batch(
            [str(item_field(item, "sequence_id")) for item in results], str(batch["sequence_id"])
        )
        if news.behind_by:
            warn(
                f"Stream {self.key} is {news.behind_by} comment(s) behind this machine's last advance: "
                "someone reset it or another consumer moved it back. Finished comments are still skipped."
            )
        uids = [str(item_field(item, "uid") or "") for item in results]
        batch["skipped"] = []
        batch["interrupted"] = []
        if not self.ledger.finished(uids) and not self.ledger.interrupted(uids):
            return
        self.bind(stream_id, warn)  # may forget a ledger of a deleted stream of this name
        finished = self.ledger.finished(uids)
        interrupted = self.ledger.interrupted(uids)
        if finished:
            batch["skipped"] = list(finished)
            info(
                f"Skipped {len(finished)} comment(s) this machine's ledger has as finished (work done "
                f"before a crash, not yet advanced past): {', '.join(finished)}. "
                "Advancing past the batch covers them."
            )
        if interrupted:
            batch["interrupted"] = interrupted
            warn(
                f"Left out {len(interrupted)} comment(s) whose work a crash interrupted, so it may or "
                f"may not have happened: {', '.join(interrupted)}. They are not done again; check them "
                "by hand (${batch.interrupted}). Advancing past the batch covers them."
            )
        left_out = set(finished) | set(interrupted)
        batch["results"] = [item for item in results if item.get("uid") not in left_out]

    def start(self, uid: str, sequence_id: str | None, stream_id: Callable[[], str], warn: Log) -> None:
        """The work on an item begins (see ``Run Once For Item``)."""
        self.lease.check()
        self.bind(stream_id, warn)
        self.ledger.start(uid, sequence_id)

    def before_advance(self, sequence_id: str, allow_backwards: bool, warn: Log) -> None:
        self.lease.check()
        check = self.ledger.check_advance(sequence_id)
        if not check.backwards:
            return
        text = (
            f"Advancing stream {self.key} to {sequence_id} moves it backwards by {check.comments_back} "
            f"comment(s) (before this machine's last advance, {check.last_advance}): "
            "they would be delivered again"
        )
        if not allow_backwards:
            raise StreamBackwardsError(
                f"{text}. This is a stale batch or item (kept from before a later advance, or another robot "
                "advanced since): fetch again instead, or give allow_backwards=True to move back on purpose."
            )
        warn(f"{text}; allowed by allow_backwards=True.")

    def after_advance(self, sequence_id: str) -> None:
        self.ledger.record_advance(sequence_id)

    def mark(
        self, uid: str, outcome: Outcome, sequence_id: str | None, stream_id: Callable[[], str], warn: Log
    ) -> None:
        self.lease.check()
        self.bind(stream_id, warn)
        self.ledger.mark(uid, outcome, sequence_id)

    def after_reset(self) -> int:
        """Forget what the ledger knew: a replay is asked to process comments again."""
        return self.ledger.forget()


@dataclass
class StreamSafety:
    """The lease options of one library instance and the guards it opened."""

    lease: str | None = None
    """Lease store: None (``REINFER_LEASE``, else the state directory), a folder, ``file://`` or ``redis://``."""
    lease_ttl: timedelta = DEFAULT_TTL
    guards: dict[StreamKey, StreamGuard] = field(default_factory=dict)
    _store: LeaseStore | None = None

    def store(self) -> LeaseStore:
        if self._store is None:
            self._store = lease_store(self.lease or os.environ.get(LEASE_ENV) or None)
        return self._store

    def guard(
        self,
        url: str,
        dataset: str,
        stream: str,
        robot: str | Callable[[], str],
        info: Log,
        takeover: bool = False,
        wait: timedelta | float = 0.0,
    ) -> StreamGuard:
        """The guard of a stream; its lease is taken on first use (StreamLeaseError when held).

        ``robot`` names the lease's owner (a function is called only when the lease is taken)."""
        key = StreamKey.of(url, dataset, stream)
        guard = self.guards.get(key)
        if guard is not None and guard.lease.held:
            guard.lease.check()
            return guard
        owner = robot() if callable(robot) else robot
        lease = hold(
            self.store(), key, ttl=self.lease_ttl, robot=owner, takeover=takeover, wait=wait, log=info
        )
        if guard is None:
            guard = StreamGuard(key, lease, Ledger.open(key))
            self.guards[key] = guard
        guard.lease = lease
        return guard

    def held(self, url: str, dataset: str, stream: str) -> StreamGuard | None:
        return self.guards.get(StreamKey.of(url, dataset, stream))

    def close(self) -> None:
        """Release every lease and close every ledger (clean exit)."""
        for guard in self.guards.values():
            guard.lease.release()
            guard.ledger.close()
        self.guards.clear()


def item_position(item: Any) -> tuple[str, str | None]:
    """(uid, sequence id) of an item (dictionary or Item), or of a comment uid given as text."""
    if isinstance(item, str):
        return item.strip(), None
    sequence_id = item_field(item, "sequence_id")
    return item_uid(item), (str(sequence_id) if sequence_id else None)


DAY = 86_400.0


def check_reset(stream: str, moment: datetime, allow_future: bool, max_days_back: int) -> None:
    """Refuse a reset to the future, or further back than ``max_days_back``, unless asked for."""
    if max_days_back < 0:
        raise ReinferConfigurationError(f"max_days_back must be 0 or more, got {max_days_back}.")
    now = datetime.now(timezone.utc)
    ahead = (moment - now).total_seconds()
    if ahead > 0 and not allow_future:
        raise ReinferConfigurationError(
            f"Reset Trigger {stream!r} to {iso_utc(moment)} is {_span(ahead)} in the future: "
            "the stream would "
            "skip every unread comment and all until then. Give allow_future=True if that is meant (a "
            "go-live), or a time up to now."
        )
    back = -ahead
    if back > max_days_back * DAY:
        raise ReinferConfigurationError(
            f"Reset Trigger {stream!r} to {iso_utc(moment)} goes {_span(back)} back, more than "
            f"max_days_back={max_days_back}: every comment since then would be delivered again. Give "
            f"max_days_back={int(back // DAY) + 1} (or more) if that replay is meant."
        )


def _span(seconds: float) -> str:
    if seconds >= 2 * DAY:
        return f"{seconds / DAY:.0f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.0f} hours"
    return f"{max(seconds, 0) / 60:.0f} minutes"


def reset_distance(moment: datetime, ledger: Ledger, before: str | None, after: str | None) -> str:
    """How far a reset moved the stream, in words: time from now, and comments when the ledger knows both
    positions."""
    offset = (moment - datetime.now(timezone.utc)).total_seconds()
    words = f"{_span(abs(offset))} {'ahead of' if offset > 0 else 'before'} now"
    if before and after:
        check = ledger.check_advance(after)
        if check.known and check.backwards:
            words += f"; {check.comments_back} comment(s) back from this machine's last advance"
        elif check.known and after == before:
            words += "; the same position as this machine's last advance"
    return words
