"""Streams and legacy triggers: one store, two sets of routes that differ only in their keys.

``/streams`` answers with ``stream`` / ``streams``, ``/triggers`` with ``trigger`` /
``triggers`` (API reference 3 and 4). Cursor semantics live in :mod:`.streams`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from . import timeutil
from .context import Sandbox, SandboxDep
from .envelope import bad_request, not_found, ok, raw_ok
from .predictor import parts
from .schemas import (
    AdvanceRequest,
    ExceptionsRequest,
    FetchRequest,
    ResetRequest,
    StreamNew,
    StreamRequest,
    StreamUpdate,
    StreamUpdateRequest,
    TriggerRequest,
    TriggerUpdateRequest,
)
from .store import new_id
from .streams import DEFAULT_MAX_RESULTS

router = APIRouter()

DATASET = "/api/v1/datasets/{owner}/{dataset}"


def _model(
    sb: Sandbox, dataset: dict[str, Any], update: StreamNew | StreamUpdate, noun: str
) -> dict[str, Any] | None:
    """The stored ``model`` of a stream, checked against the pinned version's labels.

    Error messages name the field from the top of the body (``stream.model.version``), as
    validation errors do."""
    if update.model is None:
        return None
    version = update.model.version
    loaded = sb.predictor.load(dataset["id"], version)
    if loaded is None:
        raise bad_request(
            f"{noun}.model.version: version {version} of dataset {dataset['owner']}/{dataset['name']}"
            " is not pinned"
        )
    known = set(loaded.labels)
    thresholds = []
    for index, item in enumerate(update.model.label_thresholds):
        if item.name not in known:
            raise bad_request(
                f"{noun}.model.label_thresholds[{index}].name: label '{item.name}' is not in model"
                f" version {version}"
            )
        entry: dict[str, Any] = {"name": parts(item.name)}
        if item.threshold is not None:
            entry["threshold"] = item.threshold
        thresholds.append(entry)
    return {"version": version, "label_thresholds": thresholds}


def _comment_filter(dataset: dict[str, Any], update: StreamNew | StreamUpdate, noun: str) -> dict[str, Any]:
    if update.comment_filter is None:
        return {}
    stored = update.comment_filter.model_dump(mode="json", by_alias=True, exclude_none=True)
    unknown = [source for source in stored.get("sources", []) if source not in dataset["source_ids"]]
    if unknown:
        raise bad_request(f"{noun}.comment_filter.sources: {unknown[0]} is not a source id of this dataset")
    return stored


def create_stream(
    sb: Sandbox, dataset: dict[str, Any], new: StreamNew, noun: str = "stream"
) -> dict[str, Any]:
    now = timeutil.platform(timeutil.now())
    stream = {
        "id": new_id(),
        "dataset_id": dataset["id"],
        "name": new.name,
        "title": new.title,
        "description": new.description,
        "created_at": now,
        "updated_at": now,
        "comment_filter": _comment_filter(dataset, new, noun),
        "label_threshold_filter": None,
    }
    model = _model(sb, dataset, new, noun)
    if model is not None:
        stream["model"] = model
    sb.store.create_stream(dataset["id"], stream)
    return stream


def _update_stream(
    sb: Sandbox, owner: str, dataset_name: str, name: str, update: StreamUpdate, noun: str
) -> Response:
    dataset = sb.dataset(owner, dataset_name)
    stream, _ = sb.stream(dataset, name, noun)
    if update.name is not None and update.name != name:
        raise bad_request(f"{noun}.name: renaming is not supported ('{name}' cannot become '{update.name}')")
    given = update.model_fields_set
    if "title" in given and update.title is not None:
        stream["title"] = update.title
    if "description" in given and update.description is not None:
        stream["description"] = update.description
    if "comment_filter" in given:
        stream["comment_filter"] = _comment_filter(dataset, update, noun)
    if "model" in given:
        model = _model(sb, dataset, update, noun)
        if model is None:
            stream.pop("model", None)
        else:
            stream["model"] = model
    stream["updated_at"] = timeutil.platform(timeutil.now())
    sb.store.replace_stream(stream)
    return ok(**{noun: stream})


def fetch_answer(sb: Sandbox, owner: str, dataset: str, name: str, noun: str, body: FetchRequest) -> Response:
    """The fetch route's answer (also served by :class:`.fastpath.StreamFastPath`)."""
    found = sb.dataset(owner, dataset)
    stream, position = sb.stream(found, name, noun)
    view = sb.view(found, stream)
    return raw_ok(view.fetch_body(view.read(position, body.size, body.max_filtered)))


