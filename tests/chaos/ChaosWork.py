"""The consumer's work: one line per comment appended to a log (not idempotent on purpose)."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any


def do_the_work(work_log: str, item: Mapping[str, Any]) -> None:
    """Append ``<uid>`` to ``work_log``: the work a second delivery would do again.

    One ``write`` of one line (O_APPEND): a killed process leaves whole lines only.
    """
    delay = float(os.environ.get("CHAOS_WORK_DELAY") or 0)
    if delay:  # a slow piece of work: holds the stream while a test starts a second robot
        time.sleep(delay)
    line = f"{item['uid']}\n".encode()
    descriptor = os.open(work_log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(descriptor, line)
    finally:
        os.close(descriptor)
