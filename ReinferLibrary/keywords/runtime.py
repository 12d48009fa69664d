"""What an unattended run needs from Robot Framework: quiet items, a bounded result model, a clean stop.

Robot Framework writes output.xml as it runs (the XML and JSON writers stream every
element when it ends) *and* keeps every keyword, iteration and message of the running
task in memory until the task ends (``robot.output.logger.Logger.log_message`` appends
each message to its keyword's ``body``; every keyword result is appended to its parent).
log.html is built from output.xml after the run, not from that in-memory model, so a
finished part of the model can be dropped without changing any log or report: that is
what :func:`drop_finished` and :class:`~ReinferLibrary.keywords.listener.ReinferListener`
do. See docs/adr for the measurements.

The few private attributes used here (``output.output_file``, ``flatten_level``,
``logger`` / ``real_logger``, the execution context's ``steps``) are the ones Robot
Framework's own ``robot:flatten`` uses; every access is guarded, so on a Robot Framework
without them the library still works, only without the savings.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from types import FrameType
from typing import Any

from robot.errors import DataError, ExecutionFailed
from robot.output.loglevel import LEVELS
from robot.output.xmllogger import NullLogger
from robot.running.context import EXECUTION_CONTEXTS

from ..errors import ReinferConfigurationError

QUIET_LEVEL = "WARN"
"""Messages below this level of a quiet item are neither written nor kept."""


def current_result() -> Any | None:
    """The result object of the keyword running now (the library keyword calling this), or None."""
    context = EXECUTION_CONTEXTS.current
    steps = getattr(context, "steps", None)
    if not steps:
        return None
    return steps[-1][1]


def drop_finished(result: Any | None) -> None:
    """Forget the children of a running keyword's result: they are in output.xml already."""
    body = getattr(result, "body", None)
    if body is not None and len(body):
        body.clear()


@contextmanager
def unrecorded(keywords: bool = True, messages: bool = True) -> Iterator[None]:
    """Run a block without writing its keywords (``keywords``) or its messages below WARN (``messages``).

    ``keywords`` works like Robot Framework's ``robot:flatten``: keyword, loop and IF
    elements are not written, their messages are. ``messages`` raises the log level to
    WARN for the block (never lowers it): INFO and DEBUG lines are neither written nor kept
    in memory, while warnings, errors and failure messages still reach log.html.
    """
    context = EXECUTION_CONTEXTS.current
    output: Any = getattr(context, "output", None)
    output_file: Any = getattr(output, "output_file", None)
    flatten = keywords and output_file is not None and hasattr(output_file, "flatten_level")
    old_level = None
    if messages and output is not None and hasattr(output, "set_log_level"):
        current = getattr(getattr(output, "log_level", None), "level", "INFO")
        if LEVELS.get(str(current), 0) < LEVELS[QUIET_LEVEL]:
            old_level = output.set_log_level(QUIET_LEVEL)
    if flatten:
        output_file.flatten_level += 1
        output_file.logger = NullLogger()
    try:
        yield
    finally:
        if flatten:
            output_file.flatten_level -= 1
            if output_file.flatten_level == 0:
                output_file.logger = output_file.real_logger
        if old_level is not None:
            output.set_log_level(old_level)


def check_keyword_call(name: str, args: tuple[Any, ...], what: str) -> None:
    """Fail with a configuration error when ``name`` is no keyword or does not take ``args``.

    Checked before anything is fetched, so a typo does not cost a batch. Keywords with
    embedded arguments are only looked up (their arguments are part of the name).
    """
    context = EXECUTION_CONTEXTS.current
    if context is None:
        return
    runner = context.get_runner(name, recommend_on_failure=True)
    implementation = getattr(runner, "keyword", None)
    error = getattr(implementation, "error", None)
    if error:
        first = str(error).splitlines()[0]
        raise ReinferConfigurationError(f"{what} {name!r} cannot be run: {first}")
    if hasattr(runner, "embedded_args") or implementation is None:
        return
    spec = getattr(implementation, "args", None)
    if spec is None:
        return
    try:
        spec.resolve(list(args))
    except DataError as problem:  # Robot Framework's own sentence
        raise ReinferConfigurationError(f"{what} {name!r} cannot take these arguments: {problem}") from None


class StopRequests:
    """SIGTERM / SIGINT while a long keyword runs: remember it, finish the item in hand, stop.

    Robot Framework's own handler interrupts the keyword running when the signal comes
    (the item in hand would fail half done). While this is active the signal only sets
    :attr:`requested`; on exit Robot Framework's handler is put back and told about the
    signal, so the rest of the run stops gracefully as Robot Framework always does
    (teardowns run). A second signal forces the exit at once, as in Robot Framework.
    Only the main thread can handle signals; elsewhere this does nothing.
    """

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.requested: int | None = None
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.requested is not None:
            raise SystemExit(f"Second signal {signum}: execution forcefully stopped.")
        self.requested = signum

    def __enter__(self) -> StopRequests:
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                with suppress(ValueError, OSError):  # e.g. an embedded interpreter
                    self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, previous)
        if self.requested is not None:
            handler = self._previous.get(self.requested)
            if callable(handler):
                # Robot Framework's handler raises when it thinks a keyword runs; the next keyword
                # stops the run instead, as it does for any signal.
                with suppress(ExecutionFailed):
                    handler(self.requested, None)

    def sleep(self, seconds: float, until: Callable[[], bool] | None = None) -> None:
        """Sleep up to ``seconds``, waking early when a stop is requested or ``until()`` is true."""
        deadline = time.monotonic() + seconds
        while self.requested is None and not (until and until()):
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, 0.2))
