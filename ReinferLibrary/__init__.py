"""ReinferLibrary: Robot Framework keywords for Re:infer / UiPath Communications Mining.

``Library    ReinferLibrary`` finds the library class here. It is imported lazily (PEP 562)
so that ``python -m ReinferLibrary.sandbox`` starts the sandbox without importing Robot
Framework, the client or the keywords: the sandbox is an independent implementation of
the API and must not lean on the library it is used to test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .version import __version__

if TYPE_CHECKING:
    from .library import ReinferLibrary

__all__ = ["ReinferLibrary", "__version__"]


def __getattr__(name: str) -> Any:
    if name == "ReinferLibrary":
        from .library import ReinferLibrary

        return ReinferLibrary
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
