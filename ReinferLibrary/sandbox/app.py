"""The ASGI application: FastAPI routes wrapped in six thin ASGI layers.

From the outside in: the error guard (an unexpected exception becomes the 500 envelope and
never reaches uvicorn, which would drop the keep-alive connection), bearer auth of ``/api``
(401 envelope), the request-size cap (413 envelope), fault injection (must reach uvicorn's
transport to drop connections, so it sits outside Starlette's middleware), ``id:<hex>`` path
aliases, the stream fast path (well-formed ``fetch`` / ``advance`` answered without FastAPI,
see :mod:`.fastpath`), then FastAPI. Every error leaves as an envelope whose ``status`` agrees with the HTTP
code: FastAPI's 422 validation errors become 400s naming the field, unknown routes 404s,
unexpected exceptions 500s. ``/docs`` is an offline route list, ``/docs/swagger`` Swagger UI
(see :mod:`.apidocs`).

``owner%2Fname`` path segments need no special handling: uvicorn decodes ``%2F`` before
routing, so ``/datasets/acme%2Fretail-inbox/streams`` routes like ``/datasets/acme/retail-inbox/streams``.
"""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from . import (
    apidocs,
    attachments,
    routes_datasets,
    routes_predict,
    routes_sandbox,
    routes_sources,
    routes_streams,
)
from .auth import BearerAuthMiddleware
from .context import Sandbox
from .elastic import create_elastic_router
from .elastic_backend import SandboxElasticBackend
from .envelope import ApiError, api_error_response, error_response, status_line
from .fastpath import StreamFastPath
from .faults import FaultMiddleware
from .guard import ErrorGuard
from .schemas import describe_errors

LOG = logging.getLogger("ReinferLibrary.sandbox")

DESCRIPTION = """
A local server that speaks the Re:infer / UiPath Communications Mining REST API, backed by
SQLite and a real scikit-learn model, so robots and tests run offline.

Every `/api` route needs `Authorization: Bearer <token>` (the token the sandbox was started
with; the scheme name is case-insensitive), except `GET /api/_sandbox/health`. The
Elasticsearch routes (`/`, `/_ml/trained_models`) take the same token as `ApiKey <token>` or
`Bearer <token>`. Paths accept `owner/name`, `owner%2Fname` and `id:<hex>` for sources and
datasets. Routes under `/api/_sandbox/` are sandbox administration (training, tags, faults)
and do not exist on a real tenant. Errors are `{"status": "error", "message": "..."}`
envelopes whose message starts with the HTTP status.

`/docs` lists the routes and works offline; Swagger UI at `/docs/swagger` loads its scripts
from a CDN (it needs internet access): use its "Authorize" button with the token, then
"Try it out".
"""

_ID_PATH = re.compile(
    r"^(/api/(?:v1|_private|preview|_sandbox)/(sources|datasets))/id:([0-9a-fA-F]{16})(/.*)?$"
)


class IdPathAliases:
    """Rewrites ``/api/v1/datasets/id:<hex>/...`` to ``/api/v1/datasets/<owner>/<name>/...``.

    Names are cached (they never change), so the event loop rarely waits for the database.
    """

    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app = app
        self.sandbox = sandbox
        self._names: dict[tuple[str, str], tuple[str, str]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "/id:" in scope["path"]:
            match = _ID_PATH.match(scope["path"])
            if match:
                prefix, table, object_id, rest = match.groups()
                key = (table, object_id.lower())
                found = self._names.get(key) or self.sandbox.store.name_for_id(*key)
                if found is None:
                    message = f"{status_line(404)}: {table[:-1]} id '{object_id}' does not exist"
                    await error_response(404, message)(scope, receive, send)
                    return
                self._names[key] = found
                path = f"{prefix}/{found[0]}/{found[1]}{rest or ''}"
                scope = {**scope, "path": path, "raw_path": path.encode()}
        await self.app(scope, receive, send)


MAX_BODY_BYTES = 8 * 1024 * 1024
"""Largest request body taken (413 above it). The platform's own limit is not published; 8 MiB
holds a full 4,096-document predict or a large sync batch (see docs/sandbox-differences.md)."""


class BodyLimit:
    """Refuses a request whose ``Content-Length`` is over :data:`MAX_BODY_BYTES` with a 413
    envelope before reading it (a chunked body without a length is not capped)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            length = dict(scope.get("headers") or []).get(b"content-length", b"").strip()
            if length.isdigit() and int(length) > MAX_BODY_BYTES:
                message = (
                    f"{status_line(413)}: the request body is {int(length)} bytes; at most "
                    f"{MAX_BODY_BYTES} bytes are taken: send fewer documents or comments per request"
                )
                await error_response(413, message)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SandboxApp:
    """The served ASGI app; ``api`` is the FastAPI instance, ``sandbox`` its state."""

    def __init__(self, sandbox: Sandbox, token: str) -> None:
        self.sandbox = sandbox
        self.api = build_api(sandbox, token)
        self._app = ErrorGuard(
            BearerAuthMiddleware(
                BodyLimit(
                    FaultMiddleware(IdPathAliases(StreamFastPath(self.api, sandbox), sandbox), sandbox.faults)
                ),
                token,
            )
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def build_api(sandbox: Sandbox, token: str) -> FastAPI:
    api = FastAPI(
        title="ReinferLibrary sandbox",
        description=DESCRIPTION,
        version="1",
        docs_url=apidocs.SWAGGER_PATH,
        redoc_url=None,
    )
    api.state.sandbox = sandbox
    apidocs.install(api)
    for module in (
        routes_sources,
        routes_datasets,
        routes_streams,
        routes_predict,
        routes_sandbox,
        attachments,
    ):
        api.include_router(module.router)
    # Elasticsearch trained-model inference at the base URL; it checks its own credentials.
    api.include_router(create_elastic_router(SandboxElasticBackend(sandbox, token)))

    @api.exception_handler(ApiError)
    async def _api_error(_: Request, error: ApiError) -> Response:
        return api_error_response(error)

    @api.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        errors = error.errors()
        body = None
        if any(item.get("type") == "json_invalid" for item in errors):
            # The body was read already (Starlette caches it); it gives the error a line and column.
            body = (await request.body()).decode("utf-8", "replace")
        return error_response(400, f"{status_line(400)}: {describe_errors(errors, body=body)}")

    @api.exception_handler(StarletteHTTPException)
    async def _http(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404:
            detail = f"no route matches {request.method} {request.url.path}"
        elif error.status_code == 405:
            detail = f"{request.method} is not allowed on {request.url.path}"
        else:
            detail = str(error.detail)
        return error_response(error.status_code, f"{status_line(error.status_code)}: {detail}")

    @api.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> Response:
        LOG.exception("unexpected error on %s %s", request.method, request.url.path)
        return error_response(500, f"{status_line(500)}: {type(error).__name__}: {error}")

    return api


def create_app(sandbox: Sandbox, token: str) -> SandboxApp:
    """The ASGI app to serve (see the module docstring for its layers)."""
    return SandboxApp(sandbox, token)
