"""Country names, normalised to one value per country ("UK" and "United Kingdom" -> "United Kingdom").

Names come from pycountry (name, common name, official name) plus a few everyday aliases. The
value reported is pycountry's common name when it has one ("South Korea", "Iran") and its name
otherwise ("United Kingdom", "United States").

Ordinary words must not become countries: short codes are not matched at all except a few
well-known aliases written in capitals ("UK", "USA", "US", "UAE"), and "US" is skipped inside
shouted text ("PLEASE CALL US"); a one-word name must start with a capital ("Turkey", not
"turkey"), while a multi-word name ("united kingdom") is unambiguous in any case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# Aliases pycountry does not carry, mapped to the alpha-2 code.
_ALIASES = {
    "UK": "GB",
    "U.K.": "GB",
    "Great Britain": "GB",
    "Britain": "GB",
    "USA": "US",
    "U.S.A.": "US",
    "US": "US",
    "U.S.": "US",
    "the States": "US",
    "United States of America": "US",
    "UAE": "AE",
    "Holland": "NL",
    "Deutschland": "DE",
    "Russia": "RU",
    "Czech Republic": "CZ",
    "Ivory Coast": "CI",
    "Turkey": "TR",
    "Vatican": "VA",
    "Republic of Ireland": "IE",
    "Eire": "IE",
    "Macedonia": "MK",
    "Swaziland": "SZ",
    "Burma": "MM",
    "Brunei": "BN",
}
# Written in capitals these are the country; in any other case they are ordinary words.
_CASE_SENSITIVE = {"UK", "U.K.", "USA", "U.S.A.", "US", "U.S.", "UAE"}
# Country names that are far more often a person's first name in a customer email.
_NOT_COUNTRIES = {"chad", "jordan", "georgia"}


@dataclass(frozen=True)
class CountryMatch:
    start: int
    end: int
    formatted_value: str


def find_countries(text: str) -> list[CountryMatch]:
    """Every country mention in ``text``."""
    pattern, names = _matcher()
    matches = []
    for found in pattern.finditer(text):
        written = found.group()
        key = written.lower()
        if written in _CASE_SENSITIVE:
            if written == "US" and _shouted(text, found.start(), found.end()):
                continue
        elif not _plausible(written, key):
            continue
        value = names.get(key)
        if value is not None:
            matches.append(CountryMatch(found.start(), found.end(), value))
    return matches


def _plausible(written: str, key: str) -> bool:
    """Whether a case-insensitive hit is really a country in the way it is written."""
    if key.upper() in _CASE_SENSITIVE or key in _NOT_COUNTRIES:
        return False  # "us", "Uk": not the capitals that make these a country
    if " " not in written and not written[0].isupper():
        return False  # "turkey", "china"
    return key != "the states" or written.endswith("States")


def _shouted(text: str, start: int, end: int) -> bool:
    """True when a nearby word is in capitals too, i.e. "US" is the pronoun in shouting ("HELP US")."""
    before = re.findall(r"[A-Za-z]+", text[max(0, start - 30) : start])
    after = re.findall(r"[A-Za-z]+", text[end : end + 30])
    neighbours = before[-2:] + after[:2]
    return any(len(word) > 1 and word.isupper() and word not in _CASE_SENSITIVE for word in neighbours)


@lru_cache(maxsize=1)
def _matcher() -> tuple[re.Pattern[str], dict[str, str]]:
    """One alternation of every known name (longest first) and the name -> value table."""
    import pycountry

    names: dict[str, str] = {}
    by_code: dict[str, str] = {}
    for country in pycountry.countries:
        value = getattr(country, "common_name", None) or country.name
        by_code[country.alpha_2] = value
        for attribute in ("name", "common_name", "official_name"):
            name = getattr(country, attribute, None)
            if name and "," not in name:
                names.setdefault(name.lower(), value)
    for alias, code in _ALIASES.items():
        names[alias.lower()] = by_code[code]
    # The case-insensitive match is refined in find_countries, which knows which names need capitals.
    pattern = re.compile(rf"(?<![\w.])(?:{trie_alternation(names)})(?![\w]|\.\w)", re.IGNORECASE)
    return pattern, names


def trie_alternation(names: Iterable[str]) -> str:
    """A regular expression matching the same names as their plain alternation, longest first,
    written as a trie (``un(?:ited (?:kingdom|states)|...)``): the engine tries a few letters at a
    word start instead of every name, about 10x faster on ordinary text.

    At any position the names that match are prefixes of one another (one path through the
    trie), and the greedy ``?`` of a name that continues tries the longer names first, so a
    match (and the backtracking of the lookahead after it) is the one the longest-first
    alternation gives."""
    trie: dict[str, Any] = {}
    for name in names:
        node = trie
        for char in name:
            node = node.setdefault(char, {})
        node[""] = {}

    def pattern(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + pattern(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        return f"(?:{body})?" if "" in node else body

    return pattern(trie)
