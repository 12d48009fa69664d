"""Labels Above Threshold's rule: boundaries, default, auto, hierarchy levels, name forms."""

from __future__ import annotations

from typing import Any

import pytest
from robot.utils import DotDict

from ReinferLibrary.errors import ReinferConfigurationError
from ReinferLibrary.logic import canonical_thresholds, labels_above_threshold, threshold_rule
from ReinferLibrary.logic.names import canonical_name
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


def test_with_default_and_auto_an_unnamed_label_counts_when_either_keeps_it() -> None:
    item = make_item(
        ("Praise", 0.2, ["high_recall", "balanced"]),  # below the default, carries the auto name
        ("Refund", 0.6, []),  # at or above the default, no auto name
        ("Billing", 0.3, ["high_recall"]),  # neither
        ("Order", 0.9, ["high_recall", "balanced"]),  # named: only its own number decides
    )
    for shape in both_shapes(item):
        assert labels_above_threshold(shape, {"Order": 0.95}, default=0.5, auto="balanced") == [
            "Refund",
            "Praise",
        ]
    config = ThresholdConfig(thresholds={"Order": 0.95}, default=0.5, auto="balanced")
    assert labels_above_threshold(item, config) == ["Refund", "Praise"]


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
        ({"Order": 1.5}, "must be a number from 0 to 1, got 1.5"),
        ({"Order": -0.1}, "must be a number from 0 to 1, got -0.1"),
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
    with pytest.raises(ReinferConfigurationError, match="default must be a number from 0 to 1, got 2"):
        threshold_rule(default=2)
    with pytest.raises(ReinferConfigurationError, match="'medium' is not one of"):
        threshold_rule(auto="medium")
    with pytest.raises(ReinferConfigurationError, match="dictionary"):
        threshold_rule(["Order"])  # type: ignore[arg-type]


def test_an_unchanged_dictionary_is_normalised_once() -> None:
    thresholds: dict[str, Any] = {"Order": 0.5}
    first = threshold_rule(thresholds)
    assert threshold_rule(thresholds) is first
    assert threshold_rule(dict(thresholds)) == first  # an equal copy gives the same rule


def test_a_value_changed_in_place_takes_effect() -> None:
    # `Set To Dictionary    ${th}    Order > Late Delivery=${0.1}`: same object, same size.
    item = make_item(("Order > Late Delivery", 0.3), ("Complaint", 0.5))
    thresholds: dict[str, Any] = {"Order > Late Delivery": 0.35, "Complaint": 0.45}
    assert labels_above_threshold(item, thresholds) == ["Complaint"]
    thresholds["Order > Late Delivery"] = 0.1
    assert labels_above_threshold(item, thresholds) == ["Complaint", "Order > Late Delivery"]
    thresholds["Complaint"] = 1.5
    with pytest.raises(
        ReinferConfigurationError, match=r"'Complaint' must be a number from 0 to 1, got 1\.5"
    ):
        labels_above_threshold(item, thresholds)


def test_a_key_swapped_in_place_takes_effect() -> None:
    item = make_item(("Praise", 0.9), ("Complaint", 0.9))
    thresholds: dict[str, Any] = {"Praise": 0.5}
    assert labels_above_threshold(item, thresholds) == ["Praise"]
    del thresholds["Praise"]
    thresholds["Complaint"] = 0.5  # same size as before
    assert labels_above_threshold(item, thresholds) == ["Complaint"]


def test_a_robot_dictionary_and_a_configs_dictionary_changed_in_place_take_effect() -> None:
    item = make_item(("Order", 0.4), ("Praise", 0.4))
    robot_dict = DotDict({"Order": 0.5})
    assert labels_above_threshold(item, robot_dict, default=0.9) == []
    robot_dict["Order"] = 0.3
    assert labels_above_threshold(item, robot_dict, default=0.9) == ["Order"]
    config = ThresholdConfig(thresholds={"Praise": 0.5})
    assert labels_above_threshold(item, config) == []
    config.thresholds["Praise"] = 0.4  # the model is frozen, its dictionary is not
    assert labels_above_threshold(item, config) == ["Praise"]


