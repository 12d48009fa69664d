"""The sandbox label model: probabilities, hierarchy, determinism, persistence, validation, speed."""

from __future__ import annotations

import itertools
import pickle
import random
import time
from typing import Any

import pytest

from ReinferLibrary.sandbox.nlp.classifier import TrainedModel, comment_text, train

TAXONOMY = [
    "Order",
    "Order > Missing",
    "Order > Damaged",
    "Order > Late Delivery",
    "Refund",
    "Refund > Request",
    "Billing",
    "Billing > Double Charge",
    "Complaint",
    "Praise",
    "General Enquiry",
]
PHRASES = {
    "Order > Missing": [
        "my parcel never arrived",
        "the box was empty, items missing",
        "marked delivered but not here",
    ],
    "Order > Damaged": [
        "the vase arrived smashed",
        "the table is broken and scratched",
        "box crushed, lamp cracked",
    ],
    "Order > Late Delivery": [
        "still waiting for my delivery",
        "it was due last week",
        "delivery is late again",
    ],
    "Refund > Request": ["please refund my money", "I want my money back", "can I get a refund"],
    "Billing > Double Charge": [
        "you charged me twice",
        "two payments on my card",
        "duplicate charge on statement",
    ],
    "Complaint": ["this is unacceptable", "I am furious with your service", "worst company ever"],
    "Praise": ["thank you so much, brilliant service", "your team was wonderful", "lovely staff, great job"],
    "General Enquiry": [
        "what are your opening hours",
        "do you sell gift cards",
        "what sizes do the boots come in",
    ],
}
FILLER = [
    "Hi there,",
    "Hello,",
    "Regards, Sam",
    "Thanks, Jo",
    "order ACM-104233",
    "sent from my phone",
    "Best",
]


def synthetic_corpus(size: int, seed: int = 7) -> tuple[list[str], list[list[str]]]:
    """Short emails made from label phrases; 1-2 labels each, children only (parents are implied)."""
    rng = random.Random(seed)
    leaves = list(PHRASES)
    texts, assigned = [], []
    for _ in range(size):
        labels = rng.sample(leaves, rng.choice([1, 1, 2]))
        words = [rng.choice(FILLER)] + [rng.choice(PHRASES[label]) for label in labels] + [rng.choice(FILLER)]
        texts.append(" ".join(words))
        assigned.append(labels)
    return texts, assigned


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[list[str]]]:
    return synthetic_corpus(300)


@pytest.fixture(scope="module")
def model(corpus: tuple[list[str], list[list[str]]]) -> TrainedModel:
    texts, assigned = corpus
    return train(texts, assigned, TAXONOMY, seed=3, trained_at="2025-01-02T03:04:05Z")


def test_comment_text_joins_subjects_and_bodies_of_every_message_but_not_signatures() -> None:
    comment = {
        "messages": [
            {
                "subject": {"text": "Broken lamp"},
                "body": {"text": "It arrived cracked."},
                "signature": {"text": "Jo"},
            },
            {"body": {"text": "Any news?"}},
        ]
    }
    assert comment_text(comment) == "Broken lamp\nIt arrived cracked.\nAny news?"
    assert comment_text({"messages": []}) == ""


def test_predict_gives_every_label_a_probability_between_0_and_1(model: TrainedModel) -> None:
    predictions = model.predict(["my parcel never arrived", "", "what are your opening hours?"])
    assert len(predictions) == 3
    for prediction in predictions:
        assert list(prediction) == TAXONOMY
        assert all(isinstance(p, float) and 0.0 <= p <= 1.0 for p in prediction.values())


def test_parents_are_at_least_as_probable_as_each_child(
    model: TrainedModel, corpus: tuple[list[str], list[list[str]]]
) -> None:
    texts = [*corpus[0][:60], "you charged me twice and the vase arrived smashed", "hello"]
    for prediction in model.predict(texts):
        for label, probability in prediction.items():
            if " > " in label:
                assert prediction[label.rsplit(" > ", 1)[0]] >= probability


def test_the_model_learns_the_labels(model: TrainedModel) -> None:
    damaged, enquiry = model.predict(["the lamp arrived cracked and broken", "do you sell gift cards"])
    assert max(damaged, key=damaged.__getitem__) in ("Order", "Order > Damaged")
    assert damaged["Order > Damaged"] > 0.5 > damaged["Praise"]
    assert enquiry["General Enquiry"] > 0.5 > enquiry["Order > Damaged"]


def test_assigning_a_child_assigns_its_parent(model: TrainedModel) -> None:
    # The corpus only ever assigns children; the parents still learn from them.
    order = model.validation["labels"]["Order"]
    children = ["Order > Missing", "Order > Damaged", "Order > Late Delivery"]
    assert order["reviewed_size"] >= max(model.validation["labels"][c]["reviewed_size"] for c in children)
    assert model.predict(["my parcel never arrived"])[0]["Order"] > 0.5


