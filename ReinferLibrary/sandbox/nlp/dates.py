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

Tense. A bare weekday ("Friday", "Monday at 4pm") or a day of the month without a month
("on the 5th", "the twentieth of the month") names no week or month, and the text around it
is not parsed for tense, so by default it resolves like dateparser's ``current_period``: a
weekday is the most recent such day (the send day itself included), and "the Nth" is that day
of the send month, even if it has passed. "next Friday", "this Friday", "last Friday" and "in 3
days" say the direction themselves. Two cheap cues make such a date the next one on or after
the send day instead (a weekday moves on a week, a day of the month to the next month that has
it): the date follows "by", "until" or "till" ("by Friday", "until the 5th"), or its sentence
is in the future tense ("will", "'ll", "shall", "going to": "I will be in on Monday"). So
"You took £12.50 on Monday" (sent on a Thursday) is the Monday before, and "The engineer will
come on Monday" the Monday after. A weekday with a day number ("Tuesday 14th") is left alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
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
# Every match of _CANDIDATE starts at a word start with one of these characters (a digit or
# the first letter of a time, month, weekday, ordinal, count or preposition it knows).
_CANDIDATE_START = re.compile(r"\b(?=[\dabdefijlmnostuwy])", re.IGNORECASE)
_RELATIVE_CLOCK = re.compile(r"\b(?:minute|hour)s?\b", re.IGNORECASE)
_LEADING_PREPOSITION = re.compile(r"^(?:on|by|from|until|till|before|after)\s+(?=the\b)", re.IGNORECASE)
_ORDINAL_WORD_RE = re.compile(_ORDINAL_WORD, re.IGNORECASE)
_COUPLE = re.compile(r"\ba\s+couple\s+of\b", re.IGNORECASE)
_FILLER = re.compile(r"\b(?:of\s+(?:the|this)\s+month|on\s+the|the|on|at|by|of)\b", re.IGNORECASE)
_WEEKDAY_RE = re.compile(rf"\b{_WEEKDAY}\b", re.IGNORECASE)
_MONTH_RE = re.compile(rf"\b{_MONTH}(?!\w)", re.IGNORECASE)
_DAY_NUMBER_RE = re.compile(rf"\b{_DAY_ORD}\b|{_ORDINAL_WORD}", re.IGNORECASE)
_SAYS_DIRECTION = re.compile(r"\b(?:last|next|this|ago|in|today|tonight|tomorrow|yesterday|now)\b", re.I)
_DEADLINE_BEFORE = re.compile(r"\b(?:by|until|till)\s+$", re.IGNORECASE)
_DEADLINE_WORDS = frozenset({"by", "until", "till"})
_FUTURE_TENSE = re.compile(r"\b(?:will|shall|going\s+to)\b|\w'll\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?\n]")


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
    for found in candidates(text):
        start, end = found.span()
        phrase = found.group()
        leading = _LEADING_PREPOSITION.match(phrase)
        deadline = bool(_DEADLINE_BEFORE.search(text[:start]))
        if leading:
            # "on the 5th": the preposition only told us "the 5th" is a date; it is not part of it.
            deadline = deadline or leading.group().split()[0].lower() in _DEADLINE_WORDS
            start += leading.end()
            phrase = phrase[leading.end() :]
        has_time = bool(found.group("pre") or found.group("post") or found.group("iso_time"))
        has_time = has_time or bool(_RELATIVE_CLOCK.search(phrase))
        future = deadline or _future_tense(text, start, end)
        value = _normalise(phrase, has_time, base, zone, future)
        if value is not None:
            matches.append(DateMatch(start, end, value))
    return matches


def candidates(text: str) -> list[re.Match[str]]:
    """``list(_CANDIDATE.finditer(text))``, trying the long expression only where a match can
    start (about twice as fast on email text)."""
    found: list[re.Match[str]] = []
    position = 0
    while (start := _CANDIDATE_START.search(text, position)) is not None:
        match = _CANDIDATE.match(text, start.start())
        if match is None:
            position = start.start() + 1
        else:
            found.append(match)
            position = match.end()  # never empty: every alternative reads a character
    return found


def _future_tense(text: str, start: int, end: int) -> bool:
    """Whether the sentence around ``text[start:end]`` is in the future tense."""
    before = [found.end() for found in _SENTENCE_END.finditer(text, 0, start)]
    after = _SENTENCE_END.search(text, end)
    sentence = text[before[-1] if before else 0 : after.start() if after else len(text)]
    return bool(_FUTURE_TENSE.search(sentence))


