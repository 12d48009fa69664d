"""Dataset, source and sync models: lenient, names normalised."""

from __future__ import annotations

from ReinferLibrary.models.datasets import Dataset, LabelDef, Source, SyncResult


def test_label_def_names_in_either_form() -> None:
    assert LabelDef.model_validate({"name": ["Order", "Missing"]}).name == "Order > Missing"
    assert LabelDef.model_validate({"name": "Order>Missing", "title": "Missing"}).name == "Order > Missing"
    assert (
        LabelDef.model_validate({"name": "Praise", "instructions": "Nice words"}).instructions == "Nice words"
    )


def test_dataset_is_lenient_and_keeps_extras() -> None:
    dataset = Dataset.model_validate({"name": "retail-inbox", "owner": "acme", "_timezone": "Europe/London"})
    assert dataset.full_name == "acme/retail-inbox"
    assert dataset.label_defs == []
    assert dataset.entity_defs == []
    assert dataset.model_extra == {"_timezone": "Europe/London"}


def test_dataset_taxonomy_from_default_label_group() -> None:
    dataset = Dataset.model_validate(
        {
            "name": "retail-inbox",
            "label_groups": [
                {"name": "other", "label_defs": [{"name": "Ignore"}]},
                {
                    "name": "default",
                    "label_defs": [{"name": ["Order", "Late Delivery"]}, {"name": "Complaint"}],
                },
            ],
        }
    )
    assert dataset.label_names == ["Order > Late Delivery", "Complaint"]


def test_dataset_label_defs_win_over_groups() -> None:
    dataset = Dataset.model_validate(
        {
            "name": "d",
            "label_defs": [{"name": "Praise"}],
            "label_groups": [{"name": "default", "label_defs": [{"name": "Other"}]}],
        }
    )
    assert dataset.label_names == ["Praise"]


def test_source_kind_alias() -> None:
    source = Source.model_validate({"name": "retail-inbox", "_kind": "unknown", "language": "en"})
    assert source.kind == "unknown"
    assert source.model_dump()["_kind"] == "unknown"


def test_sync_result_keeps_new_counters() -> None:
    result = SyncResult.model_validate({"new": 3, "updated": 1, "unchanged": 2, "updated_text_changed": 1})
    assert (result.new, result.updated, result.unchanged) == (3, 1, 2)
    assert result.model_extra == {"updated_text_changed": 1}
    assert SyncResult.model_validate({}).new == 0
