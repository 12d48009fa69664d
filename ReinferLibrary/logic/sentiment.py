"""The sentiment of one predicted label, for datasets created with sentiment enabled.

On such a dataset every label a stream ``fetch`` or a Predict answer carries has a
``sentiment`` from -1 (negative) to 1 (positive). ``/results`` answers and Elasticsearch
answers carry none, nor does any label of a dataset without sentiment: asking then is a
configuration error (no comment will ever answer), whereas a label the comment does not
carry is a business error about that comment, or ``default`` when one is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import ItemDataError, ReinferConfigurationError
from .items import field, item_labels, item_uid, label_fields
from .labels import present_labels_text
from .names import canonical_name

NO_SENTIMENT_ROUTES = {
    "results": "items of Fetch Trigger Batch with api=results carry no sentiment (the /results route has "
    "none); fetch with api=fetch (the default) or ask a Predict keyword",
    "elasticsearch": "Elasticsearch answers carry no sentiment; ask a Predict keyword of a dataset with "
    "sentiment enabled",
}


def label_sentiment(item: Any, label: str | Sequence[str], default: float | None = None) -> float:
    """Sentiment (-1..1) of ``label`` on the item.

    * The item carries the label with a sentiment: that number.
    * It carries the label without one (or carries labels, none with a sentiment), or it came
      from ``/results`` or Elasticsearch: ``ReinferConfigurationError``, whatever ``default``.
    * It does not carry the label: ``default`` when given, else ``ItemDataError``.
    """
    wanted = canonical_name(label)
    uid = item_uid(item) or "(no uid)"
    origin = field(item, "origin")
    if origin in NO_SENTIMENT_ROUTES:
        raise ReinferConfigurationError(
            f"No sentiment for label '{wanted}' on comment {uid}: {NO_SENTIMENT_ROUTES[origin]}."
        )
    labels = item_labels(item)
    any_sentiment = False
    for index, candidate in enumerate(labels):
        name = label_fields(item, index, candidate)[0]
        value = field(candidate, "sentiment")
        if name == wanted:
            if value is None:
                raise _no_sentiment(wanted, uid, field(item, "dataset"))
            return float(value)
        any_sentiment = any_sentiment or value is not None
    if labels and not any_sentiment:
        raise _no_sentiment(wanted, uid, field(item, "dataset"))
    if default is not None:
        return float(default)
    raise ItemDataError(
        "missing label",
        f"comment {uid} does not carry label '{wanted}', so it has no sentiment for it "
        f"(its labels: {present_labels_text(item)}); check Has Label first, or give default= "
        "to use a value instead.",
    )


def _no_sentiment(label: str, uid: str, dataset: Any) -> ReinferConfigurationError:
    which = f"dataset {dataset}" if dataset else "the dataset"
    return ReinferConfigurationError(
        f"No sentiment for label '{label}' on comment {uid}: its labels carry none, so {which} was "
        "not created with sentiment enabled (has_sentiment); use a dataset with sentiment, or leave "
        "Get Label Sentiment out."
    )