def test_round_trip_through_bytes_gives_identical_predictions(
    model: TrainedModel, corpus: tuple[list[str], list[list[str]]]
) -> None:
    texts = [*corpus[0][:40], "something new entirely 😀 café"]
    loaded = TrainedModel.from_bytes(model.to_bytes())
    assert loaded.predict(texts) == model.predict(texts)
    assert loaded.labels == model.labels
    assert loaded.validation == model.validation
    assert loaded.trained_at == "2025-01-02T03:04:05Z"


def test_training_twice_with_the_same_seed_gives_the_same_model(
    model: TrainedModel, corpus: tuple[list[str], list[list[str]]]
) -> None:
    texts, assigned = corpus
    again = train(texts, assigned, TAXONOMY, seed=3, trained_at="2025-01-02T03:04:05Z")
    assert again.predict(texts[:50]) == model.predict(texts[:50])
    assert again.validation == model.validation
    assert again.to_bytes() == model.to_bytes()


def test_labels_with_few_or_no_examples_still_get_a_probability() -> None:
    texts = ["please refund me", "where is my parcel", "refund needed now", "hello", "lovely staff thanks"]
    assigned: list[list[str]] = [
        ["Refund > Request"],
        ["Order > Missing"],
        ["Refund > Request"],
        [],
        ["Praise"],
    ]
    model = train(texts, assigned, TAXONOMY, seed=0)
    (prediction,) = model.predict(["refund please"])
    assert list(prediction) == TAXONOMY
    assert all(0.0 <= p <= 1.0 for p in prediction.values())
    assert prediction["General Enquiry"] < 0.2  # never assigned: a low prior, not a crash
    assert model.validation["labels"]["Praise"]["optimal_thresholds"] is None
    assert model.validation["labels"]["Praise"]["health"] == "unreliable"


def test_unknown_labels_are_ignored_and_missing_parents_added() -> None:
    texts = ["broken", "smashed", "cracked", "fine", "ok", "good"]
    assigned = [["Order > Damaged"], ["Order > Damaged", "Not A Label"], ["Order > Damaged"], [], [], []]
    model = train(texts, assigned, ["Order > Damaged", "Praise"], seed=0)
    assert model.labels == ["Order", "Order > Damaged", "Praise"]
    assert "Not A Label" not in model.predict(["broken"])[0]


def test_trained_at_defaults_to_now_in_utc() -> None:
    model = train(["a", "b"], [[], []], ["Praise"])
    assert model.trained_at.endswith("Z") and model.trained_at[:2] == "20"


def test_mismatched_inputs_are_refused() -> None:
    with pytest.raises(ValueError, match="2 texts but 1 label lists"):
        train(["a", "b"], [[]], TAXONOMY)


def test_model_files_that_would_run_code_are_refused() -> None:
    class Exploit:
        def __reduce__(self) -> tuple[Any, tuple[str]]:
            return (print, ("pwned",))

    with pytest.raises(pickle.UnpicklingError, match=r"builtins\.print"):
        TrainedModel.from_bytes(pickle.dumps({"format": 1, "x": Exploit()}))
    with pytest.raises(ValueError, match="unknown format"):
        TrainedModel.from_bytes(pickle.dumps({"format": 99}))


def test_validation_is_consistent_with_its_own_curves(model: TrainedModel) -> None:
    labels = model.validation["labels"]
    assert list(labels) == TAXONOMY
    checked = 0
    for result in labels.values():
        thresholds, precisions, recalls = result["thresholds"], result["precisions"], result["recalls"]
        assert len(thresholds) == len(precisions) == len(recalls)
        assert all(a > b for a, b in itertools.pairwise(thresholds))
        optimal = result["optimal_thresholds"]
        if optimal is None:
            continue
        checked += 1
        at = {name: thresholds.index(value) for name, value in optimal.items()}
        f1 = [2 * p * r / (p + r) if p + r else 0.0 for p, r in zip(precisions, recalls, strict=True)]
        assert f1[at["balanced"]] == max(f1)
        assert optimal["high_recall"] <= optimal["balanced"] <= optimal["high_precision"]
        assert recalls[at["high_recall"]] >= 0.9
        first = at["high_recall"] == 0 or recalls[at["high_recall"] - 1] < 0.9
        assert first or at["high_recall"] == at["balanced"]
        assert precisions[at["high_precision"]] >= min(0.9, max(precisions[: at["balanced"] + 1]))
        assert result["health"] in ("good", "average", "poor")
        assert 0.0 <= result["average_precision"] <= 1.0
    assert checked >= 8
    summary = model.validation
    assert summary["train_size"] + summary["test_size"] == 300
    assert 60 <= summary["test_size"] <= 90
    assert summary["num_labels"] == len(TAXONOMY)
    assert summary["dataset_quality"] in ("poor", "average", "good", "excellent")
    assert 0 <= summary["dataset_score"] <= 100
    assert summary["mean_average_precision"] > 0.8


def test_training_300_short_emails_takes_under_3_cpu_seconds(
    corpus: tuple[list[str], list[list[str]]],
) -> None:
    # CPU time of this process, so other jobs on a shared machine do not make it flaky.
    texts, assigned = corpus
    started = time.process_time()
    train(texts, assigned, TAXONOMY, seed=11)
    assert time.process_time() - started < 3.0
