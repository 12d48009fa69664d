"""Comments: from an upload to the stored, served shape; sync counters; raw emails.

Entities and label properties are computed here, once, when a comment is synced (or its
text changes), and stored next to it; streams and predict-comments serve them as stored.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import HeaderParser
from email.utils import getaddresses, parsedate_to_datetime
from html.parser import HTMLParser
from typing import Any

from . import timeutil
from .envelope import dumps
from .nlp.classifier import comment_text
from .nlp.entities import extract_entities
from .nlp.properties import label_properties
from .schemas import CommentNew, RawEmailDocument
from .store import CommentWrite, Store

SERVER_FIELDS = frozenset({"uid", "source_id", "created_at", "last_modified", "has_annotations"})


def content_of(comment: CommentNew) -> dict[str, Any]:
    """The user-supplied part of a comment, as JSON-ready data."""
    return comment.model_dump(mode="json", by_alias=True, exclude_none=True)


def served(
    content: dict[str, Any], source_id: str, created_at: str, last_modified: str, has_annotations: bool
) -> dict[str, Any]:
    """The comment as the API returns it (reference 2.1), keys in a stable order."""
    comment: dict[str, Any] = {
        "id": content["id"],
        "uid": f"{source_id}.{content['id']}",
        "source_id": source_id,
    }
    if content.get("thread_id") is not None:
        comment["thread_id"] = content["thread_id"]
    # A comment uploaded without a timestamp (optional in the API) is stamped with its upload time.
    comment["timestamp"] = content.get("timestamp") or timeutil.user(timeutil.parse(created_at))
    comment["messages"] = content.get("messages", [])
    comment["user_properties"] = content.get("user_properties", {})
    if content.get("text_format"):
        comment["text_format"] = content["text_format"]
    comment["attachments"] = content.get("attachments", [])
    comment["created_at"] = created_at
    comment["last_modified"] = last_modified
    comment["has_annotations"] = has_annotations
    return comment


@dataclass(frozen=True)
class Analysis:
    text: str
    entities: list[dict[str, Any]]
    properties: list[dict[str, Any]]


def analyse(content: dict[str, Any], timezone: str | None, timestamp: str | None = None) -> Analysis:
    """Text, entities and label properties of one comment or document.

    ``timestamp`` is the send time as the client wrote it (with its UTC offset); the content's
    own ``timestamp`` is already normalised to UTC, so it is only the fallback. ``timezone``
    (the source's or dataset's configured one, if any) overrides the offset, as in
    :func:`.nlp.dates.comment_clock`.
    """
    text = comment_text(content)
    written = timestamp or content.get("timestamp")
    entities = extract_entities(content.get("messages", []), written, timezone)
    return Analysis(text, entities, label_properties(text))


@dataclass
class SyncCounts:
    """The counters of a sync answer. ``updated`` counts every changed comment; the two
    ``updated_*`` counters say how: only user properties changed, or the text changed."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    updated_properties_only: int = 0
    updated_text_changed: int = 0
    seqs_text_changed: list[int] = field(default_factory=list)

    def as_payload(self) -> dict[str, int]:
        return {
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "updated_properties_only": self.updated_properties_only,
            "updated_text_changed": self.updated_text_changed,
        }


def sync(
    store: Store,
    source: dict[str, Any],
    comments: Sequence[CommentNew],
    created_at: Sequence[str] | None = None,
) -> SyncCounts:
    """Upsert comments into a source by id (idempotent); new ones go to the end of every stream.

    ``created_at`` (seeding only) gives the platform time of each new comment; otherwise it is
    the time of the upload.
    """
    with store.sync_lock:
        return _sync(store, source, comments, created_at)


def _without_properties(content: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in content.items() if key != "user_properties"}


