"""Zero-shot classification: labels chosen at request time, scored against a text without training.

A real zero-shot model (an NLI model such as BART-MNLI) asks, per label, whether the
hypothesis "This example is {label}." follows from the text. The sandbox has no such model;
it answers the same question with two signals a reader can check by hand:

* **wording** -- how much of the label's wording the text uses. Each content word of the
  label (stop words left out) is matched with its best match among the text's words: 1 for
  the same stem, or a stem of four letters or more that starts the other
  (``refund``/``refunded``, ``deliver``/``delivery``), else the Dice overlap of
  their character trigrams when it reaches 0.5 (``arrive``/``arrival``), else 0. The label's
  wording score is the mean over its content words.
* **tone** -- a label that is itself a word of the tone lexicon (``happy``, ``angry``,
  ``complaint``) agrees with a text whose tone (:func:`.properties.tone`, -10..10) has the
  same sign: the agreement is ``sign(label) * tone(text) / 10``, from -1 to 1.

Each label gets the logit ``6 * wording + 3 * tone - 2``. As Elasticsearch does, one choice
(``multi_label`` false) is the softmax of the logits over the labels, and ``multi_label``
scores each label on its own (the logistic of its logit). Same text and labels, same answer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

from .properties import tone, word_tone

WORDING_WEIGHT = 6.0
TONE_WEIGHT = 3.0
BIAS = -2.0
MIN_TRIGRAM_DICE = 0.5
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_STOP_WORDS = frozenset(
    {
        "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "in", "is", "it",
        "its", "of", "on", "or", "that", "the", "this", "to", "was", "were", "with", "about", "into",
        "not", "no", "my", "our", "your", "their",
    }
)  # fmt: skip
_SUFFIXES = (
    "ations", "ation", "ments", "ment", "ingly", "ings", "ing", "ies", "ied", "ers", "er", "ed", "es",
    "ly", "al", "s", "y", "e",
)  # fmt: skip


def stem(word: str) -> str:
    """A crude stem: the longest known suffix removed, keeping at least four letters."""
    word = word.lower()
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def _trigrams(word: str) -> set[str]:
    padded = f"  {word.lower()} "
    return {padded[index : index + 3] for index in range(len(padded) - 2)}


def _similarity(label_word: str, text_word: str) -> float:
    first_stem, second_stem = stem(label_word), stem(text_word)
    shorter, longer = sorted((first_stem, second_stem), key=len)
    if (len(shorter) >= 4 and longer.startswith(shorter)) or first_stem == second_stem:
        return 1.0
    first, second = _trigrams(label_word), _trigrams(text_word)
    dice = 2 * len(first & second) / (len(first) + len(second))
    return dice if dice >= MIN_TRIGRAM_DICE else 0.0


def content_words(text: str) -> list[str]:
    """The lower-cased words of ``text`` that carry meaning (no stop words, no numbers)."""
    return [word for word in (found.lower() for found in _WORD.findall(text)) if word not in _STOP_WORDS]


def wording(label: str, text_words: Sequence[str]) -> float:
    """How much of the label's wording the text uses, 0..1 (see the module docstring)."""
    words = content_words(label)
    if not words or not text_words:
        return 0.0
    vocabulary = set(text_words)
    return sum(max(_similarity(word, found) for found in vocabulary) for word in words) / len(words)


def tone_agreement(label: str, text_tone: float) -> float:
    """-1..1: how far the text's tone agrees with a label that is a tone word itself (0 otherwise)."""
    weights = [weight for weight in map(word_tone, content_words(label)) if weight is not None]
    if not weights:
        return 0.0
    return math.copysign(1.0, sum(weights)) * text_tone / 10.0


def label_logits(text: str, labels: Sequence[str]) -> list[float]:
    """Each label's logit for ``text``: ``6 * wording + 3 * tone agreement - 2``."""
    text_words = content_words(text)
    text_tone = tone(text)
    return [
        WORDING_WEIGHT * wording(label, text_words) + TONE_WEIGHT * tone_agreement(label, text_tone) + BIAS
        for label in labels
    ]


def zero_shot(text: str, labels: Sequence[str], multi_label: bool = False) -> list[tuple[float, float]]:
    """Per label (in the given order), ``(probability, score)``.

    One choice: probabilities are the softmax over the labels and sum to 1; the score is the
    probability, as Elasticsearch reports it. ``multi_label``: each label's probability is the
    logistic of its logit, and the score is the logit.
    """
    logits = label_logits(text, labels)
    if multi_label:
        return [(1.0 / (1.0 + math.exp(-logit)), logit) for logit in logits]
    top = max(logits)
    exps = [math.exp(logit - top) for logit in logits]
    total = sum(exps)
    return [(value / total, value / total) for value in exps]