def test_rule_explains_what_decides_a_label() -> None:
    rule = threshold_rule({"Order": 0.5}, auto="balanced")
    assert rule.threshold_text("Order") == "0.500"
    assert rule.threshold_text("Praise") == "balanced"
    assert rule.clears("Praise", 0.1, ["balanced"])
    assert not rule.clears("Order", 0.49, ["balanced"])
    assert threshold_rule({"Order": 0.5}).threshold_text("Praise") == "—"
    both = threshold_rule({"Order": 0.5}, default=0.6, auto="balanced")
    assert both.threshold_text("Praise") == "0.600 (default) or balanced"
    assert both.cleared_text("Order", 0.51) == "Order 0.510 >= 0.5"
    assert both.cleared_text("Praise", 0.7) == "Praise 0.700 >= 0.6 (default)"
    assert both.cleared_text("Praise", 0.2) == "Praise 0.200 (balanced)"
    assert threshold_rule().threshold_text("Praise") == "any"


def test_an_empty_thresholds_dictionary_keeps_nothing_unless_a_fallback_is_given() -> None:
    item = make_item(("Order", 0.9), ("Praise", 0.4, ["high_recall"]))
    assert labels_above_threshold(item) == ["Order", "Praise"]  # nothing given at all: keep all
    assert labels_above_threshold(item, None) == ["Order", "Praise"]
    assert labels_above_threshold(item, {}) == []
    assert labels_above_threshold(item, DotDict()) == []
    assert labels_above_threshold(item, {}, default=0.5) == ["Order"]
    assert labels_above_threshold(item, {}, auto="high_recall") == ["Praise"]
    assert not threshold_rule({}).keeps_everything
    assert threshold_rule().keeps_everything


def test_list_form_written_as_text_is_a_list_of_levels() -> None:
    # A robot writes `[Order, Late Delivery]=${0.35}` in Create Dictionary: the key is text.
    item = make_item((["Order", "Late Delivery"], 0.4), (["Order"], 0.4))
    assert labels_above_threshold(item, {"[Order, Late Delivery]": 0.35}) == ["Order > Late Delivery"]
    assert labels_above_threshold(item, {" ['Order', \"Late Delivery\"] ": 0.35}) == ["Order > Late Delivery"]
    assert labels_above_threshold(item, {"[Order]": 0.35}) == ["Order"]
    assert canonical_name("[Order, Late Delivery]") == "Order > Late Delivery"
    assert canonical_name("Order > Late Delivery") == "Order > Late Delivery"
    assert canonical_name(("Order", "Late Delivery")) == "Order > Late Delivery"
    for bad in ("[]", "[Order, ]", ["Order", 3]):
        with pytest.raises(ReinferConfigurationError, match="is not valid"):
            canonical_name(bad)
    with pytest.raises(ReinferConfigurationError, match="Threshold label name '\\[Order, \\]' is not valid"):
        canonical_thresholds({"[Order, ]": 0.5})


def test_the_same_label_twice_names_both_original_spellings() -> None:
    with pytest.raises(ReinferConfigurationError) as caught:
        canonical_thresholds({"Order > Missing": 0.5, ("Order", "Missing"): 0.6})
    assert str(caught.value) == (
        "Label 'Order > Missing' is given twice in the thresholds, as 'Order > Missing' and "
        "['Order', 'Missing']; keep one."
    )
    with pytest.raises(ReinferConfigurationError, match="as 'Order > Missing' and '\\[Order, Missing\\]'"):
        canonical_thresholds({"Order > Missing": 0.5, "[Order, Missing]": 0.6})


AUTO_ERROR = r"^auto=balanced cannot decide the labels of comment src\.c1: they carry no auto-threshold names"