def advance_answer(
    sb: Sandbox, owner: str, dataset: str, name: str, noun: str, body: AdvanceRequest
) -> Response:
    """The advance route's answer (also served by :class:`.fastpath.StreamFastPath`)."""
    stream, _ = sb.stream(sb.dataset(owner, dataset), name, noun)
    position = sb.codec.decode(body.token, stream["id"], name)
    if not sb.store.set_position(stream["id"], position):
        raise not_found(f"{noun} '{name}' was deleted")
    return ok(sequence_id=body.token)


def _add_routes(collection: str, noun: str, tag: str) -> None:
    """Routes shared by ``/streams`` and ``/triggers`` (everything except create/update bodies)."""
    base = f"{DATASET}/{collection}"
    plural = f"{noun}s"
    item = base + "/{name}"

    @router.get(base, summary=f"List {plural}", tags=[tag])
    def list_all(owner: str, dataset: str, sb: SandboxDep) -> Response:
        return ok(**{plural: sb.store.list_streams(sb.dataset(owner, dataset)["id"])})

    @router.get(item, summary=f"Get a {noun}", tags=[tag])
    def get_one(owner: str, dataset: str, name: str, sb: SandboxDep) -> Response:
        stream, _ = sb.stream(sb.dataset(owner, dataset), name, noun)
        return ok(**{noun: stream})

    @router.delete(item, summary=f"Delete a {noun}", tags=[tag])
    def delete(owner: str, dataset: str, name: str, sb: SandboxDep) -> Response:
        stream, _ = sb.stream(sb.dataset(owner, dataset), name, noun)
        sb.store.delete_stream(stream["id"])
        return ok()

    @router.post(item + "/fetch", summary=f"Fetch a batch from a {noun} (does not move it)", tags=[tag])
    def fetch(owner: str, dataset: str, name: str, body: FetchRequest, sb: SandboxDep) -> Response:
        """Reads up to ``size`` matching comments after the position, skipping at most
        ``max_filtered`` (default 16) comments that fail the ``comment_filter``."""
        return fetch_answer(sb, owner, dataset, name, noun, body)

    @router.post(item + "/advance", summary=f"Advance a {noun} to a sequence id", tags=[tag])
    def advance(owner: str, dataset: str, name: str, body: AdvanceRequest, sb: SandboxDep) -> Response:
        """Sets the position to exactly the one the sequence id (or continuation) names."""
        return advance_answer(sb, owner, dataset, name, noun, body)

    @router.post(item + "/reset", summary=f"Reset a {noun} to a comment creation time", tags=[tag])
    def reset(owner: str, dataset: str, name: str, body: ResetRequest, sb: SandboxDep) -> Response:
        """The next fetch starts at the first comment created at or after the given time."""
        found = sb.dataset(owner, dataset)
        stream, _ = sb.stream(found, name, noun)
        moment = timeutil.platform(timeutil.parse(body.to_comment_created_at))
        first = sb.store.first_seq_created_from(found["source_ids"], moment) if found["source_ids"] else None
        position = first - 1 if first is not None else sb.store.last_seq()
        sb.store.set_position(stream["id"], position)
        return ok(**{"sequence_id": sb.codec.encode(stream["id"], position), noun: stream})


