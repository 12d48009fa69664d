"""RFC 3339 timestamps the way the API reads and writes them.

Input is lenient (``Z``, offsets, fractional seconds, even naive values, which count as
UTC, as the reset example in the docs uses). Output is UTC with ``Z``; platform times
(``created_at``, ``updated_at``) always carry microseconds, like the real server, so they
also sort correctly as plain strings (the store relies on that for reset-by-time).
"""

from __future__ import annotations

from datetime import datetime, timezone


def parse(value: str) -> datetime:
    """Parse an RFC 3339 / ISO 8601 timestamp into an aware UTC datetime.

    Raises:
        ValueError: with a message naming the expected format.
    """
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{value}' is not an RFC 3339 timestamp such as 2024-05-01T12:30:00Z") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:  # 0001-01-01T00:00:00+01:00 is before the first representable UTC time
        raise ValueError(f"'{value}' is outside the years 0001 to 9999 in UTC") from None


def _utc(moment: datetime, pattern: str) -> str:
    # strftime's %Y does not pad years before 1000 ("758-11-18"), which then do not parse back.
    moment = moment.astimezone(timezone.utc)
    return f"{moment.year:04d}-" + moment.strftime(pattern)


def platform(moment: datetime) -> str:
    """``2024-05-01T12:30:00.000000Z``: fixed width, so string order is time order."""
    return _utc(moment, "%m-%dT%H:%M:%S.%fZ")


def user(moment: datetime) -> str:
    """``2024-05-01T12:30:00Z`` (microseconds only when there are some), for user-supplied times."""
    return _utc(moment, "%m-%dT%H:%M:%S.%fZ" if moment.microsecond else "%m-%dT%H:%M:%SZ")


def now() -> datetime:
    return datetime.now(timezone.utc)
