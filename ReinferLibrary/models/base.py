"""Base classes: lenient for what the API sends, strict for what we send."""

from __future__ import annotations

from collections.abc import Collection

from pydantic import BaseModel, ConfigDict, ValidationError

from ..errors import summarize


class ApiModel(BaseModel):
    """A response object: unknown fields are kept (``model_extra``), never rejected.

    The API grows fields over time; a robot that runs for months must not break
    because the server started sending something new.
    """

    model_config = ConfigDict(
        extra="allow",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


class RequestModel(BaseModel):
    """A request body: unknown fields are errors, so a typo fails before the call."""

    model_config = ConfigDict(
        extra="forbid",
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


def validation_problems(
    error: ValidationError,
    *,
    limit: int = 3,
    top: str = "value",
    inputs: bool = False,
    skip: Collection[str] = (),
) -> str:
    """The one way a pydantic error becomes text: ``loc: msg; loc: msg and 2 more``.

    At most ``limit`` problems are spelled out. ``top`` names a problem of the whole value
    (an empty location); ``inputs`` adds the value that was refused (cut to 60 characters;
    only for requests, never for answers, which may hold a customer's data); location
    parts in ``skip`` are left out (wrappers the reader never wrote).
    """
    parts = []
    for detail in error.errors(include_url=False):
        where = ".".join(str(part) for part in detail["loc"] if part not in skip) or top
        text = f"{where}: {detail['msg']}"
        if inputs:
            text += f" (got {detail.get('input')!r:.60})"
        parts.append(text)
    return summarize(parts, limit)
