"""Label, entity and threshold keywords through the library class (no HTTP needed)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

import pytest
from robot.utils import DotDict

from ReinferLibrary import ReinferLibrary
from ReinferLibrary.errors import ItemDataError, ReinferConfigurationError, ThresholdFileError
from ReinferLibrary.keywords import base, to_robot
from ReinferLibrary.models import Item, ThresholdConfig

if TYPE_CHECKING:
    from conftest import LogRecorder

SEED = 0.6598735451698303
RAW_ITEM: dict[str, Any] = {
    "uid": "src.c7",
    "comment": {"id": "c7", "uid": "src.c7", "messages": [{"body": {"text": "table"}}]},
    "labels": [
        {"name": ["Order"], "probability": SEED},
        {"name": ["Order", "Missing"], "probability": SEED, "auto_thresholds": ["high_recall"]},
        {"name": ["Complaint"], "probability": 0.3},
    ],
    "entities": [
        {
            "name": "order_number",
            "formatted_value": "ACM-1",
            "capture_ids": [0],
            "spans": [{"char_start": 10}],
        },
        {
            "name": "monetary_quantity",
            "formatted_value": "5.00 GBP",
            "capture_ids": [0],
            "spans": [{"char_start": 20}],
        },
        {
            "name": "order_number",
            "formatted_value": "ACM-2",
            "capture_ids": [1],
            "spans": [{"char_start": 30}],
        },
        {
            "name": "country",
            "formatted_value": "United Kingdom",
            "capture_ids": [],
            "spans": [{"char_start": 1}],
        },
    ],
    "label_properties": [{"property_id": "0000000000000001", "property_name": "tone", "value": 2.5}],
}


@pytest.fixture(params=["dotdict", "dict", "model"])
def item(request: pytest.FixtureRequest) -> Any:
    """The same item as a keyword gets it from a batch, as a plain dict, and as a model."""
    model = Item.model_validate(RAW_ITEM)
    return {"dotdict": to_robot(model), "dict": json.loads(json.dumps(RAW_ITEM)), "model": model}[
        request.param
    ]


def test_labels_above_threshold_keyword(lib: ReinferLibrary, item: Any, log: LogRecorder) -> None:
    assert lib.labels_above_threshold(item, {"Order": SEED, ("Order", "Missing"): 0.7}) == ["Order"]
    assert lib.labels_above_threshold(item, default=0.25) == ["Order", "Order > Missing", "Complaint"]
    assert lib.labels_above_threshold(item, default=0.25, level="leaves") == ["Order > Missing", "Complaint"]
    assert lib.labels_above_threshold(item, default=0.25, level="parents") == ["Order"]
    assert lib.labels_above_threshold(item, auto="high_recall") == ["Order > Missing"]
    config = ThresholdConfig(thresholds={"Complaint": 0.3}, default=0.9)
    assert lib.labels_above_threshold(item, config) == ["Complaint"]
    assert log.messages[0] == ("INFO", "Kept 1 of 3 labels on src.c7: Order 0.660 >= 0.659874.")
    assert log.messages[2] == (
        "INFO",
        "Kept 2 (leaves) of 3 labels on src.c7: Order > Missing 0.660 >= 0.25 (default); "
        "Complaint 0.300 >= 0.25 (default).",
    )
    assert log.messages[4] == ("INFO", "Kept 1 of 3 labels on src.c7: Order > Missing 0.660 (high_recall).")


def test_the_log_line_follows_a_dictionary_changed_in_place(lib: ReinferLibrary, log: LogRecorder) -> None:
    # What a label cleared is formatted once per rule; an edit in place makes a new rule.
    thresholds = DotDict({"Order": 0.5})
    lib.labels_above_threshold(RAW_ITEM, thresholds)
    lib.labels_above_threshold(RAW_ITEM, thresholds)
    thresholds["Order"] = 0.25
    lib.labels_above_threshold(RAW_ITEM, thresholds)
    assert log.texts() == [
        "Kept 1 of 3 labels on src.c7: Order 0.660 >= 0.5.",
        "Kept 1 of 3 labels on src.c7: Order 0.660 >= 0.5.",
        "Kept 1 of 3 labels on src.c7: Order 0.660 >= 0.25.",
    ]


class _Level:
    """Stands in for Robot's execution contexts during a run with ``--loglevel <priority>``."""

    def __init__(self, priority: int) -> None:
        self.current = SimpleNamespace(output=SimpleNamespace(log_level=SimpleNamespace(priority=priority)))


