"""Validation maths: curves, average precision, auto-thresholds, the split and the summary."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from sklearn.metrics import average_precision_score

from ReinferLibrary.sandbox.nlp.validation import (
    curve,
    evaluate,
    label_validation,
    optimal_thresholds,
    split,
    summary,
)


def test_curve_has_one_point_per_distinct_score_with_thresholds_descending() -> None:
    thresholds, precisions, recalls = curve([0.6, 0.9, 0.7, 0.8], [False, True, True, False])
    assert thresholds == [0.9, 0.8, 0.7, 0.6]
    assert precisions == pytest.approx([1.0, 0.5, 2 / 3, 0.5])
    assert recalls == pytest.approx([0.5, 0.5, 1.0, 1.0])


def test_tied_scores_form_a_single_point() -> None:
    thresholds, precisions, recalls = curve([0.5, 0.5, 0.2], [True, False, True])
    assert thresholds == [0.5, 0.2]
    assert precisions == pytest.approx([0.5, 2 / 3])
    assert recalls == pytest.approx([0.5, 1.0])


def test_average_precision_matches_scikit_learn() -> None:
    rng = np.random.RandomState(0)
    truth = [bool(x) for x in rng.rand(80) < 0.3]
    scores = [float(round(x, 2)) for x in rng.rand(80)]  # rounding creates ties
    result = label_validation(scores, truth)
    assert result["average_precision"] == pytest.approx(average_precision_score(truth, scores))


def test_optimal_thresholds_pick_the_documented_points() -> None:
    thresholds = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4]
    precisions = [1.0, 1.0, 0.95, 0.8, 0.7, 0.5]
    recalls = [0.2, 0.4, 0.6, 0.8, 0.9, 1.0]
    optimal = optimal_thresholds(thresholds, precisions, recalls)
    f1 = [2 * p * r / (p + r) for p, r in zip(precisions, recalls, strict=True)]
    assert optimal == {
        "balanced": thresholds[f1.index(max(f1))],  # 0.6 (F1 0.8)
        "high_precision": 0.7,  # lowest threshold with precision >= 0.9
        "high_recall": 0.5,  # highest threshold with recall >= 0.9
    }


def test_high_precision_falls_back_to_the_most_precise_point() -> None:
    optimal = optimal_thresholds([0.9, 0.5, 0.1], [0.6, 0.8, 0.5], [0.3, 0.8, 1.0])
    assert optimal is not None
    assert optimal["high_precision"] == 0.5 == optimal["balanced"]
    assert optimal["high_recall"] == 0.1


def test_labels_with_too_few_test_examples_are_unreliable() -> None:
    result = label_validation([0.9, 0.1, 0.2], [True, False, False])
    assert result["average_precision"] is None
    assert result["optimal_thresholds"] is None
    assert result["health"] == "unreliable"
    assert result["thresholds"] == [0.9, 0.2, 0.1]  # the curve is still there to look at


def test_health_follows_average_precision() -> None:
    good = label_validation([0.9, 0.8, 0.1, 0.2], [True, True, False, False])
    poor = label_validation([0.1, 0.2, 0.9, 0.8], [True, True, False, False])
    assert (good["health"], good["average_precision"]) == ("good", 1.0)
    assert poor["health"] == "poor"
    assert good["test_error_count"] == 0 and good["test_expected_count"] == 2


def test_split_is_deterministic_disjoint_and_reaches_rare_labels() -> None:
    assigned = [frozenset({"Common"})] * 40 + [frozenset({"Common", "Rare"})] * 4 + [frozenset()] * 12
    train, test = split(assigned, seed=5)
    assert (train, test) == split(assigned, seed=5)
    assert set(train).isdisjoint(test) and sorted(train + test) == list(range(len(assigned)))
    assert any("Rare" in assigned[i] for i in test) and any("Rare" in assigned[i] for i in train)
    assert len(test) == pytest.approx(0.25 * len(assigned), abs=2)
    assert split(assigned, seed=6) != (train, test)


def test_a_single_comment_cannot_be_split() -> None:
    assert split([frozenset({"A"})], seed=0) == ([0], [])


class _KeywordScorer:
    """Scores 0.9 when the label's keyword is in the text: enough to test ``evaluate`` end to end."""

    def __init__(self, labels: Sequence[str]) -> None:
        self.labels = labels

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        return np.array([[0.9 if label.lower() in text else 0.1 for label in self.labels] for text in texts])


def test_evaluate_fits_on_the_training_part_and_summarises() -> None:
    labels = ["Refund", "Praise"]
    texts = [f"refund {i}" for i in range(20)] + [f"praise {i}" for i in range(20)] + ["other"] * 8
    assigned = [frozenset({"Refund"})] * 20 + [frozenset({"Praise"})] * 20 + [frozenset()] * 8
    fitted_on: list[int] = []

    def fit(train_texts: Sequence[str], train_sets: Sequence[frozenset[str]]) -> _KeywordScorer:
        fitted_on.append(len(train_texts))
        return _KeywordScorer(labels)

    report = evaluate(fit, texts, assigned, labels, seed=1)
    summary_ = report
    assert fitted_on == [summary_["train_size"]]
    assert summary_["train_size"] + summary_["test_size"] == 48
    assert summary_["mean_average_precision"] == 1.0
    assert (summary_["dataset_quality"], summary_["dataset_score"]) == ("excellent", 100)
    assert (summary_["num_amber_labels"], summary_["num_red_labels"]) == (0, 0)
    refund = report["labels"]["Refund"]
    assert refund["train_size"] + refund["test_size"] == refund["reviewed_size"] == 20
    assert refund["optimal_thresholds"] == {"high_recall": 0.9, "balanced": 0.9, "high_precision": 0.9}


def test_summary_counts_amber_and_red_labels_and_grades_the_dataset() -> None:
    per_label = {
        "A": label_validation([0.9, 0.8, 0.1, 0.2], [True, True, False, False]),  # good
        "B": label_validation([0.9, 0.8, 0.7, 0.2], [True, False, True, False]),  # AP 0.83 -> good
        "C": label_validation([0.9, 0.8, 0.7, 0.2], [False, True, False, True]),  # AP 0.5 -> average
        "D": label_validation([0.9, 0.1], [True, False]),  # unreliable
    }
    result = summary(per_label, train_size=30, test_size=10)
    assert result["num_labels"] == 4
    assert result["num_amber_labels"] == 1
    assert result["num_red_labels"] == 1
    assert result["mean_average_precision"] == pytest.approx((1.0 + 5 / 6 + 0.5) / 3)
    assert result["dataset_quality"] == "average"
    assert len(result["mean_precision_curve"]) == len(result["recalls"]) == 21
    empty = summary({}, 0, 0)
    assert (empty["dataset_quality"], empty["dataset_score"], empty["mean_average_precision"]) == (
        "none",
        0,
        None,
    )
