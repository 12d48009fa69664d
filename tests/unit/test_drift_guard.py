"""The drift guard (Verify Model Configuration), model tags and model version details."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
import responses
from responses import matchers

from ReinferLibrary.errors import NotFoundError, ReinferConfigurationError
from ReinferLibrary.keywords.base import LibraryContext
from ReinferLibrary.keywords.model_versions import ModelKeywords
from ReinferLibrary.logic.model_versions import health_text, label_details, selected_labels, unreliable_reason
from ReinferLibrary.logic.names import did_you_mean, suggestions
from ReinferLibrary.logic.thresholds import threshold_problems
from ReinferLibrary.models import LabelValidation, ThresholdConfig, parse_model_version

if TYPE_CHECKING:
    from conftest import LogRecorder

TAXONOMY = [
    "Order",
    "Order > Missing",
    "Order > Damaged",
    "Order > Wrong Item",
    "Refund",
    "Complaint",
    "Praise",
]

# --- pure checks -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"), [(0, 0), (7, 7), ("7", 7), (" 12 ", 12), ("live", "live"), ("Staging", "staging")]
)
def test_parse_model_version(value: Any, expected: Any) -> None:
    assert parse_model_version(value) == expected


@pytest.mark.parametrize("value", ["livee", "prod", "", "1.5", -1, True, None, 2.0])
def test_parse_model_version_refuses(value: Any) -> None:
    with pytest.raises(ReinferConfigurationError, match="is not valid: give a pinned version number"):
        parse_model_version(value)


def test_suggestions_are_close_case_insensitive_and_canonical() -> None:
    assert suggestions("Order > Mising", TAXONOMY) == ["Order > Missing"]
    assert suggestions("order > missing", TAXONOMY) == ["Order > Missing"]
    assert suggestions("PRAISE", TAXONOMY) == ["Praise"]
    assert suggestions("Compliant", TAXONOMY) == ["Complaint"]
    assert suggestions("Billing > Invoice Query", TAXONOMY) == []
    assert did_you_mean("Refnd", TAXONOMY) == " (did you mean 'Refund'?)"
    assert did_you_mean("Order > Damagd", TAXONOMY) == " (did you mean 'Order > Damaged'?)"
    assert did_you_mean("Shipping", TAXONOMY) == ""
    assert did_you_mean("Orde", ["Order", "Orders"]) == " (did you mean 'Order' or 'Orders'?)"


def test_threshold_problems_lists_everything_in_order() -> None:
    problems = threshold_problems(
        {"Order > Mising": 0.4, "Praise": 1.5, ("Refund",): "high", "Complaint": "0.3", "": 0.5}, TAXONOMY
    )
    assert problems == [
        "unknown label 'Order > Mising' (did you mean 'Order > Missing'?)",
        "threshold of 'Praise' must be a number from 0 to 1, got 1.5",
        "threshold of 'Refund' must be a number from 0 to 1, got 'high'",
        "label name '' is empty or has an empty level",
    ]
    assert threshold_problems({"Anything": 0.2}, None) == []


def curve(**fields: Any) -> LabelValidation:
    figures: dict[str, Any] = {
        "thresholds": [0.9, 0.6, 0.4, 0.2],
        "precisions": [1.0, 0.95, 0.8, 0.5],
        "recalls": [0.2, 0.6, 0.85, 1.0],
        "average_precision": 0.88,
        "optimal_thresholds": {"high_recall": 0.2, "balanced": 0.4, "high_precision": 0.6},
        "health": "good",
        "train_size": 40,
        "test_size": 12,
        "reviewed_size": 52,
    }
    figures.update(fields)
    return LabelValidation.model_validate(figures)


def test_unreliable_reason() -> None:
    assert unreliable_reason(curve()) is None
    assert unreliable_reason(curve(health="average")) is None
    assert unreliable_reason(curve(optimal_thresholds=None)) == "validation has no optimal thresholds for it"
    assert unreliable_reason(curve(optimal_thresholds={"balanced": None})) == (
        "validation has no optimal thresholds for it"
    )
    assert unreliable_reason(curve(health="poor")) == "its validation health is 'poor'"
    assert unreliable_reason(curve(health={"health": "Unreliable", "warnings": []})) == (
        "its validation health is 'unreliable'"
    )
    assert unreliable_reason(curve(test_size=3)) == "only 3 held-out example(s) validate it (fewer than 5)"
    assert unreliable_reason(curve(test_size=3), min_test_examples=3) is None
    assert unreliable_reason(curve(health=None, test_size=None)) is None


def test_health_text_forms() -> None:
    assert health_text(" Good ") == "good"
    assert health_text({"status": "amber"}) == "amber"
    assert health_text(42) is None
    assert health_text(None) is None


def test_label_details_reads_precision_and_recall_at_each_optimal_threshold() -> None:
    details = label_details(curve())
    assert details["optimal_thresholds"] == {"high_recall": 0.2, "balanced": 0.4, "high_precision": 0.6}
    assert details["precision"] == {"high_recall": 0.5, "balanced": 0.8, "high_precision": 0.95}
    assert details["recall"] == {"high_recall": 1.0, "balanced": 0.85, "high_precision": 0.6}
    assert details["reliable"] is True
    assert details["unreliable_reason"] is None
    assert (details["average_precision"], details["test_size"]) == (0.88, 12)
    none = label_details(curve(optimal_thresholds=None, health="unreliable"))
    assert none["precision"] == {"high_recall": None, "balanced": None, "high_precision": None}
    assert none["reliable"] is False


# --- the keywords over fake HTTP ---------------------------------------------------------------

BASE = "http://reinfer.test"
DS = BASE + "/api/v1/datasets/acme/retail-inbox"
PRIVATE = BASE + "/api/_private/datasets/acme/retail-inbox"
TAGS = {
    "status": "ok",
    "model_tags": [
        {"name": "staging", "version": 2, "updated_at": "2025-09-02T10:00:00Z"},
        {"name": "live", "version": 1, "updated_at": "2025-09-01T10:00:00Z"},
    ],
}


def summary(version: int) -> dict[str, Any]:
    return {
        "status": "ok",
        "validation": {
            "version": version,
            "labels": [{"name": name, "parts": name.split(" > ")} for name in TAXONOMY],
            "num_labels": len(TAXONOMY),
            "dataset_quality": "good",
            "dataset_score": 78,
            "mean_average_precision_safe": 0.84,
        },
    }


@pytest.fixture
def kw(log: LogRecorder, context: LibraryContext) -> ModelKeywords:
    return ModelKeywords(context)


def label_validation(api: responses.RequestsMock, version: int, label: str, value: LabelValidation) -> None:
    api.post(
        f"{PRIVATE}/labellers/{version}/label-validation",
        json={"status": "ok", "label_validation": value.model_dump()},
        match=[matchers.json_params_matcher({"label": label})],
    )


def test_verify_passes_and_warns_about_unreliable_labels(
    api: responses.RequestsMock, kw: ModelKeywords, log: LogRecorder
) -> None:
    api.get(DS + "/model-tags", json=TAGS)
    api.get(DS + "/labellers/1/validation", json=summary(1))
    label_validation(api, 1, "Order > Missing", curve())
    label_validation(api, 1, "Praise", curve(optimal_thresholds=None, health="unreliable"))
    label_validation(api, 1, "Complaint", curve(test_size=2))
    config = ThresholdConfig(
        model_version="live", thresholds={"Order > Missing": 0.6, "Praise": 0.5, "Complaint": 0.45}
    )
    result = kw.verify_model_configuration(config)
    expected = [
        "Label 'Praise' of model version 1 of acme/retail-inbox is unreliable: validation has no optimal "
        "thresholds for it; leave it out in production (its confidences cannot be thresholded reliably).",
        "Label 'Complaint' of model version 1 of acme/retail-inbox is unreliable: only 2 held-out example(s) "
        "validate it (fewer than 5); leave it out in production (its confidences cannot be thresholded "
        "reliably).",
    ]
    assert result == {
        "version": 1,
        "model_version": "live",
        "dataset": "acme/retail-inbox",
        "trigger": None,
        "labels_checked": 3,
        "warnings": expected,
    }
    assert log.texts("WARN") == expected
    assert log.texts("INFO")[-1] == (
        "Thresholds fit model version 'live' = 1 of acme/retail-inbox (tags: live=1, staging=2): "
        "3 label(s) checked, 2 warning(s)."
    )


@pytest.mark.parametrize(
    ("fallback", "through", "drop"),
    [
        ({"default": 0.2}, "default 0.2", "default"),
        ({"auto": "balanced"}, "auto balanced", "auto"),
        ({"default": 0.2, "auto": "balanced"}, "default 0.2 or auto balanced", "default and auto"),
    ],
)
def test_verify_checks_every_label_a_default_or_auto_lets_through(
    api: responses.RequestsMock,
    kw: ModelKeywords,
    log: LogRecorder,
    fallback: dict[str, Any],
    through: str,
    drop: str,
) -> None:
    api.get(DS + "/model-tags", json=TAGS)
    api.get(DS + "/labellers/1/validation", json=summary(1))
    unreliable = {"Order": curve(test_size=2), "Order > Missing": curve(health="poor"), "Praise": None}
    for name in TAXONOMY:
        if unreliable.get(name, curve()) is not None:
            label_validation(api, 1, name, unreliable.get(name) or curve())
    api.post(
        f"{PRIVATE}/labellers/1/label-validation",
        status=404,
        json={"status": "error", "message": "no validation for label"},
        match=[matchers.json_params_matcher({"label": "Praise"})],
    )
    config = ThresholdConfig(model_version="live", thresholds={"Order": 0.5}, **fallback)
    result = kw.verify_model_configuration(config)
    asked = [json.loads(call.request.body or "{}")["label"] for call in api.calls[2:]]
    assert asked == TAXONOMY  # the named label first, then the model's other labels in order
    assert result.labels_checked == len(TAXONOMY)
    where = "of model version 1 of acme/retail-inbox is unreliable"
    assert result.warnings == [
        f"Label 'Order' {where}: only 2 held-out example(s) validate it (fewer than 5); leave it out in "
        "production (its confidences cannot be thresholded reliably).",
        f"Label 'Order > Missing' {where}: its validation health is 'poor'; the thresholds do not name it, "
        f"so {through} lets it through: give it threshold 1 (or drop {drop}) to leave it out "
        "in production.",
        f"Label 'Praise' {where}: the model has no validation for it; the thresholds do not name it, so "
        f"{through} lets it through: give it threshold 1 (or drop {drop}) to leave it out in "
        "production.",
    ]
    assert log.texts("WARN") == result.warnings
    assert log.texts("INFO")[-1] == (
        "Thresholds fit model version 'live' = 1 of acme/retail-inbox (tags: live=1, staging=2): "
        f"7 label(s) checked (1 named, 6 let through by {through}), 3 warning(s)."
    )


def test_verify_checks_the_model_labels_for_a_config_with_only_a_default(
    api: responses.RequestsMock, kw: ModelKeywords
) -> None:
    api.get(DS + "/model-tags", json=TAGS)
    api.get(DS + "/labellers/2/validation", json=summary(2))
    for name in TAXONOMY:
        label_validation(api, 2, name, curve())
    result = kw.verify_model_configuration(ThresholdConfig(model_version=2, default=0.5))
    assert (result.labels_checked, result.warnings) == (len(TAXONOMY), [])


def test_verify_fails_on_misspelt_labels_with_suggestions(
    api: responses.RequestsMock, kw: ModelKeywords
) -> None:
    api.get(DS + "/model-tags", json=TAGS)
    api.get(DS + "/labellers/2/validation", json=summary(2))
    config = ThresholdConfig(
        model_version=2,
        thresholds={"Order > Mising": 0.6, "praise": 0.5, "Shipping": 0.5, "Refund": 1.5},
        source="thresholds.yaml",
    )
    with pytest.raises(ReinferConfigurationError) as failure:
        kw.verify_model_configuration(config)
    assert str(failure.value) == (
        "Thresholds in thresholds.yaml do not fit model version 2 of acme/retail-inbox: unknown label "
        "'Order > Mising' (did you mean 'Order > Missing'?); unknown label 'praise' "
        "(did you mean 'Praise'?); unknown label 'Shipping'; threshold of 'Refund' must be a number "
        "from 0 to 1, got 1.5."
    )
    assert len(api.calls) == 2  # no per-label calls for a configuration that is wrong anyway


def test_verify_fails_on_an_unpinned_version(api: responses.RequestsMock, kw: ModelKeywords) -> None:
    api.get(DS + "/model-tags", json=TAGS)
    api.get(
        DS + "/labellers/7/validation",
        status=404,
        json={"status": "error", "message": "model version 7 of dataset acme/retail-inbox is not pinned"},
    )
    with pytest.raises(ReinferConfigurationError) as failure:
        kw.verify_model_configuration({"Order": 0.5}, model_version=7)
    assert str(failure.value) == (
        "Model version 7 of acme/retail-inbox is not pinned (pinned: 1, 2; tags: live=1, staging=2); "
        "pin it on the dataset's Models page, or set model_version to a pinned version."
    )


def test_verify_fails_on_a_tag_that_points_nowhere(api: responses.RequestsMock, kw: ModelKeywords) -> None:
    api.get(DS + "/model-tags", json={"status": "ok", "model_tags": [{"name": "live", "version": 1}]})
    with pytest.raises(
        ReinferConfigurationError,
        match=r"Model tag 'staging' of acme/retail-inbox points at no model version",
    ):
        kw.verify_model_configuration(ThresholdConfig(model_version="staging", thresholds={"Order": 0.5}))


def test_verify_needs_a_version_and_checks_it_before_calling(
    api: responses.RequestsMock, kw: ModelKeywords
) -> None:
    with pytest.raises(ReinferConfigurationError, match="needs a model version"):
        kw.verify_model_configuration({"Order": 0.5})
    with pytest.raises(ReinferConfigurationError, match="Did you mean 'live'"):
        kw.verify_model_configuration({"Order": 0.5}, model_version="livee")
    with pytest.raises(ReinferConfigurationError, match="load a thresholds file once"):
        kw.verify_model_configuration("thresholds.yaml", model_version=1)
    assert len(api.calls) == 0


def test_verify_uses_the_dataset_taxonomy_when_validation_lists_no_labels(
    api: responses.RequestsMock, kw: ModelKeywords
) -> None:
    api.get(DS + "/model-tags", json=TAGS)
    api.get(DS + "/labellers/1/validation", json={"status": "ok", "validation": {"version": 1}})
    api.get(DS, json={"status": "ok", "dataset": {"name": "retail-inbox", "label_defs": [{"name": "Order"}]}})
    with pytest.raises(ReinferConfigurationError, match="unknown label 'Ordr' \\(did you mean 'Order'\\?\\)"):
        kw.verify_model_configuration({"Ordr": 0.5}, model_version=1)


def test_get_model_tags(api: responses.RequestsMock, kw: ModelKeywords, log: LogRecorder) -> None:
    api.get(DS + "/model-tags", json=TAGS)
    assert kw.get_model_tags() == {"staging": 2, "live": 1}
    tags = kw.get_model_tags(details=True)
    assert tags.live.version == 1
    assert tags.live.updated_at == "2025-09-01T10:00:00Z"
    assert log.texts("INFO")[-1] == (
        "Model tags of acme/retail-inbox: staging=2 (set 2025-09-02T10:00:00Z), "
        "live=1 (set 2025-09-01T10:00:00Z)."
    )


def test_get_model_version_details(api: responses.RequestsMock, kw: ModelKeywords) -> None:
    api.get(DS + "/labellers/staging/validation", json=summary(2))
    label_validation(api, 2, "Order > Missing", curve())
    label_validation(api, 2, "Praise", curve(health="poor"))
    details = kw.get_model_version_details("staging", labels=[["Order", "Missing"], "Praise"])
    assert details.version == 2
    assert details.summary.dataset_quality == "good"
    assert details.summary.labels[1].name == "Order > Missing"
    assert list(details.labels) == ["Order > Missing", "Praise"]
    assert details.labels["Order > Missing"].precision.balanced == 0.8
    assert details.labels["Order > Missing"].optimal_thresholds.high_precision == 0.6
    assert details.unreliable == ["Praise"]
    assert json.loads(json.dumps(details)) == details


def test_get_model_version_details_without_labels_makes_one_call(
    api: responses.RequestsMock, kw: ModelKeywords
) -> None:
    api.get(DS + "/labellers/1/validation", json=summary(1))
    details = kw.get_model_version_details(1, labels=False)
    assert details.labels == {}
    assert len(api.calls) == 1


def test_get_model_version_details_for_every_label(api: responses.RequestsMock, kw: ModelKeywords) -> None:
    api.get(DS + "/labellers/live/validation", json=summary(1))
    for name in TAXONOMY:
        label_validation(api, 1, name, curve())
    assert list(kw.get_model_version_details().labels) == TAXONOMY


@pytest.mark.parametrize(("labels", "count"), [("False", 0), ("none", 0), ("ALL", 7), ("Praise", 1)])
def test_labels_given_as_text(labels: str, count: int) -> None:
    assert len(selected_labels(labels, TAXONOMY, "Model version 1")) == count


def test_get_model_version_details_of_an_unpinned_version_names_the_pinned_ones(
    api: responses.RequestsMock, kw: ModelKeywords
) -> None:
    api.get(DS + "/labellers/7/validation", status=404, json={"status": "error", "message": "not pinned"})
    api.get(DS + "/model-tags", json=TAGS)
    with pytest.raises(ReinferConfigurationError) as failure:
        kw.get_model_version_details(7)
    assert str(failure.value) == (
        "Model version 7 of acme/retail-inbox is not pinned (pinned: 1, 2; tags: live=1, staging=2); "
        "pin it on the dataset's Models page, or set model_version to a pinned version."
    )


def test_get_model_version_details_of_a_tag_that_points_nowhere(
    api: responses.RequestsMock, kw: ModelKeywords
) -> None:
    api.get(DS + "/labellers/staging/validation", status=404, json={"status": "error", "message": "no tag"})
    api.get(DS + "/model-tags", json={"status": "ok", "model_tags": [{"name": "live", "version": 1}]})
    with pytest.raises(
        ReinferConfigurationError, match="Model tag 'staging' of acme/retail-inbox points at no"
    ):
        kw.get_model_version_details("staging")


def test_get_model_version_details_of_a_missing_dataset_says_so(
    api: responses.RequestsMock, kw: ModelKeywords
) -> None:
    missing = BASE + "/api/v1/datasets/acme/nope"
    gone = {"status": "error", "message": "dataset 'acme/nope' does not exist"}
    api.get(missing + "/labellers/live/validation", status=404, json=gone)
    api.get(missing + "/model-tags", status=404, json=gone)
    with pytest.raises(NotFoundError, match="dataset 'acme/nope' does not exist"):
        kw.get_model_version_details(dataset="acme/nope")


def routing(version: int | None, thresholds: dict[str, float]) -> dict[str, Any]:
    model = {
        "version": version,
        "label_thresholds": [
            {"name": name.split(" > "), "threshold": value} for name, value in thresholds.items()
        ],
    }
    return {
        "status": "ok",
        "stream": {
            "id": "0123456789abcdef",
            "name": "routing",
            "model": model if version is not None else None,
        },
    }


def trigger_and_model(
    api: responses.RequestsMock, stream: int | None, thresholds: dict[str, float], checked: int
) -> None:
    """The reads of Verify Model Configuration with trigger=: the stream, the tags, the version checked."""
    api.get(DS + "/streams/routing", json=routing(stream, thresholds))
    api.get(DS + "/model-tags", json=TAGS)
    api.get(DS + f"/labellers/{checked}/validation", json=summary(checked))


def test_verify_with_a_trigger_fails_on_another_pinned_version(
    api: responses.RequestsMock, kw: ModelKeywords
) -> None:
    trigger_and_model(api, 1, {"Order": 0.5}, 2)
    config = ThresholdConfig(model_version="staging", thresholds={"Order": 0.5}, source="v2.yaml")
    with pytest.raises(ReinferConfigurationError) as failure:
        kw.verify_model_configuration(config, trigger="routing")
    assert str(failure.value) == (
        "Thresholds in v2.yaml are for model version 'staging' = 2 of acme/retail-inbox, but trigger "
        "'routing' "
        "is pinned to version 1, whose confidences they were not chosen for; load the thresholds made for "
        "version 1, or move the trigger to version 2 with Update Trigger (model_version=2)."
    )


def test_verify_with_a_trigger_fails_when_it_has_no_model(
    api: responses.RequestsMock, kw: ModelKeywords
) -> None:
    trigger_and_model(api, None, {}, 1)
    with pytest.raises(ReinferConfigurationError, match="trigger 'routing' has no model"):
        kw.verify_model_configuration(
            ThresholdConfig(model_version=1, thresholds={"Order": 0.5}), trigger="routing"
        )


def test_verify_with_a_trigger_warns_about_thresholds_below_the_trigger_own(
    api: responses.RequestsMock, kw: ModelKeywords, log: LogRecorder
) -> None:
    trigger_and_model(api, 1, {"Order": 0.5, "Refund": 0.3, "Praise": 0.7}, 1)
    for name in ("Order", "Refund", "Complaint", "Order > Missing"):
        label_validation(api, 1, name, curve())
    config = ThresholdConfig(
        model_version=1,
        thresholds={"Order": 0.4, "Refund": 0.3, "Complaint": 0.6, "Order > Missing": 1.0},
        default=0.6,
    )
    # the default lets every unnamed label through: those are checked too
    for name in ("Order > Damaged", "Order > Wrong Item", "Praise"):
        label_validation(api, 1, name, curve())
    result = kw.verify_model_configuration(config, trigger="acme/retail-inbox/routing")
    assert result.trigger == "routing"
    assert result.version == 1
    assert result.warnings == [
        "Label 'Order' has robot threshold 0.4, below the 0.5 trigger 'routing' has for it: the trigger "
        "never returns it "
        "below 0.5, so confidences from 0.4 up to 0.5 never reach the robot; lower the trigger's threshold "
        "with "
        "Update Trigger, or raise the robot's to 0.5.",
        "Label 'Complaint' has robot threshold 0.6 but trigger 'routing' has no threshold for it, so the "
        "trigger "
        "never returns it; give the trigger a threshold for it with Update Trigger, or remove it from the "
        "robot's thresholds.",
        "Robot default 0.6 is below the thresholds trigger 'routing' has for 1 label(s) the robot's "
        "thresholds "
        "do not name: 'Praise' (0.7); the trigger never returns them below its own thresholds, so name them "
        "in "
        "the robot's thresholds or lower the trigger's.",
    ]
    assert log.texts("WARN") == result.warnings
    assert "the version trigger 'routing' is pinned to" in log.texts("INFO")[-1]


def test_verify_with_a_trigger_takes_its_version_when_the_config_names_none(
    api: responses.RequestsMock, kw: ModelKeywords
) -> None:
    trigger_and_model(api, 2, {"Order": 0.5}, 2)
    label_validation(api, 2, "Order", curve())
    result = kw.verify_model_configuration({"Order": 0.5}, trigger="routing")
    assert (result.version, result.warnings) == (2, [])
