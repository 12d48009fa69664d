"""The response envelope: every answer carries ``status``, errors carry a one-line ``message``.

Routes return :func:`ok` (a ready-made JSON response, so FastAPI does not re-encode large
payloads) and raise :class:`ApiError` for anything the caller got wrong. The HTTP code and
``status`` always agree (API reference 1.3): 2xx is ``"ok"``, everything else ``"error"``.
"""

from __future__ import annotations

import json
from http import HTTPStatus
from typing import Any

from starlette.responses import Response

JSON_TYPE = "application/json"


def dumps(payload: Any) -> str:
    """Compact JSON, non-ASCII kept as is (the API sends UTF-8)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)


def status_line(code: int) -> str:
    """``"404 Not Found"``: the prefix every error message starts with."""
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


class ApiError(Exception):
    """An error answer: ``code`` and a message that says what was wrong (without the prefix)."""

    def __init__(self, code: int, detail: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail
        self.headers = headers or {}

    @property
    def message(self) -> str:
        return f"{status_line(self.code)}: {self.detail}"


def not_found(detail: str) -> ApiError:
    return ApiError(404, detail)


def bad_request(detail: str) -> ApiError:
    return ApiError(400, detail)


def ok(**payload: Any) -> Response:
    """A success response: ``{"status": "ok", **payload}``."""
    return raw_ok(dumps({"status": "ok", **payload}))


def raw_ok(body: str) -> Response:
    """A success response from JSON text the caller assembled (it must contain ``"status":"ok"``)."""
    return Response(content=body.encode("utf-8"), media_type=JSON_TYPE)


def error_body(code: int, message: str) -> bytes:
    return dumps({"status": "error", "message": message}).encode("utf-8")


def error_response(code: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(
        content=error_body(code, message), status_code=code, media_type=JSON_TYPE, headers=headers
    )


def api_error_response(error: ApiError) -> Response:
    return error_response(error.code, error.message, error.headers)
