"""Silent traps made loud: label typos warn once with "did you mean" when the taxonomy is known,
and items of one route say what that route does not carry."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import responses
from conftest import FAKE_DATASET, FAKE_TENANT

from ReinferLibrary import ReinferLibrary
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


# --- routes: /results items say when table rows are not grouped -----------------------------


def _results_item(capture_ids: list[int]) -> dict[str, Any]:
    return {
        "uid": "s.c2",
        "origin": "results",
        "labels": [],
        "entities": [
            {"name": "order_number", "formatted_value": "ACM-1", "capture_ids": [0]},
            {"name": "monetary_quantity", "formatted_value": "12.99 GBP", "capture_ids": capture_ids},
        ],
    }


def test_results_items_warn_when_entities_belong_to_no_group(lib: ReinferLibrary, log: LogRecorder) -> None:
    groups = lib.get_entities_by_capture_group(_results_item([]))
    assert [group["capture_id"] for group in groups] == [0]
    assert log.texts("WARN") == [
        "1 entity(ies) of s.c2 (monetary_quantity) belong to no capture group: items from api=results "
        "group only the fields of each label; fetch with api=fetch for table rows."
    ]


def test_grouped_results_items_and_fetched_items_do_not_warn(lib: ReinferLibrary, log: LogRecorder) -> None:
    lib.get_entities_by_capture_group(_results_item([0]))
    lib.get_entities_by_capture_group({**_results_item([]), "origin": "fetch"})
    assert log.texts("WARN") == []
