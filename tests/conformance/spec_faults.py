"""Known faults of the official OpenAPI 3.1 specification, and the repaired copy the property-based
run generates requests from.

``reference/specs/oas_robot.openapi.json`` is the "Communications Mining – OpenAPI 3.1"
specification as rebuilt from the client generated from it (repository reinfer/cli, branch
``edward/rust-client``, commit c90f81a; see ``reference/specs/README.md``). Its README says
what the generator lost: formats, minimum/maximum and "no extra fields" rules. Every repair
below puts back one documented rule, and names where the rule is documented; nothing else is
changed. A failure of the sandbox against the *unrepaired* rule is therefore a fault of the
specification, listed here, not of the sandbox.

Operations whose bodies carry values only a tenant can know (opaque sequence ids, existing
label names and pinned versions in a stream definition, existing comment uids) are listed in
:data:`TENANT_VALUES`: random schema-valid values are refused there by any real server, so
"schema-valid request accepted" is not checked for them (every other check is).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).parent / "reference"
SPEC_PATH = REFERENCE / "specs" / "oas_robot.openapi.json"

Schema = dict[str, Any]


@dataclass(frozen=True)
class SpecFault:
    """One rule the specification lost, where it is documented, and how the copy is repaired."""

    name: str
    documented_by: str
    repair: Callable[[Schema], None]


def _schemas(spec: Schema) -> dict[str, Schema]:
    found: dict[str, Schema] = spec["components"]["schemas"]
    return found


def _prop(schema_name: str, *path: str) -> Callable[[Schema], Schema]:
    def get(spec: Schema) -> Schema:
        node = _schemas(spec)[schema_name]
        for key in path:
            node = node["properties"][key]
        return node

    return get


def _update(getter: Callable[[Schema], Schema], **rule: Any) -> Callable[[Schema], None]:
    def repair(spec: Schema) -> None:
        getter(spec).update(rule)

    return repair


def _require(schema_name: str, *names: str) -> Callable[[Schema], None]:
    def repair(spec: Schema) -> None:
        schema = _schemas(spec)[schema_name]
        schema["required"] = sorted({*schema.get("required", []), *names})

    return repair


def _query(path: str, method: str, name: str, **rule: Any) -> Callable[[Schema], None]:
    def repair(spec: Schema) -> None:
        for parameter in spec["paths"][path][method]["parameters"]:
            if parameter["name"] == name:
                parameter["schema"].update(rule)

    return repair


def _each(*repairs: Callable[[Schema], None]) -> Callable[[Schema], None]:
    def repair(spec: Schema) -> None:
        for one in repairs:
            one(spec)

    return repair


def _replace(schema_name: str, schema: Schema) -> Callable[[Schema], None]:
    def repair(spec: Schema) -> None:
        _schemas(spec)[schema_name] = schema

    return repair


def _request_schema_names(spec: Schema) -> set[str]:
    """Every component schema reachable from a request body."""
    seen: set[str] = set()
    for operations in spec["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                _walk_refs(spec, operation["requestBody"], seen)
    return seen


def _walk_refs(spec: Schema, node: Any, seen: set[str]) -> None:
    """Add to ``seen`` every component schema ``node`` refers to, directly or through others."""
    if isinstance(node, list):
        for value in node:
            _walk_refs(spec, value, seen)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        name = ref.rsplit("/", 1)[1]
        if name not in seen:
            seen.add(name)
            _walk_refs(spec, _schemas(spec)[name], seen)
    for value in node.values():
        _walk_refs(spec, value, seen)


def _close_request_objects(spec: Schema) -> None:
    for name in _request_schema_names(spec):
        schema = _schemas(spec)[name]
        if (
            schema.get("type") == "object"
            and schema.get("properties")
            and "additionalProperties" not in schema
        ):
            schema["additionalProperties"] = False


UNIT_INTERVAL = {"type": "number", "minimum": 0, "maximum": 1}
DATE_TIME = {"type": "string", "format": "date-time"}
FETCH_SIZE = {"minimum": 1, "maximum": 1024}
API_NAME = {"pattern": r"^[A-Za-z0-9_-]{1,256}$"}
COMMENT_ID = {"pattern": r"^[A-Za-z0-9_.:@-]{1,256}$"}
RESULTS = "/api/v1/datasets/{owner}/{dataset_name}/streams/{stream_name}/results"
PREVIEW_RESULTS = "/api/preview/datasets/{owner}/{dataset_name}/streams/{stream_name}/results"
GUIDE = "UiPath Communications Mining developer guide"
PA_SWAGGER = "Power Automate connector swagger (reference/specs/pa_robot.swagger.json)"

FAULTS: tuple[SpecFault, ...] = (
    SpecFault(
        "request objects allow any extra key",
        f"{PA_SWAGGER}: additionalProperties false; specs/README.md: the generator drops it",
        _close_request_objects,
    ),
    SpecFault(
        "`threshold` is an empty object",
        f'{GUIDE}, predictions: a number 0..1 or the string "auto"',
        _each(
            *(
                _replace(name, {"anyOf": [UNIT_INTERVAL, {"const": "auto"}]})
                for name in ("Threshold", "Threshold1")
            )
        ),
    ),
    SpecFault(
        "per-label `threshold` has no range",
        f"{GUIDE}, create a stream / predictions: a confidence 0..1",
        _update(_prop("TriggerLabelThreshold", "threshold"), minimum=0, maximum=1),
    ),
    SpecFault(
        "fetch `size` / `max_filtered` unbounded",
        f"{GUIDE}, fetch comments from a stream: 1..1024",
        _each(
            *(
                _update(_prop(name, key), **FETCH_SIZE)
                for name in ("FetchFromStreamRequest", "PollTriggerRequest")
                for key in ("size", "max_filtered")
            )
        ),
    ),
    SpecFault(
        "`/results` `max_results` / `max_filtered` unbounded",
        f"{GUIDE}, get comments from a stream: 1..1024",
        _each(
            *(
                _query(path, "get", name, **FETCH_SIZE)
                for path in (RESULTS, PREVIEW_RESULTS)
                for name in ("max_results", "max_filtered")
            )
        ),
    ),
    SpecFault(
        "timestamps are plain strings",
        f"{GUIDE}, comment reference and reset a stream: RFC 3339 date-times",
        _each(
            *(
                _update(getter, **DATE_TIME)
                for getter in (
                    _prop("ResetStreamRequest", "to_comment_created_at"),
                    _prop("ResetTriggerRequest", "to_comment_created_at"),
                    _prop("CommentNew", "timestamp"),
                    _prop("PredictDocument", "timestamp"),
                    _prop("Message", "sent_at"),
                    _prop("TimestampRangeFilter", "minimum"),
                    _prop("TimestampRangeFilter", "maximum"),
                )
            )
        ),
    ),
    SpecFault(
        "stream `name` optional and free-form on create",
        f"{GUIDE}, create a stream: name required, an API name",
        _each(_require("TriggerNew", "name"), _update(_prop("TriggerNew", "name"), **API_NAME)),
    ),
    SpecFault(
        "stream `name` free-form on update",
        f"{GUIDE}, create a stream: an API name",
        _update(_prop("TriggerUpdate", "name"), **API_NAME),
    ),
    SpecFault(
        "comment `id` free-form",
        f"{GUIDE}, comment reference: printable characters without '/' or spaces",
        _update(_prop("CommentNew", "id"), **COMMENT_ID),
    ),
    SpecFault(
        "`user_properties` keys free-form, booleans allowed",
        f"{GUIDE}, comment reference: keys `string:<name>` with a string or `number:<name>` with a number",
        _update(
            _prop("CommentNew", "user_properties"),
            propertyNames={"pattern": "^string:.+$"},
            additionalProperties={"type": "string"},
        ),
    ),
    SpecFault(
        "`user_properties` of predict documents untyped",
        f"{GUIDE}, predictions: the comment reference's user properties",
        _update(
            _prop("PredictDocument", "user_properties"),
            type="object",
            propertyNames={"pattern": "^string:.+$"},
            additionalProperties={"type": "string"},
        ),
    ),
    SpecFault(
        "raw-email `user_properties` keys free-form",
        f"{GUIDE}, comment reference: keys `string:<name>`",
        _update(_prop("RawEmailDocument", "user_properties"), propertyNames={"pattern": "^string:.+$"}),
    ),
    SpecFault(
        "raw-email `comment_id` free-form",
        f"{GUIDE}, comment reference: printable characters without '/' or spaces",
        _update(_prop("RawEmailDocument", "comment_id"), **COMMENT_ID),
    ),
    SpecFault(
        "raw-email parsed header values are empty objects",
        f"{GUIDE}, predict raw emails: header name to a string (or a list of strings)",
        _replace(
            "ParsedValue", {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
        ),
    ),
    SpecFault(
        "attachment `size` may be negative",
        f"{GUIDE}, comment reference: a size in bytes",
        _update(_prop("Attachment", "size"), minimum=0),
    ),
    SpecFault(
        "label name in label validation may be empty",
        f"{GUIDE}: label names are non-empty",
        _update(_prop("GetLabelValidationRequest", "label"), minLength=1, pattern=r"^[^>]*\S[^>]*$"),
    ),
)

EXCEPTIONS = "/api/v1/datasets/{{owner}}/{{dataset_name}}/{kind}/{{{noun}_name}}/exceptions"


def _add_uid_parameter(spec: Schema) -> None:
    for kind, noun in (("streams", "stream"), ("triggers", "trigger")):
        operation = spec["paths"][EXCEPTIONS.format(kind=kind, noun=noun)]["delete"]
        operation["parameters"].append(
            {
                "name": "uid",
                "in": "query",
                "required": True,
                "schema": {"type": "array", "items": {"type": "string", "minLength": 1}, "minItems": 1},
                "style": "form",
                "explode": True,
            }
        )


def _headers_raw_or_parsed(spec: Schema) -> None:
    headers = _schemas(spec)["Headers"]
    headers.pop("required", None)
    headers["anyOf"] = [{"required": ["raw"]}, {"required": ["parsed"]}]


FAULTS += (
    SpecFault(
        "raw-email headers need both `raw` and `parsed`",
        f"{GUIDE}, predict raw emails: headers as `raw` (one per line) or `parsed` (name to value)",
        _headers_raw_or_parsed,
    ),
    SpecFault(
        "untagging exceptions has no `uid` query parameter",
        f"{GUIDE}, tag an exception (untag: DELETE with `?uid=<comment uid>`, repeatable)",
        _add_uid_parameter,
    ),
)

TENANT_VALUES: dict[str, str] = {
    "advance_stream": "sequence_id is an opaque id the server issued",
    "advance_trigger": "sequence_id is an opaque id the server issued",
    "create_stream": "model.version must be a pinned version and label names labels of the dataset",
    "create_trigger": "model.version must be a pinned version and label names labels of the dataset",
    "update_stream": "model.version must be a pinned version and label names labels of the dataset",
    "update_trigger": "model.version must be a pinned version and label names labels of the dataset",
    "store_exception": "uid must be an existing comment uid",
    "store_trigger_exception": "uid must be an existing comment uid",
    "get_label_validation": "the label (and any `moon` intent) must exist in the model version",
    "get_comment_predictions": "every uid must be an existing comment uid",
}
"""operationId -> why random schema-valid bodies are refused by any real server."""

TENANT_FIELDS: dict[str, tuple[str, str]] = {
    "predict": ("labels", "label filters must name labels of the model version"),
    "predict_raw_emails": ("labels", "label filters must name labels of the model version"),
}
"""operationId -> (body key, why): the key is removed from generated bodies, the rest is checked."""


def load_spec() -> Schema:
    spec: Schema = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    return spec


def repaired_spec() -> Schema:
    """The specification with every :data:`FAULTS` repair applied (a deep copy)."""
    spec = copy.deepcopy(load_spec())
    for fault in FAULTS:
        fault.repair(spec)
    return spec
