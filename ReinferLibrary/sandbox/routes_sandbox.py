"""Sandbox administration under ``/api/_sandbox/`` (not part of the real API).

Readiness (no auth), training and tagging model versions, assigning reviewed labels (the
training data), inspecting a stream's position and exceptions, and fault injection. Faults
never apply to these routes, so a test can always switch them off again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body
from starlette.responses import Response

from .context import SandboxDep
from .envelope import bad_request, not_found, ok
from .faults import FaultSpecError
from .predictor import train_version
from .schemas import FaultsRequest, LabellingsRequest, ModelTagRequest, TrainRequest

router = APIRouter(prefix="/api/_sandbox", tags=["sandbox administration"])

DATASET = "/datasets/{owner}/{dataset}"


@router.get("/health", summary="Readiness probe (no token needed)")
def health() -> Response:
    return ok(ready=True)


@router.post(DATASET + "/train", summary="Train a new model version from the reviewed labels and pin it")
def train_model(
    owner: str, dataset: str, sb: SandboxDep, body: Annotated[TrainRequest | None, Body()] = None
) -> Response:
    """Trains on every comment with assigned labels; ``tags`` (``live``/``staging``) move to it.
    The body is optional (no tags, seed 0)."""
    body = body or TrainRequest()
    found = sb.dataset(owner, dataset)
    examples = [(text, labels) for _, text, labels in sb.store.training_data(found["id"])]
    version = train_version(sb.store, found, examples, body.seed, body.tags)
    model = sb.predictor.require(found, version)
    return ok(version=version, model=model.info, model_tags=sb.store.tags(found["id"]))


@router.put(DATASET + "/model-tags", summary="Point a model tag (live, staging) at a pinned version")
def set_model_tag(owner: str, dataset: str, body: ModelTagRequest, sb: SandboxDep) -> Response:
    found = sb.dataset(owner, dataset)
    if sb.predictor.load(found["id"], body.version) is None:
        raise not_found(f"model version {body.version} of dataset '{owner}/{dataset}' is not pinned")
    sb.store.set_tag(found["id"], body.name, body.version)
    return ok(model_tags=sb.store.tags(found["id"]))


@router.put(DATASET + "/labellings", summary="Assign reviewed labels to comments (training data)")
def assign_labels(owner: str, dataset: str, body: LabellingsRequest, sb: SandboxDep) -> Response:
    """Assigned labels are what training learns from; they are never served as predictions.

    A label is a name (``"A > B"`` or ``["A", "B"]``) or, as the API's annotations write it,
    ``{"name": ..., "sentiment": "positive" | "negative"}``; the sentiment is accepted, not learned."""
    found = sb.dataset(owner, dataset)
    taxonomy = {label["name"] for label in found["label_defs"]}
    rows = sb.store.rows_by_uid(found["source_ids"], [item.uid for item in body.labellings])
    assigned: dict[int, list[str]] = {}
    for index, item in enumerate(body.labellings):
        if item.uid not in rows:
            raise not_found(
                f"labellings[{index}].uid: comment '{item.uid}' is not in dataset '{owner}/{dataset}'"
            )
        unknown = [label for label in item.names if label not in taxonomy]
        if unknown:
            raise bad_request(f"labellings[{index}].labels: '{unknown[0]}' is not in the dataset's taxonomy")
        assigned[rows[item.uid].seq] = item.names
    sb.store.assign(found["id"], assigned)
    return ok(assigned=len(assigned))


@router.get(DATASET + "/streams/{name}", summary="A stream with its position (consumed / remaining)")
def stream_position(owner: str, dataset: str, name: str, sb: SandboxDep) -> Response:
    found = sb.dataset(owner, dataset)
    stream, position = sb.stream(found, name)
    total = sb.store.count_comments(found["source_ids"])
    remaining = sb.store.count_comments(found["source_ids"], after=position)
    return ok(
        stream=stream,
        position={
            "sequence_id": sb.codec.encode(stream["id"], position),
            "consumed": total - remaining,
            "remaining": remaining,
        },
    )


@router.get(DATASET + "/streams/{name}/exceptions", summary="List the exceptions tagged on a stream")
def stream_exceptions(owner: str, dataset: str, name: str, sb: SandboxDep) -> Response:
    stream, _ = sb.stream(sb.dataset(owner, dataset), name)
    return ok(exceptions=sb.store.exceptions(stream["id"]))


@router.get("/faults", summary="Show the fault spec in force")
def get_faults(sb: SandboxDep) -> Response:
    return ok(spec=sb.faults.spec)


@router.put("/faults", summary="Replace the fault spec (empty switches faults off)")
def put_faults(body: FaultsRequest, sb: SandboxDep) -> Response:
    try:
        sb.faults.set(body.spec)
    except FaultSpecError as error:
        raise bad_request(f"spec: {error}") from None
    return ok(spec=sb.faults.spec)
