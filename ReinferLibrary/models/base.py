"""Base classes: lenient for what the API sends, strict for what we send."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


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
