"""Label properties: tone and quality of service, each a score from -10 to 10.

Both come from small, readable lexicons rather than a model, so a score can be explained by
pointing at the words that produced it:

* **tone** -- how the customer sounds. Positive and negative words and phrases carry weights;
  an intensifier ("really", "absolutely") just before a word multiplies it, a negation
  ("not", "never", "n't") in the three words before flips and softens it, and shouting
  (exclamation marks, words in capitals) amplifies whatever tone is already there.
* **quality_of_service** -- how well the customer says they were served. Complaints about
  service failures (late, never arrived, ignored, rude, chased, "third time") push it down;
  praise of the service (quick, helpful, sorted) pushes it up.

A negation reaches only within its own clause: sentence and clause punctuation (``. ! ? ; :
,``, brackets, a line break, a spaced dash) ends it, and it flips only the first sentiment word
after it (or the words joined to that one by "or"/"nor"), so "I am NOT happy. FURIOUS!!!"
stays angry and "No. This is disgraceful." stays negative. Phrases are matched within a clause too.

The raw sum is squashed with ``10 * tanh(raw / scale)`` so a long rant saturates near -10
instead of growing without bound. Same text, same scores.
"""

from __future__ import annotations

import math
import re
from typing import Any

TONE_ID = "0000000000000001"
QUALITY_OF_SERVICE_ID = "0000000000000002"

