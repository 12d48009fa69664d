"""Attachments of the demo tenant, and the download route ``GET /api/v1/attachments/{reference}``.

A real tenant stores the files attached to emails and serves their bytes by the comment's
``attachment_reference``. The demo tenant has three: two invoice PDFs and a photo of damaged
goods. They are made from code at start (no binary files in the package), always the same
bytes, so their ``size`` and ``content_hash`` on the comments are true.

Comments synced by a robot may name attachments too; the sandbox keeps only their
metadata, as the sync route of the real API does (their bytes are uploaded elsewhere), so
downloading those answers 404.
"""

from __future__ import annotations

import hashlib
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from fastapi import APIRouter
from starlette.responses import Response

from .envelope import not_found
from .schemas import AttachmentNew, CommentNew

router = APIRouter(tags=["attachments"])


@dataclass(frozen=True)
class DemoFile:
    name: str
    content_type: str
    make: Callable[[], bytes]


def _pdf(lines: list[str]) -> bytes:
    """A small, valid one-page PDF showing ``lines`` (what an invoice attachment looks like)."""
    text = "BT /F1 12 Tf 50 780 Td 16 TL " + " ".join(
        f"({line.replace('(', '[').replace(')', ']')}) '" for line in lines
    )
    stream = text.encode("latin-1") + b" ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _png(width: int = 96, height: int = 64) -> bytes:
    """A small RGB picture (a brown mug on a pale background with a crack), as a valid PNG."""
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter type 0 for every scanline
        for x in range(width):
            inside = 28 <= x <= 64 and 14 <= y <= 54
            crack = inside and abs((x - 30) - (y - 14) * 0.8) < 1.2
            row += bytes((40, 30, 20) if crack else (150, 90, 50) if inside else (235, 232, 225))
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


DEMO_FILES: dict[str, list[DemoFile]] = {
    "a0004": [DemoFile("damaged-mugs.png", "image/png", _png)],
    "a0044": [
        DemoFile(
            "invoice-ACM-104699.pdf",
            "application/pdf",
            lambda: _pdf(["ACME Retail - Invoice", "Order ACM-104699", "Total: 249.00 GBP incl. VAT 41.50"]),
        )
    ],
    "a0060": [
        DemoFile(
            "invoice-ACM-104877.pdf",
            "application/pdf",
            lambda: _pdf(["ACME Retail - Invoice", "Order ACM-104877", "Total: 86.40 GBP incl. VAT 14.40"]),
        )
    ],
}
"""Demo comment id -> the files attached to it."""


def reference_of(comment_id: str, index: int) -> str:
    """The attachment reference of a demo file (opaque to robots, stable across restarts)."""
    return f"demo-{comment_id}-{index}"


@cache
def _by_reference() -> dict[str, tuple[DemoFile, bytes]]:
    return {
        reference_of(comment_id, index): (demo, demo.make())
        for comment_id, files in DEMO_FILES.items()
        for index, demo in enumerate(files)
    }


def with_demo_attachments(comment: CommentNew) -> CommentNew:
    """``comment`` with the metadata of its demo files (name, size, type, hash, reference)."""
    files = DEMO_FILES.get(comment.id)
    if not files:
        return comment
    attached = []
    for index, demo in enumerate(files):
        data = _by_reference()[reference_of(comment.id, index)][1]
        attached.append(
            AttachmentNew(
                name=demo.name,
                size=len(data),
                content_type=demo.content_type,
                content_hash=hashlib.sha256(data).hexdigest(),
                attachment_reference=reference_of(comment.id, index),
            )
        )
    return comment.model_copy(update={"attachments": [*comment.attachments, *attached]})


@router.get("/api/v1/attachments/{reference}", summary="Download an attachment's bytes by its reference")
def download_attachment(reference: str) -> Response:
    found = _by_reference().get(reference)
    if found is None:
        raise not_found(f"attachment '{reference}' does not exist")
    demo, data = found
    return Response(
        content=data,
        media_type=demo.content_type,
        headers={"Content-Disposition": f'attachment; filename="{demo.name}"'},
    )
