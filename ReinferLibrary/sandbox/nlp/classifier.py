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

Scoring does not run scikit-learn's own analysers (a Python loop over every character n-gram of
every text, about 0.5 ms per email): :class:`BatchFeatures` builds the *same* matrix from
per-word caches (a word's character n-grams are looked up once, then reused by every text
that contains it), so a page of comments is scored in one call at a few microseconds per
text. It checks itself against ``FeatureUnion.transform`` on probe texts when a model loads
and falls back to scikit-learn if they ever differ; the unit tests pin that every demo
comment gets bit-identical features and probabilities both ways.

``to_bytes``/``from_bytes`` use pickle. The sandbox only loads models it wrote itself into its
own data directory, which is trusted; the unpickler still refuses anything outside numpy,
scipy, scikit-learn and this package so a stray file cannot run arbitrary code.
"""

from __future__ import annotations

import io
import itertools
import math
import pickle
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l1, inplace_csr_row_normalize_l2
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
        self._batch: BatchFeatures | None = None
        self._batch_checked = False

    def transform(self, texts: Sequence[str]) -> Any:
        """The feature matrix of ``texts``: the batch featuriser's, identical to scikit-learn's."""
        if not self._batch_checked:
            self._batch = BatchFeatures.build(self.features)
            self._batch_checked = True
        if self._batch is not None:
            return self._batch.transform(texts)
        return self.features.transform(list(texts))

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """A ``len(texts) x len(labels)`` array of probabilities in [0, 1], parents >= children."""
        if not texts:
            return np.zeros((0, len(self.labels)))
        matrix = self.transform(texts)
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

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """A ``len(texts) x len(labels)`` array of probabilities, columns in ``labels`` order."""
        return self._scorer.scores(texts)

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


# Texts the batch featuriser must turn into exactly scikit-learn's matrix before it is used.
_PROBES = (
    "",
    "   ",
    "Hello, my ORDER ACM-104233 never arrived!! Refund £45.99 please.",
    "a an the I x yy zzz aaaaaa a-b c_d e.f",
    "Straße ÉCOLE naïve café 東京 emoji \U0001f600 tabs\tand\nnew  lines\u00a0nbsp",
    "still still still waiting waiting, charged twice twice 1234 5678",
    "order a refund - money back: x y z; my-parcel/never,arrived",
)


class BatchFeatures:
    """``FeatureUnion.transform`` of this module's features, computed a batch at a time.

    Both vectorisers only ever look inside whitespace-separated words, or across the gap
    between two of them: ``char_wb`` n-grams stay inside a word, and a token (two or more
    word characters) never spans white space, so a text's tokens are its words' tokens in
    order. So each distinct word is analysed once, into a row of :class:`_WordCache` (its
    n-gram columns, its unigram and inner-bigram columns, its first and last token), and a
    batch's counts are a (texts x words) @ (words x features) sparse product plus the
    bigrams that join one word's last token to the next word's first, found as integer token
    pairs by binary search (numpy over the whole batch). The batch's normalised texts are
    joined into one string with a marker word between them, so splitting runs once, in C.
    The counts are handed to the vectorisers' own fitted TF-IDF transformers and stacked as
    the union stacks them, so the matrix is the same, bit for bit.
    """

    def __init__(self, features: FeatureUnion) -> None:
        (_, word), (_, chars) = features.transformer_list
        self._features = features
        self._word, self._chars = word, chars
        self._preprocess = word.build_preprocessor()
        self._unigrams_only = word.ngram_range == (1, 1)
        vocabulary: dict[str, int] = word.vocabulary_
        self._word_width = len(vocabulary)
        tokens: dict[str, int] = {}
        split = [feature.partition(" ") for feature in vocabulary]
        for first, _, second in split:
            tokens.setdefault(first, len(tokens))
            if second:
                tokens.setdefault(second, len(tokens))
        self._tokens = tokens
        self._unigram: dict[int, int] = {}
        # A bigram is the integer first * base + second: a dict inside a word, a sorted array
        # for the pairs that cross from one word to the next.
        self._pair_base = len(tokens) + 1
        self._pairs: dict[int, int] = {}
        for (first, _, second), column in zip(split, vocabulary.values(), strict=True):
            if second:
                self._pairs[tokens[first] * self._pair_base + tokens[second]] = column
            else:
                self._unigram[tokens[first]] = column
        keys = np.fromiter(self._pairs, dtype=np.int64, count=len(self._pairs))
        order = np.argsort(keys)
        self._pair_keys = keys[order]
        self._pair_columns = np.fromiter(self._pairs.values(), dtype=np.int64, count=len(self._pairs))[order]
        self._char_vocabulary: dict[str, int] = chars.vocabulary_
        self._char_range: tuple[int, int] = chars.ngram_range
        self._words = _WordCache(self._describe, len(self._char_vocabulary), self._word_width)

    @classmethod
    def build(cls, features: FeatureUnion) -> BatchFeatures | None:
        """A featuriser for a union this module fitted, or None (then scikit-learn is used)."""
        try:
            names = [name for name, _ in features.transformer_list]
            word, chars = (vectoriser for _, vectoriser in features.transformer_list)
            supported = (
                names == ["word", "chars"]
                and features.transformer_weights is None
                and all(
                    isinstance(v, TfidfVectorizer)
                    and v.preprocessor is normalise_text
                    and v.input == "content"
                    and not v.binary
                    and v.stop_words is None
                    for v in (word, chars)
                )
                and word.analyzer == "word"
                and word.token_pattern == _SKLEARN_TOKENS
                and word.ngram_range in ((1, 1), (1, 2))
                and chars.analyzer == "char_wb"
                and 1 <= chars.ngram_range[0] <= chars.ngram_range[1]
            )
            if not supported:
                return None
            batch = cls(features)
            expected = features.transform(list(_PROBES))
            found = batch.transform(_PROBES)
        except (AttributeError, TypeError, ValueError):
            return None
        same = (
            expected.shape == found.shape
            and np.array_equal(expected.indptr, found.indptr)
            and np.array_equal(expected.indices, found.indices)
            and np.array_equal(expected.data, found.data)
        )
        return batch if same else None

    def transform(self, texts: Sequence[str]) -> Any:
        height = len(texts)
        normalised = [self._preprocess(text) for text in texts]
        # The marker never occurs in a normalised (lower-case) text.
        joined = f" {_MARKER} ".join(normalised)
        if joined.count(_MARKER) != height - 1:
            return self._features.transform(list(texts))
        found = self._words.rows(joined.split())
        marked = found.rows == found.marker
        doc = np.cumsum(marked)[~marked]
        rows = found.rows[~marked]
        indptr = np.concatenate(([0], np.cumsum(np.bincount(doc, minlength=height))))
        per_text = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float64), rows, indptr), shape=(height, found.chars.shape[0])
        )
        # The product's rows come out unsorted; through CSC and back they are sorted by column.
        char_counts = sparse.csr_matrix(per_text @ found.chars).tocsc().tocsr()
        inner = sparse.csr_matrix(per_text @ found.words).tocoo()
        extra_rows, extra_cols = self._crossing_bigrams(doc, found.first[rows], found.last[rows])
        word_counts = _count_matrix(
            np.concatenate((inner.row, extra_rows)),
            np.concatenate((inner.col, extra_cols)),
            np.concatenate((inner.data, np.ones(len(extra_rows)))),
            height,
            self._word_width,
        )
        word = _tfidf(self._word, word_counts)
        chars = _tfidf(self._chars, char_counts)
        return sparse.hstack([word, chars], format="csr")

    def _crossing_bigrams(
        self, doc: np.ndarray, first: np.ndarray, last: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(text, column) of the bigrams from one word's last token to the next word's first
        (words without a token are skipped over, as the tokeniser never sees them)."""
        if self._unigrams_only or not len(self._pair_keys):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        has = first != _NO_TOKEN
        doc, first, last = doc[has], first[has], last[has]
        left, right = last[:-1], first[1:]
        valid = (doc[:-1] == doc[1:]) & (left >= 0) & (right >= 0)
        keys = left[valid] * self._pair_base + right[valid]
        at = np.minimum(np.searchsorted(self._pair_keys, keys), len(self._pair_keys) - 1)
        hit = self._pair_keys[at] == keys
        return doc[:-1][valid][hit], self._pair_columns[at[hit]]

    def _describe(self, word: str) -> tuple[list[int], list[int], int, int]:
        """One word's n-gram columns, its unigram and inner-bigram columns, and its first and
        last token id (-1: outside the vocabulary; ``_NO_TOKEN`` when it has no token)."""
        padded = f" {word} "
        low, high = self._char_range
        vocabulary = self._char_vocabulary
        grams: list[int] = []
        for n in range(low, high + 1):
            # As scikit-learn: a word no longer than n gives its padded self once, then stops.
            found = [padded[i : i + n] for i in range(max(1, len(padded) - n + 1))]
            grams.extend(vocabulary[gram] for gram in found if gram in vocabulary)
            if len(padded) <= n:
                break
        tokens = [self._tokens.get(token, -1) for token in _TOKENS.findall(word)]
        if not tokens:
            return grams, [], _NO_TOKEN, _NO_TOKEN
        columns = [self._unigram[token] for token in tokens if token in self._unigram]
        if not self._unigrams_only:
            for left, right in itertools.pairwise(tokens):
                column = self._pairs.get(left * self._pair_base + right) if left >= 0 <= right else None
                if column is not None:
                    columns.append(column)
        return grams, columns, tokens[0], tokens[-1]


