"""Predict routes (API reference 5.1-5.3): documents, stored comments, raw emails.

``{version}`` is a pinned version number or the tag ``live`` / ``staging``; unknown or
unpinned versions answer 404. Threshold rules are in :mod:`.predictor`.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from . import timeutil
from .comments import analyse, comment_from_raw_email
from .context import Sandbox, SandboxDep
from .envelope import bad_request, not_found, ok
from .nlp.classifier import comment_text
from .nlp.properties import tone_value
from .nlp.sentiment import add_label_sentiment, comment_sentiment
from .predictor import LoadedModel, predict_labels
from .schemas import PredictCommentsRequest, PredictOptions, PredictRawEmailsRequest, PredictRequest

router = APIRouter(tags=["predictions"])

LABELLER = "/api/v1/datasets/{owner}/{dataset}/labellers/{version}"


def _model(
    sb: Sandbox, owner: str, dataset: str, version: str, options: PredictOptions
) -> tuple[dict[str, Any], LoadedModel]:
    found = sb.dataset(owner, dataset)
    model = sb.predictor.require(found, version)
    known = set(model.labels)
    for index, label in enumerate(options.labels or []):
        if label.name not in known:
            raise bad_request(
                f"labels[{index}].name: label '{label.name}' is not in model version {model.version}"
            )
    return found, model


def _predict_contents(
    found: dict[str, Any],
    model: LoadedModel,
    contents: list[dict[str, Any]],
    written: list[str | None],
    options: PredictOptions,
) -> dict[str, Any]:
    """``written``: each document's timestamp as sent, whose offset dates are read in unless
    the dataset has a configured timezone."""
    timezone = found.get("_timezone")
    analyses = [analyse(content, timezone, stamp) for content, stamp in zip(contents, written, strict=True)]
    scores = model.score([analysis.text for analysis in analyses])
    payload: dict[str, Any] = {
        "model": model.info,
        "predictions": [predict_labels(model, probs, options) for probs in scores],
        "entities": [analysis.entities for analysis in analyses],
        "label_properties": [analysis.properties for analysis in analyses],
    }
    if found.get("has_sentiment"):
        tones = [tone_value(analysis.properties) for analysis in analyses]
        for labels, analysis, tone in zip(payload["predictions"], analyses, tones, strict=True):
            add_label_sentiment(labels, analysis.text, tone)
        pairs = zip(analyses, tones, strict=True)
        payload["sentiment"] = [{"total": comment_sentiment(analysis.text, tone)} for analysis, tone in pairs]
    return payload


@router.post(LABELLER + "/predict", summary="Predict labels and entities for documents")
def predict(owner: str, dataset: str, version: str, body: PredictRequest, sb: SandboxDep) -> Response:
    found, model = _model(sb, owner, dataset, version, body)
    contents = [
        document.model_dump(mode="json", by_alias=True, exclude_none=True) for document in body.documents
    ]
    written = [document.written_timestamp for document in body.documents]
    payload = _predict_contents(found, model, contents, written, body)
    if body.include_comments:
        payload["comments"] = [_as_comment(content) for content in contents]
    return ok(**payload)


def _as_comment(content: dict[str, Any]) -> dict[str, Any]:
    """A predicted document as the comment it would be (OpenAPI ``ParseEmailNewComment``: every
    member present; the id is derived from the content, as for a raw email without one)."""
    digest = hashlib.sha256(json.dumps(content, sort_keys=True).encode("utf-8")).hexdigest()[:16]
    return {
        "id": digest,
        "timestamp": content.get("timestamp") or timeutil.user(timeutil.now()),
        "user_properties": content.get("user_properties") or {},
        "messages": content.get("messages") or [],
        "text_format": content.get("text_format") or "plain",
        "attachments": [],
        "thread_id": None,
    }


@router.post(LABELLER + "/predict-comments", summary="Predict labels for stored comments by uid")
def predict_comments(
    owner: str, dataset: str, version: str, body: PredictCommentsRequest, sb: SandboxDep
) -> Response:
    found, model = _model(sb, owner, dataset, version, body)
    rows = sb.store.rows_by_uid(found["source_ids"], body.uids)
    missing = [uid for uid in body.uids if uid not in rows]
    if missing:
        raise not_found(f"comment uid '{missing[0]}' does not exist in dataset '{owner}/{dataset}'")
    probs = sb.predictor.probabilities(model, found["source_ids"], [row.seq for row in rows.values()])
    predictions = [
        {
            "uid": uid,
            "labels": predict_labels(model, probs[rows[uid].seq], body),
            "entities": json.loads(rows[uid].entities_json),
            "label_properties": json.loads(rows[uid].properties_json),
        }
        for uid in body.uids
    ]
    if found.get("has_sentiment"):
        for prediction in predictions:
            text = comment_text(json.loads(rows[prediction["uid"]].json))
            tone = tone_value(prediction["label_properties"])  # stored at sync, from the same text
            add_label_sentiment(prediction["labels"], text, tone)
            prediction["sentiment"] = {"total": comment_sentiment(text, tone)}
    return ok(model=model.info, predictions=predictions)


@router.post(LABELLER + "/predict-raw-emails", summary="Predict labels and entities for raw emails")
def predict_raw_emails(
    owner: str, dataset: str, version: str, body: PredictRawEmailsRequest, sb: SandboxDep
) -> Response:
    found, model = _model(sb, owner, dataset, version, body)
    parsed = [comment_from_raw_email(document) for document in body.documents]
    contents = [email.content for email in parsed]
    written: list[str | None] = [email.written_timestamp for email in parsed]
    payload = _predict_contents(found, model, contents, written, body)
    if body.include_comments:
        payload["comments"] = contents
    return ok(**payload)
