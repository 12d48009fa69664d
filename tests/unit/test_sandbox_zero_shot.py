"""The sandbox's zero-shot scorer: labels scored against a text by wording and tone, no training."""

from __future__ import annotations

import pytest

from ReinferLibrary.sandbox.nlp.zero_shot import (
    content_words,
    label_logits,
    stem,
    tone_agreement,
    wording,
    zero_shot,
)


def test_stems_and_content_words() -> None:
    assert stem("refunded") == stem("refund") == "refund"
    assert stem("delivery").startswith(stem("deliver"))
    assert content_words("The refund of my 2 orders") == ["refund", "orders"]


def test_wording_counts_the_label_words_the_text_uses() -> None:
    words = content_words("My parcel was never delivered and I want a refund")
    assert wording("refund", words) == 1.0
    assert wording("delivery", words) == 1.0  # same stem start
    assert wording("refund request", words) == 0.5  # one of two words
    assert wording("invoice", words) == 0.0
    assert wording("the", words) == 0.0  # no content words: no evidence


def test_tone_agrees_only_for_tone_words() -> None:
    assert tone_agreement("happy", 5.0) == pytest.approx(0.5)
    assert tone_agreement("angry customer", 5.0) == pytest.approx(-0.5)
    assert tone_agreement("billing", -8.0) == 0.0


def test_logits_follow_the_formula() -> None:
    text = "Thank you, the refund arrived"
    # "refund": wording 1, no tone word: 6 * 1 - 2
    assert label_logits(text, ["refund"]) == [pytest.approx(4.0)]


def test_one_choice_is_a_softmax_and_multi_label_scores_each_alone() -> None:
    text = "I am furious: charged twice and still no refund"
    labels = ["refund", "angry", "praise", "happy"]
    single = zero_shot(text, labels)
    assert sum(probability for probability, _ in single) == pytest.approx(1.0)
    ranked = [label for _, label in sorted(zip(single, labels, strict=True), reverse=True)]
    assert ranked[0] == "refund"
    assert ranked.index("angry") < ranked.index("happy")  # the tone decides between tone words
    multi = dict(zip(labels, zero_shot(text, labels, multi_label=True), strict=True))
    assert multi["refund"][0] > 0.5 > multi["praise"][0]
    assert multi["refund"][1] == pytest.approx(label_logits(text, ["refund"])[0])  # score = logit
    assert zero_shot(text, labels) == single  # same text and labels, same answer