@dataclass(frozen=True)
class _Rows:
    """A batch's words as rows of the cache, and a snapshot of what the rows hold."""

    rows: np.ndarray
    marker: int
    chars: sparse.csr_matrix
    words: sparse.csr_matrix
    first: np.ndarray
    last: np.ndarray


class _Columns:
    """Rows of column indices appended to numpy buffers grown by doubling (a CSR matrix's parts)."""

    def __init__(self) -> None:
        self.indices = np.zeros(1 << 16, dtype=np.int32)
        self.ones = np.ones(1 << 16, dtype=np.float64)
        self.indptr = np.zeros(1 << 12, dtype=np.int64)

    def add(self, row: int, columns: list[int]) -> None:
        start = int(self.indptr[row])
        end = start + len(columns)
        if end > len(self.indices):
            size = max(end, 2 * len(self.indices))
            self.indices = np.resize(self.indices, size)
            self.ones = np.ones(size, dtype=np.float64)
        if row + 2 > len(self.indptr):
            self.indptr = np.resize(self.indptr, 2 * len(self.indptr))
        self.indices[start:end] = columns
        self.indptr[row + 1] = end

    def matrix(self, height: int, width: int) -> sparse.csr_matrix:
        """The first ``height`` rows: views of the buffers, which later rows never change."""
        nnz = int(self.indptr[height])
        return sparse.csr_matrix(
            (self.ones[:nnz], self.indices[:nnz], self.indptr[: height + 1]),
            shape=(height, width),
            copy=False,
        )


