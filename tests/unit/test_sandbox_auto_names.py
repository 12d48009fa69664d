"""The sandbox agrees with itself on auto-thresholds (issue 12 point 5), over real HTTP.

The names ``/results`` puts on each occurrence (``high_recall``, ``balanced``,
``high_precision``) are the ones its validation route's ``optimal_thresholds`` give for that
confidence, and the highest occurrence of a label has the probability ``/fetch`` reports. So
a client computing names for ``/fetch`` items from the validation gets what ``/results``
sends.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sandbox_http import Api

from ReinferLibrary.sandbox.runner import SandboxServer

DATASET = "/api/v1/datasets/acme/retail-inbox"
NAMES = ("high_recall", "balanced", "high_precision")


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with SandboxServer() as server:
        assert server.url is not None
        yield Api(server.url, server.token)


def test_results_names_and_fetch_probabilities_come_from_the_validation_numbers(api: Api) -> None:
    version = api.ok("GET", f"{DATASET}/streams/routing")["stream"]["model"]["version"]
    validation = api.ok("GET", f"/api/_private/datasets/acme/retail-inbox/labellers/{version}/validation")
    optimal: dict[str, dict[str, float]] = {
        name: figures["optimal_thresholds"]
        for name, figures in validation["validation"]["labels"].items()
        if figures.get("optimal_thresholds")
    }
    assert optimal, "the demo model's validation gives no label auto-thresholds"
    results = api.ok("GET", f"{DATASET}/streams/routing/results", max_results=96)["results"]
    fetched = api.ok("POST", f"{DATASET}/streams/routing/fetch", {"size": 96})["results"]
    assert [r["comment"]["uid"] for r in results] == [f["comment"]["uid"] for f in fetched]
    named = 0
    for result, fetch in zip(results, fetched, strict=True):
        highest: dict[str, float] = {}
        for label in result["prediction"]["taxonomies"][0]["labels"]:
            confidence = label["occurrence_confidence"]
            sent = [name for name in confidence["thresholds"] if name in NAMES]
            cut = optimal.get(label["name"], {})
            assert sent == [name for name in NAMES if name in cut and confidence["value"] >= cut[name]]
            named += len(sent)
            highest[label["name"]] = max(highest.get(label["name"], 0.0), confidence["value"])
        probabilities: dict[str, Any] = {" > ".join(lb["name"]): lb["probability"] for lb in fetch["labels"]}
        assert probabilities == highest
    assert named > 0
