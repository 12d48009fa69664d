"""Model tags and validation summaries: lenient, both label forms."""

from __future__ import annotations

from ReinferLibrary.models.validation import LabelValidation, ModelTag, ValidationSummary


def test_model_tag() -> None:
    tag = ModelTag.model_validate({"name": "live", "version": 8, "updated_at": "2024-01-01T00:00:00Z"})
    assert (tag.name, tag.version) == ("live", 8)


def test_validation_summary_v1_fields() -> None:
    summary = ValidationSummary.model_validate(
        {
            "version": 8,
            "labels": [{"name": "Order > Missing", "parts": ["Order", "Missing"]}, {"parts": ["Praise"]}],
            "entities": [{"name": "order_number", "title": "Order number"}],
            "num_reviewed_comments": 512,
            "num_labels": 2,
            "num_amber_labels": 1,
            "num_red_labels": 0,
            "mean_average_precision_safe": None,
            "dataset_quality": "average",
            "dataset_score": 64,
            "balance": 0.7,
            "balance_quality": "good",
            "coverage": None,
            "coverage_quality": None,
            "future_metric": 1,
        }
    )
    assert [label.name for label in summary.labels] == ["Order > Missing", "Praise"]
    assert summary.labels[1].parts == ["Praise"]
    assert summary.entities[0].title == "Order number"
    assert summary.dataset_score == 64
    assert isinstance(summary.dataset_score, int)
    assert summary.mean_average_precision_safe is None
    assert summary.model_extra == {"future_metric": 1}


def test_validation_summary_is_lenient() -> None:
    summary = ValidationSummary.model_validate({})
    assert summary.version is None
    assert summary.labels == []


def test_validation_labels_with_per_label_figures() -> None:
    listed = ValidationSummary.model_validate(
        {"labels": [{"name": ["Order", "Missing"], "average_precision": 0.9, "health": "good"}]}
    )
    assert listed.labels[0].name == "Order > Missing"
    assert listed.labels[0].parts == ["Order", "Missing"]
    assert listed.labels[0].model_extra == {"average_precision": 0.9, "health": "good"}
    mapped = ValidationSummary.model_validate(
        {"labels": {"Order > Missing": {"average_precision": 0.8}, "Praise": None}}
    )
    assert [label.name for label in mapped.labels] == ["Order > Missing", "Praise"]
    assert mapped.labels[0].model_extra == {"average_precision": 0.8}


def test_label_validation_curve_lookup() -> None:
    curve = LabelValidation.model_validate(
        {
            "thresholds": [0.9, 0.6, 0.3],
            "precisions": [1.0, 0.9, 0.7],
            "recalls": [0.1, 0.5, 0.9],
            "average_precision": 0.8,
            "optimal_thresholds": None,
            "train_size": 100,
            "test_size": 25,
            "reviewed_size": 125,
            "test_error_count": 3,
        }
    )
    assert curve.optimal_thresholds is None
    assert curve.at_threshold(0.95) == (1.0, 0.1)
    assert curve.at_threshold(0.6) == (0.9, 0.5)
    assert curve.at_threshold(0.5) == (0.7, 0.9)
    assert curve.at_threshold(0.1) is None
    assert curve.model_extra == {"test_error_count": 3}


def test_label_validation_optimal_thresholds() -> None:
    curve = LabelValidation.model_validate(
        {"optimal_thresholds": {"high_recall": 0.2, "balanced": 0.45, "high_precision": 0.8}, "health": None}
    )
    assert curve.optimal_thresholds is not None
    assert (
        curve.optimal_thresholds.high_recall,
        curve.optimal_thresholds.balanced,
        curve.optimal_thresholds.high_precision,
    ) == (0.2, 0.45, 0.8)
    assert curve.thresholds == []
