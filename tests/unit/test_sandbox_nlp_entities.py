"""Entity extraction: the documented normalisations, spans in both units, table capture groups."""

from __future__ import annotations

from typing import Any

import pytest

from ReinferLibrary.sandbox.nlp.entities import extract_entities

SENT = "2020-01-25T00:00:00Z"


def body(text: str, **parts: str) -> list[dict[str, Any]]:
    message: dict[str, Any] = {"body": {"text": text}}
    message.update({part: {"text": value} for part, value in parts.items()})
    return [message]


def values(text: str, kind: str, timestamp: str = SENT, timezone: str | None = None) -> list[str]:
    entities = extract_entities(body(text), timestamp, timezone)
    return [e["formatted_value"] for e in entities if e["kind"] == kind]


@pytest.mark.parametrize("written", ["1M USD", "USD 1000000", "1,000,000 usd"])
def test_money_with_a_currency_code_is_normalised(written: str) -> None:
    assert values(f"The total is {written} as agreed.", "monetary_quantity") == ["1,000,000.00 USD"]


@pytest.mark.parametrize("written", ["$1M", "$1,000,000"])
def test_ambiguous_dollar_sign_is_kept(written: str) -> None:
    assert values(f"They quoted {written} for it.", "monetary_quantity") == ["$1,000,000.00"]


def test_unambiguous_symbols_become_codes() -> None:
    text = "Paid £45.99, then €12,50 and 20 quid, plus US$5 and 429,00 EUR."
    assert values(text, "monetary_quantity") == [
        "45.99 GBP",
        "12.50 EUR",
        "20.00 GBP",
        "5.00 USD",
        "429.00 EUR",
    ]


def test_plain_numbers_are_not_money() -> None:
    assert values("I waited 3 days for 2 parcels, give it 1 try", "monetary_quantity") == []


@pytest.mark.parametrize("written", ["Jan 25 2020", "25/01/2020", "now"])
def test_documented_dates_sent_on_25_january_2020(written: str) -> None:
    assert values(f"It was {written}.", "date") == ["2020-01-25 00:00 UTC"]


def test_now_is_the_day_it_was_sent_whatever_the_hour() -> None:
    assert values("I need it now", "date", "2020-01-25T17:45:00Z") == ["2020-01-25 00:00 UTC"]


def test_spelled_out_days_with_a_month() -> None:
    assert values("Due the fifth of May or the twenty-first of June", "date") == [
        "2020-05-05 00:00 UTC",
        "2020-06-21 00:00 UTC",
    ]


def test_a_time_of_day_anchored_on_the_send_date() -> None:
    # The documented example: sent on May 1 2020 (UTC timestamp, no timezone given).
    text = "Please deliver at 4PM on the fifth of the month."
    assert values(text, "date", "2020-05-01T09:00:00Z") == ["2020-05-05 16:00 UTC"]


def test_times_are_read_in_the_comment_timezone_and_returned_in_utc() -> None:
    text = "Please deliver at 4PM on the fifth of the month."
    assert values(text, "date", "2020-05-01T09:00:00Z", "Europe/London") == ["2020-05-05 15:00 UTC"]
    assert values("Come 26 Aug 2025 at 11:20", "date", "2025-09-01T09:00:00+01:00") == [
        "2025-08-26 10:20 UTC"
    ]
    # A calendar day has no instant to shift: a British summer date stays on its day.
    assert values("Delivered 16/06/2025", "date", "2025-06-20T09:00:00+01:00") == ["2025-06-16 00:00 UTC"]


def test_relative_and_partial_dates_use_the_send_time_as_anchor() -> None:
    # Sent on a Thursday; "next Friday" is the coming one, as dateparser reads it.
    text = "Ordered 3 days ago, due on the 6th, chased yesterday, call me tomorrow or next Friday."
    assert values(text, "date", "2025-10-16T08:14:00Z") == [
        "2025-10-13 00:00 UTC",
        "2025-10-06 00:00 UTC",
        "2025-10-15 00:00 UTC",
        "2025-10-17 00:00 UTC",
        "2025-10-17 00:00 UTC",
    ]


def test_ordinary_words_and_numbers_are_not_dates() -> None:
    text = (
        "This is the 3rd time I ask. You may 2 people help. Allow 3-5 days. Version 1.2 is out. "
        "Not on the first page, the second time this year."
    )
    assert values(text, "date") == []


