"""A short way through the ASGI stack for the two requests a stream consumer repeats.

A robot reading a stream sends ``fetch`` and ``advance`` for every batch; through FastAPI
(routing over every route, dependencies, body validation, exception middleware) each costs
about as much CPU as building the answer itself. :class:`StreamFastPath` recognises a
well-formed ``POST .../streams|triggers/<name>/fetch|advance`` with a JSON body that its
request model accepts and answers it with the same functions the FastAPI routes call
(:func:`.routes_streams.fetch_answer`, :func:`.routes_streams.advance_answer`), in a worker
thread as FastAPI runs them. Anything else, including every request whose body the model
refuses, goes on to FastAPI with the body it sent, so errors read exactly as before. It sits
inside the auth, size-limit, fault and ``id:`` alias layers, which therefore still apply.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from anyio import to_thread
from pydantic import BaseModel, ValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .context import Sandbox
from .envelope import ApiError, api_error_response, error_response, status_line
from .routes_streams import advance_answer, fetch_answer
from .schemas import AdvanceRequest, FetchRequest

LOG = logging.getLogger("ReinferLibrary.sandbox")

_PATH = re.compile(r"^/api/v1/datasets/([^/]+)/([^/]+)/(streams|triggers)/([^/]+)/(fetch|advance)$")
_ROUTES: dict[str, tuple[type[BaseModel], Callable[..., Response]]] = {
    "fetch": (FetchRequest, fetch_answer),
    "advance": (AdvanceRequest, advance_answer),
}
_NOUNS = {"streams": "stream", "triggers": "trigger"}


class StreamFastPath:
    """Serves well-formed stream/trigger ``fetch`` and ``advance`` requests without FastAPI."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = _PATH.match(scope["path"]) if scope["type"] == "http" and scope["method"] == "POST" else None
        if found is None or _content_type(scope) != b"application/json":
            await self.app(scope, receive, send)
            return
        body, complete = await _read_body(receive)
        owner, dataset, collection, name, action = found.groups()
        model, answer = _ROUTES[action]
        request = _parse(model, body) if complete else None
        if request is None:
            await self.app(scope, _replay(body, receive, complete), send)
            return
        noun = _NOUNS[collection]
        try:
            response = await to_thread.run_sync(answer, self.sandbox, owner, dataset, name, noun, request)
        except ApiError as error:
            response = api_error_response(error)
        except Exception as error:  # as the app's handler of unexpected errors answers them
            LOG.exception("unexpected error on %s %s", scope["method"], scope["path"])
            response = error_response(500, f"{status_line(500)}: {type(error).__name__}: {error}")
        await response(scope, receive, send)


def _content_type(scope: Scope) -> bytes | None:
    for key, value in scope.get("headers") or ():
        if key == b"content-type":
            return bytes(value).strip().lower()
    return None


async def _read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body, and False when the client went away before sending all of it."""
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _parse(model: type[BaseModel], body: bytes) -> Any:
    try:
        return model.model_validate(json.loads(body))
    except (ValueError, ValidationError):  # JSON errors are ValueErrors: FastAPI words them
        return None


def _replay(body: bytes, receive: Receive, complete: bool) -> Receive:
    """A ``receive`` that gives the body already read, then whatever the client sends next."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": not complete}
        return await receive()

    return replayed
