"""Items as robots get them: validated as plain dictionaries, converted to DotDicts lazily, logged short."""

from __future__ import annotations

import copy
import importlib.util
import json
import pickle
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError, model_validator
from robot.running.context import EXECUTION_CONTEXTS
from robot.utils import DotDict, cut_assign_value

from ReinferLibrary.keywords.arguments import UNCONVERTED, types_in_runs
from ReinferLibrary.keywords.base import RobotBatch, RobotDict, RobotItem, robot_batch, robot_item, to_robot
from ReinferLibrary.models import Batch, Item
from ReinferLibrary.models.items import BatchData, data_type, sort_labels

_PAYLOADS = Path(__file__).resolve().parents[2] / "benchmarks" / "payloads.py"
_spec = importlib.util.spec_from_file_location("bench_payloads", _PAYLOADS)
assert _spec is not None and _spec.loader is not None
payloads = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(payloads)
bench_items = payloads.items
"""The benchmark's realistic fetch items (a demo email, 13 labels, 4 entities each)."""

EDGE_ITEMS: list[dict[str, Any]] = [
    # uid only on the comment; names as text and as lists with spaces; an int probability
    {
        "comment": {"id": "c1", "uid": "src.c1", "messages": [{"from": "a@b.c", "body": {"text": "hi"}}]},
        "labels": [
            {"name": [" Order ", "Missing"], "probability": 1},
            {"name": "Refund>Request", "probability": 0.5, "extra_key": [1, {"x": 2}]},
        ],
        "entities": [
            # only the older single span: spans is made from it
            {"name": "order_number", "formatted_value": "A-1", "span": {"char_start": 3, "char_end": 6}},
            {"name": "amount", "formatted_value": "1 GBP", "capture_ids": [2, 2]},
        ],
        "label_properties": [{"id": "p1", "name": "tone", "value": -1.5}],
        "sentiment": 0.25,
        "model": {"version": 3},
        "something_new": {"nested": True},
    },
    {"uid": "src.c2", "sequence_id": "S2"},
    {"uid": None, "comment": {"id": "c3", "uid": "src.c3"}},  # a null uid is taken from the comment
    {"uid": "", "comment": {"id": "c4", "uid": "src.c4"}},
    {"uid": "given", "comment": {"id": "c5", "uid": "src.c5"}},  # a given uid wins
    {"comment": {"id": "c6", "uid": ""}},
    {"comment": None, "labels": [], "entities": [{"name": "n", "formatted_value": "v", "spans": []}]},
]


def model_dump(batch: dict[str, Any]) -> dict[str, Any]:
    model = Batch.model_validate(batch)
    for item in model.results:
        item.labels.sort(key=lambda label: label.probability, reverse=True)
    return model.model_dump(mode="json")


def data_dump(batch: dict[str, Any]) -> dict[str, Any]:
    data = BatchData.model_validate_json(json.dumps(batch))
    for item in data.results:
        sort_labels(item)
    return data.robot_data()


@pytest.mark.parametrize("results", [bench_items(20), EDGE_ITEMS], ids=["benchmark payloads", "edge cases"])
def test_item_data_is_what_the_models_give(results: list[dict[str, Any]]) -> None:
    batch = {"results": results, "sequence_id": "S9", "filtered": 2, "top_level_extra": "kept"}
    expected = model_dump(batch)
    assert data_dump(batch) == expected
    assert json.dumps(data_dump(batch), sort_keys=True) == json.dumps(expected, sort_keys=True)


@pytest.mark.parametrize(
    "bad",
    [
        {"labels": [{"name": "Order"}]},  # no probability
        {"labels": [{"name": "", "probability": 0.5}]},  # empty name
        {"labels": [{"name": ["Order", " "], "probability": 0.5}]},  # empty level
        {"entities": [{"name": "x"}]},  # no formatted_value
        {"comment": {"uid": "no id"}},
        {"labels": "not a list"},
    ],
)
def test_item_data_refuses_what_the_models_refuse(bad: dict[str, Any]) -> None:
    batch = {"results": [{"uid": "u", **bad}], "sequence_id": "S"}
    with pytest.raises(ValidationError):
        Batch.model_validate(batch)
    with pytest.raises(ValidationError):
        BatchData.model_validate(batch)


def test_label_names_from_levels_are_the_same_when_read_again_and_bad_ones_always_refused() -> None:
    good = {"results": [{"uid": "u", "labels": [{"name": [" Order ", "Missing"], "probability": 0.5}]}]}
    bad = {"results": [{"uid": "u", "labels": [{"name": ["Order", " "], "probability": 0.5}]}]}
    for _ in range(2):  # the second time from the names already made
        data = BatchData.model_validate({**good, "sequence_id": "S"})
        assert data.results[0]["labels"][0]["name"] == "Order > Missing"
        with pytest.raises(ValidationError, match="empty level"):
            BatchData.model_validate({**bad, "sequence_id": "S"})


