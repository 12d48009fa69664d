"""Single-label questions: presence, confidence, thresholds, label properties."""

from __future__ import annotations

from typing import Any

import pytest

from ReinferLibrary.errors import ReinferConfigurationError
from ReinferLibrary.logic import (
    ItemDataError,
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
