"""The sandbox answers the way the public documents say a real tenant does (issue 12, points 3, 10, 11).

One server for the module with a small dataset built through the API: a label with an
extraction field (``moon_form``), comments mentioning one or two orders, a trained version.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sandbox_http import Api

from ReinferLibrary.sandbox.app import MAX_BODY_BYTES
from ReinferLibrary.sandbox.runner import SandboxServer

pytestmark = pytest.mark.sandbox

OWNER = "fid"
NAME = "orders"
DATASET = f"/api/v1/datasets/{OWNER}/{NAME}"
SOURCE = f"/api/v1/sources/{OWNER}/{NAME}"
ADMIN = f"/api/_sandbox/datasets/{OWNER}/{NAME}"
MISSING = "Order > Missing"
TEXTS = {
    MISSING: [
        "Orders ACM-{a} and ACM-{b} never arrived, the tracking has not moved",
        "My parcel ACM-{a} is missing, it never came",
        "Both ACM-{a} and ACM-{b} are lost, nothing was delivered",
    ],
    "Praise": [
        "Thank you so much for order ACM-{a}, great service",
        "Brilliant staff, very happy",
        "Lovely experience, thanks to your team",
    ],
}
COUNT = 30


def _comments() -> list[tuple[dict[str, Any], str]]:
    made = []
    for i in range(COUNT):
        label = MISSING if i % 2 == 0 else "Praise"
        text = TEXTS[label][i % 3].format(a=100000 + i, b=200000 + i)
        comment = {
            "id": f"o{i:03d}",
            "timestamp": f"2024-04-01T{i % 24:02d}:00:00Z",
            "messages": [{"from": f"c{i}@example.com", "body": {"text": text}}],
        }
        made.append((comment, label))
    return made


@pytest.fixture(scope="module")
def api() -> Iterator[Api]:
    with SandboxServer(seed="none") as server:
        assert server.url is not None
        client = Api(server.url, server.token)
        client.ok("PUT", f"/api/_private/projects/{OWNER}", {"project": {"title": "Fidelity"}})
        source = client.ok("PUT", SOURCE, {"source": {"title": "Orders"}})["source"]
        order_field = {"name": "Order Number", "kind": "order_number", "instructions": "The order."}
        dataset = {
            "source_ids": [source["id"]],
            "label_defs": [{"name": MISSING, "moon_form": [order_field]}, {"name": "Praise"}],
            "entity_defs": [{"name": "order_number", "title": "Order Number"}],
        }
        client.ok("PUT", DATASET, {"dataset": dataset})
        made = _comments()
        client.ok("POST", f"{SOURCE}/sync", {"comments": [comment for comment, _ in made]})
        labellings = [{"uid": f"{source['id']}.{c['id']}", "labels": [label]} for c, label in made]
        client.ok("PUT", f"{ADMIN}/labellings", {"labellings": labellings})
        client.ok("POST", f"{ADMIN}/train", {"tags": ["live"], "seed": 1})
        thresholds = [
            {"name": ["Order", "Missing"], "threshold": 0.3},
            {"name": ["Praise"], "threshold": 0.3},
        ]
        stream = {"name": "all", "model": {"version": 1, "label_thresholds": thresholds}}
        client.ok("PUT", f"{DATASET}/streams", {"stream": stream})
        yield client


def _results(api: Api) -> list[dict[str, Any]]:
    answer = api.ok("GET", f"{DATASET}/streams/all/results", max_results=COUNT)
    results: list[dict[str, Any]] = answer["results"]
    assert len(results) == COUNT
    return results


# --- point 3: several occurrences of one label, with fields -----------------------------------------


def test_a_comment_about_two_orders_has_the_label_twice_with_its_fields(api: Api) -> None:
    results = {result["comment"]["id"]: result for result in _results(api)}
    fetched = api.ok("POST", f"{DATASET}/streams/all/fetch", {"size": COUNT})["results"]
    probability = {
        item["comment"]["id"]: {" > ".join(label["name"]): label["probability"] for label in item["labels"]}
        for item in fetched
    }
    two = results["o000"]["prediction"]["taxonomies"][0]["labels"]  # "Orders ACM-100000 and ACM-200000 ..."
    missing = [label for label in two if label["name"] == MISSING]
    assert len(missing) == 2
    values = [label["fields"][0]["value"]["formatted"] for label in missing]
    assert sorted(values) == ["ACM-100000", "ACM-200000"]
    assert all(label["fields"][0]["name"] == "Order Number" for label in missing)
    assert all(label["fields"][0]["text_spans"] for label in missing)
    confidences = [label["occurrence_confidence"]["value"] for label in missing]
    assert confidences[0] != confidences[1]
    # The highest occurrence is the classifier's probability: both routes give the same number.
    assert max(confidences) == pytest.approx(probability["o000"][MISSING])
    one = [
        label
        for label in results["o004"]["prediction"]["taxonomies"][0]["labels"]
        if label["name"] == MISSING
    ]
    assert len(one) == 1 and one[0]["fields"][0]["value"] == {"formatted": "ACM-100004"}
    # A label without fields has an empty field list.
    labels = results["o001"]["prediction"]["taxonomies"][0]["labels"]
    praise = [label for label in labels if label["name"] == "Praise"]
    assert len(praise) == 1 and praise[0]["fields"] == []


def test_the_client_merges_occurrences_into_one_label_with_the_highest_confidence(api: Api) -> None:
    from ReinferLibrary.client import ConnectionSettings, ReinferClient
    from ReinferLibrary.logic.labels import has_label

    token = api.session.headers["Authorization"].split(" ", 1)[1]
    client = ReinferClient(ConnectionSettings(url=api.url, token=str(token)))
    try:
        fetched = {
            item.comment.id: item for item in client.fetch(f"{OWNER}/{NAME}", "all", size=COUNT).results
        }  # type: ignore[union-attr]
        results = {
            item.comment.id: item
            for item in client.results(f"{OWNER}/{NAME}", "all", max_results=COUNT).results
        }  # type: ignore[union-attr]
    finally:
        client.close()
    item = results["o000"]
    (missing,) = [label for label in item.labels if label.name == MISSING]
    assert [occurrence.fields["Order Number"] for occurrence in missing.occurrences] == [
        "ACM-100000",
        "ACM-200000",
    ]
    assert missing.probability == max(occurrence.probability for occurrence in missing.occurrences)
    assert min(occurrence.probability for occurrence in missing.occurrences) < missing.probability
    # The same number on both routes, so the same threshold routes the same way.
    (on_fetch,) = [label for label in fetched["o000"].labels if label.name == MISSING]
    assert missing.probability == pytest.approx(on_fetch.probability)
    # Each occurrence's fields are a capture group of the item's entities.
    groups = {
        tuple(entity.capture_ids): entity.formatted_value for entity in item.entities if entity.capture_ids
    }
    assert sorted(groups.values()) == ["ACM-100000", "ACM-200000"]
    threshold = (min(o.probability for o in missing.occurrences) + missing.probability) / 2
    assert has_label(item, MISSING, threshold=threshold)


def test_results_carry_the_full_model_object_and_sampled_thresholds(api: Api) -> None:
    answer = api.ok("GET", f"{DATASET}/streams/all/results", max_results=COUNT)
    taxonomy = answer["model"]["definition"]["taxonomies"][0]
    assert set(taxonomy) == {"name", "instructions", "labels", "general_fields", "field_types"}
    by_name = {label["name"]: label for label in taxonomy["labels"]}
    field = by_name[MISSING]["fields"][0]
    assert field["name"] == "Order Number" and field["instructions"] == "The order."
    assert by_name["Praise"]["fields"] == []
    assert [general["name"] for general in taxonomy["general_fields"]] == ["order_number"]
    type_ids = {kind["field_type_id"] for kind in taxonomy["field_types"]}
    assert field["field_type_id"] in type_ids
    assert taxonomy["general_fields"][0]["field_type_id"] in type_ids
    names = {
        name
        for result in answer["results"]
        for label in result["prediction"]["taxonomies"][0]["labels"]
        for name in label["occurrence_confidence"]["thresholds"]
    }
    assert {f"sampled_{index}" for index in range(6)} & names


# --- point 10: strictness ---------------------------------------------------------------------------


def test_real_comment_filter_keys_are_accepted_and_stored(api: Api) -> None:
    comment_filter = {
        "entities": {"presence": [{"id": "0123456789abcdef", "rule": "present", "kind": "order_number"}]},
        "thread_properties": {"num_messages": {"minimum": 1}, "first_sender": {"one_of": ["a@b.c"]}},
        "trigger_exceptions": {"0123456789abcdef": {"one_of": [None, "Wrong Prediction"]}},
        "annotations": {"labels": {"one_of": ["Praise"]}},
    }
    stream = api.ok(
        "PUT", f"{DATASET}/streams", {"stream": {"name": "filtered", "comment_filter": comment_filter}}
    )
    assert set(stream["stream"]["comment_filter"]) == set(comment_filter)
    assert "comment_filter.colour" in api.error(
        400, "PUT", f"{DATASET}/streams", {"stream": {"name": "bad", "comment_filter": {"colour": {}}}}
    )


def test_advance_takes_only_sequence_id(api: Api) -> None:
    answer = api.ok("GET", f"{DATASET}/streams/all/results", max_results=1)
    advance = f"{DATASET}/streams/all/advance"
    assert "continuation: unknown or unsupported field" in api.error(
        400, "POST", advance, {"continuation": answer["continuation"]}
    )
    assert "continuation" in api.error(
        400, "POST", advance, {"sequence_id": answer["continuation"], "continuation": answer["continuation"]}
    )


def test_auto_is_a_request_threshold_not_a_per_label_one(api: Api) -> None:
    document = {"messages": [{"body": {"text": "Order ACM-123456 never arrived"}}]}
    predict = f"{DATASET}/labellers/1/predict"
    answer = api.ok("POST", predict, {"documents": [document], "threshold": "auto"})
    assert all("auto_thresholds" in label for label in answer["predictions"][0])
    per_label = {"documents": [document], "labels": [{"name": ["Praise"], "threshold": "auto"}]}
    assert "labels[0].threshold" in api.error(400, "POST", predict, per_label)
    as_text = {"documents": [document], "labels": [{"name": ["Praise"], "threshold": "0.5"}]}
    assert "labels[0].threshold" in api.error(400, "POST", predict, as_text)
    numbers = {"documents": [document], "labels": [{"name": ["Praise"], "threshold": 0}]}
    assert [label["name"] for label in api.ok("POST", predict, numbers)["predictions"][0]] == [["Praise"]]


def test_model_tags_are_the_lower_case_names_only(api: Api) -> None:
    document = {"messages": [{"body": {"text": "Thanks"}}]}
    assert (
        api.ok("POST", f"{DATASET}/labellers/live/predict", {"documents": [document]})["model"]["version"]
        == 1
    )
    for wrong in ("Live", "LIVE", "%201", "latest"):
        api.error(404, "POST", f"{DATASET}/labellers/{wrong}/predict", {"documents": [document]})


# --- point 11: what the official OpenAPI 3.1 specification allows or requires ------------------------


def test_empty_document_lists_are_allowed(api: Api) -> None:
    for route in ("predict", "predict-raw-emails"):
        answer = api.ok("POST", f"{DATASET}/labellers/1/{route}", {"documents": []})
        assert answer["predictions"] == [] and answer["entities"] == []


def test_sync_takes_comments_without_timestamp_or_messages(api: Api) -> None:
    sync = api.ok("POST", f"{SOURCE}/sync", {"comments": [{"id": "bare-1"}]}, no_charge="true")
    assert sync["new"] == 1
    comment = api.ok("GET", f"{SOURCE}/comments/bare-1", include_markup="false")["comment"]
    assert comment["messages"] == [] and comment["timestamp"].endswith("Z")
    assert "no_charge" in api.error(400, "POST", f"{SOURCE}/sync", {"comments": []}, no_charge="maybe")
    assert "include_markup" in api.error(400, "GET", f"{SOURCE}/comments/bare-1", include_markup="2")


def test_raw_emails_refuse_nulls_unknown_keys_and_over_long_text(api: Api) -> None:
    route = f"{DATASET}/labellers/1/predict-raw-emails"
    email = {
        "headers": {"raw": "Subject: Hello\nFrom: a@b.example"},
        "body": {"plain": "Where is ACM-123456?"},
    }
    answer = api.ok(
        "POST", route, {"documents": [{"raw_email": email}], "transform_tag": "generic.0.CONVKER5"}
    )
    assert len(answer["predictions"]) == 1
    bad = [
        {"documents": [{"raw_email": {**email, "body": {"plain": None}}}]},
        {"documents": [{"raw_email": {**email, "colour": "red"}}]},
        {"documents": [{"raw_email": email, "comment_id": None}]},
        {"documents": [{"raw_email": email}], "transform_tag": None},
        {"documents": [{"raw_email": {**email, "body": {"plain": "x" * 1_048_577}}}]},
    ]
    for body in bad:
        api.error(400, "POST", route, body)


def test_dataset_has_the_documented_shape(api: Api) -> None:
    dataset = api.ok("GET", DATASET)["dataset"]
    entity = dataset["entity_defs"][0]
    assert isinstance(entity["color"], int) and entity["_entity_def_flags"] == ["appears_verbatim"]
    assert dataset["_label_properties"] == ["0000000000000001", "0000000000000002"]
    assert dataset["_model_config"] == {"kind": "cm"}
    assert set(dataset["_preferred_locales"]) == {"default", "preferences"}

    def nulls(value: Any, path: str = "") -> list[str]:
        if value is None:
            return [path]
        if isinstance(value, dict):
            return [found for key, item in value.items() for found in nulls(item, f"{path}.{key}")]
        if isinstance(value, list):
            return [found for index, item in enumerate(value) for found in nulls(item, f"{path}[{index}]")]
        return []

    # label_collection_name is nullable in the model; nothing else is.
    assert [path for path in nulls(dataset) if not path.endswith("label_collection_name")] == []


def test_over_large_bodies_are_refused_before_reading(api: Api) -> None:
    body = b'{"documents": []' + b" " * MAX_BODY_BYTES + b"}"
    response = api.session.post(
        api.url + f"{DATASET}/labellers/1/predict", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["message"].startswith("413 Request Entity Too Large") or response.json()[
        "message"
    ].startswith("413 Content Too Large")


# --- point 9: smaller fidelity fixes, client against the sandbox -----------------------------------


def _client(api: Api, **settings: Any) -> Any:
    from ReinferLibrary.client import ConnectionSettings, ReinferClient

    token = str(api.session.headers["Authorization"]).split(" ", 1)[1]
    return ReinferClient(ConnectionSettings(url=api.url, token=token, **settings))


def test_results_on_legacy_triggers_is_refused_before_any_call(api: Api) -> None:
    from ReinferLibrary.errors import ReinferConfigurationError

    client = _client(api, legacy_triggers=True)
    with pytest.raises(ReinferConfigurationError, match="only for streams, not for legacy /triggers"):
        client.results(f"{OWNER}/{NAME}", "all")
    client.close()


def test_a_stream_model_can_be_removed_and_thresholds_are_optional(api: Api) -> None:
    from ReinferLibrary.models import StreamNew

    client = _client(api)
    dataset = f"{OWNER}/{NAME}"
    model = {"version": 1, "label_thresholds": [{"name": ["Praise"]}, {"name": MISSING, "threshold": 0.4}]}
    created = client.create_stream(dataset, StreamNew(name="optional-thresholds", model=model))
    assert created.model is not None
    assert [entry.threshold for entry in created.model.label_thresholds] == [None, 0.4]
    updated = client.update_stream(dataset, StreamNew(name="optional-thresholds"), remove_model=True)
    assert updated.model is None
    assert client.get_stream(dataset, "optional-thresholds").model is None
    client.close()


def test_raw_email_items_are_identified_by_their_comment_id(api: Api) -> None:
    client = _client(api)
    email = {"headers": {"raw": "Subject: Hi\nMessage-ID: <a@b>"}, "body": {"plain": "Where is ACM-123456?"}}
    documents = [{"raw_email": email}, {"raw_email": email, "comment_id": "mine-1"}]
    items = client.predict_raw_emails(f"{OWNER}/{NAME}", 1, documents)
    client.close()
    assert items[0].uid and items[0].uid == items[0].comment.id
    assert items[1].uid == "mine-1"


def test_an_entity_with_only_span_gets_spans() -> None:
    from ReinferLibrary.models import Entity

    span = {"content_part": "body", "message_index": 0, "char_start": 3, "char_end": 9}
    entity = Entity.model_validate({"name": "order_number", "formatted_value": "ACM-1", "span": span})
    assert [found.char_start for found in entity.spans] == [3]
