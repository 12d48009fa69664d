"""Realistic stream items for the benchmarks: demo-tenant emails, 13 labels and 4 entities each.

Each item has the shape a real ``/streams/{s}/fetch`` answer has (comment with messages,
user properties and timestamps; labels as name parts and probabilities; entities with
spans and capture ids; label properties), about 3-4 KB of JSON. Deterministic: the same
``count`` gives the same items.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

DEMO = Path(__file__).resolve().parents[1] / "ReinferLibrary" / "sandbox" / "demo"
LABELS = [
    "Order",
    "Order > Missing",
    "Order > Damaged",
    "Order > Late Delivery",
    "Order > Wrong Item",
    "Order > Cancellation",
    "Refund",
    "Refund > Request",
    "Refund > Status",
    "Billing",
    "Billing > Invoice Query",
    "Billing > Double Charge",
    "Account",
    "Account > Address Change",
    "Account > Close Account",
    "Complaint",
    "Praise",
    "General Enquiry",
]
LABELS_PER_ITEM = 13
# Per-label thresholds of the benchmark's thresholds file: about a third of the labels clear.
THRESHOLDS = {label: round(0.35 + 0.02 * (index % 10), 2) for index, label in enumerate(LABELS)}
SOURCE_ID = "b3nchs0urce00001"


def demo_comments() -> list[dict[str, Any]]:
    comments = []
    for path in sorted(DEMO.glob("comments_*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                comments.append(json.loads(line)["comment"])
    return comments


def _span(part: str, start: int, end: int) -> dict[str, Any]:
    return {
        "content_part": part,
        "message_index": 0,
        "char_start": start,
        "char_end": end,
        "utf16_byte_start": 2 * start,
        "utf16_byte_end": 2 * end,
    }


def _entity(rng: random.Random, index: int, name: str, value: str, capture: list[int]) -> dict[str, Any]:
    start = rng.randrange(0, 200)
    span = _span("body", start, start + len(value))
    return {
        "id": f"{index:08x}{rng.getrandbits(32):08x}",
        "name": name,
        "kind": name,
        "formatted_value": value,
        "span": span,
        "spans": [span],
        "probability": None,
        "capture_ids": capture,
    }


def items(count: int) -> list[dict[str, Any]]:
    """``count`` fetch results (``sequence_id`` is set by the server per position)."""
    rng = random.Random(14)
    texts = demo_comments()
    out = []
    for index in range(count):
        base = texts[index % len(texts)]
        comment_id = f"bench{index:07d}"
        comment = {
            **base,
            "id": comment_id,
            "uid": f"{SOURCE_ID}.{comment_id}",
            "source_id": SOURCE_ID,
            "thread_id": f"t-{comment_id}",
            "attachments": [],
            "created_at": "2025-09-01T07:57:00.000000Z",
            "last_modified": "2025-09-01T07:57:00.000000Z",
            "has_annotations": False,
        }
        chosen = rng.sample(LABELS, LABELS_PER_ITEM)
        labels = sorted(
            ({"name": name.split(" > "), "probability": round(rng.random(), 6)} for name in chosen),
            key=lambda label: -label["probability"],
        )
        order = f"ACM-{100000 + index}"
        entities = [
            _entity(rng, index, "order_number", order, [0]),
            _entity(rng, index, "monetary_quantity", f"{rng.randrange(5, 500)}.99 GBP", [0]),
            _entity(rng, index, "order_number", f"ACM-{200000 + index}", [1]),
            _entity(rng, index, "date", "2025-08-21 00:00 UTC", [1]),
        ]
        out.append(
            {
                "comment": comment,
                "labels": labels,
                "entities": entities,
                "label_properties": [
                    {"property_id": "0000000000000001", "property_name": "tone", "value": -3.2},
                    {"property_id": "0000000000000002", "property_name": "quality_of_service", "value": 1.5},
                ],
            }
        )
    return out


def thresholds_yaml() -> str:
    lines = ["model_version: 1", "thresholds:"]
    lines += [f"  {label}: {value}" for label, value in THRESHOLDS.items()]
    return "\n".join(lines) + "\n"
