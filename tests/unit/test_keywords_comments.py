"""Comment keywords against fake HTTP: what a server cannot easily produce (a cut download)."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
import responses
from conftest import FAKE_TENANT

from ReinferLibrary.errors import ItemDataError, ProtocolError, ReinferConfigurationError
from ReinferLibrary.keywords.base import LibraryContext
from ReinferLibrary.keywords.comments import CommentKeywords
from ReinferLibrary.sandbox.attachments import _pdf

PDF = _pdf(["Invoice"])
URL = f"{FAKE_TENANT}/api/v1/attachments/ref-1"


def attachment(**changes: object) -> dict[str, object]:
    entry: dict[str, object] = {
        "name": "invoice.pdf",
        "size": len(PDF),
        "content_type": "application/pdf",
        "content_hash": hashlib.sha256(PDF).hexdigest(),
        "attachment_reference": "ref-1",
    }
    entry.update(changes)
    return entry


def item(*attachments: dict[str, object]) -> dict[str, object]:
    return {"uid": "s.c1", "comment": {"id": "c1", "uid": "s.c1", "attachments": list(attachments)}}


@responses.activate
def test_download_writes_the_checked_bytes(context: LibraryContext, tmp_path: Path) -> None:
    responses.get(URL, body=PDF, content_type="application/pdf")
    written = CommentKeywords(context).download_attachment(item(attachment()), tmp_path)
    assert written == tmp_path / "invoice.pdf"
    assert written.read_bytes() == PDF


@pytest.mark.parametrize(
    ("body", "entry", "problem"),
    [
        (PDF[:-10], attachment(), "should have"),
        (PDF.replace(b"Invoice", b"Invoize"), attachment(), "does not match its content_hash"),
        (b"<html>login</html>", attachment(size=0, content_hash=None), "is declared 'application/pdf'"),
    ],
)
@responses.activate
def test_a_cut_or_altered_download_fails_and_writes_nothing(
    context: LibraryContext, tmp_path: Path, body: bytes, entry: dict[str, object], problem: str
) -> None:
    responses.get(URL, body=body)
    with pytest.raises(ProtocolError, match=problem) as caught:
        CommentKeywords(context).download_attachment(item(entry), tmp_path / "out.pdf")
    assert str(caught.value).startswith("Technical error (protocol): GET /api/v1/attachments/ref-1")
    assert list(tmp_path.iterdir()) == []  # no file, no leftover temporary file


def test_choosing_among_several_attachments_needs_a_name(context: LibraryContext, tmp_path: Path) -> None:
    two = item(attachment(), attachment(name="photo.png", content_type="image/png"))
    with pytest.raises(ReinferConfigurationError, match=r"has 2 attachments .*give name="):
        CommentKeywords(context).download_attachment(two, tmp_path)
    with pytest.raises(
        ItemDataError, match=re.escape("has no attachment 'x.pdf'; it has 'invoice.pdf', 'photo.png'")
    ):
        CommentKeywords(context).download_attachment(two, tmp_path, name="x.pdf")


@pytest.mark.parametrize("size", [0, 4097])
def test_sync_batch_size_is_checked_before_anything_is_sent(context: LibraryContext, size: int) -> None:
    with pytest.raises(ReinferConfigurationError, match="batch_size must be 1 to 4096"):
        CommentKeywords(context).sync_comments([{"id": "x"}], source="acme/s", batch_size=size)


def test_delete_needs_ids(context: LibraryContext) -> None:
    with pytest.raises(ReinferConfigurationError, match="Cannot find a comment id"):
        CommentKeywords(context).delete_comments([{"no": "id"}], source="acme/s")
