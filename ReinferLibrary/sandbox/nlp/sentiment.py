"""Sentiment for datasets created with ``has_sentiment: true``: one number from -1 to 1.

The platform's sentiment model is not public, so the sandbox derives sentiment from the tone
lexicon of :mod:`.properties`, which makes every number explainable:

* **per comment** (``sentiment.total`` of the predict routes): the comment's tone / 10;
* **per label** (``sentiment`` on each predicted label, fetch and predict routes): the tone / 10
  of the sentences that *name* the label -- the sentences naming the label's own (deepest)
  part first; when there are none or their tone is neutral (0), those naming its parent part;
  and so on up to the whole comment. A sentence names a part when one of its words starts
  with the first five letters of a word of that part ("delivery" matches "delivered",
  "Refund > Request" matches "refunded" through its parent), words of fewer than three letters
  ignored. So in "Thanks for the quick refund. The order arrived damaged, awful." ``Refund`` is
  positive and ``Order > Damaged`` negative, and a label no sentence names with any feeling
  (``Complaint``) takes the whole comment's.

Same text, same numbers. Predicted probabilities are untouched: sentiment is computed where the
labels are emitted, only for sentiment datasets.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from .properties import tone

STEM = 5
"""Letters of a label word a sentence word must start with to name it."""
_MIN_WORD = 3
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|[\r\n]+")
_WORD = re.compile(r"[A-Za-z]+")
_SEPARATOR = ">"


def comment_sentiment(text: str, tone_of_text: float | None = None) -> float:
    """The whole comment's sentiment, -1..1 (its tone / 10; ``tone_of_text`` if known already)."""
    return _sentiment_of_tone(tone(text) if tone_of_text is None else tone_of_text)


def _sentiment_of_tone(value: float) -> float:
    return round(value / 10.0, 4)


def label_parts(name: str | Sequence[str]) -> list[str]:
    """``"Order > Missing"`` or ``["Order", "Missing"]`` -> ``["Order", "Missing"]``."""
    if isinstance(name, str):
        return [part.strip() for part in name.split(_SEPARATOR)]
    return [str(part) for part in name]


def _stems(part: str) -> frozenset[str]:
    return frozenset(word.lower()[:STEM] for word in _WORD.findall(part) if len(word) >= _MIN_WORD)


def _prefixes(sentence: str) -> frozenset[str]:
    """Every stem a word of the sentence starts with (stems are 3 to :data:`STEM` letters)."""
    words = {word.lower() for word in _WORD.findall(sentence)}
    return frozenset(word[:size] for word in words for size in range(_MIN_WORD, STEM + 1))


class SentimentReader:
    """One comment's sentences, read once; :meth:`label` scores one label of it.

    Labels of one comment share parents and sentences, so the sentiment of each distinct
    selection of sentences is computed once per comment."""

    def __init__(self, text: str, tone_of_text: float | None = None) -> None:
        """``tone_of_text``: the whole text's tone if known already (stored at sync), so it is
        not computed again."""
        self.text = text
        self._sentences = [
            (sentence, _prefixes(sentence))
            for sentence in (piece.strip() for piece in _SENTENCE_END.split(text))
            if sentence
        ]
        self._by_parts: dict[tuple[str, ...], float] = {}
        self._by_text: dict[str, float] = {}
        if tone_of_text is not None:
            self._by_text[text] = comment_sentiment(text, tone_of_text)

    def _sentiment(self, text: str) -> float:
        value = self._by_text.get(text)
        if value is None:
            value = self._by_text[text] = comment_sentiment(text)
        return value

    def _naming(self, part: str) -> str:
        stems = _stems(part)
        return "\n".join(sentence for sentence, prefixes in self._sentences if not stems.isdisjoint(prefixes))

    def label(self, name: str | Sequence[str]) -> float:
        """The label's sentiment, -1..1 (see the module docstring)."""
        parts = tuple(label_parts(name))
        value = self._by_parts.get(parts)
        if value is not None:
            return value
        value = 0.0
        for part in reversed(parts):  # the label's own part first, then its parents
            chosen = self._naming(part)
            value = self._sentiment(chosen) if chosen else 0.0
            if value:
                break
        if not value:
            value = self._sentiment(self.text)
        self._by_parts[parts] = value
        return value


def add_label_sentiment(
    labels: list[dict[str, Any]], text: str, tone_of_text: float | None = None
) -> list[dict[str, Any]]:
    """Set ``sentiment`` on each API-shaped label (``{"name": [...], "probability": ...}``), in
    place. ``tone_of_text``: the text's tone when stored already (the comment's ``tone`` label
    property, computed from the same text at sync)."""
    if labels:
        reader = SentimentReader(text, tone_of_text)
        for label in labels:
            label["sentiment"] = reader.label(label["name"])
    return labels
