"""Request bodies the sandbox accepts, as pydantic models (FastAPI validates and documents them).

These are the sandbox's own models of the API (it never imports ``ReinferLibrary.models``).
Top-level request objects forbid unknown keys, as the Power Automate schema does
(``additionalProperties: false``); comment and message contents ignore unknown keys so a
comment read from the API can be uploaded again. Validation failures become ``400``
envelopes whose message names the field path, e.g. ``comments[3].messages[0].body.text:
Field required`` (see :func:`describe_errors`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    PrivateAttr,
    model_validator,
)

from . import timeutil

API_NAME = r"^[A-Za-z0-9_-]{1,256}$"
PROJECT_NAME = r"^[A-Za-z0-9._-]{1,1024}$"
# Printable ASCII without "/" or space, plus word characters; length is checked separately
# (a {1,1024} repeat of a Unicode class overflows pydantic-core's regex size limit).
COMMENT_ID = r"^[\w\x21-\x2e\x3a-\x40\x5b-\x60\x7b-\x7e]+$"
LABEL_SEPARATOR = " > "


def _user_time(value: str) -> str:
    return timeutil.user(timeutil.parse(value))


def label_name(value: Any) -> str:
    """``["A", "B"]`` and ``"A > B"`` are the same label; the string form is canonical here."""
    if isinstance(value, str):
        parts = value.split(">")
    elif isinstance(value, Sequence) and all(isinstance(part, str) for part in value):
        parts = list(value)
    else:
        raise ValueError('a label name is a string "Parent > Child" or a list of parts ["Parent", "Child"]')
    cleaned = [part.strip() for part in parts]
    if not cleaned or any(not part for part in cleaned):
        raise ValueError(f"label name {value!r} has an empty part")
    return LABEL_SEPARATOR.join(cleaned)


Timestamp = Annotated[str, AfterValidator(_user_time)]
LabelName = Annotated[str, BeforeValidator(label_name)]


class Forbid(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


# --- comments ---------------------------------------------------------------------------


class MessageText(Lenient):
    text: str = Field(max_length=65536)
    translated_from: str | None = None


class MessageNew(Lenient):
    body: MessageText
    subject: MessageText | None = None
    signature: MessageText | None = None
    # No minimum length: the OpenAPI 3.1 Message allows empty addresses.
    from_: str | None = Field(default=None, alias="from", max_length=512)
    to: list[Annotated[str, Field(max_length=512)]] | None = None
    cc: list[Annotated[str, Field(max_length=512)]] | None = None
    bcc: list[Annotated[str, Field(max_length=512)]] | None = None
    sent_at: Timestamp | None = None
    language: str | None = Field(default=None, max_length=8)


class AttachmentNew(Lenient):
    name: str
    size: int = Field(ge=0)
    content_type: str
    content_hash: str | None = None
    inline: bool | None = None
    attachment_reference: str | None = None


def _check_user_properties(value: dict[str, Any]) -> dict[str, Any]:
    for key, item in value.items():
        kind, _, name = key.partition(":")
        if not name or kind not in ("string", "number"):
            raise ValueError(f"key '{key}' must look like 'string:<Name>' or 'number:<Name>'")
        if kind == "string" and not isinstance(item, str):
            raise ValueError(f"'{key}' must be a string")
        if kind == "number" and (isinstance(item, bool) or not isinstance(item, int | float)):
            raise ValueError(f"'{key}' must be a number")
    return value


UserProperties = Annotated[dict[str, Any], AfterValidator(_check_user_properties)]


class WrittenTimestamp(Lenient):
    """A model whose ``timestamp`` is stored and served normalised to UTC (``...Z``), while
    :attr:`written_timestamp` keeps it as the client wrote it: its UTC offset is the comment's
    own timezone, which reading "tomorrow at 4pm" needs."""

    _written_timestamp: str | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _keep_written_timestamp(cls, data: Any, handler: ModelWrapValidatorHandler[Any]) -> Any:
        model = handler(data)
        if isinstance(data, WrittenTimestamp):
            model._written_timestamp = data._written_timestamp
        elif isinstance(data, dict) and isinstance(data.get("timestamp"), str):
            model._written_timestamp = data["timestamp"].strip()
        return model

    @property
    def written_timestamp(self) -> str | None:
        """The timestamp as sent (validated), or None when there was none."""
        return self._written_timestamp


class CommentNew(WrittenTimestamp):
    """A comment to upload (``CommentNew``); server fields such as ``uid`` are ignored."""

    id: str = Field(pattern=COMMENT_ID, max_length=1024)
    timestamp: Timestamp | None = None
    """Optional (OpenAPI 3.1 ``CommentNew``): a comment without one is stamped with the upload time."""
    messages: list[MessageNew] = Field(default_factory=list, max_length=2048)
    thread_id: str | None = None
    user_properties: UserProperties = Field(default_factory=dict)
    text_format: Literal["plain", "markdown"] | None = None
    attachments: list[AttachmentNew] = Field(default_factory=list)


class SyncRequest(Forbid):
    comments: list[CommentNew] = Field(max_length=16384)


# --- projects, sources, datasets ----------------------------------------------------------


class ProjectNew(Lenient):
    title: str = ""
    description: str = ""


class ProjectRequest(Forbid):
    project: ProjectNew = Field(default_factory=ProjectNew)


class SourceNew(Lenient):
    title: str = Field(default="", max_length=1024)
    description: str = ""
    language: str = "en"
    should_translate: bool = False
    sensitive_properties: list[str] = Field(default_factory=list)
    kind: str = Field(default="unknown", alias="_kind")
    bucket_id: str | None = None
    email_transform_tag: str | None = None
    timezone: str | None = Field(default=None, alias="_timezone")


class SourceRequest(Forbid):
    source: SourceNew = Field(default_factory=SourceNew)


class LabelFieldNew(Lenient):
    """An extraction field of a label (``moon_form`` entry): filled from entities of ``kind``."""

    name: str = Field(min_length=1, max_length=256)
    kind: str = Field(min_length=1, max_length=64)
    instructions: str = ""


class LabelDefNew(Lenient):
    name: LabelName
    title: str = ""
    description: str = ""
    instructions: str = ""
    external_id: str | None = None
    properties: list[dict[str, Any]] = Field(default_factory=list)
    trainable: bool = True
    moon_form: list[LabelFieldNew] = Field(default_factory=list)


class LabelGroupNew(Lenient):
    name: str = "default"
    label_defs: list[LabelDefNew] = Field(default_factory=list)


class EntityDefNew(Lenient):
    name: str = Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")
    title: str = ""
    kind: str | None = None
    description: str = ""
    trainable: bool = False


class DatasetNew(Lenient):
    source_ids: list[str] = Field(default_factory=list)
    title: str = ""
    description: str = ""
    has_sentiment: bool = False
    label_defs: list[LabelDefNew] | None = None
    label_groups: list[LabelGroupNew] | None = None
    entity_defs: list[EntityDefNew] = Field(default_factory=list)
    general_fields: list[dict[str, Any]] = Field(default_factory=list)
    model_family: str = "english"
    label_properties: list[str] = Field(
        default_factory=lambda: ["tone", "quality_of_service"], alias="_label_properties"
    )
    timezone: str | None = Field(default=None, alias="_timezone")


class DatasetRequest(Forbid):
    dataset: DatasetNew = Field(default_factory=DatasetNew)


class DatasetUpdate(Forbid):
    """What ``POST /api/v1/datasets/{owner}/{dataset}`` changes (the official CLI's ``UpdateDataset``);
    ``has_sentiment`` is accepted only with the value the dataset was created with."""

    source_ids: list[str] | None = None
    title: str | None = None
    description: str | None = None
    has_sentiment: bool | None = None


class DatasetUpdateRequest(Forbid):
    dataset: DatasetUpdate


# --- streams ------------------------------------------------------------------------------


class ValueFilter(Forbid):
    one_of: list[str | float] | None = None
    not_one_of: list[str | float] | None = None
    domain_not_one_of: list[str] | None = None
    minimum: float | None = None
    maximum: float | None = None


class TimeRange(Forbid):
    minimum: Timestamp | None = None
    maximum: Timestamp | None = None


class ParticipantFilter(Forbid):
    """``organisation_*`` (OpenAPI ``FullParticipantFilter``) are accepted and stored, not applied."""

    one_of: list[str] | None = None
    not_one_of: list[str] | None = None
    domain_one_of: list[str] | None = None
    domain_not_one_of: list[str] | None = None
    organisation_one_of: list[str] | None = None
    organisation_not_one_of: list[str] | None = None


class AddressFilter(Forbid):
    one_of: list[str] | None = None
    not_one_of: list[str] | None = None
    include_missing: bool | None = None


class MessagesFilter(Forbid):
    from_: ParticipantFilter | None = Field(default=None, alias="from")
    recipient: ParticipantFilter | None = None
    to: AddressFilter | None = None
    cc: AddressFilter | None = None
    bcc: AddressFilter | None = None


class StringsFilter(Forbid):
    one_of: list[str] | None = None
    not_one_of: list[str] | None = None


class NullableStringsFilter(Forbid):
    one_of: list[str | None] | None = None
    not_one_of: list[str | None] | None = None
    include_missing: bool | None = None


class NumberRange(Forbid):
    minimum: float | None = None
    maximum: float | None = None


class EntityPresence(Forbid):
    id: str
    rule: str
    kind: str


class EntitiesFilter(Forbid):
    presence: list[EntityPresence] | None = None


class ThreadPropertiesFilter(Forbid):
    id: StringsFilter | None = None
    thread_position: NumberRange | None = None
    num_messages: NumberRange | None = None
    num_participants: NumberRange | None = None
    duration: NumberRange | None = None
    response_time: NumberRange | None = None
    all_senders: StringsFilter | None = None
    all_recipients: StringsFilter | None = None
    first_sender: StringsFilter | None = None
    first_recipients: StringsFilter | None = None


class AnnotationsFilter(Forbid):
    labels: StringsFilter | None = None


class CommentFilter(Forbid):
    """The API's ``CommentFilter`` (OpenAPI 3.1 model). ``reviewed``, ``timestamp``, ``sources``,
    ``user_properties`` and ``messages`` are evaluated; ``entities``, ``thread_properties``,
    ``trigger_exceptions`` and ``annotations`` are accepted and stored with their documented
    shapes but not applied (see docs/sandbox-differences.md). Unknown keys are refused."""

    reviewed: Literal["only_reviewed", "only_unreviewed"] | None = None
    timestamp: TimeRange | None = None
    sources: list[str] | None = Field(default=None, min_length=1, max_length=128)
    user_properties: dict[str, ValueFilter] | None = None
    messages: MessagesFilter | None = None
    entities: EntitiesFilter | None = None
    thread_properties: ThreadPropertiesFilter | None = None
    trigger_exceptions: dict[str, NullableStringsFilter] | None = None
    annotations: AnnotationsFilter | None = None


class LabelThreshold(Forbid):
    name: LabelName
    threshold: float | None = Field(default=None, ge=0.0, le=1.0)


class StreamModel(Forbid):
    version: int = Field(ge=0)
    label_thresholds: list[LabelThreshold] = Field(default_factory=list, max_length=4096)


class StreamNew(Forbid):
    name: str = Field(pattern=API_NAME)
    title: str = Field(default="", max_length=128)
    description: str = Field(default="", max_length=16384)
    comment_filter: CommentFilter | None = None
    model: StreamModel | None = None


class StreamUpdate(Forbid):
    """Fields to change; ``"model": null`` clears the model (absent keeps it)."""

    name: str | None = Field(default=None, pattern=API_NAME)
    title: str | None = Field(default=None, max_length=128)
    description: str | None = Field(default=None, max_length=16384)
    comment_filter: CommentFilter | None = None
    model: StreamModel | None = None


class StreamRequest(Forbid):
    stream: StreamNew


class TriggerRequest(Forbid):
    trigger: StreamNew


class StreamUpdateRequest(Forbid):
    stream: StreamUpdate


class TriggerUpdateRequest(Forbid):
    trigger: StreamUpdate


class FetchRequest(Forbid):
    size: int = Field(ge=1, le=1024, description="How many matching comments to return.")
    max_filtered: int | None = Field(
        default=None,
        ge=1,
        le=1024,
        description="How many comments failing the stream's filter may be skipped (default 16).",
    )


class AdvanceRequest(Forbid):
    """``{"sequence_id": ...}`` only: the API's advance model has no other field, so a ``/results``
    continuation is sent under ``sequence_id`` (OpenAPI ``AdvanceStreamRequest``)."""

    sequence_id: str = Field(min_length=1)

    @property
    def token(self) -> str:
        return self.sequence_id


class ResetRequest(Forbid):
    to_comment_created_at: Timestamp


class ExceptionMetadata(Lenient):
    type: str = Field(min_length=1, max_length=1024)


class StreamException(Forbid):
    metadata: ExceptionMetadata
    uid: str = Field(min_length=3)


class ExceptionsRequest(Forbid):
    exceptions: list[StreamException] = Field(min_length=1, max_length=4096)


# --- predictions --------------------------------------------------------------------------


def _threshold(value: Any) -> float | str:
    if value == "auto":
        return "auto"
    if isinstance(value, int | float) and not isinstance(value, bool) and 0.0 <= value <= 1.0:
        return float(value)
    raise ValueError('must be a number between 0 and 1 or the string "auto"')


Threshold = Annotated[float | str, BeforeValidator(_threshold)]


class PredictLabel(Forbid):
    """A label to keep; its own ``threshold`` is a number (``TriggerLabelThreshold``): ``"auto"``
    exists only as the request-wide threshold."""

    name: LabelName
    threshold: float | None = Field(default=None, ge=0.0, le=1.0, strict=True)


class DocumentNew(WrittenTimestamp):
    messages: list[MessageNew] = Field(max_length=2048)
    timestamp: Timestamp | None = None
    user_properties: UserProperties = Field(default_factory=dict)
    text_format: Literal["plain", "markdown"] | None = None


class PredictOptions(Forbid):
    threshold: Threshold | None = Field(default=None, description='0..1 or "auto"; default 0.25.')
    labels: list[PredictLabel] | None = Field(default=None, max_length=4096)


class PredictRequest(PredictOptions):
    documents: list[DocumentNew] = Field(max_length=4096)
    include_comments: bool = Field(default=False, alias="_include_comments")


class PredictCommentsRequest(PredictOptions):
    uids: list[str] = Field(min_length=1, max_length=4096)


RAW_EMAIL_MAX_CHARS = 1_048_576
"""Longest raw header block or body part taken (1 MiB of text; the real limit is not published)."""


class RawHeaders(Forbid):
    """``headers``: ``raw`` (one header per line) and/or ``parsed``; no nulls, no unknown keys."""

    raw: str = Field(default="", max_length=RAW_EMAIL_MAX_CHARS)
    parsed: dict[str, str | list[str]] = Field(default_factory=dict)


class RawBody(Forbid):
    plain: str = Field(default="", max_length=RAW_EMAIL_MAX_CHARS)
    html: str = Field(default="", max_length=RAW_EMAIL_MAX_CHARS)


class RawAttachment(Forbid):
    """OpenAPI ``Attachment``: every documented member, nothing else."""

    name: str = Field(max_length=1024)
    size: int = Field(ge=0)
    content_type: str = Field(max_length=256)
    content_hash: str = Field(default="", max_length=256)
    inline: bool = False
    attachment_reference: str = Field(default="", max_length=1024)


class RawEmail(Forbid):
    headers: RawHeaders
    body: RawBody
    attachments: list[RawAttachment] = Field(default_factory=list, max_length=1024)


class RawEmailDocument(Forbid):
    raw_email: RawEmail
    user_properties: UserProperties = Field(default_factory=dict)
    comment_id: str = Field(default="", pattern=f"{COMMENT_ID}|^$", max_length=1024)


class PredictRawEmailsRequest(PredictOptions):
    documents: list[RawEmailDocument] = Field(max_length=4096)
    include_comments: bool = False
    transform_tag: str = Field(default="", max_length=256)


class LabelValidationRequest(Forbid):
    label: LabelName


# --- sandbox administration ---------------------------------------------------------------

ModelTagName = Literal["live", "staging"]


class TrainRequest(Forbid):
    tags: list[ModelTagName] = Field(default_factory=list)
    seed: int = 0


class ModelTagRequest(Forbid):
    name: ModelTagName
    version: int = Field(ge=0)


class FaultsRequest(Forbid):
    spec: str = Field(default="", description="Fault spec, see the faults module; empty switches faults off.")


class AssignedLabel(Forbid):
    """An assigned label as the platform's annotations write it (``labelling[].assigned[]``).

    ``sentiment`` is accepted as the API's annotations carry it; the sandbox does not learn
    from it (its sentiment comes from the tone lexicon, see ``nlp.sentiment``)."""

    name: LabelName
    sentiment: Literal["positive", "negative"] | None = None


class Labelling(Forbid):
    uid: str
    labels: list[LabelName | AssignedLabel]

    @property
    def names(self) -> list[str]:
        return [label if isinstance(label, str) else label.name for label in self.labels]


class LabellingsRequest(Forbid):
    labellings: list[Labelling] = Field(min_length=1)


# --- error messages -----------------------------------------------------------------------


_UNION_TAGS = frozenset({"str", "int", "float", "bool", "none", "dict", "list"})


def field_path(loc: Sequence[int | str]) -> str:
    """``("body", "comments", 3, "id")`` -> ``comments[3].id``; the query/path prefix is dropped."""
    parts = list(loc)
    if parts and parts[0] in ("body", "query", "path", "header"):
        parts = parts[1:]
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part in _UNION_TAGS or "[" in str(part):
            # pydantic adds the union member it tried ("str", "literal['auto']") to the location.
            continue
        else:
            text += f".{part}" if text else str(part)
    return text or "body"


PATTERN_HELP = {
    COMMENT_ID: "must be printable characters without '/' or spaces",
    API_NAME: "must be 1 to 256 letters, digits, '-' or '_'",
    PROJECT_NAME: "must be letters, digits, '.', '-' or '_'",
}


def _json_error(error: Any, body: str | None) -> str:
    """``request body is not valid JSON (line 1 column 2: Expecting ...)``; FastAPI gives the
    character offset of the problem as the second part of the error location."""
    reason = str((error.get("ctx") or {}).get("error") or error.get("msg") or "invalid")
    loc = tuple(error.get("loc", ()))
    position = loc[1] if len(loc) > 1 and isinstance(loc[1], int) else None
    if position is None:
        where = ""
    elif body is None:
        where = f"character {position + 1}: "
    else:
        line = body.count("\n", 0, position) + 1
        column = position - body.rfind("\n", 0, position)
        where = f"line {line} column {column}: "
    return f"request body is not valid JSON ({where}{reason})"


def describe_errors(errors: Sequence[Any], limit: int = 5, body: str | None = None) -> str:
    """One line naming each failing field and what is wrong with it.

    ``body`` (the request body as text) lets a JSON syntax error say its line and column.
    """
    seen: list[str] = []
    for error in errors:
        kind = error.get("type", "")
        message = str(error.get("msg", "invalid"))
        if kind == "json_invalid":
            line = _json_error(error, body)
            if line not in seen:
                seen.append(line)
            continue
        if kind == "extra_forbidden":
            message = "unknown or unsupported field"
        elif kind == "string_pattern_mismatch":
            pattern = (error.get("ctx") or {}).get("pattern", "")
            message = f"{error.get('input')!r} {PATTERN_HELP.get(pattern, f'does not match {pattern}')}"
        elif kind in ("model_attributes_type", "dict_type") and tuple(error.get("loc", ())) == ("body",):
            message = "a JSON object is required (send Content-Type: application/json)"
        elif kind == "missing" and tuple(error.get("loc", ())) == ("body",):
            message = "a JSON request body is required"
        message = message.removeprefix("Value error, ")
        line = f"{field_path(error.get('loc', ()))}: {message}"
        if line not in seen:
            seen.append(line)
    extra = f" (and {len(seen) - limit} more)" if len(seen) > limit else ""
    return "; ".join(seen[:limit]) + extra
