"""Cassette masking and writing: consistent placeholders, spans that follow the text, no half files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ReinferLibrary.sandbox.cassette import CassetteWriter, Masker, MaskSettings, read_cassette


def _utf16(text: str, start: int, end: int) -> tuple[int, int]:
    """Python indexes -> the API's UTF-16 byte offsets."""
    return len(text[:start].encode("utf-16-le")), len(text[:end].encode("utf-16-le"))


def _item(body: str, entities: list[dict[str, object]], **props: object) -> dict[str, object]:
    return {
        "comment": {
            "id": "c1",
            "source_id": "0123456789abcdef",
            "messages": [
                {
                    "from": "Jane Doe <jane.doe@example.com>",
                    "to": ["help@acme.example"],
                    "body": {"text": body, "text_markup": [{"kind": "paragraph"}]},
                }
            ],
            "user_properties": dict(props),
        },
        "labels": [{"name": ["Order", "Missing"], "probability": 0.9}],
        "entities": entities,
    }


def _entity(name: str, value: str, body: str) -> dict[str, object]:
    start = body.index(value)
    begin, end = _utf16(body, start, start + len(value))
    return {
        "name": name,
        "formatted_value": value,
        "spans": [
            {"content_part": "body", "message_index": 0, "utf16_byte_start": begin, "utf16_byte_end": end}
        ],
    }


def test_emails_and_phones_are_masked_consistently_and_entity_spans_follow() -> None:
    body = (
        "Hi 👋, mail jane.doe@example.com or call +44 20 7946 0958 about ACM-103512 from 2024-05-01."
        " jane.doe@example.com"
    )
    entities = [_entity("order_number", "ACM-103512", body), _entity("date", "2024-05-01", body)]
    masker = Masker(MaskSettings(properties=("string:Customer Name",)))
    masked = masker.item(
        _item(body, entities, **{"string:Customer Name": "Jane Doe", "string:Ref": "x@y.org"})
    )
    message = masked["comment"]["messages"][0]
    text = message["body"]["text"]
    assert "jane.doe@example.com" not in text and "7946" not in text
    assert text.count("person1@masked.invalid") == 2  # the same address, the same placeholder
    assert message["from"] == "Jane Doe <person1@masked.invalid>"
    assert message["to"] == ["person2@masked.invalid"]
    assert "text_markup" not in message["body"]
    assert masked["comment"]["user_properties"] == {
        "string:Customer Name": "masked-customer_name-1",
        "string:Ref": "person3@masked.invalid",
    }
    # Order numbers and dates are not phone numbers; their spans point at them in the new text.
    for entity in masked["entities"]:
        span = entity["spans"][0]
        encoded = text.encode("utf-16-le")
        assert (
            encoded[span["utf16_byte_start"] : span["utf16_byte_end"]].decode("utf-16-le")
            == entity["formatted_value"]
        )
    assert masked["labels"] == [{"name": ["Order", "Missing"], "probability": 0.9}]


def test_uk_numbers_are_masked_but_amounts_are_not() -> None:
    masker = Masker(MaskSettings())
    text, _ = masker.text(
        "Call 0161 496 0732 or 07700 900123; it cost £312.40 on 12/03/2024 (ref 4512 7789)."
    )
    assert "0161" not in text and "07700" not in text
    assert "£312.40" in text and "12/03/2024" in text and "4512 7789" in text


def test_masking_can_be_switched_off() -> None:
    body = "mail jane.doe@example.com"
    item = _item(body, [])
    assert Masker(MaskSettings(enabled=False)).item(item) == item
    only_phones = Masker(MaskSettings(emails=False)).item(item)
    assert only_phones["comment"]["messages"][0]["body"]["text"] == body


def test_an_interrupted_writer_leaves_the_old_cassette_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "c.jsonl"
    header = {"dataset": {"owner": "a", "name": "b"}, "stream": {"name": "s"}, "sources": [{"id": "x"}]}
    with CassetteWriter(path, header) as writer:
        writer.add({"comment": {"id": "1", "source_id": "x"}})
        writer.commit()
    assert len(read_cassette(path).items) == 1
    with pytest.raises(RuntimeError), CassetteWriter(path, header) as writer:
        writer.add({"comment": {"id": "2", "source_id": "x"}})
        raise RuntimeError("connection lost")
    assert [item["comment"]["id"] for item in read_cassette(path).items] == ["1"]
    assert [entry.name for entry in tmp_path.iterdir()] == ["c.jsonl"]
    assert json.loads(path.read_text(encoding="utf-8").splitlines()[-1]) == {"kind": "end", "items": 1}
