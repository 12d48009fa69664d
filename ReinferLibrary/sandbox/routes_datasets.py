"""Datasets (with their label taxonomy), model tags, model listing and validation."""

from __future__ import annotations

import hashlib
import re
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from . import timeutil
from .context import Sandbox, SandboxDep
from .envelope import bad_request, not_found, ok
from .predictor import parts
from .schemas import (
    API_NAME,
    LABEL_SEPARATOR,
    DatasetNew,
    DatasetRequest,
    DatasetUpdate,
    DatasetUpdateRequest,
    LabelDefNew,
    LabelValidationRequest,
)
from .store import new_id
from .streams import field_type_id

router = APIRouter(tags=["datasets and models"])

DATASET = "/api/v1/datasets/{owner}/{dataset}"
PRIVATE = "/api/_private/datasets/{owner}/{dataset}"
PROPERTY_IDS = {"tone": "0000000000000001", "quality_of_service": "0000000000000002"}


ENTITY_COLORS = 16
"""Entity definitions get a palette index 0..15 (``color``), as the platform's UI does."""


def _label_def(label: LabelDefNew) -> dict[str, Any]:
    # OpenAPI ``LabelDef``: optional members are omitted, not null.
    found: dict[str, Any] = {
        "name": label.name,
        "title": label.title,
        "description": label.description,
        "instructions": label.instructions,
    }
    if label.external_id is not None:
        found["external_id"] = label.external_id
    found.update(
        properties=label.properties,
        trainable=label.trainable,
        moon_form=[
            {
                "field_id": hashlib.sha256(f"{label.name}\n{field.name}".encode()).hexdigest()[:16],
                "id": field_type_id(field.kind),
                "field_type_id": field_type_id(field.kind),
                "kind": field.kind,
                "name": field.name,
                "instructions": field.instructions,
            }
            for field in label.moon_form
        ],
        _flags=[],
    )
    return found


def label_defs(fields: DatasetNew) -> list[dict[str, Any]]:
    """The taxonomy, parents first: a child implies its parent label, as on the platform."""
    given = fields.label_defs
    if given is None:
        group = next((g for g in fields.label_groups or [] if g.name == "default"), None)
        given = group.label_defs if group else []
    defs: dict[str, dict[str, Any]] = {}
    for label in given:
        label_parts = parts(label.name)
        for depth in range(1, len(label_parts)):
            parent = LABEL_SEPARATOR.join(label_parts[:depth])
            defs.setdefault(parent, _label_def(LabelDefNew(name=parent)))
        defs[label.name] = _label_def(label)
    return list(defs.values())


def build_dataset(owner: str, name: str, fields: DatasetNew, timezone: str | None) -> dict[str, Any]:
    """The API's Dataset object (reference 2.7). ``_timezone`` is the configured timezone (the
    dataset's own, else its first source's), or ``""`` (the OpenAPI model requires a string):
    dates are then read in the offset of each comment's timestamp."""
    now = timeutil.platform(timeutil.now())
    labels = label_defs(fields)
    return {
        "id": new_id(),
        "owner": owner,
        "name": name,
        "title": fields.title,
        "description": fields.description,
        "created": now,
        "last_modified": now,
        "model_family": fields.model_family,
        "source_ids": list(dict.fromkeys(fields.source_ids)),
        "has_sentiment": fields.has_sentiment,
        "limited_access": False,
        "entity_defs": [
            {
                "id": new_id(),
                "color": index % ENTITY_COLORS,
                "name": entity.name,
                "title": entity.title or entity.name,
                "kind": entity.kind or entity.name,
                "description": entity.description,
                "inherits_from": [],
                "trainable": entity.trainable,
                "_entity_def_flags": ["appears_verbatim"],
                "instructions": "",
            }
            for index, entity in enumerate(fields.entity_defs)
        ],
        "general_fields": fields.general_fields,
        "label_groups": [
            {
                "name": "default",
                "label_defs": labels,
                "label_collection_name": None,
                "trainable": True,
                "hidden": False,
                "instructions": "",
            }
        ],
        "label_defs": labels,
        # OpenAPI ``LabelPropertyId``: the ids of the enabled label properties.
        "_label_properties": [
            PROPERTY_IDS.get(prop, f"{index + 1:016x}") for index, prop in enumerate(fields.label_properties)
        ],
        "_timezone": fields.timezone or timezone or "",
        "_preferred_locales": {"default": "en-GB", "preferences": []},
        "_dataset_flags": ["qos"] if "quality_of_service" in fields.label_properties else [],
        "_model_config": {"kind": "cm"},
    }


