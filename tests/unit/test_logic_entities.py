"""Entities: grouping by capture id, several ids, repeated names, text order, values."""

from __future__ import annotations

from typing import Any

import pytest

from ReinferLibrary.errors import ItemDataError
from ReinferLibrary.logic import entities_by_capture_group, entities_named, entity_texts, entity_value
from ReinferLibrary.models import Item

# The seed document's entity example, verbatim apart from JSON syntax.
SEED_ENTITY = {
    "id": "0abe5b728ee17811",
    "name": "order_number",
    "span": {
        "content_part": "body",
        "message_index": 0,
        "utf16_byte_start": 58,
        "utf16_byte_end": 76,
        "char_start": 29,
        "char_end": 38,
    },
    "kind": "order_number",
    "formatted_value": "ABC-123456",
    "capture_ids": [],
}


def entity(name: str, value: str, start: int, capture_ids: list[int], part: str = "body") -> dict[str, Any]:
    span = {"content_part": part, "message_index": 0, "char_start": start, "char_end": start + len(value)}
    return {"name": name, "formatted_value": value, "spans": [span], "capture_ids": capture_ids}


TABLE = {
    "uid": "src.t1",
    "entities": [
        # Deliberately out of text order: grouping must follow the text, not the list.
        entity("monetary_quantity", "24.99 GBP", 140, [1]),
        entity("order_number", "ACM-200002", 120, [1]),
        entity("order_number", "ACM-200001", 60, [0]),
        entity("date", "2025-08-21 00:00 UTC", 75, [0]),
        entity("monetary_quantity", "12.50 GBP", 90, [0]),
        entity("monetary_quantity", "3.00 GBP", 100, [0]),  # a second amount in the same row
        entity("country", "United Kingdom", 200, [0, 1]),  # shared by both rows
        entity("order_number", "ACM-999999", 5, [], part="subject"),  # outside the table
    ],
}


def shapes(item: dict[str, Any]) -> list[Any]:
    return [item, Item.model_validate(item)]


@pytest.mark.parametrize("item", shapes(TABLE))
def test_groups_by_capture_id_in_ascending_order(item: Any) -> None:
    assert entities_by_capture_group(item) == [
        {
            "capture_id": 0,
            "order_number": "ACM-200001",
            "date": "2025-08-21 00:00 UTC",
            "monetary_quantity": ["12.50 GBP", "3.00 GBP"],
            "country": "United Kingdom",
        },
        {
            "capture_id": 1,
            "order_number": "ACM-200002",
            "monetary_quantity": "24.99 GBP",
            "country": "United Kingdom",
        },
    ]


def test_group_keys_follow_text_order() -> None:
    groups = entities_by_capture_group(TABLE)
    assert list(groups[0]) == ["capture_id", "order_number", "date", "monetary_quantity", "country"]


def test_a_name_three_times_in_one_group_is_a_list_of_three() -> None:
    item = {"entities": [entity("date", d, i * 10, [4]) for i, d in enumerate(["d1", "d2", "d3"])]}
    assert entities_by_capture_group(item) == [{"capture_id": 4, "date": ["d1", "d2", "d3"]}]


def test_an_id_listed_twice_on_one_entity_counts_once() -> None:
    item = {"entities": [entity("date", "d1", 0, [2, 2])]}
    assert entities_by_capture_group(item) == [{"capture_id": 2, "date": "d1"}]


@pytest.mark.parametrize("item", shapes({"uid": "src.c1", "entities": [SEED_ENTITY]}))
def test_seed_entity_without_capture_id_is_in_no_group(item: Any) -> None:
    assert entities_by_capture_group(item) == []
    assert entity_value(item, "order_number") == "ABC-123456"


def test_no_entities_no_groups() -> None:
    assert entities_by_capture_group({"uid": "x"}) == []
    assert entities_by_capture_group({"uid": "x", "entities": None}) == []


@pytest.mark.parametrize("item", shapes(TABLE))
def test_entities_named_in_text_order_subject_first(item: Any) -> None:
    values = [
        e["formatted_value"] if isinstance(e, dict) else e.formatted_value for e in entities_named(item)
    ]
    assert values[:3] == ["ACM-999999", "ACM-200001", "2025-08-21 00:00 UTC"]
    orders = entities_named(item, "order_number")
    assert len(orders) == 3
    assert entity_value(item, "order_number") == "ACM-999999"


def test_entity_without_span_comes_after_those_with_one() -> None:
    item = {"entities": [{"name": "date", "formatted_value": "late"}, entity("date", "early", 3, [])]}
    assert entity_value(item, "date") == "early"


def test_missing_entity_is_a_business_error_naming_what_was_found() -> None:
    assert entity_value(TABLE, "tracking_number", default="none") == "none"
    with pytest.raises(ItemDataError) as caught:
        entity_value(TABLE, "tracking_number")
    assert str(caught.value) == (
        "Business error (missing entity): comment src.t1 has no 'tracking_number' entity "
        "(entities found: country, date, monetary_quantity, order_number); "
        "tag a trigger exception or give default= to carry on."
    )


def test_item_data_error_is_one_class_in_the_one_hierarchy() -> None:
    from ReinferLibrary import errors, logic

    assert not hasattr(logic, "ItemDataError")  # one home: errors.py, no re-export shim
    assert issubclass(ItemDataError, errors.ReinferError)
    assert ItemDataError.category == "business"
    with pytest.raises(errors.ReinferError, match=r"^Business error \(missing entity\): "):
        entity_value(TABLE, "tracking_number")


# --- entity text as written ---------------------------------------------------------------


WRITTEN = {
    "uid": "s.c1",
    "comment": {
        "messages": [
            {"subject": {"text": "Order ACM-104233"}, "body": {"text": "Paid £12.99 on 21/08/2025 and 22/08"}}
        ]
    },
    "entities": [
        {"name": "date", "formatted_value": "2025-08-22", "spans": [{"char_start": 30, "char_end": 35}]},
        {
            "name": "date",
            "formatted_value": "2025-08-21",
            "span": {"content_part": "body", "char_start": 15, "char_end": 25},
        },
        {
            "name": "order_number",
            "formatted_value": "ACM-104233",
            "spans": [{"content_part": "subject", "char_start": 6, "char_end": 16}],
        },
        {
            "name": "broken",
            "formatted_value": "x",
            "spans": [{"message_index": 3, "char_start": 0, "char_end": 1}],
        },
    ],
}


def test_entity_texts_cut_the_words_as_written_in_text_order() -> None:
    assert entity_texts(WRITTEN, "date") == ["21/08/2025", "22/08"]
    assert entity_texts(WRITTEN, "order_number") == ["ACM-104233"]


def test_entity_text_never_guesses() -> None:
    with pytest.raises(ItemDataError, match="points at message 3 body"):
        entity_texts(WRITTEN, "broken")
    with pytest.raises(ItemDataError, match="has no 'country' entity"):
        entity_texts(WRITTEN, "country")
    without_comment = {**WRITTEN, "comment": None}
    with pytest.raises(ItemDataError, match="carries no comment text"):
        entity_texts(without_comment, "date")
