"""The ReinferLibrary sandbox: a local Re:infer / Communications Mining API server.

It speaks the REST API (streams and legacy triggers, predict routes, sources, datasets,
comments, model tags and validation) backed by SQLite and a real scikit-learn model, so
robots and tests run offline. It is an independent implementation of the API: it never
imports ``ReinferLibrary.client``, ``models``, ``logic`` or ``keywords``.

* ``reinfer-sandbox serve --port 0 --data-dir DIR`` (token from ``--token`` or
  ``REINFER_SANDBOX_TOKEN``), or ``python -m ReinferLibrary.sandbox serve ...``;
* :class:`SandboxServer` (``runner``) starts one as a subprocess from Python, and
  :class:`InProcessSandbox` (``inprocess``) on a thread of the calling process;
* :class:`SandboxLibrary` (``library``) does the same from Robot Framework:
  ``Library    ReinferLibrary.sandbox.SandboxLibrary``.

Both are imported lazily, so running the server does not import Robot Framework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .inprocess import InProcessSandbox
    from .library import SandboxLibrary
    from .runner import SandboxServer

__all__ = ["InProcessSandbox", "SandboxLibrary", "SandboxServer"]


def __getattr__(name: str) -> Any:
    if name == "SandboxLibrary":
        from .library import SandboxLibrary

        return SandboxLibrary
    if name == "SandboxServer":
        from .runner import SandboxServer

        return SandboxServer
    if name == "InProcessSandbox":
        from .inprocess import InProcessSandbox

        return InProcessSandbox
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
