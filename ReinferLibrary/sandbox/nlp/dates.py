"""Date entities: find candidate spans with regular expressions, normalise each with dateparser.

Running dateparser over every token is slow and finds dates in ordinary words, so the spans are
found here (numeric and ISO dates, month names, weekday names, ordinal days of the month,
today/tomorrow/yesterday/now and "3 days ago"-style phrases, each optionally joined to a time)
and only those spans are handed to dateparser, anchored at the comment's timestamp.

Formatting follows the product documentation: ``YYYY-MM-DD HH:MM UTC``.

* A date written with a time of day ("at 4PM on the fifth", "25 Jan 14:30") is read in the
  comment's timezone and converted to UTC.
* A date without a time of day is a calendar day and is reported as that day at ``00:00 UTC``
  without a timezone shift, so a UK date in summer does not move to the previous day. This is
  also how the documentation treats "now": "Jan 25 2020", "25/01/2020" and "now" in an email
  sent on January 25 2020 all give ``2020-01-25 00:00 UTC``.
* The comment's timezone is the ``timezone`` argument when given, else the offset written in
  the comment's timestamp (``Z`` is UTC), else Europe/London (the demo inbox is British and
  ambiguous numeric dates are read day-first for the same reason).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_TIMEZONE = "Europe/London"

_MONTH = (
    r"(?:jan(?:uary|\.)?|feb(?:ruary|\.)?|mar(?:ch|\.)?|apr(?:il|\.)?|may|june?|july?|aug(?:ust|\.)?"
    r"|sep(?:t(?:ember|\.)?|\.)?|oct(?:ober|\.)?|nov(?:ember|\.)?|dec(?:ember|\.)?)"
)
# Before a day number "may" is usually the verb ("may 3 people..."), so only "May" counts there.
_MONTH_BEFORE_DAY = _MONTH.replace("|may|", "|(?-i:May)|")
_ORDINAL_WORDS = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
    "eleventh", "twelfth", "thirteenth", "fourteenth", "fifteenth", "sixteenth", "seventeenth",
    "eighteenth", "nineteenth", "twentieth", "thirtieth",
]  # fmt: skip
_ORDINAL_NUMBER = {word: index + 1 for index, word in enumerate(_ORDINAL_WORDS[:20])}
_ORDINAL_NUMBER["thirtieth"] = 30
_ORDINAL_NUMBER.update({f"twenty {word}": 21 + index for index, word in enumerate(_ORDINAL_WORDS[:9])})
_ORDINAL_NUMBER["thirty first"] = 31
_ORDINAL_WORD = (
    r"(?:(?:twenty|thirty)[- ]?)?(?:" + "|".join(sorted(_ORDINAL_WORDS, key=len, reverse=True)) + r")\b"
)
_DAY = r"(?:3[01]|[12]\d|0?[1-9])"
_DAY_ORD = rf"(?:{_DAY}(?:st|nd|rd|th))"
_DAY_OPT = rf"(?:{_DAY}(?:st|nd|rd|th)?)"
_YEAR = r"(?:19|20)\d{2}"
_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
# "14:30", "4pm", "4.30pm", "noon". "12.50" alone is a price far more often than a time.
_TIME = (
    r"(?:(?:[01]?\d|2[0-3]):[0-5]\d(?:\s?[ap]\.?m\b\.?)?"
    r"|(?:1[0-2]|0?[1-9])(?:\.[0-5]\d)?\s?[ap]\.?m\b\.?"
    r"|noon|midday|midnight)"
)
_COUNT = r"(?:\d{1,3}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a\s+couple\s+of)"
_UNIT = r"(?:minute|hour|day|week|fortnight|month|year)s?"

_CORES = [
    rf"{_YEAR}-[01]\d-[0-3]\d(?:[T ](?P<iso_time>(?:[01]\d|2[0-3]):[0-5]\d))?",  # ISO 8601
    rf"{_DAY}[/.]{_DAY}[/.](?:{_YEAR}|\d{{2}})",  # 25/01/2020, 25.01.20
    rf"{_DAY}-{_DAY}-{_YEAR}",  # 25-01-2020 (four-digit year only, so "3-5 days" stays out)
    # 25 Jan 2020, the fifth of May
    rf"(?:{_WEEKDAY},?\s+)?(?:the\s+)?(?:{_DAY_OPT}|{_ORDINAL_WORD})(?:\s+of)?\s+{_MONTH}(?:,?\s+{_YEAR})?",
    rf"(?:{_WEEKDAY},?\s+)?{_MONTH_BEFORE_DAY}\s+(?:the\s+)?{_DAY_OPT}(?:,?\s+{_YEAR})?",  # Jan 25, 2020
    rf"{_MONTH}\s+{_YEAR}",  # March 2020
    rf"{_WEEKDAY}\s+(?:the\s+)?{_DAY_ORD}",  # Tuesday 14th
    # A bare "5th" is too often "the 5th time": a preposition before it makes it a date. Spelled
    # out ("on the first page") it also needs "of the month".
    rf"(?:on|by|from|until|till|before|after)\s+the\s+{_DAY_ORD}(?:\s+of\s+(?:the|this)\s+month)?",
    rf"the\s+(?:{_DAY_ORD}|{_ORDINAL_WORD})\s+of\s+(?:the|this)\s+month",
    rf"(?:(?:last|next|this)\s+)?{_WEEKDAY}(?:\s+(?:morning|afternoon|evening|night))?",
    r"the\s+day\s+(?:before\s+yesterday|after\s+tomorrow)|today|tonight|tomorrow|yesterday|now",
    rf"{_COUNT}\s+{_UNIT}\s+ago",
    rf"in\s+{_COUNT}\s+{_UNIT}",
    r"(?:last|next|this)\s+(?:week|month)",  # "this year" names no day worth extracting
]
_CANDIDATE = re.compile(
    rf"\b(?P<pre>{_TIME}\s+(?:on\s+)?)?(?:{'|'.join(_CORES)})"
    rf"(?P<post>\s*,?\s+(?:at\s+|by\s+)?{_TIME})?(?![\w/])",
    re.IGNORECASE,
)
_RELATIVE_CLOCK = re.compile(r"\b(?:minute|hour)s?\b", re.IGNORECASE)
_LEADING_PREPOSITION = re.compile(r"^(?:on|by|from|until|till|before|after)\s+(?=the\b)", re.IGNORECASE)
_ORDINAL_WORD_RE = re.compile(_ORDINAL_WORD, re.IGNORECASE)
_COUPLE = re.compile(r"\ba\s+couple\s+of\b", re.IGNORECASE)
_FILLER = re.compile(r"\b(?:of\s+(?:the|this)\s+month|on\s+the|the|on|at|by|of)\b", re.IGNORECASE)


@dataclass(frozen=True)
class DateMatch:
    start: int
    end: int
    formatted_value: str


def comment_clock(timestamp: str | None, timezone_name: str | None) -> tuple[datetime, tzinfo]:
    """The comment's local send time (naive, for dateparser) and the timezone it is in."""
    sent = _parse_timestamp(timestamp)
    zone: tzinfo
    if timezone_name:
        zone = _zone(timezone_name)
    elif sent is not None and sent.tzinfo is not None:
        offset = sent.utcoffset()
        zone = timezone.utc if not offset else timezone(offset)
    else:
        zone = _zone(DEFAULT_TIMEZONE)
    if sent is None:
        sent = datetime.now(timezone.utc)
    elif sent.tzinfo is None:
        sent = sent.replace(tzinfo=zone)
    return sent.astimezone(zone).replace(tzinfo=None), zone


