"""`Process Trigger`: the keyword an unattended bot is built around.

It fetches a batch, runs the robot's own keyword once per item, tags the items whose
keyword failed as stream exceptions, advances once the batch is handled, waits for new
comments when asked to, and stops cleanly on SIGTERM / SIGINT. The rules (which failure
stops the run, the exception type, the backoff) are pure functions in
:mod:`ReinferLibrary.logic.processing`; this module is the Robot Framework side.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Literal

from robot.api.deco import keyword
from robot.errors import ExecutionFailed
from robot.libraries.BuiltIn import BuiltIn
from robot.utils import DotDict

from ..errors import ReinferApiError, ReinferConfigurationError, ReinferError
from ..logic.auto_names import note_origin
from ..logic.processing import (
    Backoff,
    FailureKind,
    Outcome,
    StopReason,
    Summary,
    classify_failure,
    exception_type_for,
    first_line,
)
from ..logic.report import item_html
from ..logic.thresholds import threshold_rule
from ..models import Batch, ThresholdConfig
from ..models.items import BatchData
from ..models.streams import MAX_BATCH
from .base import LibraryComponent, debug_enabled
from .ledger import stream_guard, stream_id
from .options import seconds
from .runtime import StopRequests, check_keyword_call, current_result, drop_finished, unrecorded
from .stream_safety import StreamGuard

ItemLog = Literal["failures", "flat", "full"]
FOREVER = "forever"


class ProcessingStoppedError(ReinferError):
    """`Process Trigger` stopped on a technical error: the message says what was done."""


class StoppedBySignalError(ReinferError):
    """`Process Trigger` stopped cleanly on SIGTERM or SIGINT, and ``fail_on_signal`` asks it to fail."""


class FatalItemError(ReinferError):
    """The robot's keyword failed fatally for an item: `Process Trigger` stopped, and so does the run."""

    ROBOT_EXIT_ON_FAILURE = True


def _positive(value: timedelta | float | None, name: str) -> float | None:
    if value is None:
        return None
    number = seconds(value)
    if number <= 0:
        raise ReinferConfigurationError(f"{name} must be more than 0 seconds, got {number:g}.")
    return number


def _wait_seconds(wait: timedelta | str | None) -> float | None:
    """None: stop at the end of the stream; inf: forever; else seconds of waiting for news."""
    if wait is None:
        return None
    if isinstance(wait, str):
        if wait.strip().lower() == FOREVER:
            return float("inf")
        raise ReinferConfigurationError(f"wait must be a time such as '10 min' or 'forever', got {wait!r}.")
    return _positive(wait, "wait")


