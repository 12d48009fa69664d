"""The sentiment of a predicted label, on datasets with sentiment enabled."""

from __future__ import annotations

from robot.api.deco import keyword

from ..logic.items import check_item
from ..logic.sentiment import label_sentiment
from ..models import Item
from .base import LibraryComponent


class SentimentKeywords(LibraryComponent):
    """Keywords of the ``Labels`` area that read sentiment."""

    @keyword(tags=("Labels",))
    def get_label_sentiment(self, item: Item, label: str | list[str], default: float | None = None) -> float:
        """Return the sentiment of one label on the item: -1 (negative) to 1 (positive).

        Only datasets created with sentiment enabled (``has_sentiment``) have it: there
        every label of a `Fetch Trigger Batch` item (the default ``api=fetch``) and of a
        `Predict Text`, `Predict Comments` or `Predict Emails` item carries a sentiment.
        The whole comment's sentiment of a Predict answer is ``${item.sentiment}``.

        - The item carries the label: its sentiment, a number.
        - The item does not carry the label (the model did not predict it, or the stream's
          threshold dropped it): ``default`` when given, else a
          ``Business error (missing label)`` naming the labels the item has. Check
          `Has Label` first, or give ``default=``.
        - The item's labels carry no sentiment (a dataset without sentiment), or the item
          comes from ``api=results`` or `Infer With Trained Model` (those answers never
          have it): a configuration error, also with ``default=``, because no comment
          would ever answer and a default would hide that.

        Label names may be written ``Order > Missing`` or ``[Order, Missing]``; a name not
        in the connection's dataset is warned about once, as in `Has Label`.

        Args:
            item: One item of ``${batch.results}`` or of a Predict keyword.
            label: ``Order > Missing`` or ``[Order, Missing]``.
            default: Returned when the item does not carry the label.

        Returns:
            The sentiment as a number from -1 to 1.

        Example:
        | ${batch} = | Fetch Trigger Batch | acme/retail-sentiment/routing |
        | ${item} = | Set Variable | ${batch.results}[0] |
        | ${mood} = | Get Label Sentiment | ${item} | Complaint | default=0 |
        | IF | ${mood} < -0.5 | Escalate | ${item} |
        | ${missing} = | Get Label Sentiment | ${item} | [Order, Missing] | default=0 |
        """
        value = label_sentiment(check_item(item), label, default)
        self.warn_unknown_label(label)  # after the item was read: a bad call sends nothing
        return value
