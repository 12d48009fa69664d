"""Single-label questions: presence, confidence, thresholds, label properties."""

from __future__ import annotations

from typing import Any

import pytest

from ReinferLibrary.errors import ItemDataError, ReinferConfigurationError
from ReinferLibrary.logic import (
    find_label,
    has_label,
    label_confidence,
    label_property,
    present_labels_text,
)
from ReinferLibrary.models import Item, ThresholdConfig

SEED = 0.6598735451698303

RAW = {
    "uid": "src.c1",
    "labels": [
        {"name": ["Order"], "probability": SEED},
        {"name": ["Order", "Missing"], "probability": SEED, "auto_thresholds": ["high_recall", "balanced"]},
    ],
    # The seed document shows both spellings of a label property: fetch/predict and dataset query.
    "label_properties": [
        {"property_id": "0000000000000001", "property_name": "tone", "value": -1.8130283355712891},
        {"id": "0000000000000002", "name": "quality_of_service", "value": -3.006324252113699913},
    ],
}


def shapes() -> list[Any]:
    return [RAW, Item.model_validate(RAW)]


@pytest.mark.parametrize("item", shapes())
def test_label_found_by_either_name_form(item: Any) -> None:
    assert find_label(item, "Order > Missing") == (SEED, ["high_recall", "balanced"])
    assert find_label(item, ["Order", "Missing"]) is not None
    assert find_label(item, "Order>Missing") is not None
    assert find_label(item, "Missing") is None


@pytest.mark.parametrize("item", shapes())
def test_confidence_is_zero_when_absent(item: Any) -> None:
    assert label_confidence(item, ["Order"]) == SEED
    assert label_confidence(item, "Praise") == 0.0


@pytest.mark.parametrize("item", shapes())
def test_has_label_threshold_is_inclusive(item: Any) -> None:
    assert has_label(item, "Order", threshold=SEED)
    assert not has_label(item, "Order", threshold=SEED + 1e-9)
    assert has_label(item, "Order")  # present at all
    assert not has_label(item, "Praise")
    assert not has_label(item, "Praise", threshold=0.0)


@pytest.mark.parametrize("item", shapes())
def test_has_label_with_thresholds_default_and_auto(item: Any) -> None:
    assert has_label(item, "Order > Missing", thresholds={("Order", "Missing"): 0.6})
    assert not has_label(item, "Order", thresholds={"Order > Missing": 0.6})  # unnamed, no default
    assert has_label(item, "Order", thresholds={"Order > Missing": 0.6}, default=0.5)
    assert has_label(item, "Order > Missing", auto="balanced")
    assert not has_label(item, "Order > Missing", auto="high_precision")
    assert has_label(item, "Order", thresholds=ThresholdConfig(default=0.65))


def test_present_labels_text_lists_confidences_highest_first() -> None:
    item = {"labels": [{"name": "Complaint", "probability": 0.4}, {"name": ["Order"], "probability": 0.91}]}
    assert present_labels_text(item) == "Order (0.91), Complaint (0.40)"
    assert present_labels_text({"labels": []}) == "none"
    many = {"labels": [{"name": f"L{i}", "probability": i / 100} for i in range(12)]}
    assert present_labels_text(many, limit=2) == "L11 (0.11), L10 (0.10) and 10 more"


@pytest.mark.parametrize("item", shapes())
def test_label_property_by_name_in_any_spelling(item: Any) -> None:
    assert label_property(item, "tone") == -1.8130283355712891
    assert label_property(item, "Quality of Service") == -3.006324252113699913
    assert label_property(item, "quality-of-service") == -3.006324252113699913


def test_missing_label_property_is_a_business_error_unless_default() -> None:
    assert label_property({"uid": "u1", "label_properties": []}, "tone", default=0.0) == 0.0
    with pytest.raises(ItemDataError) as caught:
        label_property(RAW, "urgency")
    message = str(caught.value)
    assert message.startswith("Business error (missing label property): comment src.c1 has no label property")
    assert "tone, quality_of_service" in message
    assert caught.value.category == "business"


def test_empty_label_name_is_a_configuration_error() -> None:
    with pytest.raises(ReinferConfigurationError, match="not valid"):
        has_label(RAW, "Order >  ")


@pytest.mark.parametrize("item", shapes())
def test_list_form_written_as_text_finds_the_label(item: Any) -> None:
    # `Has Label    ${item}    [Order, Missing]` passes the text, not a list.
    assert has_label(item, "[Order, Missing]")
    assert has_label(item, "['Order', 'Missing']", threshold=SEED)
    assert label_confidence(item, "[Order, Missing]") == SEED
    assert find_label(item, "[Order]") is not None
    assert has_label(item, "Order", thresholds={"[Order, Missing]": 0.1, "[Order]": 0.7}) is False


@pytest.mark.parametrize("threshold", [7, -0.1, 1.01, "high", True])
def test_has_label_refuses_a_threshold_outside_0_to_1(threshold: Any) -> None:
    with pytest.raises(
        ReinferConfigurationError, match=r"^threshold (is .*, outside 0\.\.1|must be a number)"
    ):
        has_label(RAW, "Order", threshold=threshold)
    with pytest.raises(ReinferConfigurationError, match="threshold"):
        has_label(RAW, "Praise", threshold=threshold)  # refused even when the label is absent


def test_has_label_with_default_and_auto_counts_a_label_either_keeps() -> None:
    item = {
        "uid": "src.c2",
        "origin": "predict",
        "labels": [
            {"name": ["Praise"], "probability": 0.2, "auto_thresholds": ["high_recall", "balanced"]},
            {"name": ["Refund"], "probability": 0.6, "auto_thresholds": []},
            {"name": ["Billing"], "probability": 0.3, "auto_thresholds": ["high_recall"]},
        ],
    }
    assert has_label(item, "Praise", default=0.5, auto="balanced")  # by the auto name
    assert has_label(item, "Refund", default=0.5, auto="balanced")  # by the default
    assert not has_label(item, "Billing", default=0.5, auto="balanced")
    assert not has_label(item, "Praise", thresholds={"Praise": 0.5}, default=0.1, auto="balanced")


def test_has_label_with_auto_alone_fails_on_items_without_auto_names() -> None:
    fetched = {"uid": "src.c3", "origin": "fetch", "labels": [{"name": ["Order"], "probability": 0.9}]}
    with pytest.raises(
        ReinferConfigurationError, match=r"^auto=balanced cannot decide the labels of comment src\.c3"
    ):
        has_label(fetched, "Order", auto="balanced")
    assert has_label(fetched, "Order", thresholds={"Order": 0.5}, auto="balanced")  # named: auto not needed
    assert has_label(fetched, "Order", default=0.5, auto="balanced")
    assert not has_label(fetched, "Praise", auto="balanced")  # absent is simply absent
    results = dict(fetched, origin="results")
    assert not has_label(results, "Order", auto="balanced")


def test_has_label_with_an_empty_thresholds_dictionary_is_false() -> None:
    assert has_label(RAW, "Order")
    assert not has_label(RAW, "Order", thresholds={})


def test_a_malformed_item_fails_with_one_line() -> None:
    item = {"uid": "src.c4", "labels": [{"name": ["Order"]}]}
    for question in (
        lambda: has_label(item, "Order"),
        lambda: label_confidence(item, "Order"),
        lambda: present_labels_text(item),
    ):
        with pytest.raises(ReinferConfigurationError, match=r"^Item src\.c4: label 1 has no 'probability'; "):
            question()
