"""Held-out validation of a label model: precision/recall curves, average precision, auto-thresholds.

``evaluate`` splits the reviewed comments deterministically (about a quarter held out, spread
over labels so rare labels reach the test side too), fits a model on the rest through the
``fit`` callable it is given, and scores the held-out part. The result has the shapes the
validation routes serve:

* per label: ``precisions``/``recalls``/``thresholds`` (parallel, thresholds descending),
  ``average_precision``, ``optimal_thresholds`` (``high_recall`` <= ``balanced`` <=
  ``high_precision``, each a point of the curve), ``health``, ``train_size``, ``test_size``,
  ``reviewed_size`` (examples of the label), ``test_expected_count``, ``test_error_count``;
* beside ``labels``, the summary: mean average precision, label counts by health, dataset
  quality and score, train/test/reviewed sizes, and a mean precision curve.

A label with fewer than ``MIN_TEST_EXAMPLES`` held-out examples gets curves but no average
precision or thresholds, and health ``"unreliable"``: numbers from one example mislead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import numpy as np

TEST_FRACTION = 0.25
MIN_TEST_EXAMPLES = 2
TARGET = 0.9  # precision for high_precision, recall for high_recall
# Average precision bands for a label's health (and the amber/red counts of the summary).
GOOD_AP = 0.75
AVERAGE_AP = 0.5
# Dataset score bands, 0..100.
QUALITY_BANDS = ((85, "excellent"), (70, "good"), (50, "average"), (0, "poor"))
RECALL_GRID = [round(step / 20, 2) for step in range(21)]


class Scorer(Protocol):
    def scores(self, texts: Sequence[str]) -> np.ndarray: ...


Fit = Callable[[Sequence[str], Sequence[frozenset[str]]], Scorer]


def evaluate(
    fit: Fit, texts: Sequence[str], assigned: Sequence[frozenset[str]], labels: Sequence[str], seed: int
) -> dict[str, Any]:
    """Fit on a deterministic split, score the held-out part, and summarise per label and overall."""
    train_idx, test_idx = split(assigned, seed)
    if test_idx:
        model = fit([texts[i] for i in train_idx], [assigned[i] for i in train_idx])
        scores = model.scores([texts[i] for i in test_idx])
    else:
        scores = np.zeros((0, len(labels)))
    per_label = {}
    for column, label in enumerate(labels):
        truth = [label in assigned[i] for i in test_idx]
        result = label_validation([float(s) for s in scores[:, column]], truth)
        result["train_size"] = sum(label in assigned[i] for i in train_idx)
        result["reviewed_size"] = result["train_size"] + result["test_size"]
        per_label[label] = result
    # The summary sits beside "labels", as in the API's validation object.
    return {**summary(per_label, len(train_idx), len(test_idx)), "labels": per_label}


def split(assigned: Sequence[frozenset[str]], seed: int) -> tuple[list[int], list[int]]:
    """Train and test indexes: comments grouped by their rarest label, a quarter of each group held out.

    Grouping by the rarest label is a cheap multi-label stratification: a label with four
    examples still gets one in the test part. Groups of one stay in training.
    """
    counts = Counter(label for labels in assigned for label in labels)
    groups: dict[str, list[int]] = {}
    for index, labels in enumerate(assigned):
        key = min(labels, key=lambda label: (counts[label], label)) if labels else ""
        groups.setdefault(key, []).append(index)
    rng = np.random.RandomState(seed)
    test: list[int] = []
    for key in sorted(groups):
        members = groups[key]
        if len(members) < 2:
            continue
        take = max(1, round(len(members) * TEST_FRACTION))
        test.extend(members[i] for i in rng.permutation(len(members))[:take])
    held_out = set(test)
    train = [i for i in range(len(assigned)) if i not in held_out]
    if not train:
        return list(range(len(assigned))), []
    return train, sorted(test)


def label_validation(scores: Sequence[float], truth: Sequence[bool]) -> dict[str, Any]:
    """Curve, average precision, auto-thresholds and health of one label from held-out scores."""
    positives = sum(truth)
    thresholds, precisions, recalls = curve(scores, truth)
    reliable = positives >= MIN_TEST_EXAMPLES
    average_precision = _average_precision(precisions, recalls) if reliable else None
    optimal = optimal_thresholds(thresholds, precisions, recalls) if reliable else None
    errors = None
    if optimal is not None:
        cut = optimal["balanced"]
        errors = sum((score >= cut) != bool(actual) for score, actual in zip(scores, truth, strict=True))
    return {
        "thresholds": thresholds,
        "precisions": precisions,
        "recalls": recalls,
        "average_precision": average_precision,
        "optimal_thresholds": optimal,
        "health": _health(average_precision),
        "test_size": positives,
        "test_expected_count": positives,
        "test_error_count": errors,
    }


def curve(scores: Sequence[float], truth: Sequence[bool]) -> tuple[list[float], list[float], list[float]]:
    """One point per distinct score, thresholds descending; predicted means ``score >= threshold``."""
    positives = sum(truth)
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    thresholds: list[float] = []
    precisions: list[float] = []
    recalls: list[float] = []
    true_pos = false_pos = 0
    for rank, index in enumerate(order):
        if truth[index]:
            true_pos += 1
        else:
            false_pos += 1
        last_of_tie = rank + 1 == len(order) or scores[order[rank + 1]] != scores[index]
        if last_of_tie:
            thresholds.append(float(scores[index]))
            precisions.append(true_pos / (true_pos + false_pos))
            recalls.append(true_pos / positives if positives else 0.0)
    return thresholds, precisions, recalls


def optimal_thresholds(
    thresholds: Sequence[float], precisions: Sequence[float], recalls: Sequence[float]
) -> dict[str, float] | None:
    """``high_recall`` <= ``balanced`` <= ``high_precision``, each one of ``thresholds``.

    balanced: the point of best F1 (the higher threshold on a tie). high_precision: the lowest
    threshold, not below balanced, whose precision reaches 0.9; if none does, the most precise
    of those points. high_recall: the highest threshold whose recall reaches 0.9, but never
    above balanced. (Indexes grow as thresholds fall.)
    """
    if not thresholds:
        return None
    f1 = [2 * p * r / (p + r) if p + r else 0.0 for p, r in zip(precisions, recalls, strict=True)]
    balanced = max(range(len(f1)), key=lambda i: (f1[i], -i))
    at_or_above = range(balanced + 1)
    precise = [i for i in at_or_above if precisions[i] >= TARGET]
    high_precision = max(precise) if precise else max(at_or_above, key=lambda i: (precisions[i], i))
    first_recall = next((i for i, r in enumerate(recalls) if r >= TARGET), len(recalls) - 1)
    high_recall = max(first_recall, balanced)
    return {
        "high_recall": thresholds[high_recall],
        "balanced": thresholds[balanced],
        "high_precision": thresholds[high_precision],
    }


def summary(per_label: dict[str, dict[str, Any]], train_size: int, test_size: int) -> dict[str, Any]:
    """Dataset-level numbers: mean AP over reliable labels, amber/red counts, quality and score."""
    scored = [v["average_precision"] for v in per_label.values() if v["average_precision"] is not None]
    healths = Counter(v["health"] for v in per_label.values())
    num_labels = len(per_label)
    red = healths["poor"] + healths["unreliable"]
    amber = healths["average"]
    mean_ap = float(np.mean(scored)) if scored else None
    if mean_ap is None or not num_labels:
        score, quality = 0, "none"
    else:
        penalty = 1.0 - 0.5 * red / num_labels - 0.2 * amber / num_labels
        score = max(0, min(100, round(100 * mean_ap * penalty)))
        quality = next(name for floor, name in QUALITY_BANDS if score >= floor)
    return {
        "mean_average_precision": mean_ap,
        "num_labels": num_labels,
        "num_amber_labels": amber,
        "num_red_labels": red,
        "dataset_quality": quality,
        "dataset_score": score,
        "train_size": train_size,
        "test_size": test_size,
        "reviewed_size": train_size + test_size,
        "recalls": RECALL_GRID,
        "mean_precision_curve": _mean_precision_curve(per_label),
    }


def _average_precision(precisions: Sequence[float], recalls: Sequence[float]) -> float:
    """Sum of precision x recall step, as scikit-learn defines it (no interpolation)."""
    total = 0.0
    previous = 0.0
    for precision, recall in zip(precisions, recalls, strict=True):
        total += (recall - previous) * precision
        previous = recall
    return total


def _health(average_precision: float | None) -> str:
    if average_precision is None:
        return "unreliable"
    if average_precision >= GOOD_AP:
        return "good"
    if average_precision >= AVERAGE_AP:
        return "average"
    return "poor"


def _mean_precision_curve(per_label: dict[str, dict[str, Any]]) -> list[float] | None:
    """Mean over reliable labels of the best precision reachable at each recall of RECALL_GRID."""
    curves = []
    for result in per_label.values():
        if result["average_precision"] is None:
            continue
        pairs = list(zip(result["recalls"], result["precisions"], strict=True))
        curves.append([max((p for r, p in pairs if r >= target), default=0.0) for target in RECALL_GRID])
    if not curves:
        return None
    return [float(value) for value in np.mean(curves, axis=0)]
