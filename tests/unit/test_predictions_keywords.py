"""Predict Text / Comments / Emails against fake HTTP: request bodies and the items they return."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import responses
from robot.utils import DotDict

from ReinferLibrary.errors import BadRequestError, ReinferConfigurationError
from ReinferLibrary.keywords import base
from ReinferLibrary.keywords.base import LibraryContext
from ReinferLibrary.keywords.entities import EntityKeywords
from ReinferLibrary.keywords.labels import LabelKeywords
from ReinferLibrary.keywords.predictions import PredictionKeywords
from ReinferLibrary.logic import predict_requests
from ReinferLibrary.logic.predict_requests import (
    text_document,
    threshold_request,
    typed_user_properties,
    uids_and_comments,
)
from ReinferLibrary.models import Batch, Item, ThresholdConfig

if TYPE_CHECKING:
    from conftest import LogRecorder

BASE = "http://reinfer.test"
DS = BASE + "/api/v1/datasets/acme/retail-inbox"
MODEL = {"version": 2, "time": "2021-02-17T12:56:13.444000Z"}
ENTITIES = [
    {
        "id": "e1",
        "name": "order_number",
        "kind": "order_number",
        "formatted_value": "ACM-104233",
        "span": {"content_part": "body", "message_index": 0, "char_start": 9, "char_end": 19},
        "spans": [{"content_part": "body", "message_index": 0, "char_start": 9, "char_end": 19}],
        "probability": None,
        "capture_ids": [],
    },
    {
        "id": "e2",
        "name": "order_number",
        "kind": "order_number",
        "formatted_value": "ACM-200001",
        "spans": [{"content_part": "body", "message_index": 0, "char_start": 40, "char_end": 50}],
        "probability": None,
        "capture_ids": [0],
    },
    {
        "id": "e3",
        "name": "monetary_quantity",
        "kind": "monetary_quantity",
        "formatted_value": "12.99 GBP",
        "spans": [{"content_part": "body", "message_index": 0, "char_start": 52, "char_end": 58}],
        "probability": None,
        "capture_ids": [0],
    },
]
PROPERTIES = [
    {"property_id": "0000000000000001", "property_name": "tone", "value": -1.8130283355712891},
    {"property_id": "0000000000000002", "property_name": "quality_of_service", "value": -3.0063242521},
]
PREDICT: dict[str, Any] = {
    "status": "ok",
    "model": MODEL,
    "predictions": [
        [
            {"name": ["Order"], "probability": 0.81, "auto_thresholds": ["high_recall", "balanced"]},
            {
                "name": ["Order", "Missing"],
                "probability": 0.93,
                "auto_thresholds": ["high_recall", "balanced", "high_precision"],
            },
            {"name": ["Complaint"], "probability": 0.31, "auto_thresholds": ["high_recall"]},
        ]
    ],
    "entities": [ENTITIES],
    "label_properties": [PROPERTIES],
    "sentiment": [{"total": -0.4}],
}
TAXONOMY = ["Order", "Order > Missing", "Refund", "Complaint"]
DATASET = {
    "status": "ok",
    "dataset": {"owner": "acme", "name": "retail-inbox", "label_defs": [{"name": name} for name in TAXONOMY]},
}


@pytest.fixture
def kw(context: LibraryContext, log: LogRecorder) -> PredictionKeywords:
    return PredictionKeywords(context)


def sent(api: responses.RequestsMock, index: int = -1) -> Any:
    return json.loads(api.calls[index].request.body or "null")


# --- Predict Text ---------------------------------------------------------------------


def test_predict_text_sends_one_document_and_returns_one_item(
    api: responses.RequestsMock, kw: PredictionKeywords, log: LogRecorder
) -> None:
    api.post(DS + "/labellers/live/predict", json=PREDICT)
    item = kw.predict_text(
        "My order ACM-104233 never arrived",
        subject="Where is my order?",
        sender="sarah@example.com",
        timestamp=datetime(2025, 9, 1, 7, 52, tzinfo=timezone.utc),
        user_properties={"Country": "UK", "Spend": 120, "number:Orders": "4"},
        threshold=0.3,
    )
    assert sent(api) == {
        "documents": [
            {
                "messages": [
                    {
                        "body": {"text": "My order ACM-104233 never arrived"},
                        "subject": {"text": "Where is my order?"},
                        "from": "sarah@example.com",
                        "sent_at": "2025-09-01T07:52:00.000000Z",
                    }
                ],
                "timestamp": "2025-09-01T07:52:00.000000Z",
                "user_properties": {"string:Country": "UK", "number:Spend": 120, "number:Orders": 4},
            }
        ],
        "threshold": 0.3,
    }
    assert isinstance(item, DotDict)
    assert item.origin == "predict"
    assert item.model == {"version": 2, "time": "2021-02-17T12:56:13.444000Z"}
    assert [(label.name, label.probability) for label in item.labels] == [
        ("Order > Missing", 0.93),
        ("Order", 0.81),
        ("Complaint", 0.31),
    ]
    assert item.sentiment == -0.4
    assert item.comment.messages[0].subject.text == "Where is my order?"
    assert item.comment.messages[0]["from"] == "sarah@example.com"
    assert json.loads(json.dumps(item)) == item
    summary = [text for text in log.texts() if text.startswith("Predicted")]
    assert summary == [
        "Predicted 1 text of acme/retail-inbox with model version 2 (pinned 2021-02-17T12:56:13.444000Z), "
        "asked for 'live', using threshold 0.3. Labels: text:481148a1b23f0941: Order > Missing (0.93), "
        "Order (0.81), Complaint (0.31). Cost: 1 AI unit(s) on a real tenant (1 predicted on this connection "
        "so far)."
    ]
    assert len(log.texts(html=True)) == 1


def test_predicted_items_work_with_the_label_and_entity_keywords(
    api: responses.RequestsMock, context: LibraryContext, kw: PredictionKeywords
) -> None:
    api.post(DS + "/labellers/live/predict", json=PREDICT)
    item = kw.predict_text("My order ACM-104233 never arrived", threshold="auto")
    labels, entities = LabelKeywords(context), EntityKeywords(context)
    assert labels.labels_above_threshold(item, {"Order > Missing": 0.9, "Order": 0.9}) == ["Order > Missing"]
    assert labels.labels_above_threshold(item, auto="high_precision") == ["Order > Missing"]
    assert labels.labels_above_threshold(item, auto="balanced", level="leaves") == ["Order > Missing"]
    assert labels.has_label(item, ["Order", "Missing"], threshold=0.9) is True
    assert labels.has_label(item, "Complaint", auto="balanced") is False
    assert labels.get_label_property(item, "tone") == pytest.approx(-1.8130283355712891)
    assert labels.get_label_property(item, "quality of service") == pytest.approx(-3.0063242521)
    assert [e.formatted_value for e in entities.get_entities(item, "order_number")] == [
        "ACM-104233",
        "ACM-200001",
    ]
    assert entities.get_entities_by_capture_group(item) == [
        {"capture_id": 0, "order_number": "ACM-200001", "monetary_quantity": "12.99 GBP"}
    ]


def test_threshold_auto_is_sent_as_the_string(api: responses.RequestsMock, kw: PredictionKeywords) -> None:
    api.post(DS + "/labellers/staging/predict", json=PREDICT)
    item = kw.predict_text("text", model_version="Staging", threshold="AUTO")
    assert sent(api)["threshold"] == "auto"
    assert "labels" not in sent(api)
    assert item.labels[0].auto_thresholds == ["high_recall", "balanced", "high_precision"]


def test_per_label_thresholds_are_sent_as_labels(api: responses.RequestsMock, kw: PredictionKeywords) -> None:
    api.post(DS + "/labellers/3/predict", json=PREDICT)
    kw.predict_text("text", model_version="3", threshold={"Order > Missing": "0.4", "Complaint": 0.5})
    body = sent(api)
    assert "threshold" not in body
    assert body["labels"] == [
        {"name": ["Order", "Missing"], "threshold": 0.4},
        {"name": ["Complaint"], "threshold": 0.5},
    ]


def validation(version: int, labels: list[str]) -> dict[str, Any]:
    return {"status": "ok", "validation": {"version": version, "labels": [{"name": n} for n in labels]}}


def test_a_config_names_the_version_and_its_default_covers_the_model_labels(
    api: responses.RequestsMock, kw: PredictionKeywords
) -> None:
    # The model version knows three of the dataset's labels: "Refund" was added after it was pinned.
    api.get(DS + "/labellers/1/validation", json=validation(1, ["Order", "Order > Missing", "Complaint"]))
    api.post(DS + "/labellers/1/predict", json={**PREDICT, "model": {"version": 1, "time": None}})
    config = ThresholdConfig(model_version=1, thresholds={"Order > Missing": 0.6}, default=0.7)
    kw.predict_text("text", threshold=config)
    kw.predict_text("text", threshold=config)
    assert [call.request.method for call in api.calls] == ["GET", "POST", "POST"]  # labels read once
    body = sent(api)
    assert body["threshold"] == 0.7
    assert body["labels"] == [
        {"name": ["Order", "Missing"], "threshold": 0.6},
        {"name": ["Order"], "threshold": 0.7},
        {"name": ["Complaint"], "threshold": 0.7},
    ]


def test_model_labels_are_read_per_version(api: responses.RequestsMock, kw: PredictionKeywords) -> None:
    api.get(DS + "/labellers/1/validation", json=validation(1, ["Order", "Complaint"]))
    api.get(DS + "/labellers/2/validation", json=validation(2, ["Order", "Complaint", "Refund"]))
    api.post(DS + "/labellers/1/predict", json={**PREDICT, "model": {"version": 1, "time": None}})
    api.post(DS + "/labellers/2/predict", json=PREDICT)
    config = ThresholdConfig(thresholds={"Order": 0.6}, default=0.7)
    kw.predict_text("text", model_version=1, threshold=config)
    assert [entry["name"] for entry in sent(api)["labels"]] == [["Order"], ["Complaint"]]
    kw.predict_text("text", model_version=2, threshold=config)
    assert [entry["name"] for entry in sent(api)["labels"]] == [["Order"], ["Complaint"], ["Refund"]]
    kw.predict_text("text", model_version=1, threshold=config)
    assert [entry["name"] for entry in sent(api)["labels"]] == [["Order"], ["Complaint"]]
    assert len(api.calls) == 5  # two validations, three predictions


def test_model_labels_are_read_again_after_a_tag_moved_or_a_failure(
    api: responses.RequestsMock, kw: PredictionKeywords, log: LogRecorder
) -> None:
    config = ThresholdConfig(thresholds={"Order": 0.6}, auto="balanced")
    api.get(DS + "/labellers/live/validation", json=validation(1, ["Order", "Complaint"]))
    api.post(DS + "/labellers/live/predict", json=PREDICT)  # version 2 answers: live was moved
    kw.predict_text("text", threshold=config)
    assert "read again next time" in log.texts("DEBUG")[-1]
    api.get(DS + "/labellers/live/validation", json=validation(2, ["Order", "Complaint", "Refund"]))
    api.post(DS + "/labellers/live/predict", status=400, json={"status": "error", "message": "bad label"})
    with pytest.raises(BadRequestError):
        kw.predict_text("text", threshold=config)
    assert [entry["name"] for entry in sent(api)["labels"]] == [["Order"], ["Complaint"], ["Refund"]]
    api.post(DS + "/labellers/live/predict", json=PREDICT)
    kw.predict_text("text", threshold=config)  # the failure dropped the labels: read once more
    methods = [call.request.method for call in api.calls]
    assert methods == ["GET", "POST", "GET", "POST", "GET", "POST"]


def test_the_dataset_taxonomy_is_used_when_the_validation_lists_no_labels(
    api: responses.RequestsMock, kw: PredictionKeywords
) -> None:
    api.get(DS + "/labellers/2/validation", json={"status": "ok", "validation": {"version": 2}})
    api.get(DS, json=DATASET)
    api.post(DS + "/labellers/2/predict", json=PREDICT)
    config = ThresholdConfig(model_version=2, thresholds={"Order > Missing": 0.6}, default=0.7)
    kw.predict_text("text", threshold=config)
    assert [entry["name"] for entry in sent(api)["labels"]] == [
        ["Order", "Missing"],
        ["Order"],
        ["Refund"],
        ["Complaint"],
    ]


def test_a_config_with_auto_lists_the_other_labels_without_a_number(
    api: responses.RequestsMock, kw: PredictionKeywords
) -> None:
    api.get(DS + "/labellers/2/validation", json=validation(2, TAXONOMY))
    api.post(DS + "/labellers/2/predict", json=PREDICT)
    config = ThresholdConfig(model_version=2, thresholds={"Order > Missing": 0.6}, auto="balanced")
    kw.predict_text("text", threshold=config)
    body = sent(api)
    assert body["threshold"] == "auto"
    assert body["labels"][:2] == [{"name": ["Order", "Missing"], "threshold": 0.6}, {"name": ["Order"]}]


def test_a_config_with_only_default_and_auto_reads_the_model_labels(
    api: responses.RequestsMock, kw: PredictionKeywords
) -> None:
    api.get(DS + "/labellers/2/validation", json=validation(2, ["Order", "Complaint"]))
    api.post(DS + "/labellers/2/predict", json=PREDICT)
    kw.predict_text("text", threshold=ThresholdConfig(model_version=2, default=0.6, auto="balanced"))
    assert sent(api)["threshold"] == "auto"
    assert sent(api)["labels"] == [
        {"name": ["Order"], "threshold": 0.0},
        {"name": ["Complaint"], "threshold": 0.0},
    ]


def test_an_explicit_version_wins_over_the_config_and_drift_is_warned(
    api: responses.RequestsMock, kw: PredictionKeywords, log: LogRecorder
) -> None:
    api.post(DS + "/labellers/live/predict", json=PREDICT)
    config = ThresholdConfig(model_version=1, thresholds={"Order": 0.5}, source="thresholds.yaml")
    kw.predict_text("text", model_version="live", threshold=config)
    assert log.texts("WARN") == [
        "Thresholds from thresholds.yaml were chosen for model version 1, but model version 2 answered; "
        "check them with Verify Model Configuration."
    ]


@pytest.mark.parametrize(
    ("version", "message"),
    [
        (
            "livee",
            "Model version 'livee' is not valid: give a pinned version number (such as 3) or a model "
            "tag (live or staging). Did you mean 'live'?",
        ),
        ("stagin", "Did you mean 'staging'?"),
        (-1, "Model version -1 is not valid"),
        ("", "Model version '' is not valid"),
    ],
)
def test_a_bad_model_version_fails_before_any_call(
    api: responses.RequestsMock, kw: PredictionKeywords, version: Any, message: str
) -> None:
    with pytest.raises(ReinferConfigurationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        kw.predict_text("text", model_version=version)
    assert len(api.calls) == 0


@pytest.mark.parametrize(
    ("threshold", "message"),
    [
        (1.5, r"threshold= must be a number from 0 to 1, got 1\.5; or give auto"),
        ("balanced", "threshold= must be a number from 0 to 1, got 'balanced'; or give auto"),
        ({"Order": 2}, "must be a number from 0 to 1, got 2"),
        ({}, "names no label and has no default or auto"),
        (True, "must be a number from 0 to 1"),
        (Path("thresholds.yaml"), "load a thresholds file once"),
    ],
)
def test_a_bad_threshold_fails_before_any_call(
    api: responses.RequestsMock, kw: PredictionKeywords, threshold: Any, message: str
) -> None:
    with pytest.raises(ReinferConfigurationError, match=message):
        kw.predict_text("text", threshold=threshold)
    assert len(api.calls) == 0


def test_empty_text_is_refused(kw: PredictionKeywords) -> None:
    with pytest.raises(ReinferConfigurationError, match="Nothing to predict on"):
        kw.predict_text("  ")


def test_server_errors_pass_through(api: responses.RequestsMock, kw: PredictionKeywords) -> None:
    api.post(
        DS + "/labellers/live/predict",
        status=400,
        json={"status": "error", "message": "no such label 'Orde'"},
    )
    with pytest.raises(BadRequestError, match="no such label 'Orde'"):
        kw.predict_text("text", threshold={"Orde": 0.5})


# --- Predict Comments -------------------------------------------------------------------

COMMENT = {
    "id": "c1",
    "uid": "src.c1",
    "timestamp": "2025-09-01T07:52:00Z",
    "messages": [
        {"subject": {"text": "Where is my order?"}, "body": {"text": "Order ACM-104233 is missing."}}
    ],
}
PREDICT_COMMENTS = {
    "status": "ok",
    "model": {"version": 1, "time": "2022-12-01T10:00:00Z"},
    "predictions": [
        {
            "uid": "src.c2",
            "labels": [
                {"name": ["Refund", "Request"], "probability": 0.7, "auto_thresholds": ["high_recall"]}
            ],
        },
        {
            "uid": "src.c1",
            "labels": [
                {"name": ["Order"], "probability": 0.6},
                {"name": ["Order", "Missing"], "probability": 0.91, "auto_thresholds": ["balanced"]},
            ],
            "entities": ENTITIES[:1],
            "label_properties": PROPERTIES[:1],
        },
    ],
}


def batch_of(*uids: str) -> DotDict:
    results = [
        {"comment": {**COMMENT, "id": uid[4:], "uid": uid}, "sequence_id": f"SEQ-{uid}"} for uid in uids
    ]
    return base.to_robot(Batch.model_validate({"results": results, "sequence_id": "SEQ-BATCH"}))


def test_predict_comments_on_a_batch_keeps_order_and_comments(
    api: responses.RequestsMock, kw: PredictionKeywords, log: LogRecorder
) -> None:
    api.post(DS + "/labellers/1/predict-comments", json=PREDICT_COMMENTS)
    items = kw.predict_comments(batch_of("src.c1", "src.c2"), model_version=1, threshold="auto")
    assert sent(api) == {"uids": ["src.c1", "src.c2"], "threshold": "auto"}
    assert [item.uid for item in items] == ["src.c1", "src.c2"]
    first = items[0]
    assert first.model.version == 1
    assert first.model.time == "2022-12-01T10:00:00Z"
    assert [label.name for label in first.labels] == ["Order > Missing", "Order"]
    assert first.comment.messages[0].subject.text == "Where is my order?"
    assert first.entities[0].formatted_value == "ACM-104233"
    assert first.label_properties[0].property_name == "tone"
    assert first.sequence_id is None  # a prediction is not a stream position
    tables = log.texts(html=True)
    assert len(tables) == 2
    assert "src.c1" in tables[0]
    assert "Where is my order?" in tables[0]


def test_predict_comments_on_uids_and_items_mixed(
    api: responses.RequestsMock, kw: PredictionKeywords
) -> None:
    api.post(DS + "/labellers/live/predict-comments", json=PREDICT_COMMENTS)
    item = Item.model_validate({"comment": COMMENT})
    items = kw.predict_comments([" src.c2 ", item, "src.c2"])
    assert sent(api) == {"uids": ["src.c2", "src.c1"]}  # each uid asked once
    assert [i.uid for i in items] == ["src.c2", "src.c1", "src.c2"]
    assert items[0].comment is None
    assert items[1].comment.uid == "src.c1"


def test_predict_comments_warns_about_uids_the_answer_lacks(
    api: responses.RequestsMock, kw: PredictionKeywords, log: LogRecorder
) -> None:
    api.post(DS + "/labellers/live/predict-comments", json=PREDICT_COMMENTS)
    items = kw.predict_comments(["src.c1", "src.c9"])
    assert [i.uid for i in items] == ["src.c1"]
    assert log.texts("WARN") == ["The answer has no prediction for 1 comment(s): src.c9."]


def test_predict_comments_splits_long_lists(
    api: responses.RequestsMock, kw: PredictionKeywords, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(predict_requests, "MAX_DOCUMENTS", 1)
    api.post(DS + "/labellers/live/predict-comments", json=PREDICT_COMMENTS)
    kw.predict_comments(["src.c1", "src.c2"])
    assert [sent(api, index)["uids"] for index in range(2)] == [["src.c1"], ["src.c2"]]


def test_predict_comments_with_a_config_lists_the_model_labels_in_every_chunk(
    api: responses.RequestsMock, kw: PredictionKeywords, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(predict_requests, "MAX_DOCUMENTS", 1)
    api.get(DS + "/labellers/1/validation", json=validation(1, ["Order", "Refund > Request"]))
    api.post(DS + "/labellers/1/predict-comments", json=PREDICT_COMMENTS)
    config = ThresholdConfig(model_version=1, thresholds={"Order": 0.5}, default=0.4)
    kw.predict_comments(["src.c1", "src.c2"], threshold=config)
    labels = [{"name": ["Order"], "threshold": 0.5}, {"name": ["Refund", "Request"], "threshold": 0.4}]
    assert [sent(api, index) for index in (1, 2)] == [
        {"uids": ["src.c1"], "threshold": 0.4, "labels": labels},
        {"uids": ["src.c2"], "threshold": 0.4, "labels": labels},
    ]


def test_predict_comments_with_nothing_calls_nothing(
    api: responses.RequestsMock, kw: PredictionKeywords
) -> None:
    assert kw.predict_comments([]) == []
    assert kw.predict_comments(batch_of()) == []
    assert len(api.calls) == 0


def test_uids_and_comments_rejects_what_has_no_uid() -> None:
    with pytest.raises(ReinferConfigurationError, match="Cannot find a comment uid"):
        uids_and_comments([{"labels": []}])
    with pytest.raises(ReinferConfigurationError, match="Expected comment uids, items or a batch"):
        uids_and_comments(42)


# --- Predict Emails ---------------------------------------------------------------------

EMAIL = (
    "From: Sarah Jones <sarah@example.com>\n"
    "To: service@acme.example\n"
    "Subject: Where is my\n order?\n"
    "Date: Mon, 01 Sep 2025 07:52:00 +0100\n"
    "\n"
    "My order ACM-104233 never arrived.\n"
)
PARSED: dict[str, Any] = {
    "id": "0123abcd",
    "timestamp": "2025-09-01T06:52:00Z",
    "user_properties": {},
    "messages": [
        {
            "from": "sarah@example.com",
            "to": ["service@acme.example"],
            "subject": {"text": "Where is my order?"},
            "body": {"text": "My order ACM-104233 never arrived.\n"},
        }
    ],
    "text_format": "plain",
    "attachments": [],
    "thread_id": None,
}


def test_predict_emails_sends_the_raw_email_and_returns_the_parsed_comment(
    api: responses.RequestsMock, kw: PredictionKeywords, tmp_path: Path
) -> None:
    eml = tmp_path / "order.eml"
    eml.write_text(EMAIL, encoding="utf-8")
    answer = {**PREDICT, "predictions": PREDICT["predictions"] * 2, "comments": [PARSED, PARSED]}
    answer["entities"] = [ENTITIES, []]
    api.post(DS + "/labellers/live/predict-raw-emails", json=answer)
    items = kw.predict_emails([EMAIL, str(eml)], threshold=0.25, user_properties={"Channel": "email"})
    document = {
        "raw_email": {
            "headers": {
                "raw": "From: Sarah Jones <sarah@example.com>\nTo: service@acme.example\n"
                "Subject: Where is my order?\nDate: Mon, 01 Sep 2025 07:52:00 +0100"
            },
            "body": {"plain": "My order ACM-104233 never arrived.\n"},
        },
        "user_properties": {"string:Channel": "email"},
    }
    assert sent(api) == {"documents": [document, document], "threshold": 0.25, "include_comments": True}
    assert len(items) == 2
    assert items[0].comment.messages[0].subject.text == "Where is my order?"
    assert items[0].model.version == 2
    assert items[0].entities[0].formatted_value == "ACM-104233"
    assert items[1].entities == []


def test_predict_emails_with_a_missing_file_fails_before_any_call(
    api: responses.RequestsMock, kw: PredictionKeywords
) -> None:
    with pytest.raises(ReinferConfigurationError, match="neither raw RFC 822 text"):
        kw.predict_emails("no/such/mail.eml")
    assert len(api.calls) == 0


# --- request pieces ----------------------------------------------------------------------


def test_typed_user_properties() -> None:
    assert typed_user_properties(None) is None
    assert typed_user_properties({"Country": "UK", "Spend": 1.5, "string:Tier": "Gold", "number:N": "3"}) == {
        "string:Country": "UK",
        "number:Spend": 1.5,
        "string:Tier": "Gold",
        "number:N": 3,
    }
    with pytest.raises(ReinferConfigurationError, match="'VIP' must be text or a number"):
        typed_user_properties({"VIP": True})
    with pytest.raises(ReinferConfigurationError, match="'number:N' must be a number"):
        typed_user_properties({"number:N": "many"})
    with pytest.raises(ReinferConfigurationError, match="'string:T' must be text"):
        typed_user_properties({"string:T": 3})


def test_text_document_minimal() -> None:
    assert text_document("hello") == {"messages": [{"body": {"text": "hello"}}]}


def test_threshold_request_forms() -> None:
    assert threshold_request(None) == (None, None)
    assert threshold_request(0) == (0.0, None)
    assert threshold_request("0.4") == (0.4, None)
    assert threshold_request("auto") == ("auto", None)
    assert threshold_request({("Order", "Missing"): 0.4}) == (None, [("Order > Missing", 0.4)])
    assert threshold_request(ThresholdConfig(auto="high_recall")) == ("auto", None)
    assert threshold_request(ThresholdConfig(default=0.5)) == (0.5, None)
    with pytest.raises(ReinferConfigurationError, match="taxonomy is needed"):
        threshold_request(ThresholdConfig(thresholds={"Order": 0.5}, default=0.5))


def test_a_config_with_default_and_auto_asks_for_every_label_with_its_auto_names() -> None:
    # Either the default or auto keeps an unnamed label, so it must come back at any
    # confidence, with auto-threshold names: a number alone would drop what auto keeps.
    both = ThresholdConfig(thresholds={"Order": 0.5}, default=0.6, auto="balanced")
    assert threshold_request(both, ["Order", "Refund", "Praise"]) == (
        "auto",
        [("Order", 0.5), ("Refund", 0.0), ("Praise", 0.0)],
    )
    unnamed = ThresholdConfig(default=0.6, auto="balanced")
    assert threshold_request(unnamed, ["Order", "Refund"]) == ("auto", [("Order", 0.0), ("Refund", 0.0)])
    with pytest.raises(ReinferConfigurationError, match="taxonomy is needed"):
        threshold_request(unnamed)


def test_predict_emails_sends_the_integrations_transform_tag(
    api: responses.RequestsMock, context: LibraryContext, kw: PredictionKeywords
) -> None:
    # predict-raw-emails takes transform_tag (OpenAPI 3.1 PredictRawEmailsRequest): the platform
    # then parses the emails as that mailbox integration does.
    answer = {**PREDICT, "comments": [PARSED]}
    api.post(DS + "/labellers/live/predict-raw-emails", json=answer)
    api.post(DS + "/labellers/live/predict-raw-emails", json=answer)
    api.post(DS + "/labellers/live/predict-raw-emails", json=answer)
    kw.predict_emails(EMAIL, threshold=0.25, transform_tag="generic.0.CONVKER5")
    assert sent(api)["transform_tag"] == "generic.0.CONVKER5"
    kw.predict_emails(EMAIL, threshold=0.25)
    assert "transform_tag" not in sent(api)
    context.connections.current.transform_tag = (
        "mailbox.1.ABC"  # as Connect To Reinfer    transform_tag=... sets it
    )
    kw.predict_emails(EMAIL, threshold=0.25)
    assert sent(api)["transform_tag"] == "mailbox.1.ABC"


def test_transform_tag_is_a_connection_option(clean_env: None) -> None:
    from robot.api.types import Secret

    from ReinferLibrary.keywords.base import LibraryContext as Context
    from ReinferLibrary.keywords.options import ConnectionOptions

    ctx = Context(ConnectionOptions(transform_tag="from-import"))
    ctx.open(ConnectionOptions(url=BASE, token=Secret("t")))
    assert ctx.connections.current.transform_tag == "from-import"
    ctx.open(ConnectionOptions(url=BASE, token=Secret("t"), transform_tag="own"))
    assert ctx.connections.current.transform_tag == "own"
    ctx.connections.close_all()