def create_dataset(sandbox: Sandbox, owner: str, name: str, fields: DatasetNew) -> dict[str, Any]:
    if not re.match(API_NAME, name):
        raise bad_request(f"dataset name '{name}' must match {API_NAME}")
    sandbox.store.require_project(owner)
    timezone = None
    for source in _sources(sandbox, fields.source_ids):
        timezone = timezone or source.get("_timezone")
    dataset = build_dataset(owner, name, fields, timezone)
    sandbox.store.create_dataset(dataset)
    return dataset


def _sources(sandbox: Sandbox, source_ids: list[str]) -> list[dict[str, Any]]:
    found = []
    for source_id in source_ids:
        source = sandbox.store.get_source_by_id(source_id)
        if source is None:
            raise bad_request(f"dataset.source_ids: source id '{source_id}' does not exist")
        found.append(source)
    return found


def update_dataset(sandbox: Sandbox, dataset: dict[str, Any], fields: DatasetUpdate) -> dict[str, Any]:
    """Title, description and sources change; sentiment is chosen at creation and stays."""
    if fields.has_sentiment is not None and fields.has_sentiment != bool(dataset.get("has_sentiment")):
        raise bad_request(
            f"dataset.has_sentiment: sentiment is chosen when a dataset is created and cannot be changed"
            f" (dataset '{dataset['owner']}/{dataset['name']}' has has_sentiment"
            f" {str(bool(dataset.get('has_sentiment'))).lower()}); create another dataset for the other"
            " choice"
        )
    updated = dict(dataset)
    if fields.source_ids is not None:
        _sources(sandbox, fields.source_ids)
        updated["source_ids"] = list(dict.fromkeys(fields.source_ids))
    if fields.title is not None:
        updated["title"] = fields.title
    if fields.description is not None:
        updated["description"] = fields.description
    updated["last_modified"] = timeutil.platform(timeutil.now())
    sandbox.store.update_dataset(updated)
    return updated


@router.get("/api/v1/datasets", summary="List all datasets")
def list_datasets(sb: SandboxDep) -> Response:
    return ok(datasets=sb.store.list_datasets())


@router.get("/api/v1/datasets/{owner}", summary="List the datasets of a project")
def list_project_datasets(owner: str, sb: SandboxDep) -> Response:
    sb.store.require_project(owner)
    return ok(datasets=sb.store.list_datasets(owner))


@router.get(DATASET, summary="Get a dataset with its label taxonomy (also /api/v1/datasets/id:<dataset_id>)")
def get_dataset(owner: str, dataset: str, sb: SandboxDep) -> Response:
    return ok(dataset=sb.dataset(owner, dataset))


@router.put(DATASET, summary="Create a dataset (409 if it exists)")
def put_dataset(owner: str, dataset: str, body: DatasetRequest, sb: SandboxDep) -> Response:
    return ok(dataset=create_dataset(sb, owner, dataset, body.dataset))


@router.post(DATASET, summary="Update a dataset's title, description or sources")
def post_dataset(owner: str, dataset: str, body: DatasetUpdateRequest, sb: SandboxDep) -> Response:
    return ok(dataset=update_dataset(sb, sb.dataset(owner, dataset), body.dataset))


@router.get(DATASET + "/model-tags", summary="List model tags (live, staging)")
def model_tags(owner: str, dataset: str, sb: SandboxDep) -> Response:
    return ok(model_tags=sb.store.tags(sb.dataset(owner, dataset)["id"]))


@router.post(PRIVATE + "/labellers", summary="List model versions")
def list_labellers(owner: str, dataset: str, sb: SandboxDep) -> Response:
    found = sb.dataset(owner, dataset)
    tags = sb.store.tags(found["id"])
    # OpenAPI ``UserModelMetadata`` (every required member), plus the version's tag names.
    labellers = [
        {
            "version": version,
            "model_id": f"{found['id']}-{version}",
            "model_name": "cm",
            "fingerprint": hashlib.sha256(f"{found['id']}:{version}".encode()).hexdigest()[:16],
            "trained_time": trained_at,
            "training_duration": 0.0,
            "input_updated_at": trained_at,
            "validated": True,
            "pinned": pinned,
            "reviewed_counts": {},
            "used_by_triggers": False,
            "settings": {"starred": False, "description": ""},
            "freshness": "fresh",
            "flags": [],
            "model_tags": [tag["name"] for tag in tags if tag["version"] == version],
        }
        for version, trained_at, pinned in sb.store.list_models(found["id"])
    ]
    return ok(labellers=labellers, model_tags=tags, max_number_pinned_models=100)


