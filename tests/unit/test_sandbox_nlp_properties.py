"""Label properties: tone and quality of service from the lexicons."""

from __future__ import annotations

import pytest

from ReinferLibrary.sandbox.nlp.properties import label_properties, quality_of_service, tone

ANGRY = (
    "This is the THIRD time I have chased you. My order never arrived, nobody replies to my emails "
    "and your agent was rude. Absolutely unacceptable, I am furious!!!"
)
GRATEFUL = (
    "Thank you so much! The parcel came a day early and Jess on your team was so helpful and friendly. "
    "Brilliant service, I will definitely recommend you."
)
NEUTRAL = "Could you tell me your opening hours on Saturday?"


def test_shape_and_ids() -> None:
    assert [(p["property_id"], p["property_name"]) for p in label_properties(NEUTRAL)] == [
        ("0000000000000001", "tone"),
        ("0000000000000002", "quality_of_service"),
    ]


def test_angry_complaint_is_negative_on_both() -> None:
    assert tone(ANGRY) < -5
    assert quality_of_service(ANGRY) < -5


def test_grateful_praise_is_positive_on_both() -> None:
    assert tone(GRATEFUL) > 5
    assert quality_of_service(GRATEFUL) > 5


def test_a_plain_question_is_neutral() -> None:
    assert tone(NEUTRAL) == 0.0
    assert quality_of_service(NEUTRAL) == 0.0


def test_negation_flips_and_intensifiers_strengthen() -> None:
    assert tone("I am not happy") < 0 < tone("I am happy") < tone("I am really happy")
    assert quality_of_service("it hasn’t arrived") < 0  # typographic apostrophe


def test_shouting_amplifies_without_changing_direction() -> None:
    assert tone("THIS IS TERRIBLE!!!") < tone("this is terrible") < 0
    assert tone("THANK YOU!!!") > tone("thank you") > 0


@pytest.mark.parametrize("text", [ANGRY * 20, GRATEFUL * 20, "", "!!!", "😀"])
def test_values_stay_within_minus_10_and_10_and_are_deterministic(text: str) -> None:
    first = label_properties(text)
    assert first == label_properties(text)
    assert all(-10.0 <= p["value"] <= 10.0 for p in first)


@pytest.mark.parametrize(
    "text",
    [
        "I am NOT happy. FURIOUS!!!",
        "No. This is disgraceful.",
        "Never again. Useless.",
        "I am not happy, furious",
        "Nothing arrived; awful",
    ],
)
def test_a_negation_ends_with_its_clause(text: str) -> None:
    assert tone(text) < 0


@pytest.mark.parametrize("text", ["Never again. Useless.", "No. This is disgraceful.", "No - rude staff"])
def test_a_negation_does_not_cross_into_the_next_sentence_for_service(text: str) -> None:
    assert quality_of_service(text) < 0


def test_a_negation_flips_only_the_first_sentiment_word_after_it() -> None:
    # "happy" is flipped; "furious" keeps its own sign instead of turning into praise.
    assert tone("I am not happy and furious") < tone("I am not happy") < 0
    # "or"/"nor" hand the negation on: both words are negated.
    assert tone("not happy or pleased") < 0
    assert tone("neither happy nor pleased") < 0
    assert tone("not bad") > 0  # still flips (and softens) the word right after it
