"""Datasets (with their label taxonomy), sources and sync counters (API reference 2.7, 6)."""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator, model_validator

from .base import ApiModel
from .names import label_name


class LabelDef(ApiModel):
    """One label of the taxonomy; ``name`` is always the ``"A > B"`` string form."""

    name: str
    title: str | None = None
    description: str | None = None
    instructions: str | None = None
    external_id: str | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _normalise_name(cls, value: Any) -> str:
        return label_name(value)


class EntityDef(ApiModel):
    name: str
    title: str | None = None
    kind: str | None = None


class LabelGroup(ApiModel):
    name: str = "default"
    label_defs: list[LabelDef] = Field(default_factory=list)


class Dataset(ApiModel):
    """A dataset as ``GET /api/v1/datasets/{owner}/{name}`` returns it.

    ``label_defs`` is the taxonomy a robot uses; when the server only sends label groups,
    it is filled from the group named ``default``.
    """

    id: str = ""
    owner: str = ""
    name: str
    title: str = ""
    description: str = ""
    label_defs: list[LabelDef] = Field(default_factory=list)
    label_groups: list[LabelGroup] = Field(default_factory=list)
    entity_defs: list[EntityDef] = Field(default_factory=list)
    source_ids: list[str] = Field(default_factory=list)
    has_sentiment: bool | None = None
    model_family: str | None = None
    created: str | None = None
    last_modified: str | None = None

    @model_validator(mode="after")
    def _taxonomy_from_default_group(self) -> Dataset:
        if not self.label_defs:
            group = next((g for g in self.label_groups if g.name == "default"), None)
            if group is not None:
                self.label_defs = list(group.label_defs)
        return self

    @property
    def full_name(self) -> str:
        """``"owner/name"``, the form every dataset argument takes."""
        return f"{self.owner}/{self.name}"

    @property
    def label_names(self) -> list[str]:
        """Every label of the taxonomy in ``"A > B"`` form, in the server's order."""
        return [label.name for label in self.label_defs]


class Source(ApiModel):
    id: str = ""
    owner: str = ""
    name: str
    title: str = ""
    description: str = ""
    language: str | None = None
    should_translate: bool | None = None
    kind: str | None = Field(default=None, alias="_kind")
    created_at: str | None = None
    updated_at: str | None = None
    last_modified: str | None = None


class SyncResult(ApiModel):
    """Counters of ``POST /api/v1/sources/{owner}/{name}/sync`` (more counters kept as extras)."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