@pytest.mark.parametrize("written", ["UK", "United Kingdom", "united kingdom", "U.K."])
def test_united_kingdom_in_any_usual_spelling(written: str) -> None:
    assert values(f"Shipping to the {written} only.", "country") == ["United Kingdom"]


def test_countries_need_capitals_where_the_name_is_also_a_word() -> None:
    text = "Send it to us or the US, USA, the States, Deutschland; roast turkey, china plates, PLEASE HELP US"
    assert values(text, "country") == ["United States", "United States", "United States", "Germany"]


def test_order_numbers_in_their_usual_spellings() -> None:
    text = "Orders ACM-104233, ACM 104234, acm104235 and ACM–104236 but not ACM-12345 or XACM-104237."
    assert values(text, "order_number") == ["ACM-104233", "ACM-104234", "ACM-104235", "ACM-104236"]


def test_tracking_numbers_upu_s10_and_ups() -> None:
    text = "Royal Mail rm830166133gb, AB 123 456 789 GB and UPS 1z4dk79p0342731670."
    assert values(text, "tracking_number") == ["RM830166133GB", "AB123456789GB", "1Z4DK79P0342731670"]


def test_entity_shape() -> None:
    (entity,) = extract_entities(body("Hi, my order ACM-104233 is late"), SENT)
    span = {
        "content_part": "body",
        "message_index": 0,
        "char_start": 13,
        "char_end": 23,
        "utf16_byte_start": 26,
        "utf16_byte_end": 46,
    }
    assert entity == {
        "id": entity["id"],
        "name": "order_number",
        "kind": "order_number",
        "formatted_value": "ACM-104233",
        "span": span,
        "spans": [span],
        "probability": None,
        "capture_ids": [],
    }
    assert len(entity["id"]) == 16 and int(entity["id"], 16) >= 0


def test_ids_are_stable_and_distinct() -> None:
    messages = body("ACM-104233 and again ACM-104233")
    first = [e["id"] for e in extract_entities(messages, SENT)]
    assert first == [e["id"] for e in extract_entities(messages, SENT)]
    assert len(set(first)) == 2


def test_spans_count_code_points_and_utf16_bytes_with_astral_characters() -> None:
    text = "Café 😀😀 order ACM-104233 é"
    (entity,) = extract_entities(body(text), SENT)
    span = entity["span"]
    assert text[span["char_start"] : span["char_end"]] == "ACM-104233"
    assert (span["char_start"], span["char_end"]) == (14, 24)
    # Each emoji is two UTF-16 code units; "é" is one.
    assert (span["utf16_byte_start"], span["utf16_byte_end"]) == (32, 52)
    encoded = text.encode("utf-16-le")
    assert encoded[span["utf16_byte_start"] : span["utf16_byte_end"]].decode("utf-16-le") == "ACM-104233"


def test_subject_and_signature_spans_and_message_indexes() -> None:
    messages = [
        {"subject": {"text": "Re: ACM-104233"}, "body": {"text": "Where is it?"}},
        {"body": {"text": "Paid £10"}, "signature": {"text": "Sent from the UK"}},
    ]
    found = [
        (e["span"]["message_index"], e["span"]["content_part"], e["formatted_value"])
        for e in extract_entities(messages, SENT)
    ]
    assert found == [
        (0, "subject", "ACM-104233"),
        (1, "body", "10.00 GBP"),
        (1, "signature", "United Kingdom"),
    ]


def test_each_row_of_a_markdown_table_is_one_capture_group() -> None:
    text = (
        "Please check these:\n\n"
        "| Order | Date | Amount |\n"
        "|---|---|---|\n"
        "| ACM-103512 | 04/08/2025 | £312.40 |\n"
        "| ACM-103790 | 13/08/2025 | £86.15 |\n"
        "| ACM-104005 | 22/08/2025 | £149.99 |\n"
        "\nI paid ACM-104006 £5 on 01/09/2025 outside the table."
    )
    entities = extract_entities(body(text), "2025-09-03T10:00:00Z")
    groups: dict[int, list[tuple[str, str]]] = {}
    for entity in entities:
        for capture in entity["capture_ids"]:
            groups.setdefault(capture, []).append((entity["kind"], entity["formatted_value"]))
    assert groups == {
        1: [
            ("order_number", "ACM-103512"),
            ("date", "2025-08-04 00:00 UTC"),
            ("monetary_quantity", "312.40 GBP"),
        ],
        2: [
            ("order_number", "ACM-103790"),
            ("date", "2025-08-13 00:00 UTC"),
            ("monetary_quantity", "86.15 GBP"),
        ],
        3: [
            ("order_number", "ACM-104005"),
            ("date", "2025-08-22 00:00 UTC"),
            ("monetary_quantity", "149.99 GBP"),
        ],
    }
    outside = [e for e in entities if not e["capture_ids"]]
    assert [e["formatted_value"] for e in outside] == ["ACM-104006", "5.00 GBP", "2025-09-01 00:00 UTC"]