@pytest.mark.parametrize(
    ("origin", "why"),
    [
        ("fetch", "names (this item of the fetch route does not say which stream it came from, so they"),
        ("elasticsearch", "names (Elasticsearch items never do). Items of"),
        ("predict", "names (this prediction was not made with threshold=auto). Items of"),
        (None, "names. Items of"),
    ],
)
def test_auto_alone_on_items_without_auto_names_is_a_configuration_error(
    origin: str | None, why: str
) -> None:
    item = make_item(("Order", 0.9), ("Praise", 0.6))
    if origin is not None:
        item["origin"] = origin
    for shape in both_shapes(item) if origin is not None else [item]:
        with pytest.raises(ReinferConfigurationError, match=AUTO_ERROR) as caught:
            labels_above_threshold(shape, auto="balanced")
        message = str(caught.value)
        assert why in message
        assert "api=results sends them" in message
        assert "threshold=auto" in message
        assert "\n" not in message
    config = ThresholdConfig(thresholds={"Order": 0.5}, auto="balanced")  # Praise is left to auto
    with pytest.raises(ReinferConfigurationError, match=AUTO_ERROR):
        labels_above_threshold(item, config)


def test_auto_without_names_is_fine_where_auto_decides_nothing_or_names_may_rightly_be_empty() -> None:
    item = make_item(("Order", 0.9), ("Praise", 0.6))
    # A default next to auto decides labels on its own.
    assert labels_above_threshold(item, default=0.7, auto="balanced") == ["Order"]
    # Every label is named: auto decides none of them.
    assert labels_above_threshold(item, {"Order": 0.5, "Praise": 0.7}, auto="balanced") == ["Order"]
    # No labels: nothing to decide.
    assert labels_above_threshold(make_item(), auto="balanced") == []
    # api=results items: a label may clear the stream's threshold but no auto threshold.
    results = dict(item, origin="results")
    for shape in both_shapes(results):
        assert labels_above_threshold(shape, auto="balanced") == []


@pytest.mark.parametrize(
    ("labels", "problem"),
    [
        ([{"name": ["Order"]}], "label 1 has no 'probability'"),
        ([{"name": "Order", "probability": 0.5}, {"probability": 0.5}], "label 2 has no 'name'"),
        ([{"name": "Order", "probability": "high"}], "label 1 has the probability 'high', not a number"),
        ([{"name": [], "probability": 0.5}], "label 1 has the name [], which is not a label name"),
        (["Order"], "label 1 is 'Order', not a dictionary with name and probability"),
    ],
)
def test_a_malformed_item_fails_with_one_line_naming_what_is_missing(labels: list[Any], problem: str) -> None:
    item = {"uid": "src.c9", "labels": labels}
    for arguments in ({"thresholds": {"Order": 0.1}}, {"default": 0.1}, {"auto": "balanced"}, {}):
        with pytest.raises(ReinferConfigurationError) as caught:
            labels_above_threshold(item, **arguments)  # type: ignore[arg-type]
        message = str(caught.value)
        assert message.startswith(f"Item src.c9: {problem}; each label needs a name")
        assert "\n" not in message


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


def test_one_rule_on_items_with_and_without_labels_it_does_not_name() -> None:
    # The fast path reads named thresholds by subscript until an item has a label the rule
    # does not name; from then on it looks thresholds up with the default. Both give the
    # rule's answer, before and after the switch, and with a default or without one.
    named = make_item(("Order", 0.6), ("Praise", 0.4))
    unnamed = make_item(("Order", 0.6), ("Complaint", 0.7), ("Praise", 0.4))
    for default, expected in ((None, ["Order"]), (0.65, ["Complaint"])):
        thresholds: dict[str, Any] = {"Order": 0.5 if default is None else 0.9, "Praise": 0.5}
        rule = threshold_rule(thresholds, default)
        assert labels_above_threshold(named, rule) == (["Order"] if default is None else [])
        assert not rule.partial
        assert labels_above_threshold(unnamed, rule) == expected
        assert rule.partial
        assert labels_above_threshold(named, rule) == (["Order"] if default is None else [])


def test_a_reordered_dictionary_is_read_again_with_the_same_answer() -> None:
    item = make_item(("Order", 0.6), ("Praise", 0.4))
    thresholds: dict[str, Any] = {"Order": 0.5, "Praise": 0.5}
    first = threshold_rule(thresholds)
    thresholds.pop("Order")
    thresholds["Order"] = 0.5  # same entries, another order
    assert labels_above_threshold(item, thresholds) == ["Order"]
    assert threshold_rule(thresholds) == first