def _sync(
    store: Store, source: dict[str, Any], comments: Sequence[CommentNew], created_at: Sequence[str] | None
) -> SyncCounts:
    source_id = source["id"]
    timezone = source.get("_timezone")
    existing = store.existing_comments(source_id, (comment.id for comment in comments))
    previous: dict[str, dict[str, Any]] = {key: json.loads(value[1]) for key, value in existing.items()}
    counts = SyncCounts()
    writes: dict[str, CommentWrite] = {}
    now = timeutil.platform(timeutil.now())
    for index, comment in enumerate(comments):
        content = content_of(comment)
        before = previous.get(comment.id)
        if before is not None:
            old = {key: value for key, value in before.items() if key not in SERVER_FIELDS}
            if old == content:
                counts.unchanged += 1
                continue
            counts.updated += 1
            if _without_properties(old) == _without_properties(content):
                counts.updated_properties_only += 1
            elif comment_text(old) != comment_text(content):
                counts.updated_text_changed += 1
                if comment.id in existing:
                    counts.seqs_text_changed.append(existing[comment.id][0])
            comment_json = served(
                content, source_id, before["created_at"], now, bool(before.get("has_annotations"))
            )
        else:
            counts.new += 1
            stamp = created_at[index] if created_at is not None else store.next_created_at()
            comment_json = served(content, source_id, stamp, stamp, False)
        analysis = analyse(content, timezone, comment.written_timestamp)
        previous[comment.id] = comment_json
        writes[comment.id] = CommentWrite(
            comment_id=comment.id,
            json=dumps(comment_json),
            text=analysis.text,
            entities_json=dumps(analysis.entities),
            properties_json=dumps(analysis.properties),
            created_at=comment_json["created_at"],
        )
    store.write_comments(source_id, list(writes.values()), counts.seqs_text_changed)
    return counts


# --- raw emails ----------------------------------------------------------------------------


class _TextExtractor(HTMLParser):
    BLOCKS = frozenset({"br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "table", "blockquote"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    lines = [" ".join(line.split()) for line in "".join(extractor.parts).splitlines()]
    return "\n".join(line for line in lines if line).strip()


def _header_map(document: RawEmailDocument) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    parsed = document.raw_email.headers.parsed
    if parsed:
        for key, value in parsed.items():
            headers.setdefault(key.lower(), []).extend(value if isinstance(value, list) else [value])
    if document.raw_email.headers.raw:
        message = HeaderParser().parsestr(document.raw_email.headers.raw.strip() + "\n\n")
        for key, value in message.items():
            headers.setdefault(key.lower(), []).append(str(value))
    return headers


@dataclass(frozen=True)
class RawEmailComment:
    """A comment parsed from a raw email, and its send time with the ``Date`` header's offset."""

    content: dict[str, Any]
    written_timestamp: str


def comment_from_raw_email(document: RawEmailDocument) -> RawEmailComment:
    """A parsed comment (reference 5.3 ``comments``) from a raw email's headers and body."""
    headers = _Headers(_header_map(document))
    moment = _sent_at(headers.first("date"))
    stamp = timeutil.user(moment)
    body = document.raw_email.body
    text = body.plain or html_to_text(body.html)
    message = _email_message(headers, text)
    message["sent_at"] = stamp
    comment_id = document.comment_id
    if not comment_id:
        basis = headers.first("message-id") or f"{stamp}\n{text}"
        comment_id = hashlib.sha256(basis.encode("utf-8")).hexdigest()[:16]
    content = {
        "id": comment_id,
        "timestamp": stamp,
        "user_properties": document.user_properties,
        "messages": [message],
        "text_format": "plain",
        "attachments": [
            attachment.model_dump(exclude_defaults=True) for attachment in document.raw_email.attachments
        ],
        "thread_id": None,
    }
    return RawEmailComment(content, moment.isoformat())


@dataclass(frozen=True)
class _Headers:
    """An email's headers by lower-case name, each with all its values."""

    values: dict[str, list[str]]

    def first(self, name: str) -> str | None:
        found = self.values.get(name)
        return found[0].strip() if found else None

    def addresses(self, name: str) -> list[str]:
        return [address for _, address in getaddresses(self.values.get(name, [])) if address]


def _sent_at(date: str | None) -> datetime:
    """When the email says it was sent (with a time zone), else now."""
    moment = timeutil.now()
    if date:
        try:
            moment = parsedate_to_datetime(date)
        except (TypeError, ValueError):
            moment = timeutil.now()
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timeutil.now().tzinfo)


def _email_message(headers: _Headers, text: str) -> dict[str, Any]:
    message: dict[str, Any] = {"body": {"text": text}}
    subject = headers.first("subject")
    if subject is not None:
        message["subject"] = {"text": subject}
    senders = headers.addresses("from")
    if senders:
        message["from"] = senders[0]
    for key in ("to", "cc", "bcc"):
        if headers.addresses(key):
            message[key] = headers.addresses(key)
    return message
