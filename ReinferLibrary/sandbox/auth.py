"""Bearer-token authentication for every ``/api`` route (except the readiness probe).

The sandbox has exactly one valid token, given at start. It is compared in constant time
and never logged or echoed. The scheme name is case-insensitive, as HTTP auth schemes are
(RFC 9110 11.1): ``bearer <token>`` is accepted too.
"""

from __future__ import annotations

import hmac

from starlette.types import ASGIApp, Receive, Scope, Send

from .envelope import error_response

UNAUTHORIZED = "401 Unauthorized: missing or invalid bearer token"
PUBLIC_PATHS = frozenset({"/api/_sandbox/health"})


class BearerAuthMiddleware:
    """Answers 401 (error envelope) unless ``Authorization: Bearer <token>`` matches."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        if not token:
            raise ValueError("the sandbox needs a non-empty token")
        self.app = app
        self._expected = token.encode()

    def authorised(self, scope: Scope) -> bool:
        for name, value in scope.get("headers", ()):
            if name == b"authorization":
                scheme, _, credentials = value.strip().partition(b" ")
                # Always compare, so a wrong scheme takes as long as a wrong token.
                matches = hmac.compare_digest(credentials.strip(), self._expected)
                return matches and scheme.lower() == b"bearer"
        return False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if (
            scope["type"] == "http"
            and (path == "/api" or path.startswith("/api/"))
            and path not in PUBLIC_PATHS
            and not self.authorised(scope)
        ):
            response = error_response(401, UNAUTHORIZED, {"WWW-Authenticate": "Bearer"})
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
