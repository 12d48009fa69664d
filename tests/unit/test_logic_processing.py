"""The rules behind Process Trigger and the outcome listener (ReinferLibrary.logic.processing)."""

from __future__ import annotations

import pytest
from robot.result import For, While

from ReinferLibrary.keywords.listener import ReinferListener
from ReinferLibrary.logic.processing import (
    MAX_COUNTED_TYPES,
    MAX_EXCEPTION_TYPE,
    SHORT_EXCEPTION_TYPE,
    Backoff,
    FailureKind,
    Summary,
    classify_failure,
    exception_type_for,
    first_line,
)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Business error (missing entity): comment x has no 'order_number' entity.", "Missing Entity"),
        ("Business error (no queue): no queue for label 'Praise'.", "No Queue"),
        ("Technical error (server): PUT ... returned 500.", "Server"),
        ("Broken comment a0003\nwith a second line", "Broken comment a0003"),
        ("\n  \n  First real line  \nsecond", "First real line"),
        ("", "Failed"),
    ],
)
def test_exception_type(message: str, expected: str) -> None:
    assert exception_type_for(message) == expected


def test_long_failures_are_cut_to_a_short_type_within_the_api_limit() -> None:
    exception_type = exception_type_for("x" * 5000)
    assert len(exception_type) == SHORT_EXCEPTION_TYPE <= MAX_EXCEPTION_TYPE
    assert exception_type.endswith("...")


@pytest.mark.parametrize(
    ("message", "exit_requested", "kind"),
    [
        ("Business error (missing entity): ...", False, FailureKind.ITEM),
        ("Any failure of the robot's own", False, FailureKind.ITEM),
        ("Technical error (timeout): POST ... failed.", False, FailureKind.TECHNICAL),
        ("Business error (authentication): ... returned 401.", False, FailureKind.TECHNICAL),
        ("Cannot go on", True, FailureKind.FATAL),
        ("Execution terminated by signal", False, FailureKind.FATAL),
        ("Technical error (server): ...", True, FailureKind.FATAL),
    ],
)
def test_classify_failure(message: str, exit_requested: bool, kind: FailureKind) -> None:
    assert classify_failure(message, exit_requested=exit_requested) is kind


def test_backoff_doubles_up_to_its_maximum() -> None:
    backoff = Backoff(1.0, 10.0)
    assert [backoff.delay(n) for n in range(0, 7)] == [0.0, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert backoff.delay(10_000) == 10.0


@pytest.mark.parametrize(
    ("first", "maximum", "problem"),
    [(0.0, 1.0, "poll_interval must be more than 0"), (-1.0, 1.0, "more than 0"), (5.0, 1.0, "at least")],
)
def test_backoff_refuses_bad_waits(first: float, maximum: float, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Backoff(first, maximum)


def test_summary_line_and_progress() -> None:
    summary = Summary(trigger="routing", processed=40, batches=2, seconds=2.0)
    summary.count_exception("Missing Entity")
    summary.count_exception("Missing Entity")
    assert summary.progress() == "processed 40, 2 exception(s)"
    assert summary.exception_types == {"Missing Entity": 2}
    summary.stopped_because = "end_of_stream"
    assert summary.line().startswith("Process Trigger 'routing': processed 40, 2 exception(s) in 2 batch(es)")
    assert summary.as_dict()["exceptions"] == 2


def test_summary_counts_a_bounded_number_of_exception_types() -> None:
    summary = Summary(trigger="routing")
    for number in range(1000):
        summary.count_exception(f"Broken comment {number}")
    assert summary.exceptions == 1000
    assert len(summary.exception_types) == MAX_COUNTED_TYPES + 1
    assert summary.exception_types["(other)"] == 1000 - MAX_COUNTED_TYPES


def test_first_line_is_cut() -> None:
    assert first_line("a\nb") == "a"
    assert first_line("y" * 400, limit=10) == "yyyyyyy..."


def test_finished_iterations_leave_the_in_memory_result() -> None:
    """The bounded-memory listener keeps a loop's in-memory result at the iteration running now."""
    listener = ReinferListener(component=None, bounded_memory=True)  # type: ignore[arg-type]
    loop = While()
    for number in range(1000):
        iteration = loop.body.create_iteration()
        iteration.body.create_keyword(name=f"Step {number}")
        iteration.status = "PASS"
        listener.end_while_iteration(None, iteration)
    assert len(loop.body) == 0
    for_loop = For()
    kept = for_loop.body.create_iteration()
    ended = for_loop.body.create_iteration()
    ended.body.create_keyword(name="Step")
    listener.end_for_iteration(None, ended)
    assert list(for_loop.body) == [kept]
    assert len(ended.body) == 1, "the ended iteration itself stays whole for other listeners"


def test_bounded_memory_can_be_switched_off() -> None:
    listener = ReinferListener(component=None, bounded_memory=False)  # type: ignore[arg-type]
    loop = While()
    iteration = loop.body.create_iteration()
    listener.end_while_iteration(None, iteration)
    assert list(loop.body) == [iteration]
