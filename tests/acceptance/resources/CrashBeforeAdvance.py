"""Test-only listener: kill the robot process just before it advances a trigger for the Nth time.

The kill-safety tests of the triage robot need a run that dies at a known point: after a
batch's work items are on disk, before the trigger moves past them. The triage robot's
`Process Trigger` runs ``Record Batch`` (its ``on_batch`` keyword) exactly there, so the
listener ends the process when ``Record Batch`` starts for the Nth time (a robot that calls
``Advance Trigger`` itself is stopped before that call instead). The production task has
no hook for crashing; the test attaches this listener instead::

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

BEFORE_ADVANCE = ("recordbatch", "advancetrigger")


def _normalised(name: str) -> str:
    return name.replace(" ", "").replace("_", "").lower()


class CrashBeforeAdvance:
    """Listener API 3: counts ``Record Batch`` / ``Advance Trigger`` calls, exits before number ``after``."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, after: str = "1") -> None:
        self.after = int(after)
        if self.after < 1:
            raise ValueError(f"CrashBeforeAdvance needs a batch number of 1 or more, got {after!r}.")
        self.advances = 0

    def start_keyword(self, data: Any, result: Any) -> None:
        if _normalised(str(data.name)).rsplit(".", 1)[-1] not in BEFORE_ADVANCE:
            return
        self.advances += 1
        if self.advances == self.after:
            # The real stdout: inside a library keyword (Process Trigger) Robot Framework
            # captures sys.stdout, and os._exit would lose what is in that buffer.
            stdout = sys.__stdout__ or sys.stdout
            stdout.write(
                f"Simulated crash before advancing batch {self.advances}: its work items are written, "
                "the trigger has not moved past it.\n"
            )
            stdout.flush()
            sys.stderr.flush()
            os._exit(EXIT_CODE)
