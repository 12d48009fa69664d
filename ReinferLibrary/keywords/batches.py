"""Batch-level routing: one keyword call per batch instead of two per comment."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any, Literal

from robot.api.deco import keyword
from robot.utils import DotDict

from ..errors import ReinferConfigurationError
from ..logic.batches import route_batch
from ..models import AutoThreshold, Batch, ThresholdConfig
from .auto_names import named_rule
from .base import LibraryComponent, to_robot

NO_LABEL = "(no label)"


class LabelGroups(DotDict):
    """Label -> items of a batch; logs as a one-line summary, not as every item's text."""

    def __str__(self) -> str:
        counts = ", ".join(f"{label}: {len(items)}" for label, items in self.items())
        return f"Items by label ({counts or 'none'})"


def _results(batch: Any) -> list[Any]:
    if isinstance(batch, Batch):
        return list(batch.results)
    if isinstance(batch, MutableMapping) and isinstance(batch.get("results"), list):
        return list(batch["results"])
    if isinstance(batch, list):
        return batch
    raise ReinferConfigurationError(
        f"Group Batch By Label needs the batch from Fetch Trigger Batch (or a list of its items), "
        f"got {type(batch).__name__}."
    )


class BatchKeywords(LibraryComponent):
    """Keywords that work on a whole batch at once."""

    @keyword(tags=("Labels",))
    def group_batch_by_label(
        self,
        batch: dict | Batch | list,
        thresholds: ThresholdConfig | None = None,
        default: float | None = None,
        auto: AutoThreshold | None = None,
        level: Literal["all", "leaves", "parents"] = "all",
        rows: bool = True,
    ) -> DotDict:
        """Group a whole batch's items by the labels they clear, in one call.

        The batch-level idiom for robots that only route: thresholds and capture groups
        are applied once per batch, so routing needs a few keyword calls per batch instead
        of two per comment. Each label's threshold is chosen exactly as in
        `Labels Above Threshold` (same ``thresholds``, ``default``, ``auto`` and ``level``).

        Each item of the batch also gets two keys: ``selected_labels`` (the labels it
        cleared, highest confidence first) and, with ``rows=True``, ``rows`` (its entities
        grouped by capture id, as `Get Entities By Capture Group` returns them).

        Trade-off: the per-item idiom logs, per comment, which labels cleared which
        threshold; this keyword logs one line per batch (the number of items per label).
        Use it where throughput matters more than a per-comment log; handle per-comment
        business errors inside the group's keyword.

        Args:
            batch: The batch from `Fetch Trigger Batch` (or a list of its items).
            thresholds: Label name -> threshold, or the result of `Load Thresholds`.
            default: Threshold for labels not named in ``thresholds``.
            auto: ``high_recall``, ``balanced`` or ``high_precision``.
            level: ``all``, ``leaves`` or ``parents``, as in `Labels Above Threshold`.
            rows: Also add each item's capture groups as ``rows``.

        Returns:
            A dictionary: label name -> list of items, labels in order of first appearance;
            items that cleared no label are under ``(no label)``. An item that clears several
            labels is in each of their lists.

        Example:
        | ${batch} = | Fetch Trigger Batch | routing | size=64 | log_items=False |
        | ${groups} = | Group Batch By Label | ${batch} | thresholds=${config} |
        | FOR | ${label} | ${items} | IN | &{groups} |
        | | Hand Over To Queue | ${label} | ${items} | # each item has selected_labels and rows |
        | END |
        | Advance Trigger | routing | ${batch} |
        """
        items = _results(batch)
        rule = named_rule(self, items, thresholds, default, auto)  # api=fetch items get auto names first
        routing = route_batch(items, rule, level=level, rows=rows)
        for routed in routing.routed:
            if isinstance(routed.item, MutableMapping):
                routed.item["selected_labels"] = routed.labels
                if rows:
                    routed.item["rows"] = [to_robot(row) for row in routed.rows]
        groups = LabelGroups()
        for label, members in routing.by_label.items():
            groups[label] = members
        if routing.unlabelled:
            groups[NO_LABEL] = routing.unlabelled
        counts = ", ".join(f"{label} {len(members)}" for label, members in groups.items())
        self.info(f"Grouped {len(items)} item(s) by label: {counts or 'no items'}.")
        return groups
