"""Where state lives on this machine, and the key that names one stream's state.

The state directory is ``REINFER_STATE_DIR`` when set, else ``reinfer-library`` under the
user's cache directory: ``$XDG_CACHE_HOME`` or ``~/.cache`` on Linux, ``~/Library/Caches``
on macOS, ``%LOCALAPPDATA%`` on Windows (the rules of ``platformdirs.user_cache_dir``,
written out here rather than taken as a dependency for three lines).
"""

from __future__ import annotations

import hashlib
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

STATE_DIR_ENV = "REINFER_STATE_DIR"
APP_NAME = "reinfer-library"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def user_cache_dir() -> Path:
    """The user's cache directory, as platformdirs would give it."""
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
        return Path(base)
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches"
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    return Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache"


def state_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The state directory (created): ``explicit``, else ``REINFER_STATE_DIR``, else the cache default."""
    chosen = str(explicit) if explicit else os.environ.get(STATE_DIR_ENV, "").strip()
    path = Path(chosen).expanduser() if chosen else user_cache_dir() / APP_NAME
    path.mkdir(parents=True, exist_ok=True)
    return path


def tenant_host(url: str) -> str:
    """``host:port`` of a base URL (lower case, no user info); the URL itself if it has no host."""
    parts = urlsplit(url if "//" in url else f"//{url}")
    try:
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:  # a malformed port: still a stable name for the same text
        return url.strip().lower()
    if not host:
        return url.strip().lower()
    default = {"https": 443, "http": 80}.get(parts.scheme.lower())
    return host if port is None or port == default else f"{host}:{port}"


@dataclass(frozen=True)
class StreamKey:
    """One stream of one tenant: what a lease and a ledger belong to."""

    host: str
    """``host[:port]`` of the tenant's URL (see :func:`tenant_host`)."""
    dataset: str
    """``owner/name``."""
    stream: str

    @classmethod
    def of(cls, url: str, dataset: str, stream: str) -> StreamKey:
        return cls(tenant_host(url), dataset, stream)

    @property
    def slug(self) -> str:
        """A file name for this key: readable, and unique through a short hash of the exact key."""
        text = f"{self.host}|{self.dataset}|{self.stream}"
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:10]
        readable = _UNSAFE.sub("_", f"{self.host}_{self.dataset}_{self.stream}").strip("_")[:80]
        return f"{readable}-{digest}"

    def __str__(self) -> str:
        return f"{self.dataset}/{self.stream} at {self.host}"
