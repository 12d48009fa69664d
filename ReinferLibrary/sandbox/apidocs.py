"""The sandbox's API description: ``/openapi.json``, an offline ``/docs`` page, Swagger UI.

FastAPI's generated spec is adjusted to what the server really does:

* a bearer security scheme (``bearerAuth``) on every route except the readiness probe, so
  Swagger UI's "Authorize" button sends ``Authorization: Bearer <token>`` and "Try it out"
  works (the Elasticsearch routes accept the same header);
* the error answers the routes really send, 400/401/404 with the ``{"status": "error",
  "message"}`` envelope (Elasticsearch routes: Elasticsearch's error shape), instead of
  FastAPI's 422, which the sandbox never sends (validation errors are 400s).

``/docs`` is a small self-contained page (no scripts, no external assets, so it works
offline) listing every route of the spec with a link to ``/openapi.json``. Swagger UI is at
``/docs/swagger``; it loads its scripts from a CDN, so it needs internet access.
"""

from __future__ import annotations

import html
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from starlette.responses import HTMLResponse

DOCS_PATH = "/docs"
SWAGGER_PATH = "/docs/swagger"
SECURITY_SCHEME = "bearerAuth"
PUBLIC_PATHS = frozenset({"/api/_sandbox/health"})
_METHODS = ("get", "put", "post", "delete", "patch", "head")

ERROR_ENVELOPE: dict[str, Any] = {
    "title": "ErrorEnvelope",
    "type": "object",
    "required": ["status", "message"],
    "properties": {
        "status": {"type": "string", "enum": ["error"]},
        "message": {
            "type": "string",
            "description": "One line starting with the HTTP status, e.g. "
            "'404 Not Found: stream 'x' does not exist in dataset 'acme/retail-inbox''.",
        },
    },
}
ELASTIC_ERROR: dict[str, Any] = {
    "title": "ElasticError",
    "type": "object",
    "required": ["error", "status"],
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "root_cause": {"type": "array", "items": {"type": "object"}},
                "type": {"type": "string"},
                "reason": {"type": "string"},
            },
        },
        "status": {"type": "integer"},
    },
}
_ERRORS = {
    400: "Bad request: the message names the field and what is wrong with it",
    401: "Missing or invalid bearer token",
    404: "Not found: the message names what does not exist",
}


def _error_responses(operation: dict[str, Any], path: str) -> dict[str, Any]:
    elastic = not path.startswith("/api/")
    schema = {"$ref": f"#/components/schemas/{'ElasticError' if elastic else 'ErrorEnvelope'}"}
    codes = [401]
    if operation.get("parameters") or operation.get("requestBody"):
        codes.append(400)
    if "{" in path:
        codes.append(404)
    return {
        str(code): {"description": _ERRORS[code], "content": {"application/json": {"schema": schema}}}
        for code in sorted(codes)
    }


def build_openapi(api: FastAPI) -> dict[str, Any]:
    """The spec of ``api`` with security and real error responses (see the module docstring)."""
    if api.openapi_schema:
        return api.openapi_schema
    spec = get_openapi(title=api.title, version=api.version, description=api.description, routes=api.routes)
    components = spec.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    schemas["ErrorEnvelope"] = ERROR_ENVELOPE
    schemas["ElasticError"] = ELASTIC_ERROR
    components["securitySchemes"] = {
        SECURITY_SCHEME: {
            "type": "http",
            "scheme": "bearer",
            "description": "The token the sandbox was started with (Elasticsearch routes also take "
            "'ApiKey <token>').",
        }
    }
    spec["security"] = [{SECURITY_SCHEME: []}]
    for path, item in spec.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)
            if path in PUBLIC_PATHS:
                operation["security"] = []
                continue
            responses.update(_error_responses(operation, path))
    api.openapi_schema = spec
    return spec


def _schema_name(operation: dict[str, Any]) -> str:
    content = (operation.get("requestBody") or {}).get("content") or {}
    schema = (content.get("application/json") or {}).get("schema") or {}
    ref = str(schema.get("$ref", "")) or str((schema.get("anyOf") or [{}])[0].get("$ref", ""))
    return ref.rpartition("/")[2] or ("JSON" if content else "")


def _route_row(path: str, method: str, operation: dict[str, Any]) -> str:
    params = ", ".join(
        f"{param['name']} ({param.get('in', '')})" for param in operation.get("parameters") or []
    )
    body = _schema_name(operation)
    codes = ", ".join(sorted(operation.get("responses") or {}))
    lock = "" if operation.get("security") == [] else "bearer"
    cells = [
        f'<td class="m {method}">{method.upper()}</td>',
        f"<td><code>{html.escape(path)}</code></td>",
        f"<td>{html.escape(operation.get('summary', ''))}</td>",
        f"<td>{html.escape(params)}</td>",
        f"<td>{html.escape(body)}</td>",
        f"<td>{html.escape(codes)}</td>",
        f"<td>{lock}</td>",
    ]
    return "<tr>" + "".join(cells) + "</tr>"


_STYLE = """
body { font-family: sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; width: 100%; margin-bottom: 2em; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.m { font-weight: bold; font-family: monospace; }
.get { color: #1b6ac9; } .post { color: #2a8a3e; } .put { color: #a86a00; } .delete { color: #b3261e; }
pre { white-space: pre-wrap; background: #f8f8f8; padding: 1em; }
"""


def render_docs(spec: dict[str, Any]) -> str:
    """The offline ``/docs`` page: every route of ``spec`` grouped by tag, no external assets."""
    groups: dict[str, list[str]] = {}
    for path, item in spec.get("paths", {}).items():
        for method in _METHODS:
            operation = item.get(method)
            if operation is not None:
                tag = (operation.get("tags") or ["other"])[0]
                groups.setdefault(tag, []).append(_route_row(path, method, operation))
    header = (
        "<tr><th>Method</th><th>Path</th><th>What it does</th><th>Parameters</th>"
        "<th>JSON body</th><th>Responses</th><th>Auth</th></tr>"
    )
    sections = "".join(
        f"<h2>{html.escape(tag)}</h2><table>{header}{''.join(rows)}</table>" for tag, rows in groups.items()
    )
    info = spec.get("info") or {}
    title = html.escape(str(info.get("title", "API")))
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{title}</h1>"
        f"<pre>{html.escape(str(info.get('description', '')).strip())}</pre>"
        f'<p>The full description is the OpenAPI spec: <a href="/openapi.json">/openapi.json</a>. '
        f'An interactive Swagger UI is at <a href="{SWAGGER_PATH}">{SWAGGER_PATH}</a>; it loads its '
        f"scripts from a CDN, so it needs internet access. Errors are "
        f'<code>{{"status": "error", "message": "..."}}</code> envelopes (Elasticsearch routes: '
        f"Elasticsearch's error shape).</p>{sections}</body></html>"
    )


def install(api: FastAPI) -> None:
    """Serve the adjusted spec and the offline ``/docs`` page.

    Create ``api`` with ``docs_url=SWAGGER_PATH`` so Swagger UI does not take ``/docs``."""

    def openapi() -> dict[str, Any]:
        return build_openapi(api)

    api.openapi = openapi  # type: ignore[method-assign]

    @api.get(DOCS_PATH, include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(render_docs(api.openapi()))