def test_item_keywords_log_nothing_when_the_runs_level_drops_info(
    lib: ReinferLibrary, log: LogRecorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert base.info_enabled()  # outside a run, messages go to Robot's logger as usual
    assert not base.debug_enabled()
    monkeypatch.setattr(base, "EXECUTION_CONTEXTS", _Level(2))  # --loglevel INFO
    assert base.info_enabled() and not base.debug_enabled()
    assert lib.labels_above_threshold(RAW_ITEM, default=0.5) == ["Order", "Order > Missing"]
    assert len(log.texts()) == 1
    monkeypatch.setattr(base, "EXECUTION_CONTEXTS", _Level(3))  # --loglevel WARN
    assert not base.info_enabled()
    assert lib.labels_above_threshold(RAW_ITEM, default=0.5) == ["Order", "Order > Missing"]
    assert len(lib.get_entities_by_capture_group(RAW_ITEM)) == 2
    assert len(log.texts()) == 1
    monkeypatch.setattr(base, "EXECUTION_CONTEXTS", _Level(1))  # --loglevel DEBUG
    assert base.info_enabled() and base.debug_enabled()


def test_labels_above_threshold_refuses_a_path_and_a_non_item(lib: ReinferLibrary) -> None:
    with pytest.raises(
        ReinferConfigurationError, match=r"Thresholds got the text 'x\.yaml': load a thresholds"
    ):
        lib.labels_above_threshold(RAW_ITEM, "x.yaml")
    with pytest.raises(ReinferConfigurationError, match="Expected an item"):
        lib.labels_above_threshold("src.c7")


def test_has_label_and_confidence(lib: ReinferLibrary, item: Any) -> None:
    assert lib.has_label(item, "Order > Missing") is True
    assert lib.has_label(item, ["Order", "Missing"], threshold=SEED) is True
    assert lib.has_label(item, "Order > Missing", threshold=0.7) is False
    assert lib.has_label(item, "Complaint", thresholds={"Complaint": 0.35}) is False
    assert lib.has_label(item, "Complaint", default=0.3) is True
    assert lib.get_label_confidence(item, "Order>Missing") == SEED
    assert lib.get_label_confidence(item, "Praise") == 0.0


def test_has_label_takes_the_list_form_as_text_and_refuses_bad_numbers(
    lib: ReinferLibrary, item: Any
) -> None:
    assert lib.has_label(item, "[Order, Missing]") is True
    assert lib.has_label(item, "[Order, Missing]", thresholds={"[Order, Missing]": 0.7}) is False
    assert lib.get_label_confidence(item, "[Order, Missing]") == SEED
    lib.label_should_be_present(item, "[Order, Missing]", threshold=0.5)
    with pytest.raises(ReinferConfigurationError, match=r"^threshold must be a number from 0 to 1, got 7\.$"):
        lib.has_label(item, "Order", threshold=7)
    with pytest.raises(ReinferConfigurationError, match=r"^threshold must be a number from 0 to 1, got 7\.$"):
        lib.label_should_be_present(item, "Order", threshold=7)


def test_auto_alone_on_fetched_items_fails_clearly(lib: ReinferLibrary) -> None:
    fetched = to_robot(Item.model_validate({**RAW_ITEM, "labels": [{"name": ["Order"], "probability": 0.9}]}))
    assert fetched.origin == "fetch"
    with pytest.raises(
        ReinferConfigurationError, match=r"^auto=balanced cannot decide the labels of comment src\.c7"
    ):
        lib.labels_above_threshold(fetched, auto="balanced")
    with pytest.raises(ReinferConfigurationError, match=r"^auto=balanced cannot decide"):
        lib.has_label(fetched, "Order", auto="balanced")
    config = ThresholdConfig(default=0.5, auto="balanced")  # the default decides on its own
    assert lib.labels_above_threshold(fetched, config) == ["Order"]


def test_a_dictionary_changed_in_place_takes_effect(lib: ReinferLibrary, item: Any) -> None:
    thresholds = DotDict({"Order": 0.7, "Complaint": 0.2})
    assert lib.labels_above_threshold(item, thresholds) == ["Complaint"]
    thresholds["Order"] = 0.1  # Set To Dictionary    ${th}    Order=${0.1}
    assert lib.labels_above_threshold(item, thresholds) == ["Order", "Complaint"]
    assert lib.has_label(item, "Order", thresholds=thresholds) is True


def test_label_should_be_present_messages(lib: ReinferLibrary, item: Any) -> None:
    lib.label_should_be_present(item, "Order", threshold=0.5)
    present = "its labels: Order (0.66), Order > Missing (0.66), Complaint (0.30)."
    with pytest.raises(AssertionError) as caught:
        lib.label_should_be_present(item, "Praise")
    assert str(caught.value) == f"Label 'Praise' is not present on comment src.c7; {present}"
    with pytest.raises(AssertionError) as caught:
        lib.label_should_be_present(item, ["Order", "Missing"], threshold=0.7)
    assert str(caught.value) == (
        f"Label 'Order > Missing' has confidence 0.6599, below the threshold 0.7 on comment src.c7; {present}"
    )
    with pytest.raises(AssertionError, match="does not clear its threshold"):
        lib.label_should_be_present(item, "Complaint", thresholds={"Complaint": 0.5})
    with pytest.raises(AssertionError, match=r"^custom$"):
        lib.label_should_be_present(item, "Praise", msg="custom")


def test_label_property(lib: ReinferLibrary, item: Any) -> None:
    assert lib.get_label_property(item, "Tone") == 2.5
    assert lib.get_label_property(item, "quality_of_service", default=0) == 0.0
    with pytest.raises(ItemDataError, match=r"^Business error \(missing label property\)"):
        lib.get_label_property(item, "quality_of_service")


def test_entity_keywords_return_robot_dictionaries(lib: ReinferLibrary, item: Any, log: LogRecorder) -> None:
    groups = lib.get_entities_by_capture_group(item)
    assert groups == [
        {"capture_id": 0, "order_number": "ACM-1", "monetary_quantity": "5.00 GBP"},
        {"capture_id": 1, "order_number": "ACM-2"},
    ]
    assert all(isinstance(group, DotDict) for group in groups)
    assert groups[1].order_number == "ACM-2"
    assert log.messages[-1] == ("INFO", "2 capture group(s) on src.c7.")
    entities = lib.get_entities(item)
    assert [e.formatted_value for e in entities] == ["United Kingdom", "ACM-1", "5.00 GBP", "ACM-2"]
    assert all(isinstance(entity, DotDict) for entity in entities)
    assert [e.formatted_value for e in lib.get_entities(item, "order_number")] == ["ACM-1", "ACM-2"]
    assert lib.get_entity_value(item, "order_number") == "ACM-1"
    assert lib.get_entity_value(item, "date", default="unknown") == "unknown"
    with pytest.raises(
        ItemDataError, match=r"^Business error \(missing entity\): comment src.c7 has no 'date'"
    ):
        lib.get_entity_value(item, "date")


def test_load_thresholds_keyword(lib: ReinferLibrary, tmp_path: Path, log: LogRecorder) -> None:
    path = tmp_path / "thresholds.yaml"
    path.write_text(
        "model_version: live\nthresholds:\n  [Order, Missing]: 0.6\ndefault: 0.9\n", encoding="utf-8"
    )
    config = lib.load_thresholds(path)
    assert isinstance(config, ThresholdConfig)
    assert config.thresholds == {"Order > Missing": 0.6}
    assert log.messages == [
        (
            "INFO",
            f"Loaded thresholds from {path}: "
            "model version live, 1 label threshold(s), default 0.9, auto none.",
        )
    ]
    assert lib.labels_above_threshold(RAW_ITEM, config) == ["Order > Missing"]
    path.write_text("thresholds:\n  Order: 2\n", encoding="utf-8")
    with pytest.raises(
        ThresholdFileError, match=r"key thresholds\['Order'\]: must be a number from 0 to 1, got 2"
    ):
        lib.load_thresholds(path)


def test_to_robot_makes_nested_dotdicts_and_keeps_lists() -> None:
    data = to_robot({"a": {"b": [{"c": 1}, [{"d": 2}], 3]}, "e": None})
    assert isinstance(data.a, DotDict)
    assert isinstance(data.a.b[0], DotDict)
    assert isinstance(data.a.b[1][0], DotDict)
    assert data.a.b[0].c == 1
    assert data.a.b[2] == 3
    assert data.e is None


def test_label_and_threshold_docs_link_only_to_real_keywords() -> None:
    # `name` in a docstring is a link to a keyword or section; libdoc renders one that
    # exists nowhere as <span class="name">, which reads as a broken link.
    from robot.libdocpkg import LibraryDocumentation

    documentation = LibraryDocumentation("ReinferLibrary")
    documentation.convert_docs_to_html()
    mine = [kw for kw in documentation.keywords if "Labels" in kw.tags or kw.name == "Load Thresholds"]
    assert {kw.name for kw in mine} >= {"Labels Above Threshold", "Has Label", "Load Thresholds"}
    for kw in mine:
        assert '<span class="name">' not in kw.doc, kw.name
