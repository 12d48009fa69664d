"""Get Label Sentiment: the number, and what happens without one (no HTTP for the item reads)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import responses
from conftest import FAKE_DATASET, FAKE_TENANT, FAKE_TOKEN

from ReinferLibrary import ReinferLibrary
from ReinferLibrary.errors import ItemDataError, ReinferConfigurationError
from ReinferLibrary.keywords import to_robot
from ReinferLibrary.keywords.base import LibraryContext
from ReinferLibrary.keywords.sentiment import SentimentKeywords
from ReinferLibrary.models import Item
from ReinferLibrary.models.items import ResultsResponse, batch_from_results
from ReinferLibrary.models.predict_api import (
    PredictCommentsResponse,
    PredictResponse,
    items_from_predict,
    items_from_predict_comments,
)

if TYPE_CHECKING:
    from conftest import LogRecorder

FETCHED: dict[str, Any] = {
    "uid": "src.c1",
    "comment": {"id": "c1", "uid": "src.c1", "messages": [{"body": {"text": "late and broken"}}]},
    "labels": [
        {"name": ["Order"], "probability": 0.9, "sentiment": -0.4},
        {"name": ["Order", "Late Delivery"], "probability": 0.8, "sentiment": -0.65},
        {"name": ["Praise"], "probability": 0.4, "sentiment": 0.0},
    ],
}
PLAIN: dict[str, Any] = {**FETCHED, "labels": [{"name": ["Order"], "probability": 0.9}]}


@pytest.fixture(params=["dotdict", "dict", "model"])
def item(request: pytest.FixtureRequest) -> Any:
    """The same fetched item as a batch gives it, as a plain dict, and as a model."""
    model = Item.model_validate(FETCHED)
    return {"dotdict": to_robot(model), "dict": json.loads(json.dumps(FETCHED)), "model": model}[
        request.param
    ]


def test_the_sentiment_of_a_carried_label_in_either_name_form(lib: ReinferLibrary, item: Any) -> None:
    assert lib.get_label_sentiment(item, "Order > Late Delivery") == -0.65
    assert lib.get_label_sentiment(item, ["Order", "Late Delivery"]) == -0.65
    assert lib.get_label_sentiment(item, "Order") == -0.4
    assert lib.get_label_sentiment(item, "Praise", default=0.5) == 0.0  # a real 0 is not the default


def test_a_label_the_item_does_not_carry_fails_unless_a_default_is_given(
    lib: ReinferLibrary, item: Any
) -> None:
    with pytest.raises(ItemDataError) as failure:
        lib.get_label_sentiment(item, "Complaint")
    assert str(failure.value) == (
        "Business error (missing label): comment src.c1 does not carry label 'Complaint', so it has no "
        "sentiment for it (its labels: Order (0.90), Order > Late Delivery (0.80), Praise (0.40)); check "
        "Has Label first, or give default= to use a value instead."
    )
    assert lib.get_label_sentiment(item, "Complaint", default=0) == 0.0
    assert lib.get_label_sentiment(item, "Complaint", default=-1) == -1.0


@pytest.mark.parametrize("form", ["dotdict", "dict", "model"])
def test_a_dataset_without_sentiment_is_a_configuration_error_even_with_a_default(
    lib: ReinferLibrary, form: str
) -> None:
    model = Item.model_validate(PLAIN)
    plain = {"dotdict": to_robot(model), "dict": json.loads(json.dumps(PLAIN)), "model": model}[form]
    expected = (
        "No sentiment for label '{}' on comment src.c1: its labels carry none, so the dataset was not "
        "created with sentiment enabled (has_sentiment); use a dataset with sentiment, or leave Get Label "
        "Sentiment out."
    )
    for label in ("Order", "Complaint"):  # carried without sentiment, and not carried at all
        with pytest.raises(ReinferConfigurationError) as failure:
            lib.get_label_sentiment(plain, label, default=0)
        assert str(failure.value) == expected.format(label)


def test_a_fetched_item_names_its_dataset_in_the_error(lib: ReinferLibrary) -> None:
    fetched = {**to_robot(Item.model_validate(PLAIN)), "dataset": "acme/retail-inbox", "stream": "routing"}
    with pytest.raises(ReinferConfigurationError, match=r"so dataset acme/retail-inbox was not created with"):
        lib.get_label_sentiment(fetched, "Order")


def test_an_item_without_labels_cannot_tell_and_uses_the_default(lib: ReinferLibrary) -> None:
    empty = {"uid": "src.c2", "labels": []}
    assert lib.get_label_sentiment(empty, "Complaint", default=0.25) == 0.25
    with pytest.raises(ItemDataError, match=r"does not carry label 'Complaint'.*\(its labels: none\)"):
        lib.get_label_sentiment(empty, "Complaint")


def test_results_items_never_have_sentiment(lib: ReinferLibrary) -> None:
    response = ResultsResponse.model_validate(
        {
            "results": [
                {
                    "comment": {"id": "c1", "uid": "src.c1", "messages": []},
                    "prediction": {
                        "taxonomies": [
                            {
                                "name": "default",
                                "labels": [
                                    {
                                        "name": "Order",
                                        "occurrence_confidence": {"value": 0.9, "thresholds": []},
                                    }
                                ],
                            }
                        ]
                    },
                    "continuation": "c1",
                }
            ],
            "continuation": "end",
        }
    )
    item = to_robot(batch_from_results(response).results[0])
    with pytest.raises(ReinferConfigurationError, match=r"api=results carry no sentiment.*api=fetch"):
        lib.get_label_sentiment(item, "Order", default=0)


def test_elasticsearch_items_never_have_sentiment(lib: ReinferLibrary) -> None:
    item = to_robot(Item(uid="x", labels=[{"name": "Order", "probability": 0.9}], origin="elasticsearch"))  # type: ignore[list-item]
    with pytest.raises(ReinferConfigurationError, match="Elasticsearch answers carry no sentiment"):
        lib.get_label_sentiment(item, "Order")


def test_items_of_both_predict_routes(lib: ReinferLibrary) -> None:
    predicted = items_from_predict(
        PredictResponse.model_validate(
            {
                "predictions": [[{"name": ["Refund"], "probability": 0.7, "sentiment": 0.3}]],
                "sentiment": [{"total": 0.1}],
            }
        )
    )[0]
    assert lib.get_label_sentiment(to_robot(predicted), "Refund") == 0.3
    assert to_robot(predicted).sentiment == 0.1  # the whole comment's, as the keyword docs say
    stored = items_from_predict_comments(
        PredictCommentsResponse.model_validate(
            {
                "predictions": [
                    {"uid": "src.c3", "labels": [{"name": ["Refund"], "probability": 0.7, "sentiment": -0.2}]}
                ]
            }
        )
    )[0]
    assert lib.get_label_sentiment(to_robot(stored), ["Refund"]) == -0.2


def test_a_typo_warns_once_with_did_you_mean(
    context: LibraryContext, api: responses.RequestsMock, log: LogRecorder
) -> None:
    api.get(
        f"{FAKE_TENANT}/api/v1/datasets/{FAKE_DATASET}",
        json={"status": "ok", "dataset": {"name": "retail-inbox", "label_defs": [{"name": "Complaint"}]}},
    )
    keywords = SentimentKeywords(context)
    assert keywords.get_label_sentiment(FETCHED, "Complant", default=0) == 0.0
    assert keywords.get_label_sentiment(FETCHED, "Complant", default=0) == 0.0
    assert log.texts("WARN") == [
        "Label 'Complant' is not in the taxonomy of acme/retail-inbox (did you mean 'Complaint'?); "
        "no comment will ever carry it."
    ]
    assert len(api.calls) == 1  # the taxonomy, read once for the connection
    assert not any(FAKE_TOKEN in text for _, text in log.messages)


def test_something_that_is_not_an_item_is_refused(lib: ReinferLibrary) -> None:
    with pytest.raises(ReinferConfigurationError, match="Expected an item"):
        lib.get_label_sentiment("Order", "Order")  # type: ignore[arg-type]
