"""StopRequests: a signal is remembered, the item in hand finishes, the old handler is told after."""

from __future__ import annotations

import os
import signal
import time
from types import FrameType

import pytest

from ReinferLibrary.keywords.runtime import StopRequests


def test_a_signal_is_remembered_and_handed_on_afterwards() -> None:
    received: list[int] = []

    def previous(signum: int, frame: FrameType | None) -> None:
        received.append(signum)

    original = signal.signal(signal.SIGTERM, previous)
    try:
        with StopRequests() as stop:
            os.kill(os.getpid(), signal.SIGTERM)
            assert stop.requested == signal.SIGTERM
            assert received == [], "the previous handler must not run while an item is in hand"
            started = time.monotonic()
            stop.sleep(5.0)
            assert time.monotonic() - started < 1.0, "a requested stop wakes the wait at once"
        assert received == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is previous
    finally:
        signal.signal(signal.SIGTERM, original)


def test_a_second_signal_forces_the_exit() -> None:
    original = signal.signal(signal.SIGINT, lambda signum, frame: None)
    try:
        with pytest.raises(SystemExit), StopRequests():
            os.kill(os.getpid(), signal.SIGINT)
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.1)
    finally:
        signal.signal(signal.SIGINT, original)


def test_sleep_ends_when_told() -> None:
    with StopRequests() as stop:
        started = time.monotonic()
        stop.sleep(5.0, until=lambda: time.monotonic() - started > 0.3)
        assert 0.3 <= time.monotonic() - started < 1.5
