"""Keywords of the floor robot (d): plain-dict items of the benchmark's size, no HTTP, no-op work.

What a robot costs when the library costs nothing: the same loop, two Python keywords per
comment that return at once, over plain dictionaries built from the same payloads.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.payloads import THRESHOLDS, items


class FloorLibrary:
    ROBOT_LIBRARY_SCOPE = "GLOBAL"

    def __init__(self, count: int = 2000) -> None:
        self.items = items(int(count))
        self.position = 0

    def get_floor_thresholds(self) -> dict[str, float]:
        return dict(THRESHOLDS)

    def get_floor_batch(self, size: int = 64) -> dict[str, Any]:
        start, end = self.position, min(self.position + int(size), len(self.items))
        return {
            "results": self.items[start:end],
            "sequence_id": str(end),
            "filtered": 0,
            "is_end_sequence": end >= len(self.items),
        }

    def floor_labels(self, item: dict[str, Any], thresholds: dict[str, float]) -> list[str]:
        return []

    def floor_entities(self, item: dict[str, Any]) -> list[dict[str, str]]:
        return []

    def advance_floor(self, batch: dict[str, Any]) -> None:
        self.position = int(batch["sequence_id"])
