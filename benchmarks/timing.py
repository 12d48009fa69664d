"""Robot Framework listener: wall and CPU time of each task, without Robot's start-up.

    robot --listener benchmarks/timing.py:OUT.json ...

Writes ``{"wall": s, "cpu": s, "status": "PASS", "message": ...}`` for the last task run.
CPU is the whole robot process's (``time.process_time``), which is what a robot machine pays.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any


class timing:  # noqa: N801 - Robot Framework imports a listener module by its class of the same name
    ROBOT_LISTENER_API_VERSION = 3

    def __init__(self, out: str) -> None:
        self.out = Path(out)
        self.started = (0.0, 0.0)

    def start_test(self, data: Any, result: Any) -> None:
        self.started = (time.perf_counter(), time.process_time())

    def end_test(self, data: Any, result: Any) -> None:
        wall = time.perf_counter() - self.started[0]
        cpu = time.process_time() - self.started[1]
        record = {"wall": wall, "cpu": cpu, "status": result.status, "message": result.message[:500]}
        library = sys.modules.get("ReinferLibrary")
        if library is not None:  # which checkout ran (make bench --baseline compares two)
            record["library"] = str(Path(str(library.__file__)).resolve().parent.parent)
        self.out.write_text(json.dumps(record), encoding="utf-8")