def _undirected(phrase: str) -> str | None:
    """``"weekday"`` or ``"day"`` when the phrase names a weekday or a day of the month but no
    week, month or direction (see the module docstring), else None."""
    if _SAYS_DIRECTION.search(phrase) or _MONTH_RE.search(phrase) or re.search(r"\d[/.-]\d", phrase):
        return None
    weekday = bool(_WEEKDAY_RE.search(phrase))
    day = bool(_DAY_NUMBER_RE.search(phrase))
    if weekday and not day:
        return "weekday"
    if day and not weekday:
        return "day"
    return None


def _on_or_after(parsed: datetime, kind: str, base: datetime) -> datetime:
    """The first date of this weekday / day of the month on or after the send day."""
    if parsed.date() >= base.date():
        return parsed
    if kind == "weekday":
        return parsed + timedelta(days=7 * (1 + (base.date() - parsed.date()).days // 7))
    year, month = parsed.year, parsed.month
    for _ in range(12):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        try:
            moved = parsed.replace(year=year, month=month)
        except ValueError:  # no 31st in that month: try the next one
            continue
        if moved.date() >= base.date():
            return moved
    return parsed


def _normalise(phrase: str, has_time: bool, base: datetime, zone: tzinfo, future: bool = False) -> str | None:
    cleaned = _ORDINAL_WORD_RE.sub(_ordinal_to_number, phrase)
    cleaned = _COUPLE.sub("2", cleaned)
    cleaned = " ".join(_FILLER.sub(" ", cleaned).split())
    if cleaned.lower() == "now":
        # dateparser answers "now" with the send time; the documented value is the send day.
        parsed: datetime | None = base
    else:
        parsed = _quick_parse(cleaned, base)
        if parsed is _NOT_QUICK:
            parsed = _parser(base).get_date_data(cleaned).date_obj
    if parsed is None:
        return None
    kind = _undirected(cleaned) if future else None
    if kind is not None:
        parsed = _on_or_after(parsed, kind, base)
    if has_time:
        aware = parsed.replace(tzinfo=zone)
        return aware.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    return parsed.strftime("%Y-%m-%d 00:00 UTC")


# The commonest phrases, answered as dateparser answers them (with our settings) without it:
# about a millisecond each otherwise. tests/unit/test_sandbox_nlp_dates_quick.py checks every
# shape against dateparser itself over many send times.
_NOT_QUICK = datetime.min
_SHIFT_DAYS = {"today": 0, "yesterday": -1, "tomorrow": 1, "this week": 0, "last week": -7, "next week": 7}
_WEEKDAYS = {day: index for index, day in enumerate(_WEEKDAY[3:-1].split("|"))}
_QUICK_DAY = re.compile(r"(\d{1,2})(?:st|nd|rd|th)")
_QUICK_DMY = re.compile(r"(\d{1,2})([/.])(\d{1,2})\2(\d{4})")


def _quick_parse(cleaned: str, base: datetime) -> datetime | None:
    """dateparser's answer for a few common shapes, or ``_NOT_QUICK`` for any other phrase:
    today / yesterday / tomorrow / this, last, next week (the send time moved by whole days),
    a bare weekday (the latest such day up to the send day, at midnight), "5th" (that day of
    the send month, when it has one) and a valid day-first numeric date
    with a four-digit year ("21/08/2025", "1.2.2025")."""
    key = cleaned.lower()
    shift = _SHIFT_DAYS.get(key)
    if shift is not None:
        return base + timedelta(days=shift)
    weekday = _WEEKDAYS.get(key)
    if weekday is not None:
        midnight = base.replace(hour=0, minute=0, second=0, microsecond=0)
        return midnight - timedelta(days=(base.weekday() - weekday) % 7)
    found = _QUICK_DAY.fullmatch(key)
    if found and 1 <= int(found.group(1)) <= 31:
        try:
            return datetime(base.year, base.month, int(found.group(1)))
        except ValueError:
            return _NOT_QUICK  # no such day in the send month: dateparser may look elsewhere
    found = _QUICK_DMY.fullmatch(key)
    if found:
        day, _, month, year = found.groups()
        try:
            return datetime(int(year), int(month), int(day))
        except ValueError:
            return _NOT_QUICK  # not a valid day-first date: dateparser may read it month-first
    return _NOT_QUICK


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
