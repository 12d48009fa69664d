"""Test-only listener: kill the robot process just before it advances a trigger for the Nth time.

The kill-safety tests of the triage robot need a run that dies at a known point: after a
batch's work items are on disk, before ``Advance Trigger`` moves the trigger past them.
The production task has no hook for that; the test attaches this listener instead::

    python -m robot --listener tests/acceptance/resources/CrashBeforeAdvance.py:3 ...

``os._exit`` ends the process at once, like a crash or ``kill -9``: no teardown, no
report, no log.html. The line printed before it lets a test tell this exit from a failure.
"""

from __future__ import annotations

import os
import sys
from typing import Any

EXIT_CODE = 70
"""The exit code of the simulated crash (``EX_SOFTWARE``)."""

ADVANCE = "advancetrigger"


def _normalised(name: str) -> str:
    return name.replace(" ", "").replace("_", "").lower()


class CrashBeforeAdvance:
    """Listener API 3: counts ``Advance Trigger`` calls and exits before call number ``after``."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, after: str = "1") -> None:
        self.after = int(after)
        if self.after < 1:
            raise ValueError(f"CrashBeforeAdvance needs a batch number of 1 or more, got {after!r}.")
        self.advances = 0

    def start_keyword(self, data: Any, result: Any) -> None:
        if _normalised(str(data.name)).rsplit(".", 1)[-1] != ADVANCE:
            return
        self.advances += 1
        if self.advances == self.after:
            print(
                f"Simulated crash before advancing batch {self.advances}: its work items are written, "
                "the trigger has not moved past it.",
                flush=True,
            )
            sys.stderr.flush()
            os._exit(EXIT_CODE)
