"""The error raised when an item lacks data a robot asked for.

It lives in :mod:`ReinferLibrary.errors` with every other error; this name stays
importable from ``logic`` for the modules and robots that import it from here.
"""

from __future__ import annotations

from ..errors import ItemDataError

__all__ = ["ItemDataError"]
