"""The sandbox's label model: TF-IDF features and one logistic regression per label.

Features are word 1-2grams plus character 3-5grams inside word boundaries (robust to typos and
inflections, which matter with a few hundred training emails), both with sublinear term
frequency. Digits are folded to ``0`` first so that order numbers and prices shape the text
but no single number becomes a feature.

Each label gets its own logistic regression with its positives up-weighted to balance the
negatives, and fairly strong regularisation (C=2). Tried on the demo inbox: the mean average
precision hardly moves between C=0.5 and C=100 or between weightings, but without balancing
the probabilities of true examples sit around 0.1-0.3, whereas this setting puts the
validated "balanced" thresholds near 0.4 and "high_precision" near 0.5, which is where
hand-picked stream thresholds (0.35-0.5) expect them. A label with no positive or no negative
example in the training data cannot be fitted and is given its smoothed prior probability. Assigning a child
("Order > Missing") also assigns its parent ("Order"), and predictions keep every parent at
least as probable as each of its children.

``to_bytes``/``from_bytes`` use pickle. The sandbox only loads models it wrote itself into its
own data directory, which is trusted; the unpickler still refuses anything outside numpy,
scipy, scikit-learn and this package so a stray file cannot run arbitrary code.
"""

from __future__ import annotations

import io
import math
import pickle
import re
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from threadpoolctl import threadpool_limits

from ReinferLibrary.sandbox.nlp.text import iter_parts
from ReinferLibrary.sandbox.nlp.validation import evaluate

FORMAT_VERSION = 1
REGULARISATION_C = 2.0
_DIGITS = re.compile(r"\d")
_PLACEHOLDER = "no text"


def comment_text(comment: Mapping[str, Any]) -> str:
    """The text the model reads: subject and body of every message, in order."""
    messages = comment.get("messages") or []
    parts = [text for _, part, text in iter_parts(messages) if part in ("subject", "body")]
    return "\n".join(parts)


def normalise_text(text: str) -> str:
    """Lower case, every digit folded to 0 (the vectorizers' preprocessor; module level so it pickles)."""
    return _DIGITS.sub("0", text.lower())


