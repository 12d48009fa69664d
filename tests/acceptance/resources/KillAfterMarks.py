"""Test-only listener: SIGKILL the robot right after its Nth ``Mark Item Done``.

The ledger's acceptance test needs a crash in the middle of a batch, after some items' work
is done and recorded and before ``Advance Trigger``::

    python -m robot --listener tests/acceptance/resources/KillAfterMarks.py:40 ...
    python -m robot --listener "tests/acceptance/resources/KillAfterMarks.py:40:Do The Work" ...

SIGKILL (``os._exit`` on Windows) ends the process at once: no teardown, no atexit, no log.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

MARK = "markitemdone"


def _normalised(name: str) -> str:
    return name.replace(" ", "").replace("_", "").lower()


class KillAfterMarks:
    """Listener API 3: counts ``Mark Item Done`` calls and kills the process after call ``after``."""

    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, after: str = "1", keyword: str = MARK) -> None:
        self.after = int(after)
        self.keyword = _normalised(keyword)
        self.marks = 0

    def end_keyword(self, data: Any, result: Any) -> None:
        if _normalised(str(result.name)) != self.keyword or result.status == "NOT RUN":
            return  # a keyword in an IF branch not taken is reported too, as NOT RUN
        self.marks += 1
        if self.marks >= self.after:
            print(f"Killed after {self.marks} marks", flush=True)
            if sys.platform == "win32":  # pragma: no cover
                os._exit(70)
            os.kill(os.getpid(), signal.SIGKILL)
