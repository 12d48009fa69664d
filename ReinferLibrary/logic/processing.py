"""Pure rules behind `Process Trigger` and the outcome listener.

What a failure of the user's keyword means for the stream (tag the comment and go on, or
stop without advancing past it), which exception type to tag, how long to wait between
polls of an empty stream, and the summary a run returns. Nothing here imports Robot
Framework or does I/O, so each rule is tested on its own.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from enum import Enum
from typing import Any

MAX_EXCEPTION_TYPE = 1024
"""Longest exception type the API accepts (``metadata.type``)."""

MAX_COUNTED_TYPES = 50
"""Distinct exception types counted one by one; the rest count as ``(other)`` (bounded memory)."""

SHORT_EXCEPTION_TYPE = 120
"""Exception types made from a failure's first line are cut here: a label for people, not a log."""

_CATEGORY = re.compile(r"^\s*(Business|Technical) error \(([^)]+)\)")
_SIGNAL = "Execution terminated by signal"


class Outcome(str, Enum):
    """What happened to one item."""

    DONE = "done"
    """The user keyword passed."""
    EXCEPTION = "exception"
    """It failed for this item: the comment was tagged as an exception and the run went on."""


class FailureKind(str, Enum):
    """How a failure of the user keyword is handled."""

    ITEM = "item"
    """About this comment (bad data, a business error): tag it and go on."""
    TECHNICAL = "technical"
    """The platform or the network (``Technical error``, authentication): stop, do not advance past it."""
    FATAL = "fatal"
    """The user said stop (``Fatal Error``, ``robot:exit``-style) or the run was interrupted: stop."""


def classify_failure(message: str, *, exit_requested: bool = False) -> FailureKind:
    """Decide what a failure of the user keyword means for the stream.

    ``exit_requested`` is Robot Framework's own flag for a fatal failure (``Fatal Error``,
    an error with ``ROBOT_EXIT_ON_FAILURE``), also set when the run is stopped by a signal.
    Technical errors and authentication errors are not about the comment: every later
    call would fail too, so the run stops and the comment comes again next time.
    """
    if exit_requested or message.startswith(_SIGNAL):
        return FailureKind.FATAL
    match = _CATEGORY.match(message)
    if match and (match.group(1) == "Technical" or match.group(2) == "authentication"):
        return FailureKind.TECHNICAL
    return FailureKind.ITEM


def exception_type_for(message: str) -> str:
    """The exception type to tag for a failure message.

    A library error gives its category, capitalised: ``Business error (missing entity):
    ...`` gives ``Missing Entity``. Any other failure gives its first line, cut to
    :data:`SHORT_EXCEPTION_TYPE` characters (the API takes up to
    :data:`MAX_EXCEPTION_TYPE`); an empty message gives ``Failed``.
    """
    match = _CATEGORY.match(message)
    if match:
        return " ".join(word[:1].upper() + word[1:] for word in match.group(2).split())
    first = next((line.strip() for line in str(message).splitlines() if line.strip()), "")
    if not first:
        return "Failed"
    if len(first) > SHORT_EXCEPTION_TYPE:
        first = first[: SHORT_EXCEPTION_TYPE - 3].rstrip() + "..."
    return first[:MAX_EXCEPTION_TYPE]


def first_line(message: str, limit: int = 300) -> str:
    """The first non-empty line of a message, cut to ``limit`` characters for a log line."""
    line = next((part.strip() for part in str(message).splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 3] + "..."


@dataclass(frozen=True)
class Backoff:
    """Waits between polls of a stream that has nothing new: ``first``, doubling up to ``maximum``.

    Deterministic on purpose (one consumer per stream, so no herd to spread out); the
    wait starts again from ``first`` as soon as a batch brings comments.
    """

    first: float
    maximum: float
    factor: float = 2.0

    def __post_init__(self) -> None:
        if self.first <= 0:
            raise ValueError(f"poll_interval must be more than 0 seconds, got {self.first:g}.")
        if self.maximum < self.first:
            raise ValueError(
                f"max_poll_interval ({self.maximum:g} s) must be at least poll_interval ({self.first:g} s)."
            )
        if self.factor < 1:
            raise ValueError(f"The backoff factor must be 1 or more, got {self.factor:g}.")

    def delay(self, empty_polls: int) -> float:
        """Seconds to wait after ``empty_polls`` polls in a row found nothing (1 = the first)."""
        if empty_polls < 1:
            return 0.0
        delay = self.first * self.factor ** min(empty_polls - 1, 64)
        return float(min(delay, self.maximum))


class StopReason(str, Enum):
    """Why a `Process Trigger` run ended."""

    END_OF_STREAM = "end_of_stream"
    MAX_ITEMS = "max_items"
    MAX_DURATION = "max_duration"
    WAIT_OVER = "wait_over"
    SIGNAL = "signal"
    TECHNICAL_ERROR = "technical_error"
    FATAL = "fatal"


@dataclass
class Summary:
    """What a `Process Trigger` run did; returned to the robot as a dictionary."""

    trigger: str
    processed: int = 0
    """Items whose keyword passed."""
    exceptions: int = 0
    """Items whose keyword failed for the item: tagged as exceptions."""
    skipped: int = 0
    """Items the ledger already knew as finished (delivered again after a crash)."""
    batches: int = 0
    """Batches fetched, empty ones included."""
    filtered: int = 0
    end_of_stream: bool = False
    stopped_because: str = ""
    stopped_at: str | None = None
    """Uid of the item the run stopped at without finishing it (technical or fatal failure)."""
    sequence_id: str | None = None
    """Where the stream was last advanced to by this run."""
    seconds: float = 0.0
    exception_types: dict[str, int] = field(default_factory=dict)

    def count_exception(self, exception_type: str) -> None:
        self.exceptions += 1
        types = self.exception_types
        if exception_type not in types and len(types) >= MAX_COUNTED_TYPES:
            exception_type = "(other)"
        types[exception_type] = types.get(exception_type, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def progress(self) -> str:
        """``processed N, M exceptions`` (plus skipped ones), for messages."""
        text = f"processed {self.processed}, {self.exceptions} exception(s)"
        if self.skipped:
            text += f", {self.skipped} already done (skipped)"
        return text

    def line(self) -> str:
        """The closing line of a run."""
        rate = (self.processed + self.exceptions) / self.seconds if self.seconds > 0 else 0.0
        end = "end of stream reached" if self.end_of_stream else "more to read"
        return (
            f"Process Trigger {self.trigger!r}: {self.progress()} in {self.batches} batch(es), "
            f"{self.filtered} filtered, {self.seconds:.1f} s ({rate:.0f}/s); {end}; "
            f"stopped because: {self.stopped_because}."
        )
