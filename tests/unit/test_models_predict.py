"""Predict request models (strict) and the normalisation of the three answers to items."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from ReinferLibrary.models.predict_api import (
    LabelFilter,
    PredictCommentsResponse,
    PredictRawEmailsResponse,
    PredictRequest,
    PredictResponse,
    items_from_predict,
    items_from_predict_comments,
    label_filters,
)

DOC: dict[str, Any] = {"messages": [{"body": {"text": "hello"}}]}


def test_label_filters_from_tuples() -> None:
    filters = label_filters([("Order > Missing", 0.4), (["Refund", "Request"], None)])
    assert filters is not None
    assert [f.model_dump(exclude_none=True) for f in filters] == [
        {"name": ["Order", "Missing"], "threshold": 0.4},
        {"name": ["Refund", "Request"]},
    ]
    assert label_filters(None) is None
    assert label_filters([]) is None


@pytest.mark.parametrize("threshold", [-0.1, 1.01])
def test_label_filter_threshold_range(threshold: float) -> None:
    with pytest.raises(ValidationError):
        LabelFilter(name=["Order"], threshold=threshold)


@pytest.mark.parametrize("threshold", [0, 0.25, 1, "auto", None])
def test_predict_request_thresholds(threshold: Any) -> None:
    request = PredictRequest(documents=[DOC], threshold=threshold)
    dumped = request.model_dump(mode="json", exclude_none=True)
    assert dumped.get("threshold") == threshold


@pytest.mark.parametrize("threshold", [1.5, "balanced", -1])
def test_predict_request_rejects_bad_thresholds(threshold: Any) -> None:
    with pytest.raises(ValidationError):
        PredictRequest(documents=[DOC], threshold=threshold)


def test_predict_request_is_strict() -> None:
    with pytest.raises(ValidationError, match=r"documents\.0\.subject"):
        PredictRequest.model_validate({"documents": [{**DOC, "subject": "typo"}]})
    with pytest.raises(ValidationError, match="thresold"):
        PredictRequest.model_validate({"documents": [DOC], "thresold": 0.3})
    with pytest.raises(ValidationError):
        PredictRequest(documents=[])


def test_items_from_predict_parallel_arrays() -> None:
    response = PredictResponse.model_validate(
        {
            "model": {"version": 8, "time": "2024-01-01T00:00:00Z"},
            "predictions": [
                [{"name": ["B"], "probability": 0.3}, {"name": ["A", "X"], "probability": 0.9}],
                [],
            ],
            "entities": [[{"name": "order_number", "formatted_value": "123", "spans": []}], []],
            "label_properties": [[{"property_id": "0000000000000001", "property_name": "tone", "value": -1}]],
            "sentiment": [{"total": 0.4}, None],
        }
    )
    first, second = items_from_predict(response)
    assert [label.name for label in first.labels] == ["A > X", "B"]
    assert first.entities[0].formatted_value == "123"
    assert first.label_properties[0].value == -1
    assert first.sentiment == 0.4
    assert first.model is not None
    assert first.model.version == 8
    assert (first.uid, first.origin, first.comment) == ("", "predict", None)
    # The server sent label_properties for one document only: the second gets none.
    assert second.label_properties == []
    assert second.sentiment is None
    assert second.labels == []


def test_items_from_predict_without_optional_arrays() -> None:
    response = PredictResponse.model_validate({"predictions": [[{"name": "A > B", "probability": 0.5}]]})
    (item,) = items_from_predict(response)
    assert item.labels[0].name == "A > B"
    assert item.entities == []
    assert item.model is None


def test_items_from_predict_comments() -> None:
    response = PredictCommentsResponse.model_validate(
        {
            "model": {"version": 2},
            "predictions": [
                {
                    "uid": "src.c1",
                    "labels": [
                        {"name": ["Low"], "probability": 0.1},
                        {
                            "name": ["High"],
                            "probability": 0.8,
                            "auto_thresholds": ["high_recall", "balanced"],
                        },
                    ],
                    "label_properties": [
                        {"property_id": "2", "property_name": "quality_of_service", "value": 4}
                    ],
                    "sentiment": {"total": 0.9},
                    "translations": [],
                }
            ],
        }
    )
    (item,) = items_from_predict_comments(response)
    assert item.uid == "src.c1"
    assert [label.name for label in item.labels] == ["High", "Low"]
    assert item.labels[0].auto_thresholds == ["high_recall", "balanced"]
    assert item.sentiment == 0.9
    assert item.origin == "predict"
    assert response.predictions[0].model_extra == {"translations": []}


def test_raw_email_comments_without_uid_are_attached() -> None:
    response = PredictRawEmailsResponse.model_validate(
        {
            "predictions": [[], []],
            "comments": [
                {"id": "m1", "messages": [{"body": {"text": "one"}}]},
                {"messages": [{"body": {"text": "two"}}], "thread_id": None},
            ],
        }
    )
    first, second = items_from_predict(response)
    assert first.comment is not None
    assert first.comment.id == "m1"
    assert first.comment.uid == ""
    assert second.comment is not None
    assert second.comment.messages[0].body.text == "two"
    # A parsed raw email has no uid: its comment id identifies the item (issue 12 point 9).
    assert first.uid == "m1"
    assert second.uid == ""  # no id at all: nothing to identify it by


def test_raw_email_response_without_comments() -> None:
    response = PredictRawEmailsResponse.model_validate({"predictions": [[]]})
    (item,) = items_from_predict(response)
    assert item.comment is None
