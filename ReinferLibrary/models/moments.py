"""Points in time as the API takes them (RFC 3339 in UTC) and as robots write them (ISO 8601).

In ``models`` because both the client (``reset``) and the keywords (``Reset Trigger``,
``Predict Text``'s ``timestamp``) need them, and the client may import models but not logic.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from ..errors import ReinferConfigurationError

_ISO_8601 = re.compile(
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[Tt ](?P<hm>\d{2}:\d{2})(?::(?P<s>\d{2})(?:[.,](?P<frac>\d{1,6}))?)?"
    r"(?P<zone>[Zz]|[+-]\d{2}:?\d{2})?)?"
)
STREAM_START = datetime(1970, 1, 1, tzinfo=timezone.utc)
"""Before any comment was uploaded to any tenant: resetting a stream here replays everything."""
ISO_EXAMPLES = "2025-09-01T08:00:00+02:00, 2025-09-01T06:00:00Z, 2025-09-01 06:00:00 (UTC) or 2025-09-01"


def iso_utc(moment: datetime) -> str:
    """RFC 3339 in UTC with ``Z``; a naive datetime is taken as UTC already."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_moment(value: str | datetime) -> datetime:
    """An aware datetime from an ISO 8601 string (or a datetime); no time zone means UTC.

    Accepted: ``2025-09-01``, ``2025-09-01 08:00``, ``2025-09-01T08:00:00.5``, each with an
    optional ``Z`` or ``+02:00`` / ``+0200`` offset. Parsed the same way on every Python
    version (3.10's ``fromisoformat`` knows neither ``Z`` nor short fractions), and anything
    else is refused rather than guessed.
    """
    if isinstance(value, datetime):
        return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)
    text = str(value).strip()
    match = _ISO_8601.fullmatch(text)
    if match is None:
        raise ReinferConfigurationError(
            f"Time {text[:60]!r} is not an ISO 8601 date and time: give e.g. {ISO_EXAMPLES}."
        )
    zone = match["zone"] or "+00:00"
    if zone in ("Z", "z"):
        zone = "+00:00"
    elif ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    normal = (
        f"{match['date']}T{match['hm'] or '00:00'}:{match['s'] or '00'}"
        f".{(match['frac'] or '0').ljust(6, '0')}{zone}"
    )
    try:
        return datetime.fromisoformat(normal)
    except ValueError as exc:  # the right form, impossible values (month 13, 25:00)
        raise ReinferConfigurationError(f"Time {text!r} is not a valid date and time: {exc}.") from None
