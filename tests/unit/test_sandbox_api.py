"""The sandbox over real HTTP: one server (subprocess) for the module, a small dataset built
through the API itself (project, source, dataset, sync, reviewed labels, two trained model
versions), so the assertions do not depend on the demo data."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from sandbox_http import Api

from ReinferLibrary.sandbox.runner import SandboxServer

pytestmark = pytest.mark.sandbox

OWNER = "shop"
NAME = "inbox"
DATASET = f"/api/v1/datasets/{OWNER}/{NAME}"
SOURCE = f"/api/v1/sources/{OWNER}/{NAME}"
ADMIN = f"/api/_sandbox/datasets/{OWNER}/{NAME}"
LABELS = ["Shipping > Lost", "Shipping > Damaged", "Refund", "Praise"]
TAXONOMY = ["Shipping", *LABELS]  # the parent label exists too
TEMPLATES = {
    "Shipping > Lost": [
        "My parcel {n} never arrived and the tracking has not moved",
        "Where is my package {n}? It seems to be lost",
        "The courier says delivered but package {n} is missing",
    ],
    "Shipping > Damaged": [
        "The box for order {n} arrived broken and smashed",
        "Item {n} came damaged, the glass is cracked",
        "Order {n} was crushed in transit, the lid is dented",
    ],
    "Refund": [
        "I want a refund for order {n} please",
        "Please give me my money back for {n}",
        "Refund the payment of order {n} to my card",
    ],
    "Praise": [
        "Thank you so much for order {n}, great service",
        "Brilliant staff, very happy with {n}",
        "Lovely experience, thanks to your team for {n}",
    ],
}
COUNT = 60


def fixture_comments(start: int, count: int) -> list[tuple[dict[str, Any], list[str]]]:
    """Deterministic comments with their assigned labels."""
    made = []
    for i in range(start, start + count):
        label = LABELS[i % len(LABELS)]
        text = TEMPLATES[label][i % 3].format(n=f"ACM-{100000 + i}")
        labels = [label]
        if label == "Shipping > Damaged" and i % 2 == 0:
            text += ". I want a refund."
            labels.append("Refund")
        comment = {
            "id": f"c{i:03d}",
            "timestamp": f"2024-03-{1 + i // 24:02d}T{i % 24:02d}:00:00Z",
            "user_properties": {
                "string:Country": "FR" if i % 10 == 0 else ("UK" if i % 2 else "DE"),
                "number:Spend": i,
            },
            "messages": [
                {
                    "from": f"customer{i}@{'mail.test' if i % 3 == 0 else 'example.com'}",
                    "to": ["help@shop.example"],
                    "subject": {"text": f"About {i}"},
                    "body": {"text": text},
                }
            ],
        }
        made.append((comment, labels))
    return made


@pytest.fixture(scope="module")
def server() -> Iterator[SandboxServer]:
    with SandboxServer(seed="none") as running:
        yield running


@pytest.fixture(scope="module")
def api(server: SandboxServer) -> Api:
    assert server.url is not None
    client = Api(server.url, server.token)
    client.ok("PUT", f"/api/_private/projects/{OWNER}", {"project": {"title": "Shop"}})
    source = client.ok("PUT", SOURCE, {"source": {"title": "Inbox", "_timezone": "Europe/London"}})["source"]
    client.ok(
        "PUT",
        DATASET,
        {
            "dataset": {
                "source_ids": [source["id"]],
                "title": "Inbox triage",
                "label_defs": [{"name": name} for name in LABELS],
                "entity_defs": [{"name": "order_number", "title": "Order Number"}],
            }
        },
    )
    made = fixture_comments(0, COUNT)
    sync = client.ok("POST", f"{SOURCE}/sync", {"comments": [comment for comment, _ in made]})
    assert sync["new"] == COUNT
    client.ok(
        "PUT",
        f"{ADMIN}/labellings",
        {"labellings": [{"uid": f"{source['id']}.{c['id']}", "labels": labels} for c, labels in made]},
    )
    assert client.ok("POST", f"{ADMIN}/train", {"tags": ["live"], "seed": 1})["version"] == 1
    assert client.ok("POST", f"{ADMIN}/train", {"tags": ["staging"], "seed": 2})["version"] == 2
    return client


@pytest.fixture(scope="module")
def source_id(api: Api) -> str:
    source_id: str = api.ok("GET", SOURCE)["source"]["id"]
    return source_id


def make_stream(
    api: Api, name: str, threshold: float | None = 0.5, version: int | None = 1, **extra: Any
) -> str:
    stream: dict[str, Any] = {"name": name, **extra}
    if version is not None:
        thresholds = (
            []
            if threshold is None
            else [{"name": label.split(" > "), "threshold": threshold} for label in TAXONOMY]
        )
        stream["model"] = {"version": version, "label_thresholds": thresholds}
    api.ok("PUT", f"{DATASET}/streams", {"stream": stream})
    return f"{DATASET}/streams/{name}"


def fetch(api: Api, stream: str, size: int = 10, **extra: Any) -> dict[str, Any]:
    return api.ok("POST", f"{stream}/fetch", {"size": size, **extra})


def drain(api: Api, stream: str, size: int = 16) -> list[str]:
    """Consume a stream to its end the way the reinfer CLI does; returns the comment ids."""
    seen: list[str] = []
    for _ in range(200):
        batch = fetch(api, stream, size)
        seen += [item["comment"]["id"] for item in batch["results"]]
        api.ok("POST", f"{stream}/advance", {"sequence_id": batch["sequence_id"]})
        if batch["is_end_sequence"]:
            return seen
    raise AssertionError("the stream never ended")


# --- auth, envelopes, errors -------------------------------------------------------------------


def test_every_api_route_needs_the_bearer_token(server: SandboxServer, api: Api) -> None:
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": server.token}):
        response = requests.get(f"{server.url}/api/v1/projects", headers=headers, timeout=10)
        assert response.status_code == 401
        assert response.json() == {
            "status": "error",
            "message": "401 Unauthorized: missing or invalid bearer token",
        }
    assert requests.get(f"{server.url}/api/_sandbox/health", timeout=10).json() == {
        "status": "ok",
        "ready": True,
    }


def test_unknown_routes_and_methods_answer_envelopes(api: Api) -> None:
    assert (
        api.error(404, "GET", "/api/v1/nothing/here")
        == "404 Not Found: no route matches GET /api/v1/nothing/here"
    )
    assert "DELETE is not allowed" in api.error(405, "DELETE", "/api/v1/projects")
    assert "dataset 'shop/missing' does not exist" in api.error(404, "GET", "/api/v1/datasets/shop/missing")
    assert "stream 'nope' does not exist" in api.error(
        404, "POST", f"{DATASET}/streams/nope/fetch", {"size": 1}
    )
    assert "trigger 'nope' does not exist" in api.error(404, "GET", f"{DATASET}/triggers/nope")


def test_validation_errors_are_400s_naming_the_field(api: Api) -> None:
    stream = make_stream(api, "validation")
    assert api.error(400, "POST", f"{stream}/fetch", {}) == "400 Bad Request: size: Field required"
    assert "size: Input should be greater than or equal to 1" in api.error(
        400, "POST", f"{stream}/fetch", {"size": 0}
    )
    assert "max_filtered: Input should be less than or equal to 1024" in api.error(
        400, "POST", f"{stream}/fetch", {"size": 1, "max_filtered": 5000}
    )
    assert "sizes: unknown or unsupported field" in api.error(
        400, "POST", f"{stream}/fetch", {"size": 1, "sizes": 2}
    )
    response = api.session.post(
        api.url + f"{stream}/fetch", data="{nope", headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400 and "not valid JSON" in response.json()["message"]
    bad_comments = {"comments": [fixture_comments(0, 1)[0][0], {"id": "x y", "messages": [{"body": {}}]}]}
    message = api.error(400, "POST", f"{SOURCE}/sync", bad_comments)
    assert "comments[1].id: 'x y' must be printable characters without '/' or spaces" in message
    assert "timestamp" not in message  # optional in the OpenAPI 3.1 CommentNew
    assert "comments[1].messages[0].body.text: Field required" in message
    bad_property = {"comments": [{**fixture_comments(0, 1)[0][0], "user_properties": {"Country": "UK"}}]}
    assert "comments[0].user_properties: key 'Country' must look like" in api.error(
        400, "POST", f"{SOURCE}/sync", bad_property
    )


# --- projects, sources, datasets, comments ---------------------------------------------------------


def test_projects_sources_and_datasets(api: Api, source_id: str) -> None:
    assert [p["name"] for p in api.ok("GET", "/api/v1/projects")["projects"]] == [OWNER]
    assert [s["id"] for s in api.ok("GET", f"/api/v1/sources/{OWNER}")["sources"]] == [source_id]
    assert api.ok("GET", f"/api/v1/sources/id:{source_id}")["source"]["name"] == NAME
    assert "already exists" in api.error(409, "PUT", SOURCE, {"source": {}})
    assert "project 'ghost' does not exist" in api.error(
        404, "PUT", "/api/v1/sources/ghost/src", {"source": {}}
    )
    dataset = api.ok("GET", DATASET)["dataset"]
    assert dataset["source_ids"] == [source_id]
    assert [label["name"] for label in dataset["label_defs"]] == TAXONOMY
    assert dataset["label_groups"][0]["name"] == "default"
    assert dataset["label_groups"][0]["label_defs"] == dataset["label_defs"]
    assert dataset["entity_defs"][0]["name"] == "order_number"
    assert dataset["has_sentiment"] is False
    for key in (
        "id",
        "owner",
        "name",
        "title",
        "created",
        "last_modified",
        "model_family",
        "_label_properties",
    ):
        assert key in dataset
    assert api.ok("GET", f"/api/v1/datasets/id:{dataset['id']}")["dataset"]["name"] == NAME
    assert [d["name"] for d in api.ok("GET", "/api/v1/datasets")["datasets"]] == [NAME]
    assert "does not exist" in api.error(404, "GET", "/api/v1/datasets/id:00000000000000ff")


def test_percent_encoded_owner_name_routes_like_the_plain_form(api: Api) -> None:
    make_stream(api, "encoded")
    plain = api.ok("GET", f"{DATASET}/streams/encoded")["stream"]
    encoded = api.ok("GET", f"/api/v1/datasets/{OWNER}%2F{NAME}/streams/encoded")["stream"]
    assert plain == encoded
    assert api.ok("POST", f"/api/v1/datasets/{OWNER}%2f{NAME}/streams/encoded/fetch", {"size": 1})["results"]


def test_sync_is_an_idempotent_upsert_with_counters(api: Api, source_id: str) -> None:
    original = fixture_comments(200, 3)
    comments = [comment for comment, _ in original]
    assert api.ok("POST", f"{SOURCE}/sync", {"comments": comments})["new"] == 3
    stored = api.ok("GET", f"{SOURCE}/comments/c200")["comment"]
    assert stored["uid"] == f"{source_id}.c200" and stored["source_id"] == source_id
    assert stored["messages"][0]["body"]["text"] == comments[0]["messages"][0]["body"]["text"]
    for key in ("created_at", "last_modified", "timestamp", "user_properties", "attachments"):
        assert key in stored
    changed = json.loads(json.dumps(comments))
    changed[1]["user_properties"]["string:Country"] = "IT"
    changed[2]["messages"][0]["body"]["text"] = "Completely different words now"
    counts = api.ok("POST", f"{SOURCE}/sync", {"comments": changed})
    assert {key: counts[key] for key in counts if key != "status"} == {
        "new": 0,
        "updated": 2,
        "unchanged": 1,
        "updated_properties_only": 1,
        "updated_text_changed": 1,
    }
    again = api.ok("GET", f"{SOURCE}/comments/c202")["comment"]
    assert again["created_at"] == api.ok("GET", f"{SOURCE}/comments/c202")["comment"]["created_at"]
    api.ok("DELETE", f"{SOURCE}/comments", id=["c200", "c201"])
    api.ok("DELETE", f"{SOURCE}/comments", ids="c202")
    assert "comment 'c200' does not exist" in api.error(404, "GET", f"{SOURCE}/comments/c200")
    assert "give at least one comment id" in api.error(400, "DELETE", f"{SOURCE}/comments")


# --- streams: definitions -----------------------------------------------------------------------


def test_stream_crud_and_trigger_aliases_share_one_store(api: Api) -> None:
    created = api.ok(
        "PUT",
        f"{DATASET}/triggers",
        {"trigger": {"name": "legacy", "title": "Old", "model": {"version": 1, "label_thresholds": []}}},
    )["trigger"]
    for key in ("id", "dataset_id", "name", "title", "description", "created_at", "updated_at"):
        assert key in created
    as_stream = api.ok("GET", f"{DATASET}/streams/legacy")["stream"]
    assert as_stream == created
    assert "legacy" in [s["name"] for s in api.ok("GET", f"{DATASET}/streams")["streams"]]
    assert "legacy" in [t["name"] for t in api.ok("GET", f"{DATASET}/triggers")["triggers"]]
    updated = api.ok("POST", f"{DATASET}/streams/legacy", {"stream": {"title": "New"}})["stream"]
    assert (updated["title"], updated["model"]) == ("New", created["model"])
    cleared = api.ok("POST", f"{DATASET}/triggers/legacy", {"trigger": {"model": None}})["trigger"]
    assert "model" not in cleared and cleared["title"] == "New"
    assert "already exists" in api.error(409, "PUT", f"{DATASET}/streams", {"stream": {"name": "legacy"}})
    api.ok("DELETE", f"{DATASET}/triggers/legacy")
    api.error(404, "GET", f"{DATASET}/streams/legacy")


def test_stream_definitions_are_checked(api: Api) -> None:
    def create(stream: dict[str, Any]) -> str:
        return api.error(400, "PUT", f"{DATASET}/streams", {"stream": stream})

    assert "version 9 of dataset shop/inbox is not pinned" in create({"name": "x", "model": {"version": 9}})
    unknown = {
        "name": "x",
        "model": {"version": 1, "label_thresholds": [{"name": ["Nope"], "threshold": 0.5}]},
    }
    assert "model.label_thresholds[0].name: label 'Nope' is not in model version 1" in create(unknown)
    assert "stream.name: 'bad name!'" in create({"name": "bad name!"})
    assert "stream.comment_filter.colour: unknown or unsupported field" in create(
        {"name": "x", "comment_filter": {"colour": {}}}
    )
    assert "stream.comment_filter.annotations.labels.any_of: unknown or unsupported field" in create(
        {"name": "x", "comment_filter": {"annotations": {"labels": {"any_of": ["A"]}}}}
    )


# --- streams: cursor semantics ----------------------------------------------------------------------


def test_fetch_never_moves_and_advance_sets_the_position(api: Api) -> None:
    stream = make_stream(api, "cursor")
    first = fetch(api, stream, 5)
    assert fetch(api, stream, 5) == first
    ids = [item["comment"]["id"] for item in first["results"]]
    assert ids == ["c000", "c001", "c002", "c003", "c004"]
    assert first["filtered"] == 0 and first["is_end_sequence"] is False
    assert len({item["sequence_id"] for item in first["results"]} | {first["sequence_id"]}) == 5
    assert first["results"][-1]["sequence_id"] == first["sequence_id"]
    # Individual advance: acknowledge the second comment only.
    assert api.ok("POST", f"{stream}/advance", {"sequence_id": first["results"][1]["sequence_id"]}) == {
        "status": "ok",
        "sequence_id": first["results"][1]["sequence_id"],
    }
    assert fetch(api, stream, 1)["results"][0]["comment"]["id"] == "c002"
    api.ok("POST", f"{stream}/advance", {"sequence_id": first["sequence_id"]})
    api.ok("POST", f"{stream}/advance", {"sequence_id": first["sequence_id"]})  # twice: no-op
    assert fetch(api, stream, 1)["results"][0]["comment"]["id"] == "c005"
    # Backwards is allowed: the position is set exactly.
    api.ok("POST", f"{stream}/advance", {"sequence_id": first["results"][0]["sequence_id"]})
    assert fetch(api, stream, 1)["results"][0]["comment"]["id"] == "c001"


def test_bad_sequence_ids_are_400s(api: Api) -> None:
    one = make_stream(api, "tokens-one")
    two = make_stream(api, "tokens-two")
    foreign = fetch(api, two, 1)["sequence_id"]
    assert "belongs to another stream, not to 'tokens-one'" in api.error(
        400, "POST", f"{one}/advance", {"sequence_id": foreign}
    )
    assert "not a sequence id issued by this server" in api.error(
        400, "POST", f"{one}/advance", {"sequence_id": "abc"}
    )
    assert "sequence_id: Field required" in api.error(400, "POST", f"{one}/advance", {})


def test_a_whole_stream_is_delivered_once_in_upload_order(api: Api) -> None:
    stream = make_stream(api, "whole")
    seen = drain(api, stream, 16)
    assert seen == [f"c{i:03d}" for i in range(COUNT)]
    end = fetch(api, stream, 16)
    assert end["results"] == [] and end["is_end_sequence"] is True and end["filtered"] == 0


def test_filtered_only_batches_need_an_advance(api: Api) -> None:
    french = {"user_properties": {"string:Country": {"one_of": ["FR"]}}}
    stream = make_stream(api, "french", comment_filter=french)
    first = fetch(api, stream, 10, max_filtered=3)
    assert first["results"][0]["comment"]["id"] == "c000"
    second_read = {"sequence_id": first["sequence_id"]}
    api.ok("POST", f"{stream}/advance", second_read)
    skipped = fetch(api, stream, 10, max_filtered=3)
    assert skipped["results"] == [] and skipped["filtered"] == 3 and not skipped["is_end_sequence"]
    assert fetch(api, stream, 10, max_filtered=3) == skipped  # stalls without an advance
    api.ok("POST", f"{stream}/advance", {"sequence_id": skipped["sequence_id"]})
    ids: list[str] = []
    filtered = first["filtered"] + skipped["filtered"]
    for _ in range(100):
        batch = fetch(api, stream, 10, max_filtered=3)
        ids += [item["comment"]["id"] for item in batch["results"]]
        filtered += batch["filtered"]
        api.ok("POST", f"{stream}/advance", {"sequence_id": batch["sequence_id"]})
        if batch["is_end_sequence"]:
            break
    assert ids == [f"c{i:03d}" for i in range(10, COUNT, 10)]
    assert filtered == COUNT - COUNT // 10
    # Without max_filtered the budget is 16 per read.
    default = make_stream(api, "french-default", comment_filter=french)
    api.ok("POST", f"{default}/advance", {"sequence_id": fetch(api, default, 1)["sequence_id"]})
    assert fetch(api, default, 10)["filtered"] == 16


def test_more_filters_over_http(api: Api) -> None:
    mail_test = make_stream(
        api, "mail-test", comment_filter={"messages": {"from": {"domain_one_of": ["mail.test"]}}}
    )
    assert drain(api, mail_test) == [f"c{i:03d}" for i in range(0, COUNT, 3)]
    window = {"timestamp": {"minimum": "2024-03-01T05:00:00Z", "maximum": "2024-03-01T07:00:00Z"}}
    assert drain(api, make_stream(api, "window", comment_filter=window)) == ["c005", "c006", "c007"]
    spend = {"user_properties": {"number:Spend": {"minimum": 57}}}
    assert drain(api, make_stream(api, "spend", comment_filter=spend)) == ["c057", "c058", "c059"]


def test_reset_moves_to_the_first_comment_created_at_or_after(api: Api) -> None:
    stream = make_stream(api, "reset")
    drain(api, stream)
    created = api.ok("GET", f"{SOURCE}/comments/c020")["comment"]["created_at"]
    answer = api.ok("POST", f"{stream}/reset", {"to_comment_created_at": created})
    assert answer["stream"]["name"] == "reset" and answer["sequence_id"]
    assert fetch(api, stream, 1)["results"][0]["comment"]["id"] == "c020"
    api.ok("POST", f"{stream}/reset", {"to_comment_created_at": "2000-01-01T00:00:00"})
    assert fetch(api, stream, 1)["results"][0]["comment"]["id"] == "c000"
    api.ok("POST", f"{stream}/reset", {"to_comment_created_at": "2999-01-01T00:00:00Z"})
    assert fetch(api, stream, 1)["results"] == []
    # The reset answer's sequence id is a position of this stream: advancing to it is fine.
    api.ok("POST", f"{stream}/advance", {"sequence_id": answer["sequence_id"]})
    assert fetch(api, stream, 1)["results"][0]["comment"]["id"] == "c020"
    assert "to_comment_created_at" in api.error(
        400, "POST", f"{stream}/reset", {"to_comment_created_at": "soon"}
    )


def test_comments_synced_later_reach_the_end_of_the_stream(api: Api) -> None:
    stream = make_stream(api, "live")
    drain(api, stream)
    late = fixture_comments(300, 2)
    api.ok("POST", f"{SOURCE}/sync", {"comments": [comment for comment, _ in late]})
    batch = fetch(api, stream, 10)
    assert [item["comment"]["id"] for item in batch["results"]] == ["c300", "c301"]
    assert batch["is_end_sequence"] is True
    api.ok("DELETE", f"{SOURCE}/comments", id=["c300", "c301"])


def test_stream_thresholds_decide_which_labels_come_back(api: Api, source_id: str) -> None:
    everything = make_stream(api, "zero", threshold=0.0)
    nothing = make_stream(api, "unset", threshold=None)
    half = make_stream(api, "half", threshold=0.5)
    zero = fetch(api, everything, 20)["results"]
    assert all(len(item["labels"]) == len(TAXONOMY) for item in zero)
    assert all(item["labels"] == [] for item in fetch(api, nothing, 20)["results"])
    by_id = {item["comment"]["uid"]: item for item in zero}
    for item in fetch(api, half, 20)["results"]:
        expected = [label for label in by_id[item["comment"]["uid"]]["labels"] if label["probability"] >= 0.5]
        assert item["labels"] == expected
        for label in item["labels"]:
            assert isinstance(label["name"], list)
        assert "entities" in item and "label_properties" in item
    lost = next(item for item in zero if item["comment"]["id"] == "c000")  # a "Shipping > Lost" text
    probabilities = {" > ".join(label["name"]): label["probability"] for label in lost["labels"]}
    assert probabilities["Shipping > Lost"] == max(probabilities[name] for name in LABELS)
    assert probabilities["Shipping"] >= probabilities["Shipping > Lost"]
    predicted = api.ok(
        "POST", f"{DATASET}/labellers/1/predict-comments", {"uids": [f"{source_id}.c000"], "threshold": 0}
    )
    assert {
        " > ".join(label["name"]): label["probability"] for label in predicted["predictions"][0]["labels"]
    } == probabilities


def test_streams_without_a_model_carry_no_predictions(api: Api) -> None:
    stream = make_stream(api, "plain", version=None)
    item = fetch(api, stream, 1)["results"][0]
    assert set(item) == {"comment", "sequence_id"}
    results = api.ok("GET", f"{stream}/results", max_results=1)
    assert results["results"][0]["prediction"] is None and results["model"] is None


def test_results_shape_and_continuations(api: Api) -> None:
    stream = make_stream(api, "newer", threshold=0.3)
    answer = api.ok("GET", f"{stream}/results", max_results=3)
    assert answer["num_filtered"] == 0 and answer["more_results"] is True
    assert len(answer["results"]) == 3
    first = answer["results"][0]
    taxonomy = first["prediction"]["taxonomies"][0]
    assert taxonomy["name"] == "default"
    for label in taxonomy["labels"]:
        assert isinstance(label["name"], str)
        assert label["occurrence_confidence"]["value"] >= 0.3
        assert label["occurrence_confidence"]["thresholds"][0] == "stream"
        assert set(label["occurrence_confidence"]["thresholds"][1:]) <= {
            "high_recall",
            "balanced",
            "high_precision",
            *(f"sampled_{index}" for index in range(6)),
        }
    assert {field["name"] for field in taxonomy["general_fields"]} == {"order_number"}
    assert set(taxonomy["general_fields"][0]["text_spans"][0]) == {
        "content_part",
        "message_index",
        "utf16_byte_start",
        "utf16_byte_end",
    }
    assert api.ok("GET", f"{stream}/results", max_results=3) == answer
    api.ok("POST", f"{stream}/advance", {"sequence_id": first["continuation"]})
    assert (
        api.ok("GET", f"/api/preview/datasets/{OWNER}/{NAME}/streams/newer/results", max_results=1)[
            "results"
        ][0]["comment"]["id"]
        == "c001"
    )
    # The advance model has only sequence_id: a /results continuation is sent under that key.
    assert "continuation: unknown or unsupported field" in api.error(
        400, "POST", f"{stream}/advance", {"continuation": answer["continuation"]}
    )
    api.ok("POST", f"{stream}/advance", {"sequence_id": answer["continuation"]})
    assert api.ok("GET", f"{stream}/results", max_results=1)["results"][0]["comment"]["id"] == "c003"
    assert "max_results" in api.error(400, "GET", f"{stream}/results", max_results=0)


def test_exceptions_are_stored_per_stream(api: Api, source_id: str) -> None:
    stream = make_stream(api, "exceptions")
    uid = f"{source_id}.c001"
    body = {"exceptions": [{"metadata": {"type": "Wrong Prediction"}, "uid": uid}]}
    api.ok("PUT", f"{stream}/exceptions", body)
    listed = api.ok("GET", f"{ADMIN}/streams/exceptions/exceptions")["exceptions"]
    assert [(item["uid"], item["metadata"]["type"]) for item in listed] == [(uid, "Wrong Prediction")]
    assert api.ok("GET", f"{ADMIN}/streams/whole/exceptions")["exceptions"] == []
    api.ok("DELETE", f"{stream}/exceptions", uid=[uid])
    assert api.ok("GET", f"{ADMIN}/streams/exceptions/exceptions")["exceptions"] == []
    assert "uid:" in api.error(400, "DELETE", f"{stream}/exceptions")
    assert "exceptions: List should have at least 1 item" in api.error(
        400, "PUT", f"{stream}/exceptions", {"exceptions": []}
    )


def test_concurrent_consumers_leave_a_consistent_position(api: Api) -> None:
    stream = make_stream(api, "crowd")
    seen: list[str] = []
    failures: list[str] = []
    lock = threading.Lock()

    def consume() -> None:
        session = Api(api.url, api.session.headers["Authorization"].split()[1])
        try:
            for _ in range(100):
                batch = session.ok("POST", f"{stream}/fetch", {"size": 4})
                with lock:
                    seen.extend(item["comment"]["id"] for item in batch["results"])
                if batch["is_end_sequence"] and not batch["results"]:
                    return
                session.ok("POST", f"{stream}/advance", {"sequence_id": batch["sequence_id"]})
        except AssertionError as error:
            failures.append(str(error))

    workers = [threading.Thread(target=consume) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert failures == []
    assert set(seen) == {f"c{i:03d}" for i in range(COUNT)}  # at least once, nothing lost
    position = api.ok("GET", f"{ADMIN}/streams/crowd")["position"]
    assert (position["consumed"], position["remaining"]) == (COUNT, 0)


# --- predictions, models, validation -----------------------------------------------------------------

DOCUMENT = {
    "messages": [{"body": {"text": "The parcel ACM-105555 arrived smashed and broken, the glass is cracked"}}]
}


def test_predict_with_versions_tags_and_thresholds(api: Api) -> None:
    live = api.ok("POST", f"{DATASET}/labellers/live/predict", {"documents": [DOCUMENT]})
    assert live["model"]["version"] == 1 and live["model"]["time"]
    assert (
        api.ok("POST", f"{DATASET}/labellers/staging/predict", {"documents": [DOCUMENT]})["model"]["version"]
        == 2
    )
    assert (
        api.ok("POST", f"{DATASET}/labellers/2/predict", {"documents": [DOCUMENT]})["model"]["version"] == 2
    )
    labels = live["predictions"][0]
    assert labels and all(label["probability"] >= 0.25 for label in labels)
    assert labels[0]["name"] in (["Shipping"], ["Shipping", "Damaged"])
    assert "auto_thresholds" not in labels[0]
    assert [entity["formatted_value"] for entity in live["entities"][0]] == ["ACM-105555"]
    assert [prop["property_name"] for prop in live["label_properties"][0]] == ["tone", "quality_of_service"]
    everything = api.ok(
        "POST", f"{DATASET}/labellers/1/predict", {"documents": [DOCUMENT, DOCUMENT], "threshold": 0}
    )
    assert [len(prediction) for prediction in everything["predictions"]] == [len(TAXONOMY)] * 2
    only = {"documents": [DOCUMENT], "threshold": 0.99, "labels": [{"name": ["Praise"], "threshold": 0}]}
    assert [
        label["name"] for label in api.ok("POST", f"{DATASET}/labellers/1/predict", only)["predictions"][0]
    ] == [["Praise"]]
    assert "labels[0].name: label 'Nope'" in api.error(
        400, "POST", f"{DATASET}/labellers/1/predict", {"documents": [DOCUMENT], "labels": [{"name": "Nope"}]}
    )
    assert "not pinned" in api.error(404, "POST", f"{DATASET}/labellers/9/predict", {"documents": [DOCUMENT]})
    assert "'latest' is not a version number" in api.error(
        404, "POST", f"{DATASET}/labellers/latest/predict", {"documents": [DOCUMENT]}
    )


def test_auto_thresholds_follow_the_validation(api: Api) -> None:
    answer = api.ok("POST", f"{DATASET}/labellers/1/predict", {"documents": [DOCUMENT], "threshold": "auto"})
    assert answer["predictions"][0], "the damaged text should clear some auto threshold"
    for label in answer["predictions"][0]:
        curve = api.ok(
            "POST",
            f"/api/_private/datasets/{OWNER}/{NAME}/labellers/1/label-validation",
            {"label": label["name"]},
        )["label_validation"]
        optimal = curve["optimal_thresholds"]
        expected = [
            name
            for name in ("high_recall", "balanced", "high_precision")
            if label["probability"] >= optimal[name]
        ]
        assert label["auto_thresholds"] == expected and expected


def test_predict_comments_and_raw_emails(api: Api, source_id: str) -> None:
    uids = [f"{source_id}.c001", f"{source_id}.c002"]
    answer = api.ok("POST", f"{DATASET}/labellers/live/predict-comments", {"uids": uids, "threshold": "auto"})
    assert [prediction["uid"] for prediction in answer["predictions"]] == uids
    assert all("auto_thresholds" in label for p in answer["predictions"] for label in p["labels"])
    assert "entities" in answer["predictions"][0] and "label_properties" in answer["predictions"][0]
    missing = f"{source_id}.nope"
    assert missing in api.error(404, "POST", f"{DATASET}/labellers/1/predict-comments", {"uids": [missing]})
    raw = {
        "raw_email": {
            "headers": {
                "raw": "From: Ann <ann@x.example>\nTo: help@shop.example\nSubject: Refund\n"
                "Date: Tue, 5 Mar 2024 10:00:00 +0000"
            },
            "body": {"html": "<p>I want a refund for order ACM-101234 please</p>"},
        }
    }
    emails = api.ok(
        "POST",
        f"{DATASET}/labellers/1/predict-raw-emails",
        {"documents": [raw], "include_comments": True, "threshold": 0},
    )
    comment = emails["comments"][0]
    assert comment["messages"][0]["from"] == "ann@x.example"
    assert comment["messages"][0]["subject"] == {"text": "Refund"}
    assert comment["messages"][0]["body"]["text"] == "I want a refund for order ACM-101234 please"
    assert comment["timestamp"] == "2024-03-05T10:00:00Z"
    probabilities = {" > ".join(label["name"]): label["probability"] for label in emails["predictions"][0]}
    assert max(probabilities, key=lambda name: probabilities[name]) == "Refund"


def test_model_tags_validation_and_retagging(api: Api) -> None:
    tags = {tag["name"]: tag["version"] for tag in api.ok("GET", f"{DATASET}/model-tags")["model_tags"]}
    assert tags == {"live": 1, "staging": 2}
    summary = api.ok("GET", f"{DATASET}/labellers/live/validation")["validation"]
    assert summary["version"] == 1
    assert [label["name"] for label in summary["labels"]] == TAXONOMY
    assert summary["labels"][1]["parts"] == ["Shipping", "Lost"]
    for key in (
        "num_reviewed_comments",
        "num_labels",
        "num_amber_labels",
        "num_red_labels",
        "dataset_quality",
        "dataset_score",
    ):
        assert key in summary
    curve = api.ok(
        "POST",
        f"/api/_private/datasets/{OWNER}/{NAME}/labellers/2/label-validation",
        {"label": "Shipping > Lost"},
    )["label_validation"]
    assert len(curve["thresholds"]) == len(curve["precisions"]) == len(curve["recalls"])
    assert curve["thresholds"] == sorted(curve["thresholds"], reverse=True)
    assert "label 'Nope' is not in model version 2" in api.error(
        404, "POST", f"/api/_private/datasets/{OWNER}/{NAME}/labellers/2/label-validation", {"label": "Nope"}
    )
    labellers = api.ok("POST", f"/api/_private/datasets/{OWNER}/{NAME}/labellers", {})["labellers"]
    assert [model["version"] for model in labellers] == [2, 1]
    api.ok("PUT", f"{ADMIN}/model-tags", {"name": "live", "version": 2})
    try:
        assert (
            api.ok("POST", f"{DATASET}/labellers/live/predict", {"documents": [DOCUMENT]})["model"]["version"]
            == 2
        )
    finally:
        api.ok("PUT", f"{ADMIN}/model-tags", {"name": "live", "version": 1})
    assert "not pinned" in api.error(404, "PUT", f"{ADMIN}/model-tags", {"name": "live", "version": 7})


# --- faults and docs ----------------------------------------------------------------------------------


def test_faults_can_be_switched_on_and_off_at_run_time(api: Api) -> None:
    stream = make_stream(api, "faulty")
    try:
        assert api.ok("PUT", "/api/_sandbox/faults", {"spec": "fetch:429@1.0"})["spec"] == "fetch:429@1.0"
        response = api.call("POST", f"{stream}/fetch", {"size": 1})
        assert response.status_code == 429 and response.headers["Retry-After"] == "1"
        assert response.json()["message"].startswith("429 Too Many Requests: injected")
        api.ok("PUT", "/api/_sandbox/faults", {"spec": "results:429-noretry,advance:503"})
        response = api.call("GET", f"{stream}/results")
        assert response.status_code == 429 and "Retry-After" not in response.headers
        assert api.call("POST", f"{stream}/advance", {"sequence_id": "x"}).status_code == 503
        assert api.ok("GET", "/api/_sandbox/faults")["spec"] == "results:429-noretry,advance:503"
        api.ok("PUT", "/api/_sandbox/faults", {"spec": "fetch:drop"})
        with pytest.raises(requests.ConnectionError):
            api.session.post(api.url + f"{stream}/fetch", json={"size": 1}, timeout=10)
        assert "unknown route 'fetchx'" in api.error(
            400, "PUT", "/api/_sandbox/faults", {"spec": "fetchx:500"}
        )
    finally:
        api.ok("PUT", "/api/_sandbox/faults", {"spec": ""})
    assert fetch(api, stream, 1)["results"]


def test_openapi_docs_describe_the_routes(server: SandboxServer) -> None:
    assert requests.get(f"{server.url}/docs", timeout=10).status_code == 200
    spec = requests.get(f"{server.url}/openapi.json", timeout=10).json()
    fetch_route = spec["paths"]["/api/v1/datasets/{owner}/{dataset}/streams/{name}/fetch"]["post"]
    assert fetch_route["summary"] == "Fetch a batch from a stream (does not move it)"
    assert "/api/v1/datasets/{owner}/{dataset}/triggers/{name}/advance" in spec["paths"]


def test_elasticsearch_routes_serve_the_pinned_versions_the_extractor_and_zero_shot(
    server: SandboxServer, api: Api
) -> None:
    headers = {"Authorization": f"ApiKey {server.token}"}
    models = requests.get(f"{server.url}/_ml/trained_models", headers=headers, timeout=10).json()
    assert [config["model_id"] for config in models["trained_model_configs"]] == [
        "inbox-ner",
        "inbox-v1",
        "inbox-v2",
        "sandbox-zero-shot",
    ]
    classifier = models["trained_model_configs"][1]["inference_config"]["text_classification"]
    assert classifier["classification_labels"] == TAXONOMY
    text = DOCUMENT["messages"][0]["body"]["text"]
    answer = requests.post(
        f"{server.url}/_ml/trained_models/inbox-v1/_infer",
        json={
            "docs": [{"text_field": text}],
            "inference_config": {"text_classification": {"num_top_classes": 2}},
        },
        headers=headers,
        timeout=30,
    ).json()
    assert answer["inference_results"][0]["predicted_value"] in ("Shipping", "Shipping > Damaged")
    entities = requests.post(
        f"{server.url}/_ml/trained_models/inbox-ner/_infer",
        json={"docs": [{"text": text}]},
        headers=headers,
        timeout=30,
    ).json()["inference_results"][0]["entities"]
    assert [entity["entity"] for entity in entities] == ["ACM-105555"]
    wrong = requests.get(
        f"{server.url}/_ml/trained_models", headers={"Authorization": "ApiKey nope"}, timeout=10
    )
    assert wrong.status_code == 401 and wrong.json()["error"]["type"] == "security_exception"


def test_the_remaining_routes(api: Api, source_id: str) -> None:
    assert [s["id"] for s in api.ok("GET", "/api/v1/sources")["sources"]] == [source_id]
    assert [d["name"] for d in api.ok("GET", f"/api/v1/datasets/{OWNER}")["datasets"]] == [NAME]
    spare = api.ok("PUT", f"/api/v1/sources/{OWNER}/spare", {"source": {"title": "Spare"}})["source"]
    renamed = api.ok("POST", f"/api/v1/sources/{OWNER}/spare", {"source": {"title": "Renamed"}})["source"]
    assert (renamed["id"], renamed["title"], renamed["created_at"]) == (
        spare["id"],
        "Renamed",
        spare["created_at"],
    )
    api.ok("POST", f"/api/v1/sources/{OWNER}/spare/sync", {"comments": [fixture_comments(400, 1)[0][0]]})
    api.ok("DELETE", f"/api/v1/sources/id:{spare['id']}")
    api.error(404, "GET", f"/api/v1/sources/{OWNER}/spare")
    full = api.ok("GET", f"/api/_private/datasets/{OWNER}/{NAME}/labellers/staging/validation")
    assert full["validation"]["version"] == 2 and set(full["validation"]["labels"]) == set(TAXONOMY)
    assert "precisions" not in full["validation"]["labels"]["Refund"]
    trigger = f"{DATASET}/triggers/old-style"
    api.ok("PUT", f"{DATASET}/triggers", {"trigger": {"name": "old-style"}})
    batch = api.ok("POST", f"{trigger}/fetch", {"size": 2})
    assert "labels" not in batch["results"][0]
    assert (
        api.ok("POST", f"{trigger}/advance", {"sequence_id": batch["sequence_id"]})["sequence_id"]
        == batch["sequence_id"]
    )
    reset = api.ok("POST", f"{trigger}/reset", {"to_comment_created_at": "2000-01-01T00:00:00Z"})
    assert reset["trigger"]["name"] == "old-style" and "stream" not in reset
    uid = batch["results"][0]["comment"]["uid"]
    api.ok(
        "PUT", f"{trigger}/exceptions", {"exceptions": [{"metadata": {"type": "No Prediction"}, "uid": uid}]}
    )
    api.ok("DELETE", f"{trigger}/exceptions", uid=uid)