class _WordCache:
    """Each distinct word's analysis (see :meth:`BatchFeatures._describe`), one row per word.

    When :attr:`LIMIT` words are held the cache starts afresh, which keeps memory bounded
    (about 300 bytes a word, 15 MB a model version) on any amount of text.
    """

    LIMIT = 50_000

    def __init__(
        self, describe: Callable[[str], tuple[list[int], list[int], int, int]], chars: int, words: int
    ) -> None:
        self._describe = describe
        self._widths = (chars, words)
        # Predict routes score without the predictor's lock. Rows are only ever appended and a
        # batch's matrices are snapshots of them, so only adding words and taking them need it.
        self._lock = threading.Lock()
        self._clear()

    def _clear(self) -> None:
        self._index: dict[str, int] = {}
        self._chars, self._words = _Columns(), _Columns()
        self._first = np.zeros(1 << 12, dtype=np.int64)
        self._last = np.zeros(1 << 12, dtype=np.int64)
        self.marker = self._add(_MARKER)

    def _add(self, word: str) -> int:
        row = len(self._index)
        grams, columns, first, last = (
            ([], [], _NO_TOKEN, _NO_TOKEN) if word == _MARKER else self._describe(word)
        )
        self._chars.add(row, grams)
        self._words.add(row, columns)
        if row + 1 > len(self._first):
            self._first = np.resize(self._first, 2 * len(self._first))
            self._last = np.resize(self._last, 2 * len(self._last))
        self._first[row], self._last[row] = first, last
        self._index[word] = row
        return row

    def rows(self, words: list[str]) -> _Rows:
        """Each word's row, and the matrices and token ends those rows index."""
        with self._lock:
            try:  # usually every word is known already
                rows = np.fromiter(map(self._index.__getitem__, words), dtype=np.int64, count=len(words))
            except KeyError:
                new = [word for word in dict.fromkeys(words) if word not in self._index]
                if len(self._index) + len(new) > self.LIMIT:
                    self._clear()
                    new = [word for word in dict.fromkeys(words) if word not in self._index]
                for word in new:
                    self._add(word)
                rows = np.fromiter(map(self._index.__getitem__, words), dtype=np.int64, count=len(words))
            height = len(self._index)
            return _Rows(
                rows,
                self.marker,
                self._chars.matrix(height, self._widths[0]),
                self._words.matrix(height, self._widths[1]),
                self._first[:height],
                self._last[:height],
            )


