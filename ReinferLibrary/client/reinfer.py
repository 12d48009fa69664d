"""The typed Re:infer client the keywords call: one method per API operation.

Methods take robot-friendly arguments (``"owner/name"`` datasets, plain stream names,
tuples) and return the models of :mod:`ReinferLibrary.models`. Whether a method's call
is retried is looked up in :data:`~ReinferLibrary.client.transport.RETRY_POLICY`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Any, Literal, TypeVar

from pydantic import ValidationError

from ..errors import NotFoundError, ReinferConfigurationError
from ..models.base import RequestModel, validation_problems
from ..models.comments import Comment
from ..models.datasets import Dataset, SyncResult
from ..models.items import Batch, BatchData, Item, batch_from_results, sort_labels
from ..models.moments import iso_utc, parse_moment
from ..models.names import label_name
from ..models.predict_api import (
    PredictCommentsRequest,
    PredictRawEmailsRequest,
    PredictRequest,
    items_from_predict,
    items_from_predict_comments,
    label_filters,
)
from ..models.streams import (
    AdvanceRequest,
    FetchRequest,
    ResetRequest,
    ResetResult,
    ResultsQuery,
    Stream,
    StreamNew,
    TagExceptionsRequest,
    UntagExceptionsQuery,
)
from ..models.validation import FullValidation, LabelValidation, ModelTag, ValidationSummary
from .envelopes import (
    CommentEnvelope,
    DatasetEnvelope,
    Envelope,
    FetchDataEnvelope,
    FetchEnvelope,
    FullValidationEnvelope,
    LabelValidationEnvelope,
    ModelTagsEnvelope,
    PredictCommentsEnvelope,
    PredictEnvelope,
    PredictRawEmailsEnvelope,
    ResetEnvelope,
    ResultsEnvelope,
    StreamEnvelope,
    StreamListEnvelope,
    SyncEnvelope,
    ValidationEnvelope,
)
from .routes import API, PREVIEW_API, PredictKind, Routes, plain_name
from .settings import CallRecord, ConnectionSettings
from .transport import RETRY_POLICY, Params, Transport, bearer

Threshold = float | Literal["auto"] | None
LabelSpec = Sequence[tuple[str, float | None]] | None
P = TypeVar("P", bound=Envelope)
R = TypeVar("R", bound=RequestModel)
B = TypeVar("B", Batch, BatchData)


def _dumps(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def _json_default(value: Any) -> Any:
    # Robot data often carries datetimes and non-dict mappings; the API wants plain JSON.
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} value {value!r} is not JSON")


def _request(model: type[R], what: str, **fields: Any) -> R:
    """A strictly validated request; bad input fails here, before the call, in one line."""
    try:
        return model(**fields)
    except (ValidationError, ValueError) as exc:
        raise ReinferConfigurationError(f"Invalid {what}: {_validation_summary(exc)}.") from exc


def _request_json(model: type[RequestModel], what: str, **fields: Any) -> str:
    """Validate a request body strictly and serialise it once."""
    return _request(model, what, **fields).model_dump_json(exclude_none=True)


def _validation_summary(exc: Exception) -> str:
    if not isinstance(exc, ValidationError):
        return " ".join(str(exc).split())
    return validation_problems(exc, inputs=True)


def _mappings(values: Sequence[Mapping[str, Any]], what: str) -> list[dict[str, Any]]:
    """Plain dicts from robot mappings (DotDict and friends); anything else is a usage error."""
    if isinstance(values, (str, bytes, Mapping)):
        raise ReinferConfigurationError(
            f"Expected a list of {what}s (dictionaries), got one {type(values).__name__}."
        )
    result = []
    for index, value in enumerate(values):
        if not isinstance(value, Mapping):
            raise ReinferConfigurationError(
                f"{what.capitalize()} {index} must be a dictionary, got {type(value).__name__} {value!r:.60}."
            )
        result.append(dict(value))
    return result


def _end_of_stream(batch: Batch | BatchData, size: int) -> bool:
    """``is_end_sequence`` for an answer that lacks it (older ``/triggers`` tenants).

    Fewer results than asked for with nothing filtered means the stream had no more to
    give; a batch cut short by ``max_filtered`` (``filtered`` > 0) is not the end.
    """
    return batch.filtered == 0 and len(batch.results) < size


class ReinferClient:
    """A client for one tenant and token. Not tied to Robot Framework; usable in plain Python.

    ``on_call`` receives a :class:`CallRecord` after every HTTP attempt (for logging).
    """

    def __init__(
        self, settings: ConnectionSettings, on_call: Callable[[CallRecord], None] | None = None
    ) -> None:
        self.settings = settings
        self.predicted = 0
        """Comments this client sent for prediction and got an answer for (each costs an AI unit)."""
        self.routes = Routes(settings.legacy_triggers)
        self.results_prefix: str | None = None
        """Where ``/results`` lives on this tenant (``/api/v1`` or ``/api/preview``), once known."""
        self.transport = Transport(settings, on_call, auth=bearer(settings.token), secrets=(settings.token,))

    # --- lifecycle and hooks ---------------------------------------------------------

    def close(self) -> None:
        """Close the HTTP session (its pooled connections)."""
        self.transport.close()

    def __enter__(self) -> ReinferClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    @property
    def on_call(self) -> Callable[[CallRecord], None] | None:
        return self.transport.on_call

    @on_call.setter
    def on_call(self, hook: Callable[[CallRecord], None] | None) -> None:
        self.transport.on_call = hook

    @property
    def sleep(self) -> Callable[[float], None]:
        """How the client waits between retries (replace it in tests)."""
        return self.transport.sleep

    @sleep.setter
    def sleep(self, sleeper: Callable[[float], None]) -> None:
        self.transport.sleep = sleeper

    # --- streams ---------------------------------------------------------------------

    def list_streams(self, dataset: str) -> list[Stream]:
        path = self.routes.streams(dataset)
        return self.transport.request(
            "GET", path, StreamListEnvelope, retry=RETRY_POLICY["list_streams"]
        ).streams

    def get_stream(self, dataset: str, stream: str) -> Stream:
        path = self.routes.stream(dataset, stream)
        return self.transport.request("GET", path, StreamEnvelope, retry=RETRY_POLICY["get_stream"]).stream

    def create_stream(self, dataset: str, stream: StreamNew) -> Stream:
        path = self.routes.streams(dataset)
        body = self._stream_body(stream)
        return self.transport.request(
            "PUT", path, StreamEnvelope, retry=RETRY_POLICY["create_stream"], body=body
        ).stream

    def update_stream(self, dataset: str, stream: StreamNew, *, remove_model: bool = False) -> Stream:
        """Change a stream; what ``stream`` leaves out stays. ``remove_model`` sends
        ``"model": null``, which takes the stream's model away (its items then carry no labels)."""
        if remove_model and stream.model is not None:
            raise ReinferConfigurationError(
                f"Stream {stream.name!r}: give a new model or remove the model, not both."
            )
        path = self.routes.stream(dataset, stream.name)
        body = self._stream_body(stream)
        if remove_model:
            fields = json.loads(body)
            fields[self.routes.stream_key]["model"] = None
            body = _dumps(fields)
        return self.transport.request(
            "POST", path, StreamEnvelope, retry=RETRY_POLICY["update_stream"], body=body
        ).stream

    def delete_stream(self, dataset: str, stream: str) -> None:
        path = self.routes.stream(dataset, stream)
        try:
            self.transport.request("DELETE", path, Envelope, retry=RETRY_POLICY["delete_stream"])
        except NotFoundError as error:
            # A retried DELETE whose first attempt went through answers 404: it is gone, as asked.
            if error.attempts == 1:
                raise

    def fetch(self, dataset: str, stream: str, size: int = 16, max_filtered: int | None = None) -> Batch:
        """Read the next batch (legacy ``fetch`` shape). Never moves the stream.

        An answer without ``is_end_sequence`` (older tenants) gets it inferred: ``True``
        when it holds fewer results than ``size`` and nothing was filtered.
        """
        batch = self._fetch(FetchEnvelope, dataset, stream, size, max_filtered)
        for item in batch.results:
            # Same order as /results and predict items: the most likely label first.
            item.labels.sort(key=lambda label: label.probability, reverse=True)
        return batch

    def fetch_data(
        self, dataset: str, stream: str, size: int = 16, max_filtered: int | None = None
    ) -> BatchData:
        """:meth:`fetch` with each item a plain JSON-ready dictionary (``ItemData``), not a model.

        Validated by the same rules; what ``fetch(...).model_dump(mode="json")`` gives, about
        four times cheaper (no model instances to build and dump again).
        """
        batch = self._fetch(FetchDataEnvelope, dataset, stream, size, max_filtered)
        for item in batch.results:
            sort_labels(item)
        return batch

    def _fetch(self, envelope: type[B], dataset: str, stream: str, size: int, max_filtered: int | None) -> B:
        path = self.routes.stream(dataset, stream, "fetch")
        body = _request_json(FetchRequest, "fetch request", size=size, max_filtered=max_filtered)
        batch = self.transport.request("POST", path, envelope, retry=RETRY_POLICY["fetch"], body=body)
        batch.stream = stream
        if "is_end_sequence" not in batch.model_fields_set:
            batch.is_end_sequence = _end_of_stream(batch, size)
        return batch

    def results(
        self, dataset: str, stream: str, max_results: int = 16, max_filtered: int | None = None
    ) -> Batch:
        """Read the next batch from the newer ``/results`` route, as the same :class:`Batch`."""
        if self.routes.legacy_triggers:
            raise ReinferConfigurationError(
                "The /results route exists only for streams, not for legacy /triggers: use api=fetch "
                "with legacy_triggers=True, or connect without legacy_triggers."
            )
        query = json.loads(
            _request_json(ResultsQuery, "results request", max_results=max_results, max_filtered=max_filtered)
        )
        params: list[tuple[str, str | int]] = list(query.items())
        return batch_from_results(self._results(dataset, stream, params), stream=stream)

    def _results(self, dataset: str, stream: str, params: Params) -> ResultsEnvelope:
        """``/results`` under ``/api/v1``, or under ``/api/preview`` where only that exists.

        Tenants documented before 2025 (and some on-premises versions) serve ``/results``
        only under ``/api/preview``. A 404 from ``/api/v1`` is tried once under the preview
        path; whichever answers is remembered for this connection. When both say 404 (an
        unknown stream), the ``/api/v1`` error is raised.
        """
        retry = RETRY_POLICY["results"]
        if self.results_prefix is not None:
            path = self.routes.stream(dataset, stream, "results", prefix=self.results_prefix)
            return self.transport.request("GET", path, ResultsEnvelope, retry=retry, params=params)
        path = self.routes.stream(dataset, stream, "results")
        try:
            answer = self.transport.request("GET", path, ResultsEnvelope, retry=retry, params=params)
        except NotFoundError as missing:
            preview = self.routes.stream(dataset, stream, "results", prefix=PREVIEW_API)
            try:
                answer = self.transport.request("GET", preview, ResultsEnvelope, retry=retry, params=params)
            except NotFoundError:
                raise missing from None
            self.results_prefix = PREVIEW_API
            return answer
        self.results_prefix = API
        return answer

    def advance(self, dataset: str, stream: str, sequence_id: str) -> None:
        """Acknowledge everything up to ``sequence_id`` (a batch's or an item's)."""
        if not sequence_id or not str(sequence_id).strip():
            raise ReinferConfigurationError(
                f"Cannot advance stream {stream!r}: the sequence id is empty (pass the batch or the item)."
            )
        path = self.routes.stream(dataset, stream, "advance")
        body = _request_json(AdvanceRequest, "advance request", sequence_id=sequence_id)
        self.transport.request("POST", path, Envelope, retry=RETRY_POLICY["advance"], body=body)

    def reset(self, dataset: str, stream: str, to_comment_created_at: datetime | str) -> ResetResult:
        """Move the stream to the first comment uploaded at or after the given time.

        A string is read as ISO 8601 (:func:`parse_moment`); a time without a zone is UTC.
        """
        path = self.routes.stream(dataset, stream, "reset")
        moment = iso_utc(parse_moment(to_comment_created_at))
        body = _request_json(ResetRequest, "reset request", to_comment_created_at=moment)
        response = self.transport.request("POST", path, ResetEnvelope, retry=RETRY_POLICY["reset"], body=body)
        return ResetResult(sequence_id=response.sequence_id, stream=response.stream)

    def tag_exceptions(self, dataset: str, stream: str, exceptions: Sequence[tuple[str, str]]) -> None:
        """Tag comments as exceptions: ``(uid, type)`` pairs. Nothing to tag sends nothing."""
        if not exceptions:
            return
        path = self.routes.stream(dataset, stream, "exceptions")
        tags = [{"metadata": {"type": kind}, "uid": uid} for uid, kind in exceptions]
        body = _request_json(TagExceptionsRequest, "exceptions request", exceptions=tags)
        self.transport.request("PUT", path, Envelope, retry=RETRY_POLICY["tag_exceptions"], body=body)

    def untag_exceptions(self, dataset: str, stream: str, uids: Sequence[str]) -> None:
        """Remove exception tags from comments. No uids sends nothing."""
        if not uids:
            return
        path = self.routes.stream(dataset, stream, "exceptions")
        query = _request(UntagExceptionsQuery, "untag request", uids=list(uids))
        params = [("uid", uid) for uid in query.uids]
        self.transport.request(
            "DELETE", path, Envelope, retry=RETRY_POLICY["untag_exceptions"], params=params
        )

    def _stream_body(self, stream: StreamNew) -> str:
        return _dumps({self.routes.stream_key: stream.model_dump(mode="json", exclude_none=True)})

    # --- datasets, sources, comments -------------------------------------------------

    def get_dataset(self, dataset: str) -> Dataset:
        path = self.routes.dataset(dataset)
        return self.transport.request("GET", path, DatasetEnvelope, retry=RETRY_POLICY["get_dataset"]).dataset

    def get_comment(self, source: str, comment_id: str) -> Comment:
        path = self.routes.comment(source, comment_id)
        return self.transport.request("GET", path, CommentEnvelope, retry=RETRY_POLICY["get_comment"]).comment

    def sync_comments(self, source: str, comments: Sequence[Mapping[str, Any]]) -> SyncResult:
        """Upsert comments by id into a source (not retried: it is a write)."""
        path = self.routes.sync(source)
        try:
            body = _dumps({"comments": _mappings(comments, "comment")})
        except (TypeError, ValueError) as exc:
            raise ReinferConfigurationError(
                f"Comments for {source!r} cannot be sent as JSON: {exc}."
            ) from exc
        return self.transport.request(
            "POST", path, SyncEnvelope, retry=RETRY_POLICY["sync_comments"], body=body
        )

    def delete_comments(self, source: str, comment_ids: Sequence[str]) -> None:
        """Delete comments by id (retried: deleting twice leaves the same source)."""
        params = [("id", plain_name(comment_id, "comment id")) for comment_id in comment_ids]
        self.transport.request(
            "DELETE",
            self.routes.comments(source),
            Envelope,
            retry=RETRY_POLICY["delete_comments"],
            params=params,
        )

    def download_attachment(self, reference: str) -> bytes:
        """The bytes of an attachment, by the ``attachment_reference`` of a comment's attachment."""
        path = self.routes.attachment(reference)
        return self.transport.send("GET", path, retry=RETRY_POLICY["download_attachment"])

    # --- predictions -----------------------------------------------------------------

    def predict(
        self,
        dataset: str,
        version: int | str,
        documents: Sequence[Mapping[str, Any]],
        threshold: Threshold = None,
        labels: LabelSpec = None,
    ) -> list[Item]:
        """Predict on documents not stored in the platform; one item per document, in order."""
        return self._predict(
            "predict",
            dataset,
            version,
            documents,
            threshold,
            labels,
            request=PredictRequest,
            envelope=PredictEnvelope,
            to_items=items_from_predict,
        )

    def predict_comments(
        self,
        dataset: str,
        version: int | str,
        uids: Sequence[str],
        threshold: Threshold = None,
        labels: LabelSpec = None,
    ) -> list[Item]:
        """Predict on stored comments by uid; items carry the uid."""
        return self._predict(
            "predict-comments",
            dataset,
            version,
            uids,
            threshold,
            labels,
            request=PredictCommentsRequest,
            envelope=PredictCommentsEnvelope,
            to_items=items_from_predict_comments,
        )

    def predict_raw_emails(
        self,
        dataset: str,
        version: int | str,
        documents: Sequence[Mapping[str, Any]],
        threshold: Threshold = None,
        labels: LabelSpec = None,
        include_comments: bool = True,
        transform_tag: str | None = None,
    ) -> list[Item]:
        """Predict on raw emails; with ``include_comments`` each item carries the parsed comment.

        ``transform_tag`` identifies the email integration, so the platform parses the emails
        the way that mailbox integration does (API: ``predict-raw-emails`` ``transform_tag``)."""
        return self._predict(
            "predict-raw-emails",
            dataset,
            version,
            documents,
            threshold,
            labels,
            request=PredictRawEmailsRequest,
            envelope=PredictRawEmailsEnvelope,
            to_items=items_from_predict,
            include_comments=include_comments,
            transform_tag=transform_tag,
        )

    def _predict(
        self,
        kind: PredictKind,
        dataset: str,
        version: int | str,
        inputs: Sequence[Any],
        threshold: Threshold,
        labels: LabelSpec,
        *,
        request: type[RequestModel],
        envelope: type[P],
        to_items: Callable[[P], list[Item]],
        **options: Any,
    ) -> list[Item]:
        """One predict call, from its inputs (documents; uids for ``predict-comments``) to items.

        No inputs sends nothing. The checks keep one order (dataset and version, the inputs, the
        label filters, the whole request), so a call with several mistakes always names the same one.
        """
        if not inputs:
            return []
        path = self.routes.predict(dataset, version, kind)
        if kind == "predict-comments":
            fields: dict[str, Any] = {"uids": list(inputs)}
        else:
            fields = {"documents": _mappings(inputs, "document")}
        body = _request_json(
            request,
            f"{kind} request",
            **fields,
            threshold=threshold,
            labels=self._label_filters(labels),
            **options,
        )
        # RETRY_POLICY is keyed by client method name: the route kind with underscores.
        retry = RETRY_POLICY[kind.replace("-", "_")]
        answer = self.transport.request(
            "POST", path, envelope, retry=retry, body=body, read_timeout=self.settings.predict_timeout
        )
        self.predicted += len(inputs)  # answered: on a real tenant, one AI unit per comment sent
        return to_items(answer)

    @staticmethod
    def _label_filters(labels: LabelSpec) -> Any:
        try:
            return label_filters(labels)
        except (ValidationError, ValueError) as exc:
            raise ReinferConfigurationError(f"Invalid label filter: {_validation_summary(exc)}.") from exc

    # --- models and validation -------------------------------------------------------

    def get_model_tags(self, dataset: str) -> list[ModelTag]:
        path = self.routes.model_tags(dataset)
        return self.transport.request(
            "GET", path, ModelTagsEnvelope, retry=RETRY_POLICY["get_model_tags"]
        ).model_tags

    def get_validation(self, dataset: str, version: int | str) -> ValidationSummary:
        path = self.routes.validation(dataset, version)
        return self.transport.request(
            "GET", path, ValidationEnvelope, retry=RETRY_POLICY["get_validation"]
        ).validation

    def get_full_validation(self, dataset: str, version: int | str) -> FullValidation:
        """Every label's validation figures, ``optimal_thresholds`` among them, in one private call."""
        path = self.routes.full_validation(dataset, version)
        return self.transport.request(
            "GET", path, FullValidationEnvelope, retry=RETRY_POLICY["get_full_validation"]
        ).validation

    def get_label_validation(self, dataset: str, version: int | str, label: str) -> LabelValidation:
        """Precision/recall curve and optimal thresholds of one label (a private route)."""
        path = self.routes.label_validation(dataset, version)
        try:
            name = label_name(label)
        except ValueError as exc:
            raise ReinferConfigurationError(f"Invalid label name {label!r}: {exc}") from exc
        response = self.transport.request(
            "POST",
            path,
            LabelValidationEnvelope,
            retry=RETRY_POLICY["get_label_validation"],
            body=_dumps({"label": name}),
        )
        return response.label_validation
