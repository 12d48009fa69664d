"""Which labels a comment has, at which confidence, and its label properties."""

from __future__ import annotations

from typing import Literal

from robot.api.deco import keyword

from .. import logic
from ..logic.items import check_item, item_uid
from ..logic.report import kept_text
from ..models import AutoThreshold, Item, ThresholdConfig
from .auto_names import named_rule
from .base import LibraryComponent, info_enabled


class LabelKeywords(LibraryComponent):
    """Keywords of the ``Labels`` area."""

    @keyword(tags=("Labels",))
    def labels_above_threshold(
        self,
        item: Item,
        thresholds: ThresholdConfig | None = None,
        default: float | None = None,
        auto: AutoThreshold | None = None,
        level: Literal["all", "leaves", "parents"] = "all",
    ) -> list[str]:
        """Return the names of the item's labels that clear their thresholds.

        For each predicted label (see `Thresholds`):

        - named in ``thresholds``: counts when its confidence is at or above that
          number, whatever ``default`` and ``auto`` say;
        - not named: counts when its confidence is at or above ``default``, *or* when
          its ``auto_thresholds`` include ``auto``; with both set, either is enough;
        - else it is dropped.

        Only with no ``thresholds`` at all (not even an empty dictionary) and no
        ``default`` or ``auto`` does every label the item carries count (the stream
        already applied its own thresholds). An empty dictionary names no label, so on
        its own it keeps nothing.

        Auto-threshold names come with ``api=results`` items of `Fetch Trigger Batch`
        and with predictions made with ``threshold=auto``. For items of the default
        ``api=fetch`` route they are computed, when ``auto`` may decide a label, from the
        validation of the model version the stream is pinned to (read once per connection
        and version: one request the first time; never without ``auto``); a validation
        the token may not read fails with a configuration error naming what to do. Items
        of `Infer With Trained Model` and predictions made with a number carry none, so
        when ``auto`` alone (no ``default``) would decide a label of such an item, the
        keyword fails with a configuration error instead of silently keeping nothing.

        Label names may be written ``Order > Missing`` or as a list ``[Order, Missing]``,
        also as dictionary keys; results are always ``Order > Missing``. A dictionary
        changed in place (``Set To Dictionary``) is read again on the next call.

        Logs one line naming the labels kept, their confidences and what each cleared,
        e.g. ``Kept 2 of 5 labels on src.c1: Order > Late Delivery 0.934 >= 0.35;
        Praise 0.620 >= 0.5 (default).`` (at most 25 are spelled out), at INFO: a run with
        ``--loglevel WARN`` does not even build it.

        Args:
            item: One item of ``${batch.results}`` (or of a prediction).
            thresholds: Label name -> threshold (0..1), or the result of `Load Thresholds`
                (whose ``default`` and ``auto`` apply unless given here).
            default: Threshold for labels not named in ``thresholds``.
            auto: ``high_recall``, ``balanced`` or ``high_precision``: labels not named
                in ``thresholds`` also count when their auto-threshold names include it.
            level: ``all``; ``leaves``: labels none of whose children also cleared
                (``Order`` alone is a leaf, ``Order`` next to ``Order > Missing`` is not);
                ``parents``: labels with at least one child that also cleared.

        Returns:
            Names as ``"A > B"`` text, highest confidence first; equal confidences keep
            the item's order.

        Example:
        | ${labels} = | Labels Above Threshold | ${item} | thresholds=${config} |
        | ${labels} = | Labels Above Threshold | ${item} | default=0.5 | level=leaves |
        | &{th} = | Create Dictionary | Order > Missing=${0.62} | [Order, Damaged]=${0.5} |
        | ${labels} = | Labels Above Threshold | ${item} | thresholds=${th} |
        | IF | 'Order > Missing' in ${labels} | Route To Warehouse | ${item} |
        """
        checked = check_item(item)
        rule = named_rule(self, (checked,), thresholds, default, auto)
        selection = logic.select_labels(checked, rule, level=level)
        if info_enabled():  # not even formatted when the run's log level drops it
            self.info(kept_text(selection, item_uid(checked), level))
        return selection.names

    @keyword(tags=("Labels",))
    def has_label(
        self,
        item: Item,
        label: str | list[str],
        threshold: float | None = None,
        thresholds: ThresholdConfig | None = None,
        default: float | None = None,
        auto: AutoThreshold | None = None,
    ) -> bool:
        """Return ``True`` when the item has the label and it clears its threshold.

        For ``IF`` and ``WHILE``. ``threshold`` (one number from 0 to 1) decides when
        given. Otherwise the thresholds, the default and the auto name decide exactly
        as in `Labels Above Threshold`, including its failure when only an auto name
        would decide on an item without auto-threshold names. With none of them, carrying
        the label at all is enough.

        Args:
            item: One item of ``${batch.results}``.
            label: ``Order > Missing`` or ``[Order, Missing]``.
            threshold: Lowest confidence that counts (inclusive), 0..1.
            thresholds: Label name -> threshold, or the result of `Load Thresholds`.
            default: Threshold when the label is not named in ``thresholds``.
            auto: ``high_recall``, ``balanced`` or ``high_precision``.

        Returns:
            ``True`` or ``False``.

        Example:
        | ${missing} = | Has Label | ${item} | Order > Missing | threshold=0.6 |
        | IF | ${missing} | Open Claim | ${item} |
        """
        checked = check_item(item)
        if threshold is None:
            rule = named_rule(self, (checked,), thresholds, default, auto)
            present = logic.has_label(checked, label, thresholds=rule)
        else:
            present = logic.has_label(checked, label, threshold, thresholds, default, auto)
        self.warn_unknown_label(label)  # after the arguments were checked: a bad call sends nothing
        return present

    @keyword(tags=("Labels",))
    def label_should_be_present(
        self,
        item: Item,
        label: str | list[str],
        threshold: float | None = None,
        thresholds: ThresholdConfig | None = None,
        default: float | None = None,
        auto: AutoThreshold | None = None,
        msg: str | None = None,
    ) -> None:
        """Fail unless the item has the label and it clears its threshold.

        Same rule as `Has Label`. The failure lists the labels the item does have,
        with their confidences.

        Args:
            item: One item of ``${batch.results}``.
            label: ``Order > Missing`` or ``[Order, Missing]``.
            threshold: Lowest confidence that counts (inclusive).
            thresholds: Label name -> threshold, or the result of `Load Thresholds`.
            default: Threshold when the label is not named in ``thresholds``.
            auto: ``high_recall``, ``balanced`` or ``high_precision``.
            msg: Failure message to use instead of the default one.

        Example:
        | Label Should Be Present | ${item} | Order > Missing | threshold=0.5 |
        """
        checked = check_item(item)
        if self.has_label(checked, label, threshold, thresholds, default, auto):
            return
        if msg:
            raise AssertionError(msg)
        name = logic.canonical_name(label)
        confidence = logic.find_label(checked, name)
        if confidence is None:
            problem = "is not present"
        elif threshold is not None:
            problem = f"has confidence {confidence[0]:.4f}, below the threshold {float(threshold):g}"
        else:
            problem = f"has confidence {confidence[0]:.4f}, which does not clear its threshold"
        raise AssertionError(
            f"Label '{name}' {problem} on comment {item_uid(checked) or '(no uid)'}; "
            f"its labels: {logic.present_labels_text(checked)}."
        )

    @keyword(tags=("Labels",))
    def get_label_confidence(self, item: Item, label: str | list[str]) -> float:
        """Return the confidence (0..1) of one label on the item, ``0.0`` when absent.

        Args:
            item: One item of ``${batch.results}``.
            label: ``Order > Missing`` or ``[Order, Missing]``.

        Returns:
            The confidence as a number.

        Example:
        | ${confidence} = | Get Label Confidence | ${item} | Order > Missing |
        | Should Be True | ${confidence} >= 0.5 |
        """
        confidence = logic.label_confidence(check_item(item), label)
        self.warn_unknown_label(label)
        return confidence

    @keyword(tags=("Labels",))
    def get_label_property(self, item: Item, name: str, default: float | None = None) -> float:
        """Return a label property of the item, such as ``tone`` or ``quality_of_service``.

        Label properties score the whole comment from -10 to 10 when the dataset has
        them enabled. Names ignore case, and spaces or hyphens count as ``_``.

        Args:
            item: One item of ``${batch.results}``.
            name: ``tone``, ``quality_of_service``, or another property name.
            default: Returned when the item has no such property. Without it, a missing
                property fails with a ``Business error (missing label property)``.

        Returns:
            The value as a number.

        Example:
        | ${tone} = | Get Label Property | ${item} | tone |
        | IF | ${tone} < -5 | Escalate | ${item} |
        | ${qos} = | Get Label Property | ${item} | quality of service | default=0 |
        """
        return logic.label_property(check_item(item), name, default)