_MARKER = "ZZ"
_NO_TOKEN = -2
_SKLEARN_TOKENS = r"(?u)\b\w\w+\b"
# The same tokens as scikit-learn's default pattern (a run of two or more word characters is
# matched whole either way), twice as fast.
_TOKENS = re.compile(r"\w\w+")


def _tfidf(vectoriser: TfidfVectorizer, counts: sparse.csr_matrix) -> sparse.csr_matrix:
    """``vectoriser._tfidf.transform(counts)`` without its input checks, which cost as much as
    the arithmetic on a batch: the same steps (sublinear tf, idf weights, row norm) on the same
    numbers in the same order. :meth:`BatchFeatures.build` compares the result with
    scikit-learn's on probe texts and falls back to scikit-learn when they differ."""
    transformer = vectoriser._tfidf
    matrix = counts.astype(vectoriser.dtype, copy=False)
    if transformer.sublinear_tf:
        np.log(matrix.data, matrix.data)
        matrix.data += 1.0
    if hasattr(transformer, "idf_"):
        matrix.data *= transformer.idf_[matrix.indices]
    if transformer.norm == "l2":
        inplace_csr_row_normalize_l2(matrix)
    elif transformer.norm == "l1":
        inplace_csr_row_normalize_l1(matrix)
    elif transformer.norm is not None:
        return transformer.transform(counts, copy=False)
    return matrix


def _count_matrix(
    rows: np.ndarray, cols: np.ndarray, counts: np.ndarray, height: int, width: int
) -> sparse.csr_matrix:
    """Summed (row, column) counts as CSR with each row's columns sorted, as scikit-learn's
    count matrix is (the order of a row's entries decides the order its sums are taken in)."""
    keys, inverse = np.unique(rows.astype(np.int64) * width + cols, return_inverse=True)
    summed = np.bincount(inverse.ravel(), weights=counts, minlength=len(keys))
    indptr = np.concatenate(([0], np.cumsum(np.bincount(keys // width, minlength=height))))
    return sparse.csr_matrix((summed, keys % width, indptr), shape=(height, width))


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
