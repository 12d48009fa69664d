"""The HTTP client layer: typed, tested without Robot Framework, no robot imports.

``ReinferClient(ConnectionSettings(url, token))`` is all a keyword needs; the retry policy
of each call is :data:`RETRY_POLICY` (documented in :mod:`.transport`).
"""

from .reinfer import ReinferClient
from .routes import Routes, split_full_name
from .settings import CallRecord, ConnectionSettings, safe_url
from .transport import RETRY_POLICY, RETRY_STATUSES, Transport, backoff_delay, parse_retry_after, redact

__all__ = [
    "RETRY_POLICY",
    "RETRY_STATUSES",
    "CallRecord",
    "ConnectionSettings",
    "ReinferClient",
    "Routes",
    "Transport",
    "backoff_delay",
    "parse_retry_after",
    "redact",
    "safe_url",
    "split_full_name",
]