class ProcessingKeywords(LibraryComponent):
    """`Process Trigger`."""

    @keyword(tags=("Trigger",))
    def process_trigger(
        self,
        trigger: str,
        keyword_name: str,
        *args: Any,
        size: int = 32,
        wait: timedelta | Literal["forever"] | None = None,
        poll_interval: timedelta = timedelta(seconds=1),
        max_poll_interval: timedelta = timedelta(seconds=60),
        max_items: int | None = None,
        max_duration: timedelta | None = None,
        on_batch: str | None = None,
        item_log: ItemLog = "failures",
        log_items: bool | None = None,
        thresholds: ThresholdConfig | None = None,
        dataset: str | None = None,
        api: Literal["fetch", "results"] = "fetch",
        takeover: bool = False,
        lease_wait: timedelta | None = None,
        fail_on_signal: bool = False,
    ) -> DotDict:
        """Run ``keyword_name`` once per comment; tag failures, advance per batch, wait, stop cleanly.

        The keyword is called as ``keyword_name    ${item}    @{args}``. For every batch:

        - each item's keyword runs; when it *fails for the item* (a business error, any
          other failure), the comment is tagged as a stream exception and the next item
          runs. The exception type is the failure's category for library errors
          (``Business error (missing entity): ...`` gives ``Missing Entity``), else the
          failure's first line (cut to 120 characters);
        - once every item of the batch is handled, ``on_batch`` runs (with the batch) if
          given, and the trigger is advanced past the batch (filtered comments included);
        - a *technical error* (``Technical error (...)`` after the library's retries, or an
          authentication error) stops the run: the trigger is advanced up to the last
          item handled before it, never past the item in hand, and the keyword fails with
          ``Technical error (...) ... Process Trigger 'routing' stopped: processed N,
          M exception(s), stopped at comment <uid>``;
        - a *fatal* failure stops everything the same way without advancing past the item:
          use Robot Framework's ``Fatal Error`` keyword (or raise an error with
          ``ROBOT_EXIT_ON_FAILURE = True``) in your keyword. The rest of the run stops too.

        Without ``wait`` the keyword returns at the end of the stream. With
        ``wait=forever`` it keeps polling until stopped; with ``wait=10 min`` it returns
        after 10 minutes without new comments. Polls of an empty stream wait
        ``poll_interval``, doubling up to ``max_poll_interval``, and start again from
        ``poll_interval`` when comments arrive. ``max_items`` and ``max_duration`` end a
        run early (checked between items; the batch is advanced up to what was done).

        On SIGTERM or SIGINT (Ctrl-C) the item in hand finishes, the trigger is advanced
        past what is done, the summary is returned (``stopped_because`` is ``signal``), and
        Robot Framework then stops the rest of the run gracefully (teardowns run) as it does
        for any signal. A task whose last keyword is `Process Trigger` therefore passes
        (exit code 0: a stop that was asked for and done cleanly, which is what ``systemctl
        stop`` expects); a keyword after it fails with ``Execution terminated by signal``.
        With ``fail_on_signal=True`` the keyword itself fails after the clean stop, so a
        scheduler that reads the exit code (a Kubernetes Job, CI, cron with alerts) sees a
        run that did not get to its end and can run it again.

        The stream's lease is taken before the first fetch, as `Fetch Trigger Batch` does
        (one consumer per stream), and every item's outcome is recorded in this machine's
        ledger (see `Nothing processed twice`) before the next item runs: after a crash, the
        batch comes again but its finished items are skipped (``skipped`` in the summary).

        Log output is made for months of running: one line per batch, one line per
        exception, and memory that does not grow with the number of items.
        ``item_log`` says what log.html shows of each item's keyword:
        ``failures`` (default) nothing but failures, warnings and errors (the keywords
        of an item are not written and its INFO lines are dropped; about 20 bytes of
        output.xml per comment); ``flat`` the item's messages, without its keyword tree;
        ``full`` everything, as if the keyword were called in a FOR loop.

        Args:
            trigger: Stream name, or ``owner/dataset/name``.
            keyword_name: The keyword to run per item; it gets the item first.
            args: More arguments for that keyword.
            size: Items per batch (1..1024).
            wait: ``None`` (stop at the end of the stream), ``forever``, or how long to
                wait for new comments before returning.
            poll_interval: First wait between polls of an empty stream (more than 0).
            max_poll_interval: Longest wait between polls.
            max_items: Return after this many items (processed and exceptions).
            max_duration: Return after this long (between items).
            on_batch: A keyword run with the batch after its items, before the advance
                (e.g. commit what the items wrote).
            item_log: ``failures``, ``flat`` or ``full`` (see above).
            log_items: Log `Fetch Trigger Batch`'s table per comment; default: only at
                ``--loglevel DEBUG``.
            thresholds: Only for that table (see `Fetch Trigger Batch`).
            dataset: ``owner/name``; default: the connection's dataset.
            api: ``fetch`` or ``results`` (see `Fetch Trigger Batch`).
            takeover: Take the stream's lease from another robot (see `Fetch Trigger Batch`).
            lease_wait: Wait this long for another robot's lease to end.
            fail_on_signal: Fail (after the clean stop) when SIGTERM or SIGINT ended the
                run, instead of returning the summary: for schedulers that read a zero
                exit code as "ran to the end".

        Returns:
            A dictionary: ``processed``, ``exceptions``, ``skipped`` (already finished by
            an earlier run, per the ledger), ``batches``, ``filtered``, ``end_of_stream``,
            ``stopped_because`` (``end_of_stream``, ``wait_over``, ``max_items``,
            ``max_duration`` or ``signal``), ``sequence_id`` (where the trigger was advanced
            to), ``seconds`` and ``exception_types`` (type -> count; after 50 distinct
            types the rest count as ``(other)``).

        Example:
        | ${summary} = | Process Trigger | routing | Handle Comment | ${config} | size=32 |
        | Log | ${summary.processed} done, ${summary.exceptions} exception(s) |
        | # a bot that runs until it is stopped: |
        | Process Trigger | routing | Handle Comment | ${config} | wait=forever | max_poll_interval=2 min |
        | # a scheduled drain that a preempting SIGTERM must not report as complete: |
        | Process Trigger | routing | Handle Comment | ${config} | fail_on_signal=True |
        """
        if not 1 <= size <= MAX_BATCH:
            raise ReinferConfigurationError(f"size must be from 1 to {MAX_BATCH}, got {size}.")
        if max_items is not None and max_items < 1:
            raise ReinferConfigurationError(f"max_items must be 1 or more, got {max_items}.")
        waiting = _wait_seconds(wait)
        duration = _positive(max_duration, "max_duration")
        first = _positive(poll_interval, "poll_interval")
        longest = _positive(max_poll_interval, "max_poll_interval")
        assert first is not None and longest is not None
        try:
            backoff = Backoff(first, longest)
        except ValueError as problem:
            raise ReinferConfigurationError(str(problem)) from None
        check_keyword_call(keyword_name, ({}, *args), "Process Trigger: keyword")
        if on_batch:
            check_keyword_call(on_batch, ({},), "Process Trigger: on_batch keyword")
        dataset, stream = self.stream(trigger, dataset)
        guard = stream_guard(self, dataset, stream, takeover, lease_wait or 0.0)
        run = _Run(
            self, guard, dataset, stream, keyword_name, args, on_batch, item_log, log_items, thresholds, api
        )
        summary = run.go(size, waiting, backoff, max_items, duration)
        if fail_on_signal and run.signal_name:
            raise StoppedBySignalError(
                f"Process Trigger {stream!r} stopped by {run.signal_name} (fail_on_signal=True): "
                f"{summary.processed} processed, {summary.exceptions} exception(s) in {summary.batches} "
                f"batch(es), the comment in hand finished; trigger at "
                f"{summary.sequence_id or '(not moved by this run)'}. Nothing is lost: the next run goes on "
                "from there."
            )
        return summary