_TONE_WORDS = {
    # positive
    "thanks": 1.0, "thank": 1.0, "thankyou": 1.0, "grateful": 2.0, "appreciate": 1.5, "appreciated": 1.5,
    "great": 1.5, "good": 1.0, "brilliant": 2.0, "excellent": 2.0, "amazing": 2.0, "fantastic": 2.0,
    "wonderful": 2.0, "lovely": 1.5, "love": 1.5, "loved": 1.5, "perfect": 1.5, "pleased": 1.5,
    "happy": 1.5, "delighted": 2.0, "superb": 2.0, "helpful": 1.5, "kind": 1.0, "glad": 1.0,
    "impressed": 1.5, "recommend": 1.5, "star": 1.0, "fab": 1.5, "cheers": 0.5, "well": 0.3,
    # negative
    "angry": -2.5, "furious": -3.0, "livid": -3.0, "annoyed": -2.0, "frustrated": -2.0,
    "frustrating": -2.0, "upset": -2.0, "disappointed": -2.0, "disappointing": -2.0, "unhappy": -2.0,
    "terrible": -2.5, "awful": -2.5, "appalling": -3.0, "disgusting": -3.0, "disgraceful": -3.0,
    "shocking": -2.5, "useless": -2.5, "ridiculous": -2.5, "unacceptable": -2.5, "pathetic": -3.0,
    "worst": -3.0, "joke": -1.5, "rubbish": -2.0, "poor": -1.5, "bad": -1.5, "rude": -2.0,
    "fed": -0.5, "sick": -1.0, "complaint": -1.0, "complain": -1.0, "nightmare": -2.5,
    "shambles": -3.0, "incompetent": -3.0, "scam": -3.0, "con": -1.0, "waste": -1.5,
    "broken": -1.0, "damaged": -1.0, "wrong": -1.0, "missing": -0.8, "problem": -0.7, "issue": -0.5,
    "never": -0.5, "still": -0.3, "unfortunately": -0.8, "sadly": -0.8, "worried": -1.0,
    "stressed": -1.5, "stressful": -1.5, "overdrawn": -1.0, "chasing": -1.0, "ignored": -2.0,
    "nobody": -1.0, "wasted": -1.5, "chargeback": -2.0, "refuse": -1.0, "demand": -1.5,
    "gorgeous": 1.5, "beautiful": 1.5, "outstanding": 0.5, "compliments": 1.0,
}  # fmt: skip
_TONE_PHRASES = {
    "fed up": -2.0, "sick of": -2.0, "not good enough": -2.5, "not acceptable": -2.5,
    "never again": -3.0, "never ordering": -2.5, "take my business elsewhere": -3.0,
    "small claims": -2.5, "trading standards": -2.5, "well done": 2.0, "thank you so much": 2.0,
    "many thanks": 1.0, "keep up": 1.5, "above and beyond": 2.5, "so helpful": 2.0,
}  # fmt: skip
_SERVICE_WORDS = {
    # failures
    "late": -1.5, "delayed": -1.5, "delay": -1.5, "overdue": -1.5, "waiting": -1.0, "waited": -1.0,
    "chased": -2.0, "chasing": -2.0, "ignored": -2.5, "rude": -2.5, "unhelpful": -2.5,
    "useless": -2.0, "incompetent": -2.5, "missed": -1.0, "lost": -1.0, "excuses": -1.5,
    "nobody": -1.5, "still": -0.5, "unanswered": -2.0, "shambles": -2.5,
    "appalling": -2.0, "unacceptable": -2.0, "disgraceful": -2.0, "terrible": -1.5, "awful": -1.5,
    "damaged": -0.7, "broken": -0.7, "wrong": -0.7, "twice": -0.8, "complaint": -1.0,
    # good service
    "quick": 1.5, "quickly": 1.5, "fast": 1.5, "prompt": 1.5, "promptly": 1.5, "speedy": 1.5,
    "helpful": 2.0, "friendly": 1.5, "efficient": 1.5, "sorted": 1.5, "resolved": 1.5,
    "professional": 1.5, "polite": 1.5, "excellent": 1.5, "brilliant": 1.5, "smooth": 1.0,
    "early": 1.0, "earlier": 1.0, "easy": 1.0, "painless": 1.5, "lovely": 1.0, "update": 0.3,
}  # fmt: skip
_SERVICE_PHRASES = {
    "never arrived": -2.5, "not arrived": -2.0, "hasn't arrived": -2.0, "has not arrived": -2.0,
    "still not": -1.5, "still waiting": -2.5, "no reply": -2.5, "no response": -2.5,
    "nobody has": -1.5, "no one": -1.5, "heard nothing": -2.5, "heard back": -1.0,
    "second time": -1.5, "third time": -2.5, "fourth time": -3.0, "several times": -2.0,
    "on hold": -2.0, "kept being told": -2.0, "keep being told": -2.0, "been told": -1.0,
    "hung up": -2.5, "passed from pillar to post": -3.0, "not good enough": -2.0,
    "weeks ago": -1.0, "days ago": -0.5, "great service": 3.0, "excellent service": 3.0,
    "customer service was": 0.5, "went above and beyond": 3.0, "on time": 1.5, "next day": 0.5,
    "so helpful": 2.5, "really helpful": 2.5, "thank you for sorting": 2.5, "sorted it": 2.0,
    "thank you": 1.0, "well done": 2.0, "keep it up": 2.0, "without me having to chase": 3.0,
    "yet again": -1.5, "again and again": -2.0, "wasted": -1.5, "chargeback": -1.5,
}  # fmt: skip
_INTENSIFIERS = {"very": 1.5, "really": 1.5, "extremely": 2.0, "absolutely": 2.0, "so": 1.4,
                 "totally": 1.8, "completely": 1.8, "utterly": 2.0, "incredibly": 1.8, "truly": 1.5,
                 "most": 1.3, "super": 1.5}  # fmt: skip
_NEGATIONS = {"not", "never", "no", "nothing", "neither", "nor", "without", "hardly", "barely"}
_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)?")
_CLAUSE_BREAK = re.compile(r"[.!?;:,()\[\]\n\r]+|\s[-\u2013\u2014]+\s")
_NEGATION_REACH = 3
_CARRY_NEGATION = frozenset({"or", "nor"})
_TONE_SCALE = 6.0
_SERVICE_SCALE = 5.0


def label_properties(text: str) -> list[dict[str, Any]]:
    """``[{property_id, property_name, value}]`` for tone and quality_of_service, values in -10..10."""
    return [
        {"property_id": TONE_ID, "property_name": "tone", "value": tone(text)},
        {
            "property_id": QUALITY_OF_SERVICE_ID,
            "property_name": "quality_of_service",
            "value": quality_of_service(text),
        },
    ]


def word_tone(word: str) -> float | None:
    """The tone lexicon's weight of one word (lower case), ``None`` when it is not a tone word."""
    return _TONE_WORDS.get(word.lower())


