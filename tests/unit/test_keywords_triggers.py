"""Trigger keywords through the library class, against fake HTTP (``responses``)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TYPE_CHECKING, Any

import pytest
import responses
from responses import matchers
from robot.api.types import Secret
from robot.utils import DotDict

from ReinferLibrary import ReinferLibrary
from ReinferLibrary.errors import NotFoundError, ReinferConfigurationError
from ReinferLibrary.models import Batch, ThresholdConfig

if TYPE_CHECKING:
    from conftest import LogRecorder

BASE = "http://reinfer.test"
TOKEN = "tok-trigger-test-2718"
DS = "/api/v1/datasets/acme/retail-inbox"
STREAM = f"{DS}/streams/routing"

COMMENT = {
    "id": "c1",
    "uid": "src.c1",
    "timestamp": "2025-09-01T07:52:00Z",
    "messages": [
        {"subject": {"text": "Where is my order?"}, "body": {"text": "Order ACM-104233 is missing."}}
    ],
}
FETCH = {
    "status": "ok",
    "filtered": 2,
    "is_end_sequence": False,
    "sequence_id": "SEQ-BATCH",
    "results": [
        {
            "comment": COMMENT,
            "sequence_id": "SEQ-1",
            "labels": [
                {"name": ["Order"], "probability": 0.6598735451698303},
                {"name": ["Order", "Missing"], "probability": 0.6598735451698303},
            ],
            "entities": [
                {
                    "id": "e1",
                    "name": "order_number",
                    "kind": "order_number",
                    "formatted_value": "ACM-104233",
                    "spans": [{"content_part": "body", "message_index": 0, "char_start": 6, "char_end": 16}],
                    "probability": None,
                    "capture_ids": [],
                }
            ],
            "label_properties": [{"property_id": "0000000000000001", "property_name": "tone", "value": -1.8}],
        }
    ],
}
RESULTS = {
    "status": "ok",
    "num_filtered": 0,
    "more_results": False,
    "continuation": "CONT-BATCH",
    "results": [
        {
            "comment": COMMENT,
            "continuation": "CONT-1",
            "prediction": {
                "taxonomies": [
                    {
                        "name": "default",
                        "labels": [
                            {
                                "name": "Order > Missing",
                                "occurrence_confidence": {"value": 0.9, "thresholds": ["stream", "balanced"]},
                                "fields": [],
                            }
                        ],
                        "general_fields": [],
                    }
                ],
                "scores": [{"name": "tone", "value": -2.0}],
            },
        }
    ],
}
STREAM_JSON = {"id": "0123456789abcdef", "name": "routing", "title": "", "description": ""}


@pytest.fixture
def lib(lib: ReinferLibrary, api: responses.RequestsMock) -> ReinferLibrary:
    """The shared library fixture, connected to the fake tenant, with fake HTTP running."""
    lib.connect_to_reinfer(url=BASE, token=Secret(TOKEN), dataset="acme/retail-inbox", retries=0)
    return lib


def body(call_index: int, api: responses.RequestsMock) -> Any:
    return json.loads(api.calls[call_index].request.body or "null")


def test_fetch_returns_robot_data_that_is_json_serialisable(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    api.post(BASE + STREAM + "/fetch", json=FETCH, match=[matchers.json_params_matcher({"size": 16})])
    batch = lib.fetch_trigger_batch("routing")
    assert isinstance(batch, DotDict)
    assert batch.sequence_id == "SEQ-BATCH"
    assert batch["filtered"] == 2
    assert batch.is_end_sequence is False
    item = batch.results[0]
    assert isinstance(item, DotDict)
    assert item.uid == "src.c1"
    assert item.sequence_id == "SEQ-1"
    assert item.comment.messages[0].subject.text == "Where is my order?"
    assert [label.name for label in item.labels] == ["Order", "Order > Missing"]
    assert item.entities[0].formatted_value == "ACM-104233"
    assert json.loads(json.dumps(batch)) == batch
    assert Batch.model_validate(json.loads(json.dumps(batch))).results[0].uid == "src.c1"
    summary = [t for t in log.texts() if t.startswith("Fetched")]
    assert summary == [
        "Fetched 1 comment(s) from trigger 'routing' of acme/retail-inbox (2 filtered, more to read); "
        "batch sequence id SEQ-BATCH."
    ]
    assert log.texts(html=True) == [], "Item tables are logged only when asked for or at DEBUG."


def test_item_tables_when_asked_for(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    api.post(BASE + STREAM + "/fetch", json=FETCH)
    lib.fetch_trigger_batch("routing", log_items=True)
    tables = log.texts(html=True)
    assert len(tables) == 1
    assert "src.c1" in tables[0]
    assert "ACM-104233" in tables[0]


def test_fetch_options_and_the_results_route(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    api.post(
        BASE + "/api/v1/datasets/acme/other/streams/s2/fetch",
        json=FETCH,
        match=[matchers.json_params_matcher({"size": 64, "max_filtered": 100})],
    )
    api.get(
        BASE + STREAM + "/results",
        json=RESULTS,
        match=[matchers.query_param_matcher({"max_results": "8"})],
    )
    lib.fetch_trigger_batch("acme/other/s2", size=64, max_filtered=100, log_items=False)
    assert log.texts(html=True) == []
    batch = lib.fetch_trigger_batch(
        "routing", size=8, api="results", thresholds={"Order > Missing": 0.95}, log_items=True
    )
    assert batch.sequence_id == "CONT-BATCH"
    assert batch.is_end_sequence is True
    label = batch.results[0].labels[0]
    assert (label.name, label.probability, label.auto_thresholds) == ("Order > Missing", 0.9, ["balanced"])
    assert "<td>0.900</td><td>0.950</td><td>✘</td>" in log.texts(html=True)[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"size": 0}, "size must be from 1 to 1024, got 0."),
        ({"size": 2000}, "size must be from 1 to 1024, got 2000."),
        ({"max_filtered": 0}, "max_filtered must be from 1 to 1024, got 0."),
        ({"thresholds": "thresholds.yaml"}, "load a thresholds file once with"),
    ],
)
def test_fetch_argument_errors(lib: ReinferLibrary, kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ReinferConfigurationError, match=message):
        lib.fetch_trigger_batch("routing", **kwargs)


def test_trigger_name_with_a_conflicting_dataset_is_refused(lib: ReinferLibrary) -> None:
    with pytest.raises(ReinferConfigurationError, match="names dataset 'acme/x' but dataset='acme/y'"):
        lib.fetch_trigger_batch("acme/x/routing", dataset="acme/y")
    with pytest.raises(ReinferConfigurationError, match="must be a stream name"):
        lib.fetch_trigger_batch("acme/routing")


def test_advance_past_a_batch_an_item_or_a_sequence_id(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    api.post(BASE + STREAM + "/fetch", json=FETCH)
    for _ in range(3):
        api.post(BASE + STREAM + "/advance", json={"status": "ok", "sequence_id": "x"})
    batch = lib.fetch_trigger_batch("routing", log_items=False)
    lib.advance_trigger("routing", batch.results[0])
    lib.advance_trigger("routing", batch)
    lib.advance_trigger("routing", "  SEQ-MANUAL ")
    assert [body(i, api) for i in (1, 2, 3)] == [
        {"sequence_id": "SEQ-1"},
        {"sequence_id": "SEQ-BATCH"},
        {"sequence_id": "SEQ-MANUAL"},
    ]
    advanced = [t for t in log.texts() if t.startswith("Advanced")]
    assert advanced == [
        "Advanced trigger 'routing' of acme/retail-inbox up to and including comment src.c1: "
        "(not moved by this robot yet) -> SEQ-1.",
        "Advanced trigger 'routing' of acme/retail-inbox past a batch of 1 result(s) "
        "and 2 filtered comment(s): "
        "SEQ-1 -> SEQ-BATCH.",
        "Advanced trigger 'routing' of acme/retail-inbox to the given sequence id: SEQ-BATCH -> SEQ-MANUAL.",
    ]


def test_filtered_only_batch_is_advanced_past_and_says_why(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    filtered_only = {
        "status": "ok",
        "filtered": 5,
        "is_end_sequence": True,
        "sequence_id": "SEQ-F",
        "results": [],
    }
    api.post(BASE + STREAM + "/fetch", json=filtered_only)
    api.post(BASE + STREAM + "/advance", json={"status": "ok"})
    batch = lib.fetch_trigger_batch("routing")
    assert batch.results == []
    lib.advance_trigger("routing", batch)
    assert body(1, api) == {"sequence_id": "SEQ-F"}
    assert (
        "a filtered-only batch: advancing past it keeps the robot from re-reading it forever"
        in log.texts()[-1]
    )


def test_advance_also_takes_models(lib: ReinferLibrary, api: responses.RequestsMock) -> None:
    api.post(BASE + STREAM + "/advance", json={"status": "ok"})
    lib.advance_trigger("routing", Batch.model_validate(FETCH))
    assert body(0, api) == {"sequence_id": "SEQ-BATCH"}


@pytest.mark.parametrize(
    ("position", "message"),
    [
        ("   ", "the sequence id is empty"),
        ({"uid": "src.c1"}, "the value has no sequence_id"),
        (42, "to a int: give the batch"),
    ],
)
def test_advance_to_nothing_is_refused_before_any_call(
    lib: ReinferLibrary, position: Any, message: str
) -> None:
    with pytest.raises(ReinferConfigurationError, match=message):
        lib.advance_trigger("routing", position)


def test_reset_logs_old_and_new_position(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    api.post(BASE + STREAM + "/advance", json={"status": "ok"})
    api.post(
        BASE + STREAM + "/reset",
        json={"status": "ok", "sequence_id": "SEQ-RESET", "stream": STREAM_JSON},
        match=[matchers.json_params_matcher({"to_comment_created_at": "2025-09-01T00:00:00.000000Z"})],
    )
    lib.advance_trigger("routing", "SEQ-OLD")
    assert lib.reset_trigger("routing", datetime(2025, 9, 1), max_days_back=100_000) == "SEQ-RESET"
    assert log.texts()[-1].startswith(
        "Reset trigger 'routing' of acme/retail-inbox to comments uploaded at or after "
        "2025-09-01T00:00:00.000000Z ("
    )
    assert log.texts()[-1].endswith(
        "days before now): SEQ-OLD -> SEQ-RESET; the ledger forgot 0 finished comment(s), so a replay "
        "processes them again."
    )


@pytest.mark.parametrize(
    ("to", "sent"),
    [
        # Robot Framework's own datetime conversion read "+02:00" as 0.02 s and dropped "Z".
        ("2025-09-01T08:00:00+02:00", "2025-09-01T06:00:00.000000Z"),
        ("2025-09-01T06:00:00Z", "2025-09-01T06:00:00.000000Z"),
        ("2025-09-01T01:00:00-05:00", "2025-09-01T06:00:00.000000Z"),
        ("2025-09-01 06:00:00", "2025-09-01T06:00:00.000000Z"),
        ("2025-09-01", "2025-09-01T00:00:00.000000Z"),
        (datetime(2025, 9, 1, 6), "2025-09-01T06:00:00.000000Z"),
    ],
)
def test_reset_keeps_the_time_zone_it_was_given(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock, to: str | datetime, sent: str
) -> None:
    api.post(
        BASE + STREAM + "/reset",
        json={"status": "ok", "sequence_id": "SEQ-RESET"},
        match=[matchers.json_params_matcher({"to_comment_created_at": sent})],
    )
    assert lib.reset_trigger("routing", to, max_days_back=100_000) == "SEQ-RESET"
    assert f"uploaded at or after {sent} (" in log.texts()[-1]


def test_reset_through_robot_argument_conversion_keeps_the_offset(
    lib: ReinferLibrary, api: responses.RequestsMock
) -> None:
    # The keyword's argument spec as Robot Framework sees it: a string stays a string.
    from robot.running.arguments import PythonArgumentParser

    spec = PythonArgumentParser().parse(lib.reset_trigger)
    positional, _ = spec.convert(["routing", "2025-09-01T08:00:00+02:00"], {})
    assert positional[1] == "2025-09-01T08:00:00+02:00"
    api.post(
        BASE + STREAM + "/reset",
        json={"status": "ok"},
        match=[matchers.json_params_matcher({"to_comment_created_at": "2025-09-01T06:00:00.000000Z"})],
    )
    lib.reset_trigger(*positional, max_days_back=100_000)


@pytest.mark.parametrize("to", ["yesterday", "01.09.2025 08:00", "2025-09-01T08:00:00 CEST", "1756713600"])
def test_reset_refuses_what_is_not_iso_8601(lib: ReinferLibrary, to: str) -> None:
    with pytest.raises(ReinferConfigurationError) as caught:
        lib.reset_trigger("routing", to)
    message = str(caught.value)
    assert message.startswith(f"Time {to!r} is not an ISO 8601 date and time: give e.g. ")
    assert "2025-09-01T08:00:00+02:00" in message


def test_advance_refuses_a_batch_of_another_trigger_before_any_call(
    lib: ReinferLibrary, api: responses.RequestsMock
) -> None:
    api.post(BASE + DS + "/streams/other/fetch", json=FETCH)
    batch = lib.fetch_trigger_batch("other", log_items=False)
    assert batch.stream == "other"
    with pytest.raises(ReinferConfigurationError) as caught:
        lib.advance_trigger("routing", batch)
    assert str(caught.value) == (
        "Cannot advance trigger 'routing' with a batch fetched from trigger 'other': a sequence id only "
        "means something to its own trigger; advance 'other' instead."
    )
    with pytest.raises(ReinferConfigurationError, match="fetched from trigger 'other'"):
        lib.advance_trigger("routing", Batch.model_validate({**FETCH, "stream": "other"}))
    # The same batch advances its own trigger, also named owner/dataset/stream.
    api.post(BASE + DS + "/streams/other/advance", json={"status": "ok"})
    lib.advance_trigger("acme/retail-inbox/other", batch)


def test_an_empty_list_to_tag_or_untag_is_refused(lib: ReinferLibrary, log: LogRecorder) -> None:
    with pytest.raises(ReinferConfigurationError) as caught:
        lib.tag_trigger_exception("routing", [])
    assert str(caught.value).startswith(
        "Tag Trigger Exception got an empty list, so there is nothing to do: give an item"
    )
    with pytest.raises(ReinferConfigurationError, match=r"^Untag Trigger Exception got an empty list"):
        lib.untag_trigger_exception("routing", [])
    assert not [text for text in log.texts() if text.startswith(("Tagged", "Removed"))]


def test_the_end_of_a_stream_is_inferred_when_an_old_tenant_does_not_say(
    lib: ReinferLibrary, api: responses.RequestsMock
) -> None:
    # The documented loop: fetch, advance, BREAK at the end; old /triggers answers lack the flag.
    legacy = {key: value for key, value in FETCH.items() if key != "is_end_sequence"}
    api.post(BASE + STREAM + "/fetch", json={**legacy, "filtered": 0, "results": FETCH["results"] * 2})
    api.post(BASE + STREAM + "/fetch", json={**legacy, "filtered": 0})
    api.post(BASE + STREAM + "/advance", json={"status": "ok"})
    fetched = 0
    for _ in range(5):
        batch = lib.fetch_trigger_batch("routing", size=2, log_items=False)
        fetched += 1
        lib.advance_trigger("routing", batch)
        if batch.is_end_sequence:
            break
    assert fetched == 2


def test_tag_and_untag_items_uids_and_lists(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    api.put(BASE + STREAM + "/exceptions", json={"status": "ok"})
    api.put(BASE + STREAM + "/exceptions", json={"status": "ok"})
    api.delete(
        BASE + STREAM + "/exceptions",
        json={"status": "ok"},
        match=[matchers.query_string_matcher("uid=src.c1&uid=src.c2")],
    )
    item = Batch.model_validate(FETCH).results[0]
    lib.tag_trigger_exception("routing", item)
    lib.tag_trigger_exception(
        "routing", [{"comment": {"id": "c2", "uid": "src.c2"}}, "src.c3"], "Wrong Prediction"
    )
    lib.untag_trigger_exception("routing", ["src.c1", "src.c2"])
    assert body(0, api) == {"exceptions": [{"metadata": {"type": "No Prediction"}, "uid": "src.c1"}]}
    assert body(1, api) == {
        "exceptions": [
            {"metadata": {"type": "Wrong Prediction"}, "uid": "src.c2"},
            {"metadata": {"type": "Wrong Prediction"}, "uid": "src.c3"},
        ]
    }
    assert (
        "Tagged src.c1 on trigger 'routing' of acme/retail-inbox as exception 'No Prediction'." in log.texts()
    )
    with pytest.raises(ReinferConfigurationError, match="Cannot find a comment uid"):
        lib.tag_trigger_exception("routing", {"labels": []})


def test_create_trigger_from_a_loaded_config(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    api.put(BASE + DS + "/streams", json={"status": "ok", "stream": STREAM_JSON})
    config = ThresholdConfig(model_version=2, thresholds={"Order > Missing": 0.4, "Complaint": 0.45})
    created = lib.create_trigger(
        "routing",
        thresholds=config,
        comment_filter={"user_properties": {"string:Country": {"one_of": ["UK"]}}},
        title="Inbox routing",
    )
    assert created.id == "0123456789abcdef"
    assert body(0, api) == {
        "stream": {
            "name": "routing",
            "title": "Inbox routing",
            "comment_filter": {"user_properties": {"string:Country": {"one_of": ["UK"]}}},
            "model": {
                "version": 2,
                "label_thresholds": [
                    {"name": ["Order", "Missing"], "threshold": 0.4},
                    {"name": ["Complaint"], "threshold": 0.45},
                ],
            },
        }
    }
    assert log.texts()[-1] == (
        "Created trigger 'routing' in acme/retail-inbox "
        "(model version 2, 2 label threshold(s), comment filter: yes)."
    )


def test_create_trigger_resolves_a_tag_and_spells_out_the_default(
    lib: ReinferLibrary, api: responses.RequestsMock
) -> None:
    api.get(
        BASE + DS + "/model-tags",
        json={
            "status": "ok",
            "model_tags": [{"name": "live", "version": 5}, {"name": "staging", "version": 6}],
        },
    )
    api.get(
        BASE + DS,
        json={
            "status": "ok",
            "dataset": {
                "name": "retail-inbox",
                "owner": "acme",
                "label_defs": [{"name": "Order"}, {"name": "Praise"}],
            },
        },
    )
    api.put(BASE + DS + "/streams", json={"status": "ok", "stream": STREAM_JSON})
    lib.create_trigger("routing", model_version="live", thresholds={"Praise": 0.9}, default=0.3)
    assert body(2, api)["stream"]["model"] == {
        "version": 5,
        "label_thresholds": [{"name": ["Order"], "threshold": 0.3}, {"name": ["Praise"], "threshold": 0.9}],
    }


def test_create_trigger_errors_before_any_call(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    with pytest.raises(ReinferConfigurationError, match="has label thresholds but no model version"):
        lib.create_trigger("routing", thresholds={"Order": 0.5})
    with pytest.raises(ReinferConfigurationError, match="Cannot create trigger 'bad name!'"):
        lib.create_trigger("bad name!", model_version=1, thresholds={"Order": 0.5})
    with pytest.raises(
        ReinferConfigurationError, match=r"^Model version 'canary' is not valid: give a pinned"
    ):
        lib.create_trigger("routing", model_version="canary")
    api.get(BASE + DS + "/model-tags", json={"status": "ok", "model_tags": [{"name": "live", "version": 5}]})
    with pytest.raises(ReinferConfigurationError, match=r"Model tag 'staging' of .* \(tags: live=5\)"):
        lib.create_trigger("routing", model_version="staging")


def test_model_without_thresholds_warns_that_no_labels_will_come(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    api.put(BASE + DS + "/streams", json={"status": "ok", "stream": STREAM_JSON})
    lib.create_trigger("routing", model_version="3")
    assert body(0, api)["stream"]["model"] == {"version": 3, "label_thresholds": []}
    assert "it will return no labels" in log.texts("WARN")[0]


def test_get_list_and_delete_triggers(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    api.get(BASE + STREAM, json={"status": "ok", "stream": dict(STREAM_JSON, model={"version": 1})})
    api.get(BASE + DS + "/streams", json={"status": "ok", "streams": [STREAM_JSON]})
    api.delete(BASE + STREAM, json={"status": "ok"})
    api.delete(BASE + STREAM, status=404, json={"status": "error", "message": "Stream not found"})
    api.delete(BASE + STREAM, status=404, json={"status": "error", "message": "Stream not found"})
    assert lib.get_trigger("routing").model.version == 1
    assert [t.name for t in lib.list_triggers()] == ["routing"]
    lib.delete_trigger("routing")
    lib.delete_trigger("routing", missing_ok=True)
    with pytest.raises(NotFoundError) as caught:
        lib.delete_trigger("routing")
    assert str(caught.value).startswith("Business error (not found): DELETE")
    assert "Trigger 'routing' does not exist in acme/retail-inbox; nothing to delete." in log.texts()


def pinned_stream(version: int | None, thresholds: dict[str, float] | None = None) -> dict[str, Any]:
    model = None
    if version is not None:
        entries = [
            {"name": name.split(" > "), "threshold": value} for name, value in (thresholds or {}).items()
        ]
        model = {"version": version, "label_thresholds": entries}
    return {"status": "ok", "stream": {**STREAM_JSON, "model": model}}


def test_fetch_warns_once_when_the_trigger_answers_with_another_model_version(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    for _ in range(3):
        api.post(BASE + STREAM + "/fetch", json=FETCH)
    api.get(BASE + STREAM, json=pinned_stream(1))  # read once, for the first fetch with this config
    config = ThresholdConfig(model_version=2, thresholds={"Order > Missing": 0.5}, source="v2.yaml")
    for _ in range(2):
        lib.fetch_trigger_batch("routing", thresholds=config, log_items=False)
    lib.fetch_trigger_batch("routing", thresholds={"Order > Missing": 0.5}, log_items=False)  # no version
    assert log.texts("WARN") == [
        "Trigger 'routing' of acme/retail-inbox answers with model version 1, but the robot's thresholds are "
        "for model version 2: they threshold confidences they were not chosen for; load the thresholds made "
        "for version 1, or move the trigger (Verify Model Configuration with trigger= checks this before a "
        "run)."
    ]


def test_fetch_resolves_the_config_tag_and_is_quiet_when_versions_match(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    api.post(BASE + STREAM + "/fetch", json=FETCH)
    api.get(BASE + DS + "/model-tags", json={"status": "ok", "model_tags": [{"name": "live", "version": 1}]})
    api.get(BASE + STREAM, json=pinned_stream(1))
    lib.fetch_trigger_batch("routing", thresholds=ThresholdConfig(model_version="live"), log_items=False)
    assert log.texts("WARN") == []


def test_fetch_warns_when_the_trigger_has_no_model(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    api.post(BASE + STREAM + "/fetch", json=FETCH)
    api.get(BASE + STREAM, json=pinned_stream(None))
    lib.fetch_trigger_batch("routing", thresholds=ThresholdConfig(model_version=1), log_items=False)
    assert log.texts("WARN") == [
        "Trigger 'routing' of acme/retail-inbox has no model, so its answers carry no labels, but the "
        "robot's "
        "thresholds are for model version 1; give the trigger that version with Update Trigger."
    ]