def _add_exception_routes(collection: str, noun: str, tag: str) -> None:
    """Tag and untag exceptions on a stream or legacy trigger."""
    item = f"{DATASET}/{collection}" + "/{name}"

    @router.put(item + "/exceptions", summary="Tag comments as exceptions", tags=[tag])
    def tag_exceptions(
        owner: str, dataset: str, name: str, body: ExceptionsRequest, sb: SandboxDep
    ) -> Response:
        """Every uid must be a comment of the dataset: unknown ones answer 404 naming them and
        nothing is tagged (the real API's answer is not documented; this one catches typos)."""
        found = sb.dataset(owner, dataset)
        stream, _ = sb.stream(found, name, noun)
        uids = [item.uid for item in body.exceptions]
        known = sb.store.rows_by_uid(found["source_ids"], uids)
        unknown = [uid for uid in dict.fromkeys(uids) if uid not in known]
        if unknown:
            listed = ", ".join(f"'{uid}'" for uid in unknown[:5])
            more = f" (and {len(unknown) - 5} more)" if len(unknown) > 5 else ""
            raise not_found(
                f"exceptions: comment uid {listed}{more} {'does' if len(unknown) == 1 else 'do'} not exist "
                f"in dataset '{owner}/{dataset}'; nothing was tagged"
            )
        sb.store.tag_exceptions(stream["id"], [(item.uid, item.metadata.type) for item in body.exceptions])
        return ok()

    @router.delete(item + "/exceptions", summary="Untag exceptions (?uid=...&uid=...)", tags=[tag])
    def untag_exceptions(
        owner: str,
        dataset: str,
        name: str,
        sb: SandboxDep,
        uid: Annotated[list[str] | None, Query(description="A comment uid; repeat for several")] = None,
    ) -> Response:
        if not uid:
            raise bad_request("uid: give at least one ?uid=<comment uid> query parameter")
        stream, _ = sb.stream(sb.dataset(owner, dataset), name, noun)
        sb.store.untag_exceptions(stream["id"], uid)
        return ok()


for _collection, _noun, _tag in (
    ("streams", "stream", "streams"),
    ("triggers", "trigger", "triggers (legacy)"),
):
    _add_routes(_collection, _noun, _tag)
    _add_exception_routes(_collection, _noun, _tag)


@router.put(DATASET + "/streams", summary="Create a stream (409 if the name exists)", tags=["streams"])
def create_stream_route(owner: str, dataset: str, body: StreamRequest, sb: SandboxDep) -> Response:
    return ok(stream=create_stream(sb, sb.dataset(owner, dataset), body.stream))


@router.put(
    DATASET + "/triggers", summary="Create a trigger (409 if the name exists)", tags=["triggers (legacy)"]
)
def create_trigger_route(owner: str, dataset: str, body: TriggerRequest, sb: SandboxDep) -> Response:
    return ok(trigger=create_stream(sb, sb.dataset(owner, dataset), body.trigger, "trigger"))


@router.post(DATASET + "/streams/{name}", summary="Update a stream (absent fields stay)", tags=["streams"])
def update_stream_route(
    owner: str, dataset: str, name: str, body: StreamUpdateRequest, sb: SandboxDep
) -> Response:
    return _update_stream(sb, owner, dataset, name, body.stream, "stream")


@router.post(
    DATASET + "/triggers/{name}", summary="Update a trigger (absent fields stay)", tags=["triggers (legacy)"]
)
def update_trigger_route(
    owner: str, dataset: str, name: str, body: TriggerUpdateRequest, sb: SandboxDep
) -> Response:
    return _update_stream(sb, owner, dataset, name, body.trigger, "trigger")


@router.get(
    DATASET + "/streams/{name}/results", summary="Read stream results (does not move it)", tags=["streams"]
)
@router.get(
    "/api/preview/datasets/{owner}/{dataset}/streams/{name}/results",
    summary="Read stream results (preview path)",
    tags=["streams"],
)
def results(
    owner: str,
    dataset: str,
    name: str,
    sb: SandboxDep,
    request: Request,
    max_results: Annotated[int, Query(ge=1, le=1024)] = DEFAULT_MAX_RESULTS,
    max_filtered: Annotated[int | None, Query(ge=1, le=1024, description="Default 16")] = None,
) -> Response:
    """The newer shape of fetch: ``continuation`` instead of ``sequence_id``, predictions under
    ``prediction.taxonomies`` with threshold names (``stream`` plus the auto thresholds).

    ``serve --results-api v1|preview`` serves it under one prefix only, as a tenant that has
    only one of them would (the other answers 404)."""
    served_as = "preview" if request.url.path.startswith("/api/preview/") else "v1"
    if sb.results_api not in ("both", served_as):
        raise not_found(f"no route {request.url.path} on this tenant (served: /api/{sb.results_api} only)")
    found = sb.dataset(owner, dataset)
    stream, position = sb.stream(found, name)
    view = sb.view(found, stream)
    return raw_ok(view.results_body(view.read(position, max_results, max_filtered)))
