"""Comments as the API returns them (section 2.1 of the API reference)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .base import ApiModel


class MessageText(ApiModel):
    text: str = ""
    translated_from: str | None = None


class Message(ApiModel):
    body: MessageText = Field(default_factory=MessageText)
    subject: MessageText | None = None
    signature: MessageText | None = None
    from_: str | None = Field(default=None, alias="from")
    to: list[str] | None = None
    cc: list[str] | None = None
    bcc: list[str] | None = None
    sent_at: str | None = None
    language: str | None = None


class Attachment(ApiModel):
    name: str
    size: int = 0
    content_type: str = ""
    content_hash: str | None = None
    inline: bool | None = None
    attachment_reference: str | None = None


class Comment(ApiModel):
    id: str
    uid: str
    source_id: str | None = None
    thread_id: str | None = None
    timestamp: str | None = None
    messages: list[Message] = Field(default_factory=list)
    user_properties: dict[str, Any] = Field(default_factory=dict)
    attachments: list[Attachment] = Field(default_factory=list)
    created_at: str | None = None
    last_modified: str | None = None
    text_format: str | None = None
    has_annotations: bool | None = None