@router.get(DATASET + "/labellers/{version}/validation", summary="Validation summary of a pinned version")
def validation_summary(owner: str, dataset: str, version: str, sb: SandboxDep) -> Response:
    found = sb.dataset(owner, dataset)
    model = sb.predictor.require(found, version)
    summary = model.validation
    return ok(
        validation={
            "version": model.version,
            "labels": [{"name": label, "parts": parts(label)} for label in model.labels],
            "entities": [
                {"name": entity["name"], "title": entity["title"]} for entity in found["entity_defs"]
            ],
            "num_reviewed_comments": int(summary.get("train_size", 0)) + int(summary.get("test_size", 0)),
            "num_labels": summary.get("num_labels", len(model.labels)),
            "num_amber_labels": summary.get("num_amber_labels", 0),
            "num_red_labels": summary.get("num_red_labels", 0),
            "mean_average_precision_safe": summary.get("mean_average_precision"),
            "dataset_quality": summary.get("dataset_quality", "none"),
            "dataset_score": summary.get("dataset_score", 0),
            "balance": None,
            "balance_quality": None,
            "coverage": None,
            "coverage_quality": None,
            "underperforming_labels_quality": None,
            "all_labels_quality": None,
        }
    )


@router.get(
    PRIVATE + "/labellers/{version}/validation", summary="Full validation of a pinned version (private)"
)
def validation_full(
    owner: str,
    dataset: str,
    version: str,
    sb: SandboxDep,
    beta: Annotated[bool, Query(description="Accepted; the sandbox has one validation")] = False,
) -> Response:
    found = sb.dataset(owner, dataset)
    model = sb.predictor.require(found, version)
    summary = model.validation
    curve_keys = ("precisions", "recalls", "thresholds")
    # OpenAPI ``ValidationSummary``: the sandbox's numbers where it has them, neutral values else.
    labels = {
        name: {
            **{key: value for key, value in entry.items() if key not in curve_keys},
            "health": {"smart": None},
            "health_rating": entry.get("health"),
        }
        for name, entry in (summary.get("labels") or {}).items()
    }
    train, test = int(summary.get("train_size", 0)), int(summary.get("test_size", 0))
    counters = ["train_entities", "test_entities", "reviewed_entities", "train_documents"]
    counters += ["test_documents", "reviewed_documents"]
    entities: dict[str, Any] = dict.fromkeys((f"num_{name}" for name in counters), 0)
    entities["error_count"] = 0
    return ok(
        entity_defs=found["entity_defs"],
        label_groups=found["label_groups"],
        validation={
            "fingerprint": hashlib.sha256(f"{found['id']}:{model.version}".encode()).hexdigest()[:16],
            "model_kind": "cm",
            "version": model.version,
            "training_time": 0.0,
            "input_updated_at": model.trained_at,
            "trained_time": model.trained_at,
            "entities": {
                **entities,
                "entities_by_def_id": {},
                "precision": 0.0,
                "recall": 0.0,
                "f1_score": 0.0,
            },
            "train_size": train,
            "test_size": test,
            "reviewed_size": train + test,
            "min_comments_threshold": 0,
            "mean_average_precision_safe": summary.get("mean_average_precision"),
            "recalls": [],
            "mean_precision_curve_safe": [],
            "labels": labels,
            "model_rating": {
                "score": summary.get("dataset_score", 0),
                "quality": summary.get("dataset_quality") or "none",
                "needs_refinement": False,
                "factors": [],
                "bins": [],
            },
            "has_uninformative": False,
        },
    )


@router.post(PRIVATE + "/labellers/{version}/label-validation", summary="Precision/recall curve of one label")
def label_validation(
    owner: str,
    dataset: str,
    version: str,
    body: LabelValidationRequest,
    sb: SandboxDep,
    beta: Annotated[bool, Query(description="Accepted; the sandbox has one validation")] = False,
) -> Response:
    found = sb.dataset(owner, dataset)
    model = sb.predictor.require(found, version)
    entry = (model.validation.get("labels") or {}).get(body.label)
    if entry is None:
        raise not_found(f"label '{body.label}' is not in model version {model.version}")
    return ok(label_validation=entry)
