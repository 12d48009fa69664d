"""Auto-threshold names for ``api=fetch`` items, computed from the model's validation (fake HTTP).

Issue 12 point 5 and issue 13 trap 2: both stream routes give ``auto`` rules the same
information. The stream's pinned version and the validation are read once per connection,
only when an ``auto`` rule may decide a label, and a validation that cannot be read fails
with a configuration error that says what to do.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import responses
from robot.api.types import Secret

from ReinferLibrary import ReinferLibrary
from ReinferLibrary.errors import ReinferConfigurationError
from ReinferLibrary.logic.auto_names import auto_table, names_cleared
from ReinferLibrary.models.validation import FullValidation

if TYPE_CHECKING:
    from conftest import LogRecorder

BASE = "http://reinfer.test"
TOKEN = "tok-auto-names-3141"
DS = "/api/v1/datasets/acme/retail-inbox"
STREAM = f"{DS}/streams/routing"
VALIDATION = "/api/_private/datasets/acme/retail-inbox/labellers/3/validation"

COMMENT = {"id": "c1", "uid": "src.c1", "timestamp": "2025-09-01T07:52:00Z", "messages": []}


def fetch_answer(*labels: tuple[list[str], float], model: dict[str, Any] | None = None) -> dict[str, Any]:
    result: dict[str, Any] = {
        "comment": COMMENT,
        "sequence_id": "SEQ-1",
        "labels": [{"name": name, "probability": p} for name, p in labels],
        "entities": [],
        "label_properties": [],
    }
    if model is not None:
        result["model"] = model
    return {
        "status": "ok",
        "filtered": 0,
        "is_end_sequence": True,
        "sequence_id": "SEQ-B",
        "results": [result],
    }


STREAM_ANSWER = {
    "status": "ok",
    "stream": {
        "id": "s1",
        "name": "routing",
        "model": {"version": 3, "label_thresholds": [{"name": ["Order"], "threshold": 0.2}]},
    },
}
LABELS = {
    "Order": {"optimal_thresholds": {"high_recall": 0.3, "balanced": 0.5, "high_precision": 0.8}},
    "Order > Missing": {"optimal_thresholds": {"high_recall": 0.2, "balanced": 0.4, "high_precision": 0.9}},
    "Praise": {"optimal_thresholds": None, "health": "unreliable"},
}
VALIDATION_ANSWER = {"status": "ok", "validation": {"version": 3, "labels": LABELS}}
ITEM = (["Order"], 0.55), (["Order", "Missing"], 0.35), (["Praise"], 0.99)


@pytest.fixture
def lib(lib: ReinferLibrary, api: responses.RequestsMock) -> ReinferLibrary:
    lib.connect_to_reinfer(url=BASE, token=Secret(TOKEN), dataset="acme/retail-inbox", retries=0)
    return lib


def calls(api: responses.RequestsMock, path: str) -> int:
    return sum(call.request.url.split("?")[0] == BASE + path for call in api.calls)


def serve_fetch_stream_and_validation(api: responses.RequestsMock) -> None:
    """One fetch of ITEM, the stream pinned as STREAM_ANSWER says, and its validation."""
    api.post(BASE + STREAM + "/fetch", json=fetch_answer(*ITEM))
    api.get(BASE + STREAM, json=STREAM_ANSWER)
    api.get(BASE + VALIDATION, json=VALIDATION_ANSWER)


def test_names_are_computed_once_from_the_pinned_versions_validation(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    serve_fetch_stream_and_validation(api)
    item = lib.fetch_trigger_batch("routing").results[0]
    assert (item.dataset, item.stream) == ("acme/retail-inbox", "routing")
    assert lib.labels_above_threshold(item, auto="balanced") == ["Order"]
    names = {label.name: label.auto_thresholds for label in item.labels}
    assert names == {"Order": ["high_recall", "balanced"], "Order > Missing": ["high_recall"], "Praise": []}
    assert all(label.stream_threshold_cleared for label in item.labels)
    assert item.auto_thresholds_from == "validation of model version 3"
    assert lib.labels_above_threshold(item, auto="high_recall") == ["Order", "Order > Missing"]
    assert lib.has_label(item, "Order > Missing", auto="balanced") is False
    assert lib.has_label(item, "Order", auto="balanced") is True
    # Praise has no auto-thresholds (unreliable): auto never keeps it, a default still can.
    assert lib.labels_above_threshold(item, default=0.9, auto="high_precision") == ["Praise"]
    # A second batch of the same stream reads neither the stream nor the validation again.
    api.post(BASE + STREAM + "/fetch", json=fetch_answer((["Order", "Missing"], 0.45)))
    second = lib.fetch_trigger_batch("routing").results[0]
    assert lib.labels_above_threshold(second, auto="balanced") == ["Order > Missing"]
    assert (calls(api, STREAM), calls(api, VALIDATION)) == (1, 1)
    read = [text for text in log.texts() if text.startswith("Auto-threshold names")]
    assert read == [
        "Auto-threshold names of api=fetch items from acme/retail-inbox come from the validation of model "
        "version 3: 2 of 3 label(s) have auto-thresholds; no auto-thresholds for Praise (the validation has "
        "none for them): auto never keeps them."
    ]


def test_a_robot_without_auto_reads_no_validation(lib: ReinferLibrary, api: responses.RequestsMock) -> None:
    # Only the fetch is registered (Has Label's taxonomy check finds no dataset and is skipped).
    api.post(BASE + STREAM + "/fetch", json=fetch_answer(*ITEM))
    item = lib.fetch_trigger_batch("routing").results[0]
    assert lib.labels_above_threshold(item, thresholds={"Order": 0.5}, default=0.3) == [
        "Praise",
        "Order",
        "Order > Missing",
    ]
    assert lib.has_label(item, "Order", default=0.5) is True
    # auto next to numbers that already decide every label: no names needed either.
    assert lib.labels_above_threshold(item, default=0.3, auto="balanced") == [
        "Praise",
        "Order",
        "Order > Missing",
    ]
    assert "auto_thresholds_from" not in item
    assert (calls(api, STREAM), calls(api, VALIDATION)) == (0, 0)


def test_the_answers_own_model_version_wins_over_the_streams(
    lib: ReinferLibrary, api: responses.RequestsMock
) -> None:
    api.post(BASE + STREAM + "/fetch", json=fetch_answer(*ITEM, model={"version": 3, "time": None}))
    api.get(BASE + VALIDATION, json=VALIDATION_ANSWER)  # no GET of the stream is registered
    item = lib.fetch_trigger_batch("routing").results[0]
    assert lib.labels_above_threshold(item, auto="high_precision") == []
    assert item.auto_thresholds_from == "validation of model version 3"


@pytest.mark.parametrize("status", [403, 404])
def test_a_validation_that_cannot_be_read_is_a_configuration_error(
    lib: ReinferLibrary, api: responses.RequestsMock, status: int
) -> None:
    api.post(BASE + STREAM + "/fetch", json=fetch_answer(*ITEM))
    api.get(BASE + STREAM, json=STREAM_ANSWER)
    api.get(BASE + VALIDATION, status=status, json={"status": "error", "message": "not allowed here"})
    item = lib.fetch_trigger_batch("routing").results[0]
    with pytest.raises(ReinferConfigurationError) as caught:
        lib.labels_above_threshold(item, auto="balanced")
    assert str(caught.value) == (
        "auto=balanced on items of Fetch Trigger Batch api=fetch needs each label's auto-thresholds from the "
        f"validation of model version 3 of acme/retail-inbox, which could not be read (GET {VALIDATION} "
        f"returned {status}: not allowed here); fetch with api=results (its items carry the names), or give "
        "numbers (thresholds=) or default= instead, or let the token read the model's validation."
    )
    assert TOKEN not in str(caught.value)
    with pytest.raises(ReinferConfigurationError, match=r"^auto=balanced on items of Fetch Trigger Batch"):
        lib.has_label(item, "Order", auto="balanced")


def test_a_stream_without_a_model_is_a_configuration_error(
    lib: ReinferLibrary, api: responses.RequestsMock
) -> None:
    api.post(BASE + STREAM + "/fetch", json=fetch_answer(*ITEM))
    api.get(BASE + STREAM, json={"status": "ok", "stream": {"id": "s1", "name": "routing", "model": None}})
    item = lib.fetch_trigger_batch("routing").results[0]
    with pytest.raises(
        ReinferConfigurationError, match=r"stream 'routing' of acme/retail-inbox.*has no model now"
    ):
        lib.labels_above_threshold(item, auto="balanced")


def test_an_item_handed_off_as_json_keeps_working_and_one_without_a_stream_fails_clearly(
    lib: ReinferLibrary, api: responses.RequestsMock
) -> None:
    serve_fetch_stream_and_validation(api)
    item = lib.fetch_trigger_batch("routing").results[0]
    handed_off = json.loads(json.dumps(item))
    assert lib.labels_above_threshold(handed_off, auto="balanced") == ["Order"]
    anonymous = json.loads(json.dumps(item))
    del anonymous["dataset"]
    with pytest.raises(ReinferConfigurationError) as caught:
        lib.labels_above_threshold(anonymous, auto="balanced")
    assert "(this item of the fetch route does not say which stream it came from" in str(caught.value)
    # Next to a default too: auto would otherwise be ignored without a word.
    with pytest.raises(
        ReinferConfigurationError, match=r"^auto=balanced cannot decide the labels of comment"
    ):
        lib.labels_above_threshold(anonymous, default=0.9, auto="balanced")


def test_auto_table_and_names_follow_the_platforms_rule() -> None:
    table = auto_table(FullValidation.model_validate({"labels": LABELS}))
    assert table == {
        "Order": (("high_recall", 0.3), ("balanced", 0.5), ("high_precision", 0.8)),
        "Order > Missing": (("high_recall", 0.2), ("balanced", 0.4), ("high_precision", 0.9)),
    }
    assert names_cleared(table, "Order", 0.5) == ["high_recall", "balanced"]  # at the threshold counts
    assert names_cleared(table, "Order", 0.2999) == []
    assert names_cleared(table, "Praise", 1.0) == []
    listed = FullValidation.model_validate({"labels": {"Order > Missing": {"optimal_thresholds": None}}})
    assert list(listed.labels) == ["Order > Missing"]


def test_group_batch_by_label_computes_the_names_too(
    lib: ReinferLibrary, api: responses.RequestsMock
) -> None:
    serve_fetch_stream_and_validation(api)
    batch = lib.fetch_trigger_batch("routing")
    groups = lib.group_batch_by_label(batch, auto="high_recall", rows=False)
    assert list(groups) == ["Order", "Order > Missing"]
    assert batch.results[0].selected_labels == ["Order", "Order > Missing"]


def test_a_trigger_deleted_on_this_connection_has_its_model_read_again(
    lib: ReinferLibrary, api: responses.RequestsMock
) -> None:
    for _ in range(2):
        api.post(BASE + STREAM + "/fetch", json=fetch_answer(*ITEM))
        api.get(BASE + STREAM, json=STREAM_ANSWER)
    api.get(BASE + VALIDATION, json=VALIDATION_ANSWER)
    api.delete(BASE + STREAM, json={"status": "ok"})
    first = lib.fetch_trigger_batch("routing").results[0]
    assert lib.labels_above_threshold(first, auto="balanced") == ["Order"]
    lib.delete_trigger("routing")  # (then made again, perhaps pinned to another version)
    second = lib.fetch_trigger_batch("routing").results[0]
    assert lib.labels_above_threshold(second, auto="balanced") == ["Order"]
    assert (calls(api, STREAM), calls(api, VALIDATION)) == (3, 1)  # two reads and the delete