def test_a_model_validator_without_a_dictionary_twin_is_refused() -> None:
    class Checked(BaseModel):
        a: int = 0

        @model_validator(mode="after")
        def _positive(self) -> Checked:
            return self

    with pytest.raises(TypeError, match="_positive needs a dictionary twin"):
        data_type(Checked)


def test_nested_dictionaries_become_dotdicts_when_read() -> None:
    item = robot_item({"uid": "u1", "comment": {"uid": "u1", "messages": [{"body": {"text": "hi"}}]}})
    assert type(dict.__getitem__(item, "comment")) is dict  # nothing converted yet
    assert item.comment.messages[0].body.text == "hi"
    assert isinstance(item.comment, DotDict)
    assert isinstance(item["comment"]["messages"][0], DotDict)
    assert item.comment is item["comment"]  # converted once, in place
    for key, value in item.items():
        assert not isinstance(value, dict) or isinstance(value, RobotDict), key
    assert all(not isinstance(v, dict) or isinstance(v, RobotDict) for v in item.values())
    assert isinstance(item.get("comment"), RobotDict)
    assert item.get("missing", 5) == 5
    assert isinstance(item.pop("comment"), RobotDict)
    assert "comment" not in item


def test_dictionaries_with_nothing_below_become_plain_dotdicts() -> None:
    item = robot_item(data_dump({"results": EDGE_ITEMS[:1], "sequence_id": "S"})["results"][0])
    label = item.labels[0]
    assert type(label) is DotDict  # reads cost what a dict's do: nothing left to convert below
    assert label.name == "Order > Missing"
    assert type(item.entities[0]) is RobotDict  # its span is a dictionary
    assert type(item.entities[0].span) is DotDict
    assert type(item.labels[1].extra_key[1]) is DotDict  # a list with a dictionary in it


def test_robot_items_are_json_pickle_and_equality_friendly() -> None:
    raw = {"results": EDGE_ITEMS[:1], "sequence_id": "S1", "stream": "routing", "filtered": 0}
    batch = robot_batch(json.loads(json.dumps(raw)))
    assert isinstance(batch, RobotBatch)
    assert isinstance(batch.results[0], RobotItem)
    assert batch == raw
    assert json.loads(json.dumps(batch)) == raw
    again = pickle.loads(pickle.dumps(batch))  # noqa: S301  # our own bytes
    assert again == raw
    assert type(again.results[0]) is RobotItem
    assert copy.deepcopy(batch) == raw
    assert batch.results[0].comment.messages[0]["from"] == "a@b.c"
    assert json.loads(json.dumps(batch)) == raw  # still the same after reading


def test_items_and_batches_log_as_one_short_line_and_repr_is_everything() -> None:
    raw = {"results": bench_items(64), "sequence_id": "b64", "stream": "routing", "filtered": 3}
    batch = robot_batch(raw)
    item = batch.results[0]
    assert str(batch) == "Batch of 64 item(s) from routing (3 filtered, sequence id b64)"
    assert str(item) == f"Item {item.comment.uid} (13 label(s), 4 entity(ies))"
    assert str(robot_item({"uid": "u1"})) == "Item u1 (0 label(s), 0 entity(ies))"
    assert str(robot_item({})) == "Item (no uid) (0 label(s), 0 entity(ies))"
    # What Robot Framework writes for ${batch} = / FOR ${item} IN ...: the short line.
    assert cut_assign_value(batch) == str(batch)
    assert cut_assign_value(item) == str(item)
    assert eval(repr(item)) == item  # noqa: S307  # the full item, for Log formatter=repr
    end = robot_batch({"results": [], "sequence_id": "s", "is_end_sequence": True})
    assert str(end) == "Batch of 0 item(s) (0 filtered, end of stream for now, sequence id s)"


def test_to_robot_gives_items_and_batches_of_models() -> None:
    model = Batch.model_validate({"results": EDGE_ITEMS, "sequence_id": "S"})
    batch = to_robot(model)
    assert isinstance(batch, RobotBatch)
    assert all(isinstance(item, RobotItem) for item in batch.results)
    assert isinstance(to_robot(model.results[0]), RobotItem)
    assert isinstance(to_robot([model.results[0]])[0], RobotItem)
    assert to_robot(batch) is batch


def test_item_and_threshold_types_are_left_out_only_during_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    types = {"item": Item, "thresholds": next(iter(t for t in UNCONVERTED if t is not Item)), "size": int}
    assert types_in_runs(types) is types  # libdoc and editors see every type
    monkeypatch.setattr(EXECUTION_CONTEXTS, "_contexts", [object()])
    assert types_in_runs(types) == {"item": Any, "thresholds": Any, "size": int}
