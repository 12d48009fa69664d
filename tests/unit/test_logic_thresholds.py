"""Labels Above Threshold's rule: boundaries, default, auto, hierarchy levels, name forms."""

from __future__ import annotations

from typing import Any

import pytest

from ReinferLibrary.errors import ReinferConfigurationError
from ReinferLibrary.logic import canonical_thresholds, labels_above_threshold, threshold_rule
from ReinferLibrary.logic.thresholds import select_level
from ReinferLibrary.models import Item, ThresholdConfig

SEED_PROBABILITY = 0.6598735451698303
"""The seed document's example: ``Order`` and ``Order > Missing`` with the same confidence."""


def make_item(*labels: tuple[Any, float] | tuple[Any, float, list[str]]) -> dict[str, Any]:
    """An item mapping as the API sends labels: names as lists or strings."""
    return {
        "uid": "src.c1",
        "labels": [
            {"name": label[0], "probability": label[1], "auto_thresholds": label[2] if len(label) > 2 else []}
            for label in labels
        ],
    }


SEED_ITEM = make_item((["Order"], SEED_PROBABILITY), (["Order", "Missing"], SEED_PROBABILITY))


def both_shapes(item: dict[str, Any]) -> list[Any]:
    """The same item as a raw mapping and as a parsed model: the results must not differ."""
    return [item, Item.model_validate(item)]


@pytest.mark.parametrize("item", both_shapes(SEED_ITEM))
def test_seed_example_confidence_equal_to_threshold_counts(item: Any) -> None:
    assert labels_above_threshold(item, {"Order": SEED_PROBABILITY, "Order > Missing": SEED_PROBABILITY}) == [
        "Order",
        "Order > Missing",
    ]


@pytest.mark.parametrize("item", both_shapes(SEED_ITEM))
def test_just_above_the_confidence_does_not_count(item: Any) -> None:
    above = SEED_PROBABILITY + 1e-12
    assert labels_above_threshold(item, {"Order": above, "Order > Missing": SEED_PROBABILITY}) == [
        "Order > Missing"
    ]


@pytest.mark.parametrize("item", both_shapes(SEED_ITEM))
def test_threshold_names_in_either_form_are_the_same_label(item: Any) -> None:
    assert labels_above_threshold(item, {("Order", "Missing"): 0.5}) == ["Order > Missing"]
    assert labels_above_threshold(item, {"Order>Missing": 0.5}) == ["Order > Missing"]
    assert labels_above_threshold(item, {"  Order  >  Missing ": 0.5}) == ["Order > Missing"]


def test_item_label_names_as_strings_or_lists_give_the_same_answer() -> None:
    as_lists = make_item((["Refund", "Request"], 0.9), (["Complaint"], 0.4))
    as_strings = make_item(("Refund > Request", 0.9), ("Complaint", 0.4))
    thresholds = {"Refund > Request": 0.5, "Complaint": 0.3}
    assert labels_above_threshold(as_lists, thresholds) == ["Refund > Request", "Complaint"]
    assert labels_above_threshold(as_strings, thresholds) == ["Refund > Request", "Complaint"]


def test_without_default_unnamed_labels_are_dropped_and_default_applies_to_them() -> None:
    item = make_item(("Order", 0.9), ("Praise", 0.8), ("Complaint", 0.3))
    assert labels_above_threshold(item, {"Order": 0.5}) == ["Order"]
    assert labels_above_threshold(item, {"Order": 0.5}, default=0.8) == ["Order", "Praise"]
    assert labels_above_threshold(item, {"Order": 0.95}, default=0.3) == ["Praise", "Complaint"]


def test_named_threshold_wins_over_default() -> None:
    item = make_item(("Complaint", 0.3))
    assert labels_above_threshold(item, {"Complaint": 0.35}, default=0.1) == []


def test_nothing_configured_keeps_every_label_sorted_by_confidence() -> None:
    item = make_item(("Complaint", 0.3), ("Order", 0.9), ("Praise", 0.5))
    assert labels_above_threshold(item) == ["Order", "Praise", "Complaint"]


def test_equal_confidences_keep_the_items_order() -> None:
    item = make_item(("Praise", 0.5), ("Complaint", 0.5), ("Order", 0.9))
    assert labels_above_threshold(item, default=0.1) == ["Order", "Praise", "Complaint"]


@pytest.mark.parametrize("auto", ["high_recall", "balanced", "high_precision"])
def test_auto_keeps_labels_whose_auto_thresholds_include_the_name(auto: str) -> None:
    item = make_item(
        ("Order", 0.9, ["high_recall", "balanced", "high_precision"]),
        ("Praise", 0.6, ["high_recall", "balanced"]),
        ("Complaint", 0.3, ["high_recall"]),
        ("Billing", 0.1, []),
    )
    expected = {
        "high_recall": ["Order", "Praise", "Complaint"],
        "balanced": ["Order", "Praise"],
        "high_precision": ["Order"],
    }[auto]
    for shape in both_shapes(item):
        assert labels_above_threshold(shape, auto=auto) == expected


def test_auto_applies_only_to_labels_without_a_number() -> None:
    item = make_item(("Order", 0.9, ["high_recall"]), ("Praise", 0.2, ["high_recall", "balanced"]))
    # Order has its own number (0.95) and misses it; Praise has none, so balanced decides.
    assert labels_above_threshold(item, {"Order": 0.95}, auto="balanced") == ["Praise"]