def tone(text: str) -> float:
    tokens = _tokens(text)
    raw = _score(_clauses(text), _TONE_WORDS, _TONE_PHRASES)
    if raw:
        # Shouting makes a tone stronger, never changes its direction.
        exclamations = min(text.count("!"), 5)
        shouted = sum(1 for token in tokens if len(token) > 2 and token.isupper())
        raw *= 1.0 + 0.1 * exclamations + 0.15 * min(shouted, 6)
    return _squash(raw, _TONE_SCALE)


def quality_of_service(text: str) -> float:
    return _squash(_score(_clauses(text), _SERVICE_WORDS, _SERVICE_PHRASES), _SERVICE_SCALE)


def tone_value(properties: list[dict[str, Any]]) -> float | None:
    """The ``tone`` among label properties as :func:`label_properties` gives them (None if absent)."""
    for item in properties:
        if item.get("property_id") == TONE_ID:
            return float(item["value"])
    return None


def _plain(text: str) -> str:
    # Mail clients write "hasn’t" with a typographic apostrophe; the lexicon uses the plain one.
    return text.replace("\u2019", "'")


def _tokens(text: str) -> list[str]:
    return _TOKEN.findall(_plain(text))


def _clauses(text: str) -> list[list[str]]:
    """The lower-cased words of each clause (see the module docstring for what ends one)."""
    clauses = (_TOKEN.findall(part) for part in _CLAUSE_BREAK.split(_plain(text)))
    return [[token.lower() for token in clause] for clause in clauses if clause]


def _score(clauses: list[list[str]], words: dict[str, float], phrases: dict[str, float]) -> float:
    return sum(_score_clause(clause, words, phrases) for clause in clauses)


_PHRASE_INDEXES: dict[int, tuple[dict[str, float], dict[str, list[tuple[int, str, float]]]]] = {}


def _phrases_starting(phrases: dict[str, float], lowered: list[str]) -> list[tuple[str, float]]:
    """The phrases whose first word is one of ``lowered`` (only those can occur in the clause),
    in the lexicon's order, so the score adds the same weights in the same order."""
    cached = _PHRASE_INDEXES.get(id(phrases))
    if cached is None or cached[0] is not phrases:
        index: dict[str, list[tuple[int, str, float]]] = {}
        for order, (phrase, weight) in enumerate(phrases.items()):
            index.setdefault(phrase.split(" ")[0], []).append((order, phrase, weight))
        cached = _PHRASE_INDEXES[id(phrases)] = (phrases, index)
    index = cached[1]
    found = [entry for word in set(lowered) for entry in index.get(word, ())]
    found.sort()
    return [(phrase, weight) for _, phrase, weight in found]


def _score_clause(lowered: list[str], words: dict[str, float], phrases: dict[str, float]) -> float:
    joined = " " + " ".join(lowered) + " "
    total = 0.0
    phrase_words: set[int] = set()
    for phrase, weight in _phrases_starting(phrases, lowered):
        needle = f" {phrase} "
        start = joined.find(needle)
        while start != -1:
            total += weight
            first = joined.count(" ", 0, start + 1) - 1
            phrase_words.update(range(first, first + phrase.count(" ") + 1))
            start = joined.find(needle, start + 1)
    negation: int | None = None  # index of the negation still waiting for a word to flip
    for index, token in enumerate(lowered):
        if negation is not None and index - negation > _NEGATION_REACH:
            negation = None
        if token in words and index not in phrase_words:
            weight = words[token]
            if index and lowered[index - 1] in _INTENSIFIERS:
                weight *= _INTENSIFIERS[lowered[index - 1]]
            if negation is not None:
                # "not happy" is negative, "not bad" mildly positive: flip and soften, once
                # ("not happy or pleased": "or"/"nor" hand the negation on to the next word).
                weight *= -0.5
                following = lowered[index + 1] if index + 1 < len(lowered) else ""
                negation = index + 1 if following in _CARRY_NEGATION else None
            total += weight
        if token in _NEGATIONS or token.endswith("n't"):
            negation = index
    return total


def _squash(raw: float, scale: float) -> float:
    return round(10.0 * math.tanh(raw / scale), 4)