def test_tab_separated_rows_are_capture_groups_too() -> None:
    text = "Order\tAmount\nACM-100001\t£1.00\nACM-100002\t£2.00\n\nthanks"
    entities = extract_entities(body(text), SENT)
    assert [(e["formatted_value"], e["capture_ids"]) for e in entities] == [
        ("ACM-100001", [1]),
        ("1.00 GBP", [1]),
        ("ACM-100002", [2]),
        ("2.00 GBP", [2]),
    ]


def test_a_lone_pipe_is_not_a_table() -> None:
    entities = extract_entities(body("ACM-100001 | paid £3"), SENT)
    assert all(e["capture_ids"] == [] for e in entities)


def test_overlapping_finds_keep_the_most_specific_kind() -> None:
    entities = extract_entities(body("Ref ACM-250120 tracking AB250120201GB"), SENT)
    assert [e["kind"] for e in entities] == ["order_number", "tracking_number"]


def test_messages_without_text_and_missing_timestamps_are_tolerated() -> None:
    assert extract_entities([{"body": {"text": ""}}, {"from": "x@example.com"}], None) == []
    assert values("Due 25/01/2020", "date", timestamp="not a date") == ["2020-01-25 00:00 UTC"]


def test_a_price_next_to_a_date_does_not_swallow_it() -> None:
    entities = extract_entities(body("You took £12.50 on Monday at 4.30pm"), "2025-10-16T08:14:00Z")
    assert [(e["kind"], e["formatted_value"]) for e in entities] == [
        ("monetary_quantity", "12.50 GBP"),
        ("date", "2025-10-13 16:30 UTC"),
    ]


def test_bare_weekdays_and_days_of_the_month_without_a_cue_keep_the_current_period() -> None:
    # Sent on Thursday 16 October 2025: a plain weekday is the latest one, "the 6th" this month's.
    sent = "2025-10-16T08:14:00Z"
    assert values("The parcel came on Monday, the box was crushed.", "date", sent) == ["2025-10-13 00:00 UTC"]
    assert values("It was due on the 6th.", "date", sent) == ["2025-10-06 00:00 UTC"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Please deliver by Friday.", "2025-10-17 00:00 UTC"),
        ("Please deliver by Monday.", "2025-10-20 00:00 UTC"),
        ("The engineer will come on Monday at 4pm.", "2025-10-20 16:00 UTC"),
        ("On Monday I'll call you back.", "2025-10-20 00:00 UTC"),
        ("I need the refund by the 6th.", "2025-11-06 00:00 UTC"),
        ("We will pay on the 6th of the month.", "2025-11-06 00:00 UTC"),
        ("Keep it until the 20th.", "2025-10-20 00:00 UTC"),
        ("Deliver by Thursday.", "2025-10-16 00:00 UTC"),  # the send day itself still counts
    ],
)
def test_a_deadline_or_the_future_tense_picks_the_next_such_day(text: str, expected: str) -> None:
    assert values(text, "date", "2025-10-16T08:14:00Z") == [expected]


def test_the_future_tense_of_another_sentence_does_not_move_a_date() -> None:
    assert values("It was delivered Monday. I will complain.", "date", "2025-10-16T08:14:00Z") == [
        "2025-10-13 00:00 UTC"
    ]


def test_a_deadline_on_the_31st_skips_months_without_one() -> None:
    assert values("Pay by the 31st please", "date", "2025-10-31T08:00:00Z") == ["2025-10-31 00:00 UTC"]
    assert values("Pay by the 30th please", "date", "2026-01-31T08:00:00Z") == ["2026-03-30 00:00 UTC"]


def test_an_absurdly_long_amount_is_skipped_not_fatal() -> None:
    text = "You charged £" + "1" * 27 + " and then £12.50"
    assert values(text, "monetary_quantity") == ["12.50 GBP"]
