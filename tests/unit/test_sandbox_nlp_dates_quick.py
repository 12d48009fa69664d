"""The date shapes the sandbox reads without dateparser give exactly dateparser's answer.

``dates._quick_parse`` answers the commonest phrases of customer email (today, weekdays, "the
5th", "21/08/2025") directly; each is compared with dateparser, under the same settings, over
send times that cover month ends, leap days, every weekday and times of day.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from ReinferLibrary.sandbox.nlp import dates

BASES = [
    datetime(2024, 2, 29, 0, 5),
    datetime(2025, 9, 3, 14, 35, 12, 123),
    datetime(2025, 12, 31, 23, 59, 59),
    datetime(2023, 1, 1, 9, 0),
    *(datetime(2025, 3, 24, 8, 30) + timedelta(days=day, hours=5 * day) for day in range(8)),
    datetime(2024, 4, 30, 12, 0),
]


def dateparser_answer(phrase: str, base: datetime) -> datetime | None:
    answer: datetime | None = dates._parser(base).get_date_data(phrase).date_obj
    return answer


def check(phrases: list[str], bases: list[datetime]) -> None:
    for base in bases:
        for phrase in phrases:
            quick = dates._quick_parse(phrase, base)
            assert quick is not dates._NOT_QUICK, phrase
            assert quick == dateparser_answer(phrase, base), (phrase, base)


def test_relative_days_and_weeks() -> None:
    check(["today", "Yesterday", "tomorrow", "this week", "last week", "next week"], BASES)


def test_bare_weekdays() -> None:
    days = ["monday", "Tuesday", "wednesday", "thursday", "FRIDAY", "saturday", "sunday"]
    check(days, BASES)


def ordinal(day: int) -> str:
    suffix = "th" if 10 <= day <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def test_day_of_the_month() -> None:
    phrases = [ordinal(day) for day in range(1, 29)]
    phrases += ["01st", "09th", "1th", "22th", "3nd", "5TH"]
    check(phrases, [BASES[0], BASES[1], BASES[4], BASES[-1], datetime(2023, 2, 10, 7, 0)])
    # Days some months lack are read directly only in the months that have them.
    check([ordinal(day) for day in (29, 30, 31)], [datetime(2025, 1, 31, 7, 0), datetime(2024, 3, 1)])
    for missing, base in [("29th", datetime(2023, 2, 10)), ("31st", BASES[1]), ("30th", BASES[0])]:
        assert dates._quick_parse(missing, base) is dates._NOT_QUICK


def test_day_first_numeric_dates() -> None:
    phrases = [f"{day}/{month}/2025" for day in range(1, 32) for month in (2, 6)]
    phrases += [f"{day:02d}.{month:02d}.2024" for day in (1, 9, 12, 29, 30) for month in range(1, 13)]
    phrases = [phrase for phrase in phrases if dates._quick_parse(phrase, BASES[0]) is not dates._NOT_QUICK]
    assert len(phrases) > 100
    check(phrases, [BASES[1]])


def test_other_shapes_are_left_to_dateparser() -> None:
    others = ["31/02/2025", "05/13/2024", "25.01.20", "0th", "32nd", "5th October", "Jan 5", "friday 5th"]
    for phrase in others:
        assert dates._quick_parse(phrase, BASES[1]) is dates._NOT_QUICK, phrase
