"""Contender (a): the job as a plain Python ``requests`` loop, the ceiling for any robot.

Fetch 64, per-label thresholds, entities grouped by capture id, advance; prints one JSON
line with the wall and CPU time of the loop and the number of comments.

    python benchmarks/contenders/plain_loop.py URL TOKEN DATASET STREAM THRESHOLDS_JSON
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import requests


def route(item: dict[str, Any], thresholds: dict[str, float]) -> tuple[list[str], dict[int, dict[str, str]]]:
    labels = []
    for label in item["labels"]:
        name = " > ".join(label["name"]) if isinstance(label["name"], list) else label["name"]
        threshold = thresholds.get(name)
        if threshold is not None and label["probability"] >= threshold:
            labels.append(name)
    groups: dict[int, dict[str, str]] = {}
    for entity in item["entities"]:
        for capture in entity.get("capture_ids") or ():
            groups.setdefault(capture, {})[entity["name"]] = entity["formatted_value"]
    return labels, groups


def main(url: str, token: str, dataset: str, stream: str, thresholds_path: str) -> None:
    with open(thresholds_path, encoding="utf-8") as file:
        thresholds = json.load(file)
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    base = f"{url}/api/v1/datasets/{dataset}/streams/{stream}"
    wall, cpu = time.perf_counter(), time.process_time()
    count = routed = 0
    while True:
        response = session.post(f"{base}/fetch", json={"size": 64})
        response.raise_for_status()
        batch = response.json()
        for item in batch["results"]:
            labels, _groups = route(item, thresholds)
            routed += bool(labels)
        count += len(batch["results"])
        session.post(f"{base}/advance", json={"sequence_id": batch["sequence_id"]}).raise_for_status()
        if batch["is_end_sequence"]:
            break
    record = {
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "count": count,
        "routed": routed,
    }
    print(json.dumps({"status": "PASS", **record}))


if __name__ == "__main__":
    main(*sys.argv[1:6])