class LabelScorer:
    """Fitted features and per-label weights; ``scores`` gives hierarchy-consistent probabilities."""

    def __init__(
        self, labels: Sequence[str], features: FeatureUnion, weights: np.ndarray, bias: np.ndarray
    ) -> None:
        self.labels = list(labels)
        self.features = features
        self.weights = weights
        self.bias = bias
        self._parents = _parent_indexes(self.labels)

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """A ``len(texts) x len(labels)`` array of probabilities in [0, 1], parents >= children."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        matrix = self.features.transform(list(texts))
        logits = np.asarray(matrix @ self.weights) + self.bias
        probabilities = 1.0 / (1.0 + np.exp(-np.clip(logits, -500, 500)))
        # Deepest labels first, so a grandchild lifts its parent before the parent lifts its own.
        for column in sorted(range(len(self.labels)), key=lambda c: -self.labels[c].count(">")):
            parent = self._parents[column]
            if parent >= 0:
                probabilities[:, parent] = np.maximum(probabilities[:, parent], probabilities[:, column])
        return np.clip(probabilities, 0.0, 1.0)


class TrainedModel:
    """A trained label model with its validation, as the sandbox stores one per model version."""

    def __init__(self, scorer: LabelScorer, validation: dict[str, Any], trained_at: str, seed: int) -> None:
        self._scorer = scorer
        self.validation = validation
        self.trained_at = trained_at
        self.seed = seed

    @property
    def labels(self) -> list[str]:
        return list(self._scorer.labels)

    def predict(self, texts: Sequence[str]) -> list[dict[str, float]]:
        """For each text, every label -> probability (taxonomy order)."""
        rows = self._scorer.scores(texts)
        return [
            {label: float(value) for label, value in zip(self._scorer.labels, row, strict=True)}
            for row in rows
        ]

    def to_bytes(self) -> bytes:
        state = {
            "format": FORMAT_VERSION,
            "labels": self._scorer.labels,
            "features": self._scorer.features,
            "weights": self._scorer.weights,
            "bias": self._scorer.bias,
            "validation": self.validation,
            "trained_at": self.trained_at,
            "seed": self.seed,
        }
        buffer = io.BytesIO()
        pickle.dump(state, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> TrainedModel:
        state = _SafeUnpickler(io.BytesIO(data)).load()
        if not isinstance(state, dict) or state.get("format") != FORMAT_VERSION:
            raise ValueError("not a sandbox label model (unknown format)")
        scorer = LabelScorer(state["labels"], state["features"], state["weights"], state["bias"])
        return cls(scorer, state["validation"], state["trained_at"], state["seed"])


def train(
    texts: Sequence[str],
    assigned: Sequence[Sequence[str]],
    taxonomy: Sequence[str],
    seed: int = 0,
    trained_at: str | None = None,
) -> TrainedModel:
    """Validate on a held-out split, then fit the final model on every given comment.

    ``assigned[i]`` are the label names of ``texts[i]`` ("Parent > Child"); names outside the
    taxonomy are ignored, ancestors of assigned labels are assigned too. Parents missing from
    the taxonomy are added, since in Re:infer a parent label always exists.
    """
    if len(texts) != len(assigned):
        raise ValueError(f"{len(texts)} texts but {len(assigned)} label lists")
    labels = _with_ancestors(taxonomy)
    known = set(labels)
    label_sets = [
        frozenset(name for label in names for name in _ancestry(label) if name in known) for names in assigned
    ]

    def fit(train_texts: Sequence[str], train_sets: Sequence[frozenset[str]]) -> LabelScorer:
        return _fit(train_texts, train_sets, labels, seed)

    # liblinear calls BLAS on vectors as long as the vocabulary; a multi-threaded BLAS hands
    # each call between threads, which on a busy 2-core machine made training 15-25x slower
    # (0.7 s -> 17 s measured). One thread is both faster and steadier here.
    with threadpool_limits(limits=1):
        report = evaluate(fit, texts, label_sets, labels, seed)
        scorer = _fit(texts, label_sets, labels, seed)
    stamp = trained_at or datetime.now(timezone.utc).isoformat().replace("+00:00", "Z")
    return TrainedModel(scorer, report, stamp, seed)


def _fit(
    texts: Sequence[str], label_sets: Sequence[frozenset[str]], labels: Sequence[str], seed: int
) -> LabelScorer:
    features = _features(char_min_df=2 if len(texts) >= 20 else 1)
    has_text = True
    try:
        matrix = features.fit_transform(list(texts))
    except ValueError:
        has_text = False
        # No text to learn words from (nothing given, or only punctuation): every label falls
        # back to its prior below, since an all-zero matrix carries no evidence.
        features = _features(char_min_df=1)
        matrix = features.fit_transform([_PLACEHOLDER])
    for _, vectorizer in features.transformer_list:
        # The pruned-term set is only for introspection and can be larger than the vocabulary.
        vectorizer.stop_words_ = None
        # A cached id() of the stop-word list: a memory address, so model bytes would differ
        # between processes. scikit-learn recomputes it when missing.
        vars(vectorizer).pop("_stop_words_id", None)
    weights = np.zeros((matrix.shape[1], len(labels)))
    bias = np.zeros(len(labels))
    total = len(texts)
    for column, label in enumerate(labels):
        target = np.array([label in label_set for label_set in label_sets], dtype=int)
        positives = int(target.sum())
        if positives == 0 or positives == total or not has_text:
            bias[column] = _logit((positives + 0.5) / (total + 1.0))
            continue
        negatives = total - positives
        # The rarer class is weighted up to balance the other (usually the positives).
        balance = {0: max(1.0, positives / negatives), 1: max(1.0, negatives / positives)}
        model = LogisticRegression(
            C=REGULARISATION_C, class_weight=balance, solver="liblinear", random_state=seed
        )
        model.fit(matrix, target)
        weights[:, column] = model.coef_[0]
        bias[column] = model.intercept_[0]
    # Stored as float32 (half the model file); scoring upcasts, the same before and after a save.
    return LabelScorer(labels, features, weights.astype(np.float32), bias)


def _features(char_min_df: int) -> FeatureUnion:
    word = TfidfVectorizer(
        preprocessor=normalise_text, ngram_range=(1, 2), sublinear_tf=True, min_df=1, max_features=20000
    )
    chars = TfidfVectorizer(
        preprocessor=normalise_text,
        analyzer="char_wb",
        ngram_range=(3, 5),
        sublinear_tf=True,
        min_df=char_min_df,
        max_features=30000,
    )
    return FeatureUnion([("word", word), ("chars", chars)])


def _ancestry(label: str) -> list[str]:
    """``"A > B > C"`` -> ``["A", "A > B", "A > B > C"]`` (whitespace around ``>`` normalised)."""
    parts = [part.strip() for part in label.split(">") if part.strip()]
    return [" > ".join(parts[: depth + 1]) for depth in range(len(parts))]


def _with_ancestors(taxonomy: Sequence[str]) -> list[str]:
    labels: list[str] = []
    for label in taxonomy:
        for name in _ancestry(label):
            if name not in labels:
                labels.append(name)
    return labels


def _parent_indexes(labels: Sequence[str]) -> list[int]:
    position = {label: index for index, label in enumerate(labels)}
    parents = []
    for label in labels:
        chain = _ancestry(label)
        parents.append(position.get(chain[-2], -1) if len(chain) > 1 else -1)
    return parents


def _logit(probability: float) -> float:
    return math.log(probability / (1.0 - probability))


class _SafeUnpickler(pickle.Unpickler):
    """Only what a sandbox model is made of may be loaded from a model file.

    Classes (never functions) from numpy, scipy and scikit-learn, numpy's array rebuilders, and
    this package's own functions (the text preprocessor).
    """

    _NUMPY_REBUILDERS = frozenset(
        {
            ("numpy.core.multiarray", "_reconstruct"),
            ("numpy._core.multiarray", "_reconstruct"),
            ("numpy.core.multiarray", "scalar"),
            ("numpy._core.multiarray", "scalar"),
            ("numpy.core.numeric", "_frombuffer"),
            ("numpy._core.numeric", "_frombuffer"),
        }
    )
    _CLASS_MODULES = ("numpy.", "scipy.", "sklearn.")

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) in self._NUMPY_REBUILDERS or module.startswith("ReinferLibrary.sandbox.nlp."):
            return super().find_class(module, name)
        if module == "numpy" or module.startswith(self._CLASS_MODULES):
            found = super().find_class(module, name)
            if isinstance(found, type):
                return found
        raise pickle.UnpicklingError(
            f"model file refers to {module}.{name}, which a sandbox model never uses"
        )
