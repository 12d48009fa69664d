"""A raw RFC 822 email (text or ``.eml`` file) as a ``predict-raw-emails`` document.

The API (reference 5.3) takes ``raw_email: {headers: {raw}, body: {plain?, html?},
attachments?}``: the platform parses the email itself, the same way it does for mail it
ingests, so a robot predicting on an ``.eml`` gets what the mailbox integration would.
Headers are sent as written (one header per line, folded lines unfolded, encoded words
kept for the server to decode); the bodies are decoded from their transfer encoding and
charset, because the API wants text, not MIME.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser, Parser
from pathlib import Path
from typing import Any

from ..errors import ReinferConfigurationError

_FOLD = re.compile(r"\r?\n[ \t]+")
_PREVIEW = 60


def read_raw_email(email: str | bytes | Path) -> bytes:
    """The bytes of an email given as raw text, bytes or the path of a ``.eml`` file.

    Text with a line break is the email itself; a single line is a file path.
    """
    if isinstance(email, bytes):
        return email
    if isinstance(email, str) and ("\n" in email or "\r" in email):
        return email.encode("utf-8")
    path = Path(email)
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise ReinferConfigurationError(
            f"Email {str(email)[:_PREVIEW]!r} is neither raw RFC 822 text (headers, a blank line, the body) "
            "nor an existing file; check the path (${CURDIR} is the robot file's folder)."
        ) from None
    except OSError as error:
        raise ReinferConfigurationError(f"Email file '{path}' cannot be read: {error}.") from None


def raw_headers(raw: bytes) -> str:
    """The header block, one ``Name: value`` per line, in the email's order, folds unfolded."""
    # compat32 keeps each value exactly as written (no decoding of encoded words).
    text = raw.decode("utf-8", errors="replace")
    parsed = Parser(policy=policy.compat32).parsestr(text, headersonly=True)
    lines = []
    for name, value in parsed.items():
        lines.append(f"{name}: {_FOLD.sub(' ', str(value)).strip()}")
    return "\n".join(lines)


def _text(part: Message) -> str:
    """A text part's content, decoded, with line ends as ``\n`` (mail on the wire uses CRLF)."""
    return _decoded(part).replace("\r\n", "\n")


def _decoded(part: Message) -> str:
    """A text part's content; an unknown charset falls back to UTF-8 with replacements."""
    try:
        if isinstance(part, EmailMessage):
            return str(part.get_content())
    except (LookupError, ValueError, AssertionError):
        pass
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        try:
            return payload.decode(part.get_content_charset() or "utf-8", errors="replace")
        except LookupError:
            return payload.decode("utf-8", errors="replace")
    return str(payload or "")


def _attachment(part: Message) -> dict[str, Any]:
    payload = part.get_payload(decode=True)
    size = len(payload) if isinstance(payload, bytes) else len(part.as_bytes())
    return {
        "name": part.get_filename() or "attachment",
        "size": size,
        "content_type": part.get_content_type(),
    }


def raw_email_document(
    raw: bytes | str,
    user_properties: Mapping[str, Any] | None = None,
    comment_id: str | None = None,
) -> dict[str, Any]:
    """One ``documents`` entry of ``predict-raw-emails`` from the bytes (or text) of an email.

    Raises ``ReinferConfigurationError`` when the text has no header lines: then it is
    not an email (or the headers were lost when it was copied).
    """
    data = raw.encode("utf-8") if isinstance(raw, str) else raw
    headers = raw_headers(data)
    if not headers:
        preview = data[:_PREVIEW].decode("utf-8", errors="replace")
        raise ReinferConfigurationError(
            f"Email starting {preview!r} has no header lines: an RFC 822 email starts with headers such as "
            "'From: ...' and 'Subject: ...', then a blank line, then the body."
        )
    message = BytesParser(policy=policy.default).parsebytes(data)
    body: dict[str, str] = {}
    for kind in ("plain", "html"):
        part = message.get_body(preferencelist=(kind,))
        if part is not None:
            body[kind] = _text(part)
    if not body:
        body["plain"] = ""
    raw_email: dict[str, Any] = {"headers": {"raw": headers}, "body": body}
    attachments = [_attachment(part) for part in message.iter_attachments()]
    if attachments:
        raw_email["attachments"] = attachments
    document: dict[str, Any] = {"raw_email": raw_email}
    if user_properties:
        document["user_properties"] = dict(user_properties)
    if comment_id:
        document["comment_id"] = comment_id
    return document
