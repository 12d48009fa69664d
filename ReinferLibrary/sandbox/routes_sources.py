"""Projects, sources and comments: list/get/create, sync (upsert), get and delete comments."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from . import comments, timeutil
from .context import Sandbox, SandboxDep
from .envelope import bad_request, not_found, ok
from .schemas import API_NAME, PROJECT_NAME, ProjectRequest, SourceNew, SourceRequest, SyncRequest
from .store import new_id

router = APIRouter(tags=["projects, sources and comments"])

SOURCE = "/api/v1/sources/{owner}/{source}"


def _check_name(kind: str, value: str, pattern: str = API_NAME) -> None:
    if not re.match(pattern, value):
        raise bad_request(f"{kind} name '{value}' must match {pattern}")


def build_source(
    owner: str, name: str, fields: SourceNew, existing: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The API's Source object (reference 2.7)."""
    now = timeutil.platform(timeutil.now())
    source: dict[str, Any] = {
        "id": existing["id"] if existing else new_id(),
        "_kind": fields.kind,
        "owner": owner,
        "name": name,
        "language": fields.language,
        "title": fields.title,
        "description": fields.description,
        "should_translate": fields.should_translate,
        "sensitive_properties": fields.sensitive_properties,
        "created_at": existing["created_at"] if existing else now,
        "updated_at": now,
        "last_modified": now,
    }
    for key, value in (
        ("bucket_id", fields.bucket_id),
        ("email_transform_tag", fields.email_transform_tag),
        ("_timezone", fields.timezone),
    ):
        if value is not None:
            source[key] = value
    return source


def create_source(sandbox: Sandbox, owner: str, name: str, fields: SourceNew) -> dict[str, Any]:
    _check_name("source", name)
    sandbox.store.require_project(owner)
    source = build_source(owner, name, fields)
    sandbox.store.create_source(source)
    return source


@router.get("/api/v1/projects", summary="List projects")
def list_projects(sb: SandboxDep) -> Response:
    return ok(projects=sb.store.list_projects())


@router.put("/api/_private/projects/{project}", summary="Create a project")
def create_project(project: str, body: ProjectRequest, sb: SandboxDep) -> Response:
    _check_name("project", project, PROJECT_NAME)
    return ok(project=sb.store.create_project(project, body.project.title, body.project.description))


@router.get("/api/v1/sources", summary="List all sources")
def list_sources(sb: SandboxDep) -> Response:
    return ok(sources=sb.store.list_sources())


@router.get("/api/v1/sources/{owner}", summary="List the sources of a project")
def list_project_sources(owner: str, sb: SandboxDep) -> Response:
    sb.store.require_project(owner)
    return ok(sources=sb.store.list_sources(owner))


@router.get(SOURCE, summary="Get a source (also /api/v1/sources/id:<source_id>)")
def get_source(owner: str, source: str, sb: SandboxDep) -> Response:
    return ok(source=sb.source(owner, source))


@router.put(SOURCE, summary="Create a source (409 if it exists)")
def put_source(owner: str, source: str, body: SourceRequest, sb: SandboxDep) -> Response:
    return ok(source=create_source(sb, owner, source, body.source))


@router.post(SOURCE, summary="Update a source")
def update_source(owner: str, source: str, body: SourceRequest, sb: SandboxDep) -> Response:
    existing = sb.source(owner, source)
    updated = build_source(owner, source, body.source, existing)
    sb.store.update_source(updated)
    return ok(source=updated)


@router.delete(SOURCE, summary="Delete a source and its comments (also /api/v1/sources/id:<source_id>)")
def delete_source(owner: str, source: str, sb: SandboxDep) -> Response:
    sb.store.delete_source(sb.source(owner, source)["id"])
    return ok()


@router.post(SOURCE + "/sync", summary="Upsert comments by id")
def sync_comments(
    owner: str,
    source: str,
    body: SyncRequest,
    sb: SandboxDep,
    no_charge: Annotated[bool, Query(description="Accepted; the sandbox charges nothing")] = False,
) -> Response:
    """Idempotent on comment ``id``. New comments become visible to every stream of every
    dataset reading this source; updated ones keep their place (and ``created_at``)."""
    counts = comments.sync(sb.store, sb.source(owner, source), body.comments)
    return ok(**counts.as_payload())


@router.get(SOURCE + "/comments/{comment_id}", summary="Get a comment")
def get_comment(
    owner: str,
    source: str,
    comment_id: str,
    sb: SandboxDep,
    include_markup: Annotated[bool, Query(description="Accepted; the sandbox stores no markup")] = False,
) -> Response:
    found = sb.store.get_comment(sb.source(owner, source)["id"], comment_id)
    if found is None:
        raise not_found(f"comment '{comment_id}' does not exist in source '{owner}/{source}'")
    return ok(comment=found)


@router.delete(SOURCE + "/comments", summary="Delete comments (?id=a&id=b or ?ids=a,b)")
def delete_comments(
    owner: str,
    source: str,
    sb: SandboxDep,
    id: Annotated[list[str] | None, Query(description="A comment id; repeat for several")] = None,
    ids: Annotated[str | None, Query(description="Comma-separated comment ids")] = None,
) -> Response:
    wanted = list(id or []) + [part for part in (ids or "").split(",") if part]
    if not wanted:
        raise bad_request("id: give at least one comment id (?id=a&id=b or ?ids=a,b)")
    sb.store.delete_comments(sb.source(owner, source)["id"], wanted)
    return ok()
