"""ReinferClient methods: request bodies, routes, and the models they return."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import responses
from responses import matchers

from ReinferLibrary.client import ConnectionSettings, ReinferClient
from ReinferLibrary.errors import NotFoundError, ReinferConfigurationError
from ReinferLibrary.models import Batch, Item
from ReinferLibrary.models.moments import iso_utc, parse_moment
from ReinferLibrary.models.streams import StreamNew

BASE = "https://tenant.example"
TOKEN = "tok-SECRET-1234"
DATASET = "acme/retail-inbox"
DS = BASE + "/api/v1/datasets/acme/retail-inbox"
SRC = BASE + "/api/v1/sources/acme/retail-inbox"
STREAM = {
    "id": "0123456789abcdef",
    "dataset_id": "abcdef0123456789",
    "name": "routing",
    "title": "Routing",
    "description": "",
    "created_at": "2024-01-01T00:00:00.000000Z",
    "updated_at": "2024-01-01T00:00:00.000000Z",
    "model": {"version": 3, "label_thresholds": [{"name": ["Order", "Missing"], "threshold": 0.4}]},
}
COMMENT = {
    "id": "c1",
    "uid": "18ba5ce699f8da1f.c1",
    "source_id": "18ba5ce699f8da1f",
    "timestamp": "2024-01-01T10:00:00Z",
    "created_at": "2024-01-01T10:00:01.000000Z",
    "messages": [{"body": {"text": "Order 123 never arrived"}, "from": "a@b.c"}],
    "user_properties": {"string:Country": "uk"},
    "attachments": [],
}


def make_client(**settings: Any) -> ReinferClient:
    client = ReinferClient(ConnectionSettings(url=BASE, token=TOKEN, **settings))
    client.sleep = lambda seconds: None
    return client


@pytest.fixture
def client() -> Iterator[ReinferClient]:
    with make_client() as reinfer:
        yield reinfer


def sent(api: responses.RequestsMock, index: int = 0) -> Any:
    body = api.calls[index].request.body
    assert body is not None
    return json.loads(body)


# --- streams -------------------------------------------------------------------------


def test_list_and_get_streams(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.get(
        DS + "/streams", json={"status": "ok", "streams": [STREAM, {**STREAM, "name": "other", "id": "2"}]}
    )
    api.get(DS + "/streams/routing", json={"status": "ok", "stream": STREAM})
    streams = client.list_streams(DATASET)
    assert [s.name for s in streams] == ["routing", "other"]
    stream = client.get_stream(DATASET, "routing")
    assert stream.model is not None
    assert stream.model.label_thresholds[0].name == ["Order", "Missing"]


def test_create_stream_sends_the_stream_body(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.put(DS + "/streams", json={"status": "ok", "stream": STREAM})
    new = StreamNew.model_validate(
        {
            "name": "routing",
            "title": "Routing",
            "model": {"version": 3, "label_thresholds": [{"name": "Order > Missing", "threshold": 0.4}]},
        }
    )
    created = client.create_stream(DATASET, new)
    assert created.id == STREAM["id"]
    assert sent(api) == {
        "stream": {
            "name": "routing",
            "title": "Routing",
            "model": {"version": 3, "label_thresholds": [{"name": ["Order", "Missing"], "threshold": 0.4}]},
        }
    }
    assert api.calls[0].request.headers["Content-Type"] == "application/json"


def test_update_stream_posts_to_the_stream(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.post(DS + "/streams/routing", json={"status": "ok", "stream": {**STREAM, "title": "New"}})
    updated = client.update_stream(DATASET, StreamNew(name="routing", title="New"))
    assert updated.title == "New"
    assert sent(api) == {"stream": {"name": "routing", "title": "New"}}


def test_legacy_triggers_use_trigger_routes_and_keys(api: responses.RequestsMock) -> None:
    client = make_client(legacy_triggers=True)
    api.put(DS + "/triggers", json={"status": "ok", "trigger": STREAM})
    api.get(DS + "/triggers", json={"status": "ok", "triggers": [STREAM]})
    api.post(
        DS + "/triggers/routing/fetch",
        json={"status": "ok", "results": [], "sequence_id": "s", "filtered": 0},
    )
    api.post(DS + "/triggers/routing/advance", json={"status": "ok", "sequence_id": "s"})
    api.post(DS + "/triggers/routing/reset", json={"status": "ok", "sequence_id": "r", "trigger": STREAM})
    api.put(DS + "/triggers/routing/exceptions", json={"status": "ok"})
    assert client.create_stream(DATASET, StreamNew(name="routing")).name == "routing"
    assert sent(api, 0) == {"trigger": {"name": "routing"}}
    assert [s.name for s in client.list_streams(DATASET)] == ["routing"]
    assert client.fetch(DATASET, "routing").stream == "routing"
    client.advance(DATASET, "routing", "s")
    reset = client.reset(DATASET, "routing", datetime(2024, 1, 1))
    assert reset.stream is not None
    assert reset.stream.id == STREAM["id"]
    client.tag_exceptions(DATASET, "routing", [("s.c1", "Wrong Prediction")])


def test_delete_stream(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.delete(DS + "/streams/routing", json={"status": "ok"})
    client.delete_stream(DATASET, "routing")
    assert api.calls[0].request.method == "DELETE"


def test_delete_stream_404_after_a_retry_means_it_is_gone(
    api: responses.RequestsMock, client: ReinferClient
) -> None:
    api.delete(DS + "/streams/routing", status=503, json={"status": "error", "message": "down"})
    api.delete(DS + "/streams/routing", status=404, json={"status": "error", "message": "404 Not Found"})
    client.delete_stream(DATASET, "routing")
    assert len(api.calls) == 2


def test_delete_stream_404_on_first_attempt_is_an_error(
    api: responses.RequestsMock, client: ReinferClient
) -> None:
    api.delete(DS + "/streams/nope", status=404, json={"status": "error", "message": "404 Not Found"})
    with pytest.raises(
        NotFoundError, match="DELETE /api/v1/datasets/acme/retail-inbox/streams/nope returned 404"
    ):
        client.delete_stream(DATASET, "nope")


# --- reading a stream ----------------------------------------------------------------

FETCH = {
    "status": "ok",
    "filtered": 6,
    "is_end_sequence": False,
    "sequence_id": "batch-seq",
    "results": [
        {
            "comment": COMMENT,
            "sequence_id": "item-seq",
            "labels": [
                {"name": ["Order"], "probability": 0.5},
                {"name": ["Order", "Missing"], "probability": 0.91, "sentiment": -0.4},
                {"name": "Refund > Request", "probability": 0.7},
            ],
            "entities": [
                {
                    "id": "e1",
                    "name": "order_number",
                    "kind": "order_number",
                    "formatted_value": "123",
                    "spans": [
                        {
                            "content_part": "body",
                            "message_index": 0,
                            "char_start": 6,
                            "char_end": 9,
                            "utf16_byte_start": 12,
                            "utf16_byte_end": 18,
                        }
                    ],
                    "probability": None,
                    "capture_ids": [0],
                }
            ],
            "label_properties": [{"property_id": "0000000000000001", "property_name": "tone", "value": -2.5}],
            "future_field": {"x": 1},
        }
    ],
    "brand_new": True,
}


def test_fetch_normalises_the_batch(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.post(DS + "/streams/routing/fetch", json=FETCH, match=[matchers.json_params_matcher({"size": 8})])
    batch = client.fetch(DATASET, "routing", size=8)
    assert isinstance(batch, Batch)
    assert (batch.sequence_id, batch.filtered, batch.is_end_sequence, batch.stream) == (
        "batch-seq",
        6,
        False,
        "routing",
    )
    item = batch.results[0]
    assert item.uid == COMMENT["uid"]
    assert item.sequence_id == "item-seq"
    assert item.origin == "fetch"
    assert [(label.name, label.probability) for label in item.labels] == [
        ("Order > Missing", 0.91),
        ("Refund > Request", 0.7),
        ("Order", 0.5),
    ]
    assert item.labels[0].sentiment == -0.4
    assert item.entities[0].spans[0].utf16_byte_end == 18
    assert item.label_properties[0].property_name == "tone"
    assert item.model_extra == {"future_field": {"x": 1}}
    assert batch.model_extra == {"brand_new": True}
    dumped = batch.model_dump(mode="json")
    assert "status" not in dumped
    assert dumped["results"][0]["labels"][0]["name"] == "Order > Missing"


def test_fetch_sends_max_filtered_only_when_given(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.post(DS + "/streams/routing/fetch", json={**FETCH, "results": []})
    client.fetch(DATASET, "routing", size=4, max_filtered=100)
    client.fetch(DATASET, "routing")
    assert sent(api, 0) == {"size": 4, "max_filtered": 100}
    assert sent(api, 1) == {"size": 16}


RESULTS = {
    "status": "ok",
    "num_filtered": 2,
    "more_results": True,
    "continuation": "batch-cont",
    "results": [
        {
            "comment": COMMENT,
            "continuation": "item-cont",
            "prediction": {
                "taxonomies": [
                    {
                        "name": "default",
                        "labels": [
                            {
                                "name": "Order > Missing",
                                "occurrence_confidence": {"value": 0.8, "thresholds": ["stream", "balanced"]},
                                "fields": [
                                    {
                                        "name": "order_number",
                                        "value": {"formatted": "123"},
                                        "text_spans": [{"content_part": "body", "message_index": 0}],
                                    }
                                ],
                            },
                            {
                                "name": ["Refund", "Request"],
                                "occurrence_confidence": {"value": 0.9, "thresholds": []},
                            },
                        ],
                        "general_fields": [],
                    }
                ],
                "scores": [{"name": "tone", "value": 1.5}],
            },
            "extra_thing": 7,
        },
        {"comment": {**COMMENT, "uid": "s.c2", "id": "c2"}, "prediction": None, "continuation": "c2-cont"},
    ],
}


def test_results_normalise_into_the_same_batch(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.get(
        DS + "/streams/routing/results",
        json=RESULTS,
        match=[matchers.query_param_matcher({"max_results": "5", "max_filtered": "15"})],
    )
    batch = client.results(DATASET, "routing", max_results=5, max_filtered=15)
    assert (batch.sequence_id, batch.filtered, batch.is_end_sequence, batch.stream) == (
        "batch-cont",
        2,
        False,
        "routing",
    )
    first, second = batch.results
    assert first.origin == "results"
    assert first.sequence_id == "item-cont"
    assert [label.name for label in first.labels] == ["Refund > Request", "Order > Missing"]
    missing = first.labels[1]
    assert missing.auto_thresholds == ["balanced"]
    assert first.entities[0].formatted_value == "123"
    assert first.label_properties[0].property_name == "tone"
    assert second.uid == "s.c2"
    assert second.labels == []


def test_results_omit_max_filtered_when_not_given(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.get(
        DS + "/streams/routing/results",
        json={**RESULTS, "results": []},
        match=[matchers.query_param_matcher({"max_results": "16"})],
    )
    assert client.results(DATASET, "routing").results == []


def test_advance_sends_the_sequence_id(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.post(
        DS + "/streams/routing/advance",
        json={"status": "ok", "sequence_id": "seq-9"},
        match=[matchers.json_params_matcher({"sequence_id": "seq-9"})],
    )
    client.advance(DATASET, "routing", "seq-9")
    assert len(api.calls) == 1


def test_advance_without_a_sequence_id_fails_before_calling(client: ReinferClient) -> None:
    with pytest.raises(ReinferConfigurationError, match="sequence id is empty"):
        client.advance(DATASET, "routing", "")


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2024, 1, 2, 3, 4, 5),
        datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone.utc),
        datetime(2024, 1, 2, 5, 4, 5, tzinfo=timezone(timedelta(hours=2))),
    ],
)
def test_reset_sends_utc_with_z(api: responses.RequestsMock, client: ReinferClient, moment: datetime) -> None:
    api.post(
        DS + "/streams/routing/reset", json={"status": "ok", "sequence_id": "reset-seq", "stream": STREAM}
    )
    result = client.reset(DATASET, "routing", moment)
    assert sent(api) == {"to_comment_created_at": "2024-01-02T03:04:05.000000Z"}
    assert result.sequence_id == "reset-seq"
    assert result.stream is not None
    assert result.stream.name == "routing"


def test_tag_and_untag_exceptions(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.put(DS + "/streams/routing/exceptions", json={"status": "ok"})
    api.delete(
        DS + "/streams/routing/exceptions",
        json={"status": "ok"},
        match=[matchers.query_string_matcher("uid=s.c1&uid=s.c2")],
    )
    client.tag_exceptions(DATASET, "routing", [("s.c1", "No Prediction"), ("s.c2", "Wrong Prediction")])
    client.untag_exceptions(DATASET, "routing", ["s.c1", "s.c2"])
    assert sent(api) == {
        "exceptions": [
            {"metadata": {"type": "No Prediction"}, "uid": "s.c1"},
            {"metadata": {"type": "Wrong Prediction"}, "uid": "s.c2"},
        ]
    }
    assert api.calls[1].request.body is None


def test_nothing_to_tag_or_untag_sends_nothing(client: ReinferClient) -> None:
    client.tag_exceptions(DATASET, "routing", [])
    client.untag_exceptions(DATASET, "routing", [])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-09-01T08:00:00+02:00", "2025-09-01T06:00:00.000000Z"),
        ("2025-09-01T08:00:00+0200", "2025-09-01T06:00:00.000000Z"),
        ("2025-09-01T06:00:00Z", "2025-09-01T06:00:00.000000Z"),
        ("2025-09-01t06:00:00z", "2025-09-01T06:00:00.000000Z"),
        ("2025-09-01 06:00:00", "2025-09-01T06:00:00.000000Z"),  # no zone: UTC
        ("2025-09-01 06:00", "2025-09-01T06:00:00.000000Z"),
        ("2025-09-01", "2025-09-01T00:00:00.000000Z"),
        ("2025-09-01T06:00:00.5-05:00", "2025-09-01T11:00:00.500000Z"),
        ("2025-09-01T06:00:00.123456Z", "2025-09-01T06:00:00.123456Z"),
        ("  2025-09-01T06:00:00Z ", "2025-09-01T06:00:00.000000Z"),
    ],
)
def test_reset_reads_iso_8601_strings_with_their_zone(
    api: responses.RequestsMock, client: ReinferClient, text: str, expected: str
) -> None:
    api.post(DS + "/streams/routing/reset", json={"status": "ok", "sequence_id": "r"})
    client.reset(DATASET, "routing", text)
    assert sent(api) == {"to_comment_created_at": expected}
    assert iso_utc(parse_moment(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "yesterday",
        "1700000000",
        "2025-13-01",
        "2025-09-01T25:00:00",
        "2025-09-01T08:00:00+02:00:00",
        "01.09.2025 08:00",
        "2025-09-01T08:00:00 CEST",
        "",
    ],
)
def test_reset_refuses_what_is_not_iso_8601_before_calling(
    api: responses.RequestsMock, client: ReinferClient, text: str
) -> None:
    with pytest.raises(ReinferConfigurationError) as caught:
        client.reset(DATASET, "routing", text)
    message = str(caught.value)
    assert message.startswith("Time ")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda c: c.fetch(DATASET, "routing", size=0),
            r"Invalid fetch request: size: .*greater than or equal to 1",
        ),
        (
            lambda c: c.fetch(DATASET, "routing", size=1025),
            r"Invalid fetch request: size: .*less than or equal to 1024",
        ),
        (lambda c: c.fetch(DATASET, "routing", max_filtered=0), r"Invalid fetch request: max_filtered:"),
        (lambda c: c.fetch(DATASET, "routing", max_filtered=5000), r"Invalid fetch request: max_filtered:"),
        (lambda c: c.results(DATASET, "routing", max_results=0), r"Invalid results request: max_results:"),
        (
            lambda c: c.results(DATASET, "routing", max_filtered=2000),
            r"Invalid results request: max_filtered:",
        ),
        (lambda c: c.advance(DATASET, "routing", "   "), r"the sequence id is empty"),
        (lambda c: c.tag_exceptions(DATASET, "routing", [("", "No Prediction")]), r"exceptions\.0\.uid:"),
        (lambda c: c.tag_exceptions(DATASET, "routing", [("s.c1", " ")]), r"exceptions\.0\.metadata\.type:"),
        (lambda c: c.untag_exceptions(DATASET, "routing", ["s.c1", ""]), r"Invalid untag request: uids\.1:"),
    ],
)
def test_stream_requests_are_checked_before_the_call(client: ReinferClient, call: Any, message: str) -> None:
    # No fake HTTP is registered: a request would fail with a connection error, not this.
    with pytest.raises(ReinferConfigurationError, match=message) as caught:
        call(client)
    assert "\n" not in str(caught.value)


def _fetched(results: int, filtered: int, **extra: Any) -> dict[str, Any]:
    item = FETCH["results"][0]  # type: ignore[index]
    return {"status": "ok", "sequence_id": "s", "filtered": filtered, "results": [item] * results, **extra}


@pytest.mark.parametrize(
    ("answer", "size", "end"),
    [
        (_fetched(0, 0), 16, True),  # nothing left
        (_fetched(3, 0), 16, True),  # fewer than asked, nothing filtered: the stream ran out
        (_fetched(4, 0), 4, False),  # a full batch: there may be more
        (_fetched(0, 7), 16, False),  # cut short by max_filtered: not the end
        (_fetched(2, 1), 16, False),
        (_fetched(0, 0, is_end_sequence=False), 16, False),  # the server's word wins
        (_fetched(4, 0, is_end_sequence=True), 4, True),
    ],
)
def test_is_end_sequence_is_inferred_only_when_the_answer_lacks_it(
    api: responses.RequestsMock, client: ReinferClient, answer: dict[str, Any], size: int, end: bool
) -> None:
    api.post(DS + "/streams/routing/fetch", json=answer)
    assert client.fetch(DATASET, "routing", size=size).is_end_sequence is end


# --- datasets, sources, comments -----------------------------------------------------


def test_get_dataset(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.get(
        DS,
        json={
            "status": "ok",
            "dataset": {
                "id": "abcdef0123456789",
                "owner": "acme",
                "name": "retail-inbox",
                "title": "Retail inbox",
                "label_defs": [{"name": "Order > Missing"}, {"name": ["Refund", "Request"]}],
                "entity_defs": [{"name": "order_number", "title": "Order number", "kind": "order_number"}],
                "source_ids": ["18ba5ce699f8da1f"],
                "created": "2024-01-01T00:00:00Z",
                "_dataset_flags": [],
            },
        },
    )
    dataset = client.get_dataset(DATASET)
    assert dataset.full_name == "acme/retail-inbox"
    assert dataset.label_names == ["Order > Missing", "Refund > Request"]
    assert dataset.entity_defs[0].kind == "order_number"
    assert dataset.model_extra == {"_dataset_flags": []}


def test_get_comment(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.get(SRC + "/comments/c1", json={"status": "ok", "comment": COMMENT})
    comment = client.get_comment("acme/retail-inbox", "c1")
    assert comment.uid == COMMENT["uid"]
    assert comment.messages[0].from_ == "a@b.c"


def test_sync_comments(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.post(
        SRC + "/sync",
        json={"status": "ok", "new": 1, "updated": 1, "unchanged": 0, "updated_properties_only": 0},
    )
    when = datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)
    result = client.sync_comments(
        "acme/retail-inbox",
        [
            {"id": "c1", "timestamp": when, "messages": [{"body": {"text": "hi"}}]},
            {"id": "c2", "messages": []},
        ],
    )
    assert (result.new, result.updated, result.unchanged) == (1, 1, 0)
    assert result.model_extra == {"updated_properties_only": 0}
    assert "status" not in result.model_dump()
    assert sent(api)["comments"][0]["timestamp"] == "2024-05-01T09:30:00+00:00"


def test_sync_rejects_non_mappings_before_calling(client: ReinferClient) -> None:
    with pytest.raises(ReinferConfigurationError, match="Comment 1 must be a dictionary"):
        client.sync_comments("acme/retail-inbox", [{"id": "c1"}, "c2"])  # type: ignore[list-item]


def test_sync_rejects_unserialisable_values_before_calling(client: ReinferClient) -> None:
    with pytest.raises(ReinferConfigurationError, match="cannot be sent as JSON"):
        client.sync_comments("acme/retail-inbox", [{"id": "c1", "user_properties": {"x": object()}}])


# --- predictions ---------------------------------------------------------------------

DOCS = [{"messages": [{"body": {"text": "Where is my order?"}}], "timestamp": "2024-01-01T00:00:00Z"}]


def test_predict_body_and_items(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.post(
        DS + "/labellers/live/predict",
        json={
            "status": "ok",
            "model": {"version": 8, "time": "2024-01-01T00:00:00Z"},
            "predictions": [
                [{"name": ["Order"], "probability": 0.6}, {"name": ["Order", "Late"], "probability": 0.8}]
            ],
            "entities": [[]],
            "label_properties": [[{"property_id": "1", "property_name": "tone", "value": 3}]],
            "sentiment": [{"total": 0.25}],
        },
    )
    items = client.predict(
        DATASET, "live", DOCS, threshold=0.3, labels=[("Order > Late", 0.5), ("Order", None)]
    )
    assert sent(api) == {
        "documents": DOCS,
        "threshold": 0.3,
        "labels": [{"name": ["Order", "Late"], "threshold": 0.5}, {"name": ["Order"]}],
    }
    assert len(items) == 1
    item = items[0]
    assert isinstance(item, Item)
    assert item.origin == "predict"
    assert item.uid == ""
    assert item.model is not None
    assert item.model.version == 8
    assert [label.name for label in item.labels] == ["Order > Late", "Order"]
    assert item.sentiment == 0.25
    assert item.label_properties[0].value == 3


def test_predict_auto_threshold(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.post(
        DS + "/labellers/8/predict",
        json={
            "status": "ok",
            "model": None,
            "predictions": [[{"name": ["Order"], "probability": 0.9, "auto_thresholds": ["balanced"]}]],
        },
    )
    items = client.predict(DATASET, 8, DOCS, threshold="auto")
    assert sent(api)["threshold"] == "auto"
    assert items[0].labels[0].auto_thresholds == ["balanced"]
    assert items[0].model is None


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"threshold": 1.5}, "threshold"),
        ({"threshold": "high"}, "threshold"),
        ({"labels": [("Order", 2.0)]}, "label filter"),
        ({"labels": [("Order > ", 0.5)]}, "label filter"),
        ({"documents": [{"messages": [{"body": {"text": "x"}}], "colour": "red"}]}, "colour"),
        ({"documents": [{"messages": []}]}, "messages"),
    ],
)
def test_predict_rejects_bad_requests_before_calling(
    client: ReinferClient, kwargs: dict[str, Any], fragment: str
) -> None:
    arguments: dict[str, Any] = {"documents": DOCS, **kwargs}
    with pytest.raises(ReinferConfigurationError, match=fragment):
        client.predict(DATASET, 8, **arguments)


def test_predict_with_no_documents_makes_no_call(client: ReinferClient) -> None:
    assert client.predict(DATASET, 8, []) == []
    assert client.predict_comments(DATASET, 8, []) == []
    assert client.predict_raw_emails(DATASET, 8, []) == []


def test_predict_comments(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.post(
        DS + "/labellers/staging/predict-comments",
        json={
            "status": "ok",
            "model": {"version": 9, "time": None},
            "predictions": [
                {
                    "uid": "s.c1",
                    "labels": [
                        {"name": ["Praise"], "probability": 0.2, "auto_thresholds": []},
                        {"name": ["Complaint"], "probability": 0.95, "auto_thresholds": ["high_recall"]},
                    ],
                    "entities": [],
                    "sentiment": {"total": -0.5},
                },
                {"uid": "s.c2", "labels": []},
            ],
        },
    )
    items = client.predict_comments(DATASET, "staging", ["s.c1", "s.c2"], threshold="auto")
    assert sent(api) == {"uids": ["s.c1", "s.c2"], "threshold": "auto"}
    assert [item.uid for item in items] == ["s.c1", "s.c2"]
    assert [label.name for label in items[0].labels] == ["Complaint", "Praise"]
    assert items[0].sentiment == -0.5
    assert items[1].sentiment is None
    assert all(item.origin == "predict" and item.model is not None for item in items)


def test_predict_raw_emails_attaches_parsed_comments(
    api: responses.RequestsMock, client: ReinferClient
) -> None:
    api.post(
        DS + "/labellers/8/predict-raw-emails",
        json={
            "status": "ok",
            "model": {"version": 8},
            "predictions": [[{"name": ["Order"], "probability": 0.7}]],
            "comments": [
                {
                    "id": "",
                    "timestamp": "2024-01-01T00:00:00Z",
                    "messages": [{"body": {"text": "parsed"}, "subject": {"text": "Hi"}}],
                    "user_properties": {},
                    "thread_id": None,
                }
            ],
        },
    )
    raw = [
        {"raw_email": {"headers": {"raw": "Subject: Hi"}, "body": {"plain": "parsed"}}, "comment_id": "m1"}
    ]
    items = client.predict_raw_emails(DATASET, 8, raw, threshold=0.1)
    assert sent(api) == {"documents": raw, "threshold": 0.1, "include_comments": True}
    assert items[0].comment is not None
    assert items[0].comment.messages[0].body.text == "parsed"
    assert items[0].labels[0].name == "Order"


def test_predict_raw_emails_without_comments(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.post(
        DS + "/labellers/8/predict-raw-emails",
        json={"status": "ok", "model": None, "predictions": [[]]},
    )
    items = client.predict_raw_emails(DATASET, 8, [{"raw_email": {"body": {}}}], include_comments=False)
    assert sent(api)["include_comments"] is False
    assert items[0].comment is None


# --- models and validation -----------------------------------------------------------


def test_get_model_tags(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.get(
        DS + "/model-tags",
        json={
            "status": "ok",
            "model_tags": [
                {"name": "live", "version": 3, "updated_at": "2024-01-01T00:00:00Z"},
                {"name": "staging", "version": 4},
            ],
        },
    )
    tags = client.get_model_tags(DATASET)
    assert {tag.name: tag.version for tag in tags} == {"live": 3, "staging": 4}


def test_get_validation(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.get(
        DS + "/labellers/3/validation",
        json={
            "status": "ok",
            "validation": {
                "version": 3,
                "labels": [{"name": "Order > Missing", "parts": ["Order", "Missing"]}],
                "num_reviewed_comments": 420,
                "dataset_quality": "good",
                "dataset_score": 78,
                "mean_average_precision_safe": 0.81,
            },
        },
    )
    summary = client.get_validation(DATASET, 3)
    assert summary.version == 3
    assert summary.labels[0].parts == ["Order", "Missing"]
    assert summary.dataset_score == 78
    assert summary.mean_average_precision_safe == 0.81


def test_get_label_validation(api: responses.RequestsMock, client: ReinferClient) -> None:
    api.post(
        BASE + "/api/_private/datasets/acme/retail-inbox/labellers/3/label-validation",
        json={
            "status": "ok",
            "label_validation": {
                "thresholds": [0.9, 0.5, 0.1],
                "precisions": [1.0, 0.8, 0.5],
                "recalls": [0.2, 0.6, 0.95],
                "average_precision": 0.77,
                "optimal_thresholds": {"high_recall": 0.2, "balanced": 0.5, "high_precision": 0.85},
                "train_size": 40,
                "test_size": 10,
                "health": {"status": "good"},
            },
        },
        match=[matchers.json_params_matcher({"label": "Order > Missing"})],
    )
    curve = client.get_label_validation(DATASET, 3, "Order>Missing")
    assert curve.optimal_thresholds is not None
    assert curve.optimal_thresholds.balanced == 0.5
    assert curve.at_threshold(0.6) == (0.8, 0.6)


def test_get_label_validation_rejects_empty_label(client: ReinferClient) -> None:
    with pytest.raises(ReinferConfigurationError, match="Invalid label name"):
        client.get_label_validation(DATASET, 3, " > Missing")


def test_close_closes_the_session(client: ReinferClient) -> None:
    closed: list[bool] = []
    client.transport.session.close = lambda: closed.append(True)  # type: ignore[method-assign]
    client.close()
    assert closed == [True]