def test_default_wins_over_auto_for_unnamed_labels() -> None:
    item = make_item(("Praise", 0.2, ["high_recall", "balanced"]))
    assert labels_above_threshold(item, default=0.5, auto="balanced") == []


def test_config_default_and_auto_apply_and_keyword_arguments_replace_them() -> None:
    item = make_item(("Order", 0.9, []), ("Praise", 0.6, ["balanced"]), ("Complaint", 0.4, []))
    config = ThresholdConfig(thresholds={"Order": 0.5}, auto="balanced")
    assert labels_above_threshold(item, config) == ["Order", "Praise"]
    assert labels_above_threshold(item, config, default=0.35) == ["Order", "Praise", "Complaint"]
    with_default = ThresholdConfig(thresholds={"Order": 0.5}, default=0.5)
    assert labels_above_threshold(item, with_default) == ["Order", "Praise"]


HIERARCHY = make_item(
    ("Order", 0.95),
    ("Order > Missing", 0.9),
    ("Refund", 0.8),
    ("Complaint", 0.7),
    ("Account", 0.6),
    ("Account > Address Change", 0.1),
)


def test_level_leaves_are_labels_with_no_cleared_child() -> None:
    # Account's child did not clear, so Account is a leaf of what cleared.
    assert labels_above_threshold(HIERARCHY, default=0.5, level="leaves") == [
        "Order > Missing",
        "Refund",
        "Complaint",
        "Account",
    ]


def test_level_parents_are_labels_with_a_cleared_child() -> None:
    assert labels_above_threshold(HIERARCHY, default=0.5, level="parents") == ["Order"]
    assert labels_above_threshold(HIERARCHY, default=0.05, level="parents") == ["Order", "Account"]


def test_select_level_handles_deep_names_and_rejects_unknown_levels() -> None:
    names = ["A > B > C", "A", "A > B", "D"]
    assert select_level(names, "leaves") == ["A > B > C", "D"]
    assert select_level(names, "parents") == ["A", "A > B"]
    with pytest.raises(ReinferConfigurationError, match="Level 'top'"):
        select_level(names, "top")


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        ({"Order": 1.5}, "outside 0..1"),
        ({"Order": -0.1}, "outside 0..1"),
        ({"Order": "high"}, "must be a number"),
        ({"Order": True}, "must be a number"),
        ({"": 0.5}, "is not valid"),
        ({"Order > ": 0.5}, "is not valid"),
        ({"Order > Missing": 0.5, ("Order", "Missing"): 0.6}, "given twice"),
    ],
)
def test_bad_thresholds_fail_with_a_sentence(thresholds: dict[Any, Any], message: str) -> None:
    with pytest.raises(ReinferConfigurationError, match=message):
        labels_above_threshold(SEED_ITEM, thresholds)


def test_thresholds_given_as_text_numbers_are_accepted() -> None:
    # Robot's `Create Dictionary    Order=0.5` gives text values.
    assert canonical_thresholds({"Order": "0.5"}) == {"Order": 0.5}


def test_bad_default_and_auto_are_refused() -> None:
    with pytest.raises(ReinferConfigurationError, match="default is 2"):
        threshold_rule(default=2)
    with pytest.raises(ReinferConfigurationError, match="'medium' is not one of"):
        threshold_rule(auto="medium")
    with pytest.raises(ReinferConfigurationError, match="dictionary"):
        threshold_rule(["Order"])  # type: ignore[arg-type]


def test_a_dictionary_is_normalised_once_and_reread_when_its_size_changes() -> None:
    thresholds: dict[str, Any] = {"Order": 0.5}
    first = threshold_rule(thresholds)
    assert threshold_rule(thresholds) is first
    thresholds["Praise"] = 0.1
    second = threshold_rule(thresholds)
    assert second is not first
    assert second.thresholds == {"Order": 0.5, "Praise": 0.1}


def test_rule_explains_which_number_decides_a_label() -> None:
    rule = threshold_rule({"Order": 0.5}, auto="balanced")
    assert rule.threshold_for("Order") == 0.5
    assert rule.threshold_for("Praise") == "balanced"
    assert rule.clears("Praise", 0.1, ["balanced"])
    assert not rule.clears("Order", 0.49, ["balanced"])
    assert threshold_rule({"Order": 0.5}).threshold_for("Praise") is None


def test_logic_layer_imports_nothing_from_robot_framework() -> None:
    # Layer rule (DESIGN.md): logic -> models only, so it runs and is benchmarked without a robot.
    import ast
    from pathlib import Path

    import ReinferLibrary.logic as logic_package

    for path in Path(logic_package.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            for module in modules:
                assert not module.startswith(("robot", "robotlibcore")), f"{path.name} imports {module}"
                assert module.split(".")[0] not in ("keywords", "client"), f"{path.name} imports {module}"


def test_the_apis_label_thresholds_list_is_accepted() -> None:
    # The shape `Get Trigger` returns: names are lists, so a robot cannot make them keys.
    entries = [{"name": ["Order", "Missing"], "threshold": 0.4}, {"name": ["Complaint"], "threshold": 0.5}]
    assert canonical_thresholds(entries) == {"Order > Missing": 0.4, "Complaint": 0.5}


def test_a_malformed_label_thresholds_entry_is_refused() -> None:
    with pytest.raises(ReinferConfigurationError, match="exactly 'name' and 'threshold'"):
        canonical_thresholds([{"name": ["Order"], "value": 0.4}])
