"""Comments in a source: sync (create or update), get, delete, and download their attachments.

Business-process test suites seed a tenant before a run (`Sync Comments`), check what a
robot left (`Get Comment`) and clean up (`Delete Comments`); robots that handle an email's
invoice or photo download it (`Download Attachment`).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from robot.api.deco import keyword
from robot.utils import DotDict

from ..client.routes import Routes
from ..errors import ItemDataError, ProtocolError, ReinferConfigurationError, ReinferError
from .base import LibraryComponent

MAX_SYNC_BATCH = 4096
"""Comments per sync request at most (the API documents batches of 4,096)."""


def _comment_ids(comments: Any) -> list[str]:
    """Comment ids from ids, comments or items (``${item}`` of a batch), one or a list."""
    values = comments if isinstance(comments, list | tuple) else [comments]
    ids = []
    for value in values:
        if isinstance(value, str):
            ids.append(value)
            continue
        comment = value.get("comment", value) if isinstance(value, Mapping) else None
        if not isinstance(comment, Mapping) or not comment.get("id"):
            raise ReinferConfigurationError(
                f"Cannot find a comment id in {str(value)[:80]!r}: give ids, comments or items."
            )
        ids.append(str(comment["id"]))
    if not ids:
        raise ReinferConfigurationError("No comment ids given.")
    return ids


def _as_comments(comments: Any) -> list[Mapping[str, Any]]:
    values = [comments] if isinstance(comments, Mapping) else comments
    if not isinstance(values, list | tuple) or not values:
        raise ReinferConfigurationError(
            "Sync Comments needs a comment (a dictionary) or a non-empty list of them, "
            f"got {type(comments).__name__}."
        )
    return list(values)


def _attachment(comment: Mapping[str, Any], name: str | None) -> Mapping[str, Any]:
    attachments = list(comment.get("attachments") or [])
    if not attachments:
        raise ItemDataError("no attachment", f"comment {comment.get('id')!r} has no attachments.")
    if name is None:
        if len(attachments) > 1:
            names = ", ".join(repr(entry.get("name")) for entry in attachments)
            raise ReinferConfigurationError(
                f"Comment {comment.get('id')!r} has {len(attachments)} attachments ({names}): give name=."
            )
        return attachments[0]
    for entry in attachments:
        if entry.get("name") == name:
            return entry
    names = ", ".join(repr(entry.get("name")) for entry in attachments)
    raise ItemDataError(
        "no attachment", f"comment {comment.get('id')!r} has no attachment {name!r}; it has {names}."
    )


def _write_atomically(path: Path, data: bytes) -> None:
    # A half-written file must never look like a downloaded attachment.
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class CommentKeywords(LibraryComponent):
    """Keywords of the ``Comments`` area."""

    def _source(self, source: str | None) -> str:
        if source:
            return source
        # A demo-style tenant names its source like its dataset; say so rather than guess silently.
        dataset = self.connection.dataset
        if not dataset:
            raise ReinferConfigurationError(
                "No source given: pass source=owner/name (or connect with dataset=owner/name whose "
                "source has the same name)."
            )
        return dataset

    @keyword(tags=("Comments",))
    def sync_comments(self, comments: Any, source: str | None = None, batch_size: int = 1000) -> DotDict:
        """Create or update comments in a source (the API's sync route), in batches.

        Sync is an upsert by comment ``id``: sending the same comments again updates them
        and creates nothing twice, so a suite can seed a tenant before every run. New
        comments become visible to every stream of every dataset reading the source.

        Args:
            comments: One comment (a dictionary) or a list of them, in the API's shape:
                ``id``, ``timestamp``, ``messages`` (each with ``body.text``), and optional
                ``user_properties``, ``thread_id``, ``attachments``.
            source: ``owner/name`` of the source. Default: the connection's dataset name
                (the demo tenant's source and dataset share it).
            batch_size: Comments per request, 1 to 4096.

        Returns:
            The counters summed over all batches: ``new``, ``updated``, ``unchanged``, and
            ``batches``.

        Example:
        | ${comment} = | Create Dictionary | id=case-1 | timestamp=2026-01-05T09:00:00Z |
        | ... | messages=${{ [{"body": {"text": "My order ACM-104233 never arrived"}}] }} |
        | ${counts} = | Sync Comments | ${comment} | source=acme/retail-inbox |
        | Should Be Equal As Integers | ${counts.new} | 1 |
        """
        if not 1 <= batch_size <= MAX_SYNC_BATCH:
            raise ReinferConfigurationError(f"batch_size must be 1 to {MAX_SYNC_BATCH}, got {batch_size}.")
        source = self._source(source)
        values = _as_comments(comments)
        totals = {"new": 0, "updated": 0, "unchanged": 0, "batches": 0}
        for start in range(0, len(values), batch_size):
            chunk = values[start : start + batch_size]
            try:
                result = self.client.sync_comments(source, chunk)
            except ReinferError:
                if start:
                    self.warn(f"Sync Comments stopped after {start} of {len(values)} comments were synced.")
                raise
            totals["new"] += result.new
            totals["updated"] += result.updated
            totals["unchanged"] += result.unchanged
            totals["batches"] += 1
        self.info(
            f"Synced {len(values)} comment(s) to {source} in {totals['batches']} request(s): "
            f"{totals['new']} new, {totals['updated']} updated, {totals['unchanged']} unchanged."
        )
        return DotDict(totals)

    @keyword(tags=("Comments",))
    def get_comment(self, comment_id: str, source: str | None = None) -> DotDict:
        """Return one comment of a source by its id.

        Args:
            comment_id: The comment's ``id`` (as synced, e.g. ``${item.comment.id}``), not its ``uid``.
            source: ``owner/name`` of the source. Default: the connection's dataset name.

        Returns:
            The comment (``id``, ``uid``, ``timestamp``, ``messages``, ``user_properties``,
            ``attachments``, ...).

        Example:
        | ${comment} = | Get Comment | a0044 | source=acme/retail-inbox |
        | Should Be Equal | ${comment.attachments}[0][content_type] | application/pdf |
        """
        source = self._source(source)
        comment = self.client.get_comment(source, comment_id)
        self.info(f"Comment {comment.id} of {source}: {len(comment.messages)} message(s).")
        result: DotDict = self.to_robot(comment)
        return result

    @keyword(tags=("Comments",))
    def delete_comments(self, comments: Any, source: str | None = None) -> int:
        """Delete comments from a source, by id.

        Deleting a comment that is already gone is no error, so a cleanup can run twice.

        Args:
            comments: A comment id, a comment, an item of a batch, or a list of these.
            source: ``owner/name`` of the source. Default: the connection's dataset name.

        Returns:
            How many ids were sent.

        Example:
        | Delete Comments | ${{ ["case-1", "case-2"] }} | source=acme/retail-inbox |
        | Delete Comments | ${item} | # the comment behind a fetched item |
        """
        source = self._source(source)
        ids = _comment_ids(comments)
        for start in range(0, len(ids), MAX_SYNC_BATCH):
            self.client.delete_comments(source, ids[start : start + MAX_SYNC_BATCH])
        self.info(f"Deleted {len(ids)} comment(s) from {source}.")
        return len(ids)

    @keyword(tags=("Comments",))
    def download_attachment(
        self, comment: Any, path: Path, name: str | None = None, overwrite: bool = False
    ) -> Path:
        """Download an attachment of a comment to a file; its size and content type are checked.

        The bytes are fetched by the attachment's ``attachment_reference``; their size must
        match the comment's ``size`` (and their SHA-256 its ``content_hash``, when the
        comment has one), else the keyword fails and leaves no file behind.

        Args:
            comment: A fetched item (``${item}``), a comment (`Get Comment`), or a
                comment's attachment dictionary (``${item.comment.attachments}[0]``).
            path: The file to write, or an existing folder to write into under the
                attachment's own name.
            name: Which attachment, when the comment has several.
            overwrite: Replace an existing file (default: refuse).

        Returns:
            The path of the written file.

        Example:
        | ${file} = | Download Attachment | ${item} | ${OUTPUT_DIR} | name=invoice-ACM-104699.pdf |
        | File Should Exist | ${file} |
        """
        attachment = self._attachment_of(comment, name)
        reference = attachment.get("attachment_reference")
        if not reference:
            raise ItemDataError(
                "no attachment",
                f"attachment {attachment.get('name')!r} has no attachment_reference to download it by.",
            )
        target = Path(path)
        if target.is_dir():
            target = target / Path(str(attachment.get("name") or reference)).name
        if target.exists() and not overwrite:
            raise ReinferConfigurationError(
                f"File {str(target)!r} exists; give overwrite=True to replace it."
            )
        data = self.client.download_attachment(str(reference))
        problem = _mismatch(attachment, data)
        if problem:
            raise ProtocolError(
                "GET",
                Routes.attachment(str(reference)),
                200,
                detail=f"{problem}; nothing was written",
                advice="The download was cut or altered on the way: download it again.",
            )
        _write_atomically(target, data)
        self.info(
            f"Downloaded attachment {attachment.get('name')!r} ({len(data)} bytes, "
            f"{attachment.get('content_type') or 'unknown type'}) to {target}."
        )
        return target

    @staticmethod
    def _attachment_of(value: Any, name: str | None) -> Mapping[str, Any]:
        if isinstance(value, Mapping) and "attachment_reference" in value and "messages" not in value:
            return value
        comment = value.get("comment", value) if isinstance(value, Mapping) else None
        if not isinstance(comment, Mapping):
            raise ReinferConfigurationError(
                f"Download Attachment needs an item, a comment or an attachment, got {type(value).__name__}."
            )
        return _attachment(comment, name)


def _mismatch(attachment: Mapping[str, Any], data: bytes) -> str | None:
    """What is wrong with downloaded bytes against the comment's metadata, or ``None``."""
    name = attachment.get("name")
    size = attachment.get("size")
    if isinstance(size, int) and size and size != len(data):
        return f"attachment {name!r} should have {size} bytes but {len(data)} arrived"
    expected = attachment.get("content_hash")
    if isinstance(expected, str) and len(expected) == 64 and hashlib.sha256(data).hexdigest() != expected:
        return f"attachment {name!r} does not match its content_hash"
    content_type = str(attachment.get("content_type") or "")
    if not _looks_like(content_type, data):
        return f"attachment {name!r} is declared {content_type!r} but its bytes are not"
    return None


_MAGIC: Sequence[tuple[str, bytes]] = (
    ("application/pdf", b"%PDF-"),
    ("image/png", b"\x89PNG\r\n\x1a\n"),
    ("image/jpeg", b"\xff\xd8\xff"),
    ("image/gif", b"GIF8"),
)


def _looks_like(content_type: str, data: bytes) -> bool:
    """Whether ``data`` starts like ``content_type`` says (only for types with a known signature)."""
    kind = content_type.split(";")[0].strip().lower()
    for known, magic in _MAGIC:
        if kind == known:
            return data.startswith(magic)
    return True
