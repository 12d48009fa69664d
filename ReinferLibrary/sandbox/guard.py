"""The outermost ASGI layer: an unexpected exception never reaches uvicorn.

Starlette answers an unhandled exception with the 500 envelope and then re-raises it, and
uvicorn, seeing the exception, closes the keep-alive connection without a
``Connection: close`` header: the client's next request on that connection then fails with
a connection reset. This layer swallows the exception once an answer is complete, answers
the 500 envelope itself when nothing was sent yet (an exception in one of the outer ASGI
layers), and leaves uvicorn to close the connection only when an answer broke off half-way.

It also keeps uvicorn's transport reachable for the fault injector's ``drop``
(:attr:`TrackedSend.transport`), since the injector now sees this layer's ``send``.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .envelope import error_response, status_line

LOG = logging.getLogger("ReinferLibrary.sandbox")


class TrackedSend:
    """Wraps the server's ``send``, remembering how far the answer got."""

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False
        self.complete = False
        # Uvicorn's send is a bound method of the request cycle, which owns the transport.
        owner = getattr(send, "__self__", None)
        self.transport: Any = getattr(send, "transport", None) or getattr(owner, "transport", None)

    async def __call__(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            self.complete = True
        await self._send(message)


class ErrorGuard:
    """Answers unexpected exceptions with the 500 envelope without re-raising (see the module docstring)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        tracked = TrackedSend(send)
        try:
            await self.app(scope, receive, tracked)
        except Exception as error:  # every exception: the point of this layer
            if tracked.complete:
                # Starlette already answered (and logged, in the app's handler): keep the connection.
                return
            if tracked.started:
                # Half an answer is on the wire: only closing the connection can end it.
                raise
            LOG.exception("unexpected error on %s %s", scope.get("method"), scope.get("path"))
            message = f"{status_line(500)}: {type(error).__name__}: {error}"
            await error_response(500, message)(scope, receive, tracked)
