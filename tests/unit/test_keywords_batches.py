"""Group Batch By Label: the batch-level idiom gives each item what the per-item keywords give."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from ReinferLibrary import ReinferLibrary
from ReinferLibrary.errors import ReinferConfigurationError
from ReinferLibrary.keywords import to_robot
from ReinferLibrary.models import Batch

if TYPE_CHECKING:
    from conftest import LogRecorder


def item(uid: str, labels: dict[str, float], rows: int = 1) -> dict[str, Any]:
    entities = []
    for row in range(rows):
        entities += [
            {"name": "order_number", "formatted_value": f"ACM-{uid}-{row}", "capture_ids": [row]},
            {"name": "monetary_quantity", "formatted_value": f"{row}.00 GBP", "capture_ids": [row]},
        ]
    entities.append({"name": "country", "formatted_value": "UK", "capture_ids": []})
    return {
        "uid": f"src.{uid}",
        "sequence_id": f"s-{uid}",
        "labels": [{"name": name.split(" > "), "probability": p} for name, p in labels.items()],
        "entities": entities,
    }


THRESHOLDS = {"Order > Missing": 0.5, "Complaint": 0.4, "Praise": 0.9}
ITEMS = [
    item("a", {"Order > Missing": 0.8, "Complaint": 0.45, "Praise": 0.2}, rows=2),
    item("b", {"Praise": 0.95, "Order > Missing": 0.1}, rows=0),
    item("c", {"Complaint": 0.1, "Praise": 0.3}),
    item("d", {"Complaint": 0.9, "Order > Missing": 0.5}),
]


@pytest.fixture
def batch() -> Any:
    return to_robot(Batch.model_validate({"results": ITEMS, "sequence_id": "s-d", "stream": "routing"}))


def test_groups_items_by_the_labels_they_clear_in_batch_order(
    lib: ReinferLibrary, batch: Any, log: LogRecorder
) -> None:
    groups = lib.run_keyword("group_batch_by_label", [batch], {"thresholds": THRESHOLDS})
    assert {label: [i.uid for i in members] for label, members in groups.items()} == {
        "Order > Missing": ["src.a", "src.d"],
        "Complaint": ["src.a", "src.d"],
        "Praise": ["src.b"],
        "(no label)": ["src.c"],
    }
    assert groups["Praise"][0] is batch.results[1]  # the batch's own items, not copies
    assert log.texts() == [
        "Grouped 4 item(s) by label: Order > Missing 2, Complaint 2, Praise 1, (no label) 1."
    ]


def test_each_item_gets_what_the_per_item_keywords_return(lib: ReinferLibrary, batch: Any) -> None:
    per_item = [
        (
            lib.run_keyword("labels_above_threshold", [entry], {"thresholds": THRESHOLDS}),
            lib.run_keyword("get_entities_by_capture_group", [entry], {}),
        )
        for entry in to_robot(ITEMS)
    ]
    lib.run_keyword("group_batch_by_label", [batch], {"thresholds": THRESHOLDS})
    assert [(i.selected_labels, i.rows) for i in batch.results] == per_item
    assert batch.results[0].rows[1].order_number == "ACM-a-1"
    assert batch.results[3].selected_labels == ["Complaint", "Order > Missing"]


def test_default_level_and_no_rows(lib: ReinferLibrary, batch: Any) -> None:
    groups = lib.run_keyword(
        "group_batch_by_label", [batch.results], {"default": 0.85, "level": "leaves", "rows": False}
    )
    assert {label: [i.uid for i in members] for label, members in groups.items()} == {
        "Praise": ["src.b"],
        "Complaint": ["src.d"],
        "(no label)": ["src.a", "src.c"],
    }
    assert "rows" not in batch.results[0]


def test_logs_short_when_assigned(lib: ReinferLibrary, batch: Any) -> None:
    groups = lib.run_keyword("group_batch_by_label", [batch], {"thresholds": THRESHOLDS})
    assert str(groups) == "Items by label (Order > Missing: 2, Complaint: 2, Praise: 1, (no label): 1)"


def test_a_model_batch_groups_without_adding_keys(lib: ReinferLibrary) -> None:
    model = Batch.model_validate({"results": ITEMS, "sequence_id": "s-d"})
    groups = lib.run_keyword("group_batch_by_label", [model], {"thresholds": THRESHOLDS})
    assert [i.uid for i in groups["Praise"]] == ["src.b"]


def test_something_else_is_refused(lib: ReinferLibrary) -> None:
    with pytest.raises(ReinferConfigurationError, match="needs the batch from Fetch Trigger Batch"):
        lib.run_keyword("group_batch_by_label", ["routing"], {})


def test_converters_are_documented_outside_runs_and_absent_during_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Robot Framework re-parses custom converters on every keyword call; during a run the
    # library has none (they convert nothing a keyword needs), libdoc still sees them.
    from robot.running.context import EXECUTION_CONTEXTS

    from ReinferLibrary.keywords.arguments import CONVERTERS

    assert ReinferLibrary.ROBOT_LIBRARY_CONVERTERS is CONVERTERS
    monkeypatch.setattr(EXECUTION_CONTEXTS, "_contexts", [object()])
    assert EXECUTION_CONTEXTS.current is not None
    assert ReinferLibrary.ROBOT_LIBRARY_CONVERTERS is None
    assert ReinferLibrary().ROBOT_LIBRARY_CONVERTERS is None


def test_keyword_documentation_is_its_first_paragraph_during_runs_and_whole_outside(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Robot Framework searches a keyword's whole documentation for tags and cuts its short doc
    # on every call; during a run the short doc is all it shows, so that is all it gets.
    from robot.running.context import EXECUTION_CONTEXTS
    from robot.utils import getshortdoc

    from ReinferLibrary.keywords.arguments import doc_in_runs

    lib = ReinferLibrary()
    whole = lib.get_keyword_documentation("fetch_trigger_batch")
    intro = lib.get_keyword_documentation("__intro__")
    assert "Example:" in whole and len(whole) > 1000
    monkeypatch.setattr(EXECUTION_CONTEXTS, "_contexts", [object()])
    during = lib.get_keyword_documentation("fetch_trigger_batch")
    assert during == getshortdoc(whole)
    assert during == "Read the next batch of comments from a trigger, without moving it."
    assert lib.get_keyword_documentation("__intro__") == intro  # library docs stay whole
    tagged = "Does a thing.\n\nMore words.\n\nTags: slow"
    assert doc_in_runs(tagged) == tagged  # Robot Framework reads tags from the whole text
    monkeypatch.setattr(EXECUTION_CONTEXTS, "_contexts", [])
    assert lib.get_keyword_documentation("fetch_trigger_batch") == whole