def find_dates(text: str, base: datetime, zone: tzinfo) -> list[DateMatch]:
    """Every date in ``text`` that dateparser can resolve, anchored at ``base`` (local, naive)."""
    matches = []
    for found in _CANDIDATE.finditer(text):
        start, end = found.span()
        phrase = found.group()
        leading = _LEADING_PREPOSITION.match(phrase)
        if leading:
            # "on the 5th": the preposition only told us "the 5th" is a date; it is not part of it.
            start += leading.end()
            phrase = phrase[leading.end() :]
        has_time = bool(found.group("pre") or found.group("post") or found.group("iso_time"))
        has_time = has_time or bool(_RELATIVE_CLOCK.search(phrase))
        value = _normalise(phrase, has_time, base, zone)
        if value is not None:
            matches.append(DateMatch(start, end, value))
    return matches


def _normalise(phrase: str, has_time: bool, base: datetime, zone: tzinfo) -> str | None:
    cleaned = _ORDINAL_WORD_RE.sub(_ordinal_to_number, phrase)
    cleaned = _COUPLE.sub("2", cleaned)
    cleaned = " ".join(_FILLER.sub(" ", cleaned).split())
    if cleaned.lower() == "now":
        # dateparser answers "now" with the send time; the documented value is the send day.
        parsed: datetime | None = base
    else:
        parsed = _parser(base).get_date_data(cleaned).date_obj
    if parsed is None:
        return None
    if has_time:
        aware = parsed.replace(tzinfo=zone)
        return aware.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return parsed.strftime("%Y-%m-%d 00:00 UTC")


def _ordinal_to_number(found: re.Match[str]) -> str:
    words = " ".join(found.group().lower().replace("-", " ").split())
    number = _ORDINAL_NUMBER.get(words)
    if number is None:
        return found.group()
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _parser(base: datetime) -> Any:
    # dateparser costs about a second to import, so only the first date pays for it.
    from dateparser.date import DateDataParser

    settings = {
        "RELATIVE_BASE": base,
        "DATE_ORDER": "DMY",
        "PREFER_DAY_OF_MONTH": "first",
        "PREFER_DATES_FROM": "current_period",
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    return DateDataParser(languages=["en"], settings=settings)


def _parse_timestamp(timestamp: str | None) -> datetime | None:
    if not timestamp:
        return None
    try:
        return datetime.fromisoformat(timestamp.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None


@lru_cache(maxsize=32)
def _zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.utc