@dataclass
class _Idle:
    """Polls at the end of the stream since the last comment arrived, and since when."""

    polls: int = 0
    since: float | None = None


class _Run:
    """One `Process Trigger` call."""

    def __init__(
        self,
        owner: ProcessingKeywords,
        guard: StreamGuard,
        dataset: str,
        stream: str,
        keyword_name: str,
        args: tuple[Any, ...],
        on_batch: str | None,
        item_log: ItemLog,
        log_items: bool | None,
        thresholds: Any,
        api: str,
    ) -> None:
        self.owner = owner
        self.dataset = dataset
        self.stream = stream
        self.keyword_name = keyword_name
        self.args = args
        self.on_batch = on_batch
        self.item_log = item_log
        self.log_items = log_items
        self.thresholds = thresholds
        self.api = api
        self.summary = Summary(trigger=stream)
        self.guard = guard
        self.stream_id = stream_id(owner, dataset, stream)
        self.result = current_result()
        self.builtin = BuiltIn()
        self.started = time.monotonic()
        self.signal_name: str | None = None
        """``SIGTERM`` or ``SIGINT`` when a signal ended the run."""

    # --- the loop ------------------------------------------------------------------

    def go(
        self,
        size: int,
        waiting: float | None,
        backoff: Backoff,
        max_items: int | None,
        duration: float | None,
    ) -> DotDict:
        summary = self.summary
        idle = _Idle()
        reason: StopReason | None = None
        with StopRequests() as stop:
            self.stop = stop
            while True:
                reason = self._limit_reached(max_items, duration)
                if reason:
                    break
                batch = self._fetch(size)
                done_all = self._handle_batch(batch, max_items, duration)
                drop_finished(self.result)
                if not done_all:
                    reason = self._limit_reached(max_items, duration) or StopReason.SIGNAL
                    break
                if batch.results:
                    idle = _Idle()
                if not batch.is_end_sequence:
                    continue
                reason = self._at_end(idle, waiting, backoff, duration)
                if reason:
                    break
        summary.stopped_because = (reason or StopReason.SIGNAL).value
        if summary.stopped_because == StopReason.SIGNAL.value and self.stop.requested is not None:
            self.signal_name = signal.Signals(self.stop.requested).name
        summary.seconds = round(time.monotonic() - self.started, 3)
        self.owner.info(summary.line())
        return self.owner.to_robot(summary.as_dict())

    def _at_end(
        self, idle: _Idle, waiting: float | None, backoff: Backoff, duration: float | None
    ) -> StopReason | None:
        """At the end of the stream: why to stop, or ``None`` after sleeping until the next poll."""
        self.summary.end_of_stream = True
        if waiting is None:
            return StopReason.END_OF_STREAM
        now = time.monotonic()
        idle.since = idle.since or now
        if now - idle.since >= waiting:
            return StopReason.WAIT_OVER
        idle.polls += 1
        delay = min(backoff.delay(idle.polls), waiting - (now - idle.since))
        if duration is not None:
            delay = min(delay, max(0.0, duration - (now - self.started)))
        if debug_enabled():
            self.owner.debug(f"Nothing new on trigger {self.stream!r}; polling again in {delay:.1f} s.")
        self.stop.sleep(delay)
        return None

    def _limit_reached(self, max_items: int | None, duration: float | None) -> StopReason | None:
        if self.stop.requested is not None:
            return StopReason.SIGNAL
        summary = self.summary
        if max_items is not None and summary.processed + summary.exceptions >= max_items:
            return StopReason.MAX_ITEMS
        if duration is not None and time.monotonic() - self.started >= duration:
            return StopReason.MAX_DURATION
        return None

    def _fetch(self, size: int) -> Any:
        client = self.owner.client
        batch: Batch | BatchData
        try:
            if self.api == "results":
                batch = client.results(self.dataset, self.stream, max_results=size)
            else:
                batch = client.fetch_data(self.dataset, self.stream, size=size)
        except ReinferApiError as error:
            raise self._stopped(error) from None
        self.summary.batches += 1
        self.summary.filtered += batch.filtered
        return batch

    def _handle_batch(self, batch: Any, max_items: int | None, duration: float | None) -> bool:
        """Run every item; advance. False when a limit or a signal stopped it part-way."""
        robot_batch = self.owner.to_robot(batch)
        note_origin(robot_batch.results, self.dataset, self.stream)  # for auto names of api=fetch items
        # The ledger leaves out comments finished before a crash (listed in "skipped").
        self.guard.after_fetch(robot_batch, self.stream_id, self.owner.info, self.owner.warn)
        self.summary.skipped += len(robot_batch.get("skipped") or ())
        items = robot_batch.results
        show = self.log_items if self.log_items is not None else debug_enabled()
        rule = threshold_rule(self.thresholds) if show and self.thresholds is not None else None
        handled_to: str | None = None
        counts = (self.summary.processed, self.summary.exceptions, self.summary.skipped)
        try:
            for item in items:
                if self._limit_reached(max_items, duration):
                    self._advance(handled_to)
                    self._batch_line(batch, counts, part=True)
                    return False
                uid = str(item.get("uid") or "")
                if show:
                    self.owner.info(item_html(item, rule), html=True)
                self._run_item(item, uid)
                handled_to = str(item.get("sequence_id") or "") or handled_to
            if self.on_batch:
                self._call_on_batch(robot_batch)
            self._advance(batch.sequence_id)
        except _Halt as halt:
            self._halt(halt, handled_to, batch, counts)
        self._batch_line(batch, counts)
        return True

    def _halt(self, halt: _Halt, handled_to: str | None, batch: Any, counts: tuple[int, int, int]) -> None:
        """Advance up to the items done before the one in hand, then end the run with what was done."""
        summary = self.summary
        summary.stopped_at = halt.uid
        moved = ""
        if handled_to and not halt.no_advance:
            try:
                self._advance(handled_to)
            except _Halt as second:
                moved = f"; advancing up to the items done failed too: {first_line(second.message)}"
        self._batch_line(batch, counts, part=True)
        where = f"stopped at comment {halt.uid} (not advanced past it)" if halt.uid else halt.where
        text = (
            f"{first_line(halt.message, 1000)} Process Trigger {self.stream!r} stopped: "
            f"{summary.progress()}, "
            f"{where}; trigger at {summary.sequence_id or '(not moved by this run)'}{moved}."
        )
        if halt.kind is FailureKind.FATAL:
            raise FatalItemError(text)
        raise ProcessingStoppedError(text)

    def _batch_line(self, batch: Any, counts: tuple[int, int, int], part: bool = False) -> None:
        summary = self.summary
        processed = summary.processed - counts[0]
        exceptions = summary.exceptions - counts[1]
        skipped = summary.skipped - counts[2]
        text = (
            f"Batch {summary.batches} of trigger {self.stream!r}: {len(batch.results)} comment(s), "
            f"{batch.filtered} filtered; {processed} processed, {exceptions} exception(s)"
        )
        if skipped:
            text += f", {skipped} already done"
        if part:
            text += "; stopped part-way (advanced up to the last item done)"
        self.owner.info(text + f"; trigger at {summary.sequence_id or '(not moved)'}.")

    # --- one item ------------------------------------------------------------------

    def _run_item(self, item: Mapping[str, Any], uid: str) -> None:
        try:
            if self.item_log == "full":
                self.builtin.run_keyword(self.keyword_name, item, *self.args)
            else:
                with unrecorded(keywords=True, messages=self.item_log == "failures"):
                    self.builtin.run_keyword(self.keyword_name, item, *self.args)
        except ExecutionFailed as failure:
            drop_finished(self.result)
            message = str(failure.message or failure)
            kind = classify_failure(message, exit_requested=bool(failure.dont_continue))
            if kind is not FailureKind.ITEM:
                raise _Halt(kind, message, uid) from None
            self._exception(item, uid, message)
        else:
            drop_finished(self.result)
            self._mark(item, uid, Outcome.DONE)
            self.summary.processed += 1

    def _mark(self, item: Mapping[str, Any], uid: str, outcome: Outcome) -> None:
        """Record the item's outcome in the ledger, durably, before the next item runs."""
        sequence_id = str(item.get("sequence_id") or "") or None
        self.guard.mark(uid, outcome.value, sequence_id, self.stream_id, self.owner.warn)

    def _exception(self, item: Mapping[str, Any], uid: str, message: str) -> None:
        exception_type = exception_type_for(message)
        try:
            self.owner.client.tag_exceptions(self.dataset, self.stream, [(uid, exception_type)])
            tagged = f"tagged as exception {exception_type!r}"
        except ReinferApiError as error:
            if classify_failure(str(error)) is not FailureKind.ITEM:
                raise _Halt(FailureKind.TECHNICAL, str(error), uid) from None
            tagged = f"NOT tagged as {exception_type!r}: {first_line(str(error))}"
            self.owner.warn(
                f"Comment {uid} of trigger {self.stream!r} failed and the platform refused the tag: {error}"
            )
        self._mark(item, uid, Outcome.EXCEPTION)
        self.summary.count_exception(exception_type)
        self.owner.info(
            f"Comment {uid} failed in {self.keyword_name}: {first_line(message).rstrip('.')}; {tagged}."
        )

    def _call_on_batch(self, robot_batch: Any) -> None:
        try:
            self.builtin.run_keyword(self.on_batch or "", robot_batch)
        except ExecutionFailed as failure:
            drop_finished(self.result)
            # Every item is done, but the robot's own step after them failed: do not advance past it.
            raise _Halt(
                FailureKind.TECHNICAL,
                str(failure.message),
                None,
                where=(
                    f"on_batch keyword {self.on_batch!r} failed, so batch {self.summary.batches} "
                    "was not advanced past"
                ),
                no_advance=True,
            ) from None
        drop_finished(self.result)

    # --- moving the stream -----------------------------------------------------------

    def _advance(self, sequence_id: str | None) -> None:
        if not sequence_id:
            return
        connection = self.owner.connection
        try:
            self.guard.before_advance(sequence_id, False, self.owner.warn)
            connection.client.advance(self.dataset, self.stream, sequence_id)
            self.guard.after_advance(sequence_id)
        except ReinferError as error:
            raise _Halt(
                FailureKind.TECHNICAL,
                str(error),
                None,
                where=f"the advance after batch {self.summary.batches} failed, so that batch comes again",
                no_advance=True,
            ) from None
        connection.positions[(self.dataset, self.stream)] = sequence_id
        self.summary.sequence_id = sequence_id

    def _stopped(self, error: ReinferError) -> ProcessingStoppedError:
        """The error that ends the run when a fetch fails after retries, saying what was done."""
        summary = self.summary
        return ProcessingStoppedError(
            f"{error} Process Trigger {self.stream!r} stopped: {summary.progress()}, in batch "
            f"{summary.batches + 1}; trigger at {summary.sequence_id or '(not moved by this run)'}."
        )


class _Halt(Exception):  # noqa: N818  # control flow, never shown to a robot
    """Internal: stop the run at an item (or a call) without advancing past it."""

    def __init__(
        self, kind: FailureKind, message: str, uid: str | None, where: str = "", no_advance: bool = False
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.uid = uid
        self.where = where
        self.no_advance = no_advance
