"""Label typos in robot code warn once, with "did you mean", when the taxonomy is known."""

from __future__ import annotations

from typing import TYPE_CHECKING

import responses
from conftest import FAKE_DATASET, FAKE_TENANT

from ReinferLibrary.keywords.base import LibraryContext
from ReinferLibrary.keywords.labels import LabelKeywords
from ReinferLibrary.keywords.options import ConnectionOptions

if TYPE_CHECKING:
    from conftest import LogRecorder

DATASET_URL = f"{FAKE_TENANT}/api/v1/datasets/{FAKE_DATASET}"
TAXONOMY = {
    "status": "ok",
    "dataset": {"name": "retail-inbox", "label_defs": [{"name": "Order > Missing"}, {"name": "Praise"}]},
}
ITEM = {"uid": "s.c1", "labels": [{"name": ["Order", "Missing"], "probability": 0.9}], "entities": []}


def test_a_typo_warns_once_and_known_names_do_not(
    context: LibraryContext, api: responses.RequestsMock, log: LogRecorder
) -> None:
    api.get(DATASET_URL, json=TAXONOMY)  # read once for the whole connection
    labels = LabelKeywords(context)
    assert labels.has_label(ITEM, "Order > Mising") is False
    assert labels.get_label_confidence(ITEM, "Order > Mising") == 0.0
    assert labels.has_label(ITEM, ["Order", "Missing"]) is True
    assert labels.has_label(ITEM, "Order") is False  # a parent is a label of its own: no warning
    assert log.texts("WARN") == [
        "Label 'Order > Mising' is not in the taxonomy of acme/retail-inbox "
        "(did you mean 'Order > Missing'?); no comment will ever carry it."
    ]


def test_no_open_connection_means_no_check_and_no_connect(log: LogRecorder) -> None:
    labels = LabelKeywords(LibraryContext(ConnectionOptions()))
    assert labels.has_label(ITEM, "Order > Mising") is False
    assert log.texts("WARN") == []


def test_an_unreadable_taxonomy_skips_the_check(
    context: LibraryContext, api: responses.RequestsMock, log: LogRecorder
) -> None:
    api.get(DATASET_URL, status=403, json={"status": "error", "message": "forbidden"})
    assert LabelKeywords(context).has_label(ITEM, "Order > Mising") is False
    assert log.texts("WARN") == []
    assert any("Label names not checked" in text for text in log.texts("DEBUG"))
