"""Threshold configuration: the file the business edits (see ``Load Thresholds``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from .versions import ModelVersion

AutoThreshold = Literal["high_recall", "balanced", "high_precision"]
AUTO_THRESHOLDS: tuple[str, ...] = ("high_recall", "balanced", "high_precision")


class ThresholdConfig(BaseModel):
    """Model version plus per-label thresholds, label names in canonical ``"A > B"`` form.

    ``default`` applies to labels not named; without it unnamed labels are dropped.
    ``auto`` keeps labels whose auto-thresholds include that name (used where no
    number was picked for a label).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    model_version: ModelVersion | None = None
    thresholds: dict[str, float] = Field(default_factory=dict)
    default: float | None = Field(default=None, ge=0.0, le=1.0)
    auto: AutoThreshold | None = None
    source: str | None = None
