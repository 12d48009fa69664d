"""Stream cursor pieces of the sandbox without HTTP: sequence ids, filters, what a read examines."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from ReinferLibrary.sandbox.envelope import ApiError
from ReinferLibrary.sandbox.store import CommentRow, CommentWrite, Store
from ReinferLibrary.sandbox.streams import SequenceCodec, compile_filter, examine

STREAM = "0123456789abcdef"
OTHER = "fedcba9876543210"


def test_sequence_ids_round_trip_and_are_opaque() -> None:
    codec = SequenceCodec(b"k" * 32)
    token = codec.encode(STREAM, 42)
    assert len(token) == 32 and "42" not in token
    assert codec.decode(token, STREAM, "s") == 42


def test_sequence_ids_of_other_streams_or_servers_are_refused() -> None:
    codec = SequenceCodec(b"k" * 32)
    with pytest.raises(ApiError, match="belongs to another stream, not to 's'") as error:
        codec.decode(codec.encode(OTHER, 1), STREAM, "s")
    assert error.value.code == 400
    with pytest.raises(ApiError, match="not a sequence id issued by this server"):
        codec.decode(SequenceCodec(b"x" * 32).encode(STREAM, 1), STREAM, "s")
    with pytest.raises(ApiError, match="not a sequence id"):
        codec.decode("not-base64!!", STREAM, "s")


def _row(comment: dict[str, Any], seq: int = 1, source: str = "s1") -> CommentRow:
    return CommentRow(seq, source, json.dumps(comment), "[]", "[]")


def _comment(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "c",
        "timestamp": "2024-05-01T10:00:00Z",
        "messages": [{"body": {"text": "hi"}, "from": "Ann <ann@shop.example>", "to": ["cs@acme.example"]}],
        "user_properties": {"string:Country": "UK", "number:Spend": 120},
    }
    base.update(fields)
    return base


def _matches(comment_filter: dict[str, Any], comment: dict[str, Any], **row: Any) -> bool:
    predicate = compile_filter(comment_filter, lambda: {7})
    assert predicate is not None
    return predicate(_row(comment, **row))


def test_empty_filter_lets_everything_through() -> None:
    assert compile_filter({}, set) is None
    assert compile_filter(None, set) is None


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"string:Country": {"one_of": ["UK", "DE"]}}, True),
        ({"string:Country": {"one_of": ["FR"]}}, False),
        ({"string:Country": {"not_one_of": ["UK"]}}, False),
        ({"string:Missing": {"not_one_of": ["UK"]}}, True),
        ({"string:Missing": {"one_of": ["UK"]}}, False),
        ({"number:Spend": {"minimum": 100, "maximum": 120}}, True),
        ({"number:Spend": {"minimum": 121}}, False),
        ({"number:Spend": {"one_of": [120]}}, True),
    ],
)
def test_user_property_filters(rule: dict[str, Any], expected: bool) -> None:
    assert _matches({"user_properties": rule}, _comment()) is expected


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        ({"from": {"one_of": ["ANN@shop.example"]}}, True),
        ({"from": {"domain_one_of": ["shop.example"]}}, True),
        ({"from": {"domain_not_one_of": ["shop.example"]}}, False),
        ({"to": {"one_of": ["cs@acme.example"]}}, True),
        ({"cc": {"one_of": ["x@y.z"]}}, False),
        ({"cc": {"not_one_of": ["x@y.z"]}}, True),
        ({"cc": {"one_of": ["x@y.z"], "include_missing": True}}, True),
        ({"recipient": {"domain_one_of": ["acme.example"]}}, True),
    ],
)
def test_message_filters(rule: dict[str, Any], expected: bool) -> None:
    assert _matches({"messages": rule}, _comment()) is expected


def test_timestamp_sources_and_review_filters() -> None:
    inside = {"timestamp": {"minimum": "2024-05-01T00:00:00Z", "maximum": "2024-05-02T00:00:00Z"}}
    assert _matches(inside, _comment())
    assert not _matches({"timestamp": {"minimum": "2024-05-01T10:00:01Z"}}, _comment())
    assert _matches({"sources": ["s1"]}, _comment())
    assert not _matches({"sources": ["s2"]}, _comment())
    assert _matches({"reviewed": "only_reviewed"}, _comment(), seq=7)
    assert not _matches({"reviewed": "only_reviewed"}, _comment(), seq=8)
    assert _matches({"reviewed": "only_unreviewed"}, _comment(), seq=8)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(tmp_path)
    writes = []
    for i in range(1, 13):
        comment = _comment(id=f"c{i}", user_properties={"string:Keep": "yes" if i % 4 == 0 else "no"})
        writes.append(CommentWrite(f"c{i}", json.dumps(comment), "", "[]", "[]"))
    store.write_comments("s1", writes, [])
    return store


KEEP = compile_filter({"user_properties": {"string:Keep": {"one_of": ["yes"]}}}, set)


def test_examine_without_filter_stops_at_size_and_knows_the_end(store: Store) -> None:
    first = examine(store, ["s1"], 0, 5, 16, None)
    assert [row.seq for row in first.results] == [1, 2, 3, 4, 5]
    assert (first.filtered, first.last_seq, first.at_end) == (0, 5, False)
    last = examine(store, ["s1"], 10, 5, 16, None)
    assert ([row.seq for row in last.results], last.last_seq, last.at_end) == ([11, 12], 12, True)
    exact = examine(store, ["s1"], 7, 5, 16, None)
    assert exact.last_seq == 12 and exact.at_end
    empty = examine(store, ["s1"], 12, 5, 16, None)
    assert (empty.results, empty.last_seq, empty.at_end) == ([], 12, True)


def test_examine_counts_filtered_and_stops_at_the_budget(store: Store) -> None:
    # Kept: seqs 4, 8, 12. With a budget of 2 the first read only skips 1 and 2.
    only_filtered = examine(store, ["s1"], 0, 5, 2, KEEP)
    assert (only_filtered.results, only_filtered.filtered, only_filtered.last_seq) == ([], 2, 2)
    assert not only_filtered.at_end
    batch = examine(store, ["s1"], 0, 2, 16, KEEP)
    assert [row.seq for row in batch.results] == [4, 8]
    assert (batch.filtered, batch.last_seq, batch.at_end) == (6, 8, False)
    tail = examine(store, ["s1"], 8, 2, 16, KEEP)
    assert ([row.seq for row in tail.results], tail.filtered, tail.last_seq, tail.at_end) == (
        [12],
        3,
        12,
        True,
    )


def test_store_keeps_seq_on_update_and_orders_created_at(store: Store) -> None:
    before = store.existing_comments("s1", ["c3"])["c3"][0]
    store.write_comments(
        "s1", [CommentWrite("c3", json.dumps(_comment(id="c3")), "new text", "[]", "[]")], [before]
    )
    assert store.existing_comments("s1", ["c3"])["c3"][0] == before
    with sqlite3.connect(store.path) as db:
        stamps = [row[0] for row in db.execute("SELECT created_at FROM comments ORDER BY seq")]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
