"""Batch scoring and scoring ahead at sync give the demo tenant the predictions it had before.

The sandbox scores a page of comments in one call with :class:`BatchFeatures` (per-word
caches) instead of scikit-learn's analysers. These tests pin that nothing a client sees
changes: the feature matrices are bit-identical, every probability of every demo comment is
the same float, and the fetch and ``/results`` answers (labels, probabilities, entities,
threshold names) are the same text as with scikit-learn scoring one comment at a time.
"""

from __future__ import annotations

import json
from array import array
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest

from ReinferLibrary.sandbox import comments
from ReinferLibrary.sandbox.context import Sandbox
from ReinferLibrary.sandbox.nlp import classifier
from ReinferLibrary.sandbox.nlp.classifier import BatchFeatures, TrainedModel
from ReinferLibrary.sandbox.predictor import (
    LoadedModel,
    Predictor,
    fetch_labels,
    fetch_labels_json,
    parts,
    stream_labels,
)
from ReinferLibrary.sandbox.schemas import CommentNew
from ReinferLibrary.sandbox.store import CommentRow
from ReinferLibrary.sandbox.streams import StreamView

VERSIONS = (1, 2)
TRICKY = [
    "",
    "   \t\n ",
    "!!! ... ---",
    "a b c d",
    "aaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
    "Order ACM-104233 and ACM 104234: refund £45.99 / €12,50 / $1M",
    "naïve café Straße İstanbul ΣΊΣΥΦΟΣ 東京 \U0001f4e6 parcel\u00a0never\u2003arrived",
    "under_score snake_case x_y 1_2 don't won’t e-mail e.mail",
    "refund refund refund please please, still still waiting",
    "order a refund - money back: x y z; my-parcel/never,arrived. where is my order?",
]


def _same_matrix(expected: Any, found: Any) -> bool:
    return bool(
        expected.shape == found.shape
        and np.array_equal(expected.indptr, found.indptr)
        and np.array_equal(expected.indices, found.indices)
        and np.array_equal(expected.data, found.data)
    )


@pytest.fixture(scope="module")
def sandbox(demo_sandbox: Sandbox) -> Sandbox:
    return demo_sandbox


@pytest.fixture(scope="module")
def dataset(sandbox: Sandbox) -> dict[str, Any]:
    return sandbox.dataset("acme", "retail-inbox")


@pytest.fixture(scope="module")
def rows(sandbox: Sandbox, dataset: dict[str, Any]) -> list[CommentRow]:
    found = sandbox.store.read_after(dataset["source_ids"], 0, 100_000)
    assert len(found) >= 300
    return found


@pytest.fixture(scope="module")
def texts(sandbox: Sandbox, rows: list[CommentRow]) -> list[str]:
    stored = sandbox.store.texts([row.seq for row in rows])
    return [stored[row.seq] for row in rows]


def _reference(sandbox: Sandbox, dataset: dict[str, Any], version: int) -> TrainedModel:
    """The stored model, made to score with scikit-learn's own transform."""
    row = sandbox.store.get_model(dataset["id"], version)
    assert row is not None
    model = TrainedModel.from_bytes(row.bytes)
    model._scorer._batch_checked = True  # no batch featuriser: FeatureUnion.transform
    return model


@pytest.mark.parametrize("version", VERSIONS)
def test_batch_features_are_scikit_learns_matrix_for_every_demo_comment(
    sandbox: Sandbox, dataset: dict[str, Any], texts: list[str], version: int
) -> None:
    features = _reference(sandbox, dataset, version)._scorer.features
    batch = BatchFeatures.build(features)
    assert batch is not None, "the demo model's features are not the shape the batch featuriser handles"
    assert _same_matrix(features.transform(texts), batch.transform(texts))
    # A page does not depend on what else is in the batch, nor on the cache being warm or cold.
    shuffled = texts[::-7] + TRICKY
    assert _same_matrix(features.transform(shuffled), batch.transform(shuffled))
    for start in range(0, len(texts), 64):
        page = texts[start : start + 64]
        assert _same_matrix(features.transform(page), BatchFeatures(features).transform(page))


@pytest.mark.parametrize("version", VERSIONS)
def test_batch_probabilities_equal_one_comment_at_a_time_for_every_demo_comment(
    sandbox: Sandbox, dataset: dict[str, Any], texts: list[str], version: int
) -> None:
    reference = _reference(sandbox, dataset, version)
    loaded = sandbox.predictor.load(dataset["id"], version)
    assert loaded is not None
    one_at_a_time = [reference.scores([text])[0].tolist() for text in [*texts, *TRICKY]]
    assert loaded.score([*texts, *TRICKY]) == one_at_a_time
    assert [list(row) for row in loaded.score_packed(texts)] == one_at_a_time[: len(texts)]


def test_the_word_cache_stays_bounded_and_gives_the_same_matrix_when_it_starts_afresh(
    sandbox: Sandbox, dataset: dict[str, Any], texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classifier._WordCache, "LIMIT", 300)
    features = _reference(sandbox, dataset, 1)._scorer.features
    batch = BatchFeatures(features)
    cleared = 0
    for start in range(0, len(texts), 8):
        page = texts[start : start + 8]
        before = len(batch._words._index)
        assert _same_matrix(features.transform(page), batch.transform(page))
        held = len(batch._words._index)
        cleared += held < before
        # At most the limit, or what one page needs (its words and the marker).
        words = {word for text in page for word in classifier.normalise_text(text).split()}
        assert held <= max(300, len(words) + 1)
    assert cleared >= 2


def test_threads_scoring_at_once_get_the_same_matrices(
    sandbox: Sandbox, dataset: dict[str, Any], texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(classifier._WordCache, "LIMIT", 1500)  # the cache starts afresh now and then
    features = _reference(sandbox, dataset, 2)._scorer.features
    batch = BatchFeatures(features)
    pages = [texts[start : start + 16] for start in range(0, len(texts), 16)] * 3
    expected = [features.transform(page) for page in pages]
    with ThreadPoolExecutor(max_workers=4) as pool:
        found = list(pool.map(batch.transform, pages))
    assert all(_same_matrix(want, got) for want, got in zip(expected, found, strict=True))


class ReferencePredictor(Predictor):
    """Scores each comment alone with scikit-learn's transform (the old way), in its own memo."""

    def __init__(self, sandbox: Sandbox, dataset: dict[str, Any]) -> None:
        super().__init__(sandbox.store)
        self.models = {version: _reference(sandbox, dataset, version) for version in VERSIONS}
        self.memo: dict[tuple[int, int], array[float]] = {}

    def probabilities(
        self, model: LoadedModel, source_ids: Sequence[str], seqs: Sequence[int]
    ) -> dict[int, array[float]]:
        texts = self.store.texts(seqs)
        for seq in seqs:
            if (model.version, seq) not in self.memo:
                scores = self.models[model.version].scores([texts[seq]])[0]
                self.memo[model.version, seq] = array("d", scores.tolist())
        return {seq: self.memo[model.version, seq] for seq in seqs}


def _streams(sandbox: Sandbox, dataset: dict[str, Any]) -> list[dict[str, Any]]:
    """The demo's streams, and one per version listing every label at threshold 0."""
    found = [stream for stream in sandbox.store.list_streams(dataset["id"]) if stream.get("model")]
    assert any(stream["name"] == "routing" for stream in found)
    for version in VERSIONS:
        loaded = sandbox.predictor.load(dataset["id"], version)
        assert loaded is not None
        thresholds = [{"name": parts(label), "threshold": 0.0} for label in loaded.labels]
        found.append(
            {
                "id": f"{version:016x}",
                "name": f"every-label-{version}",
                "comment_filter": {},
                "model": {"version": version, "label_thresholds": thresholds},
            }
        )
    return found


def _answers(sandbox: Sandbox, predictor: Predictor, dataset: dict[str, Any]) -> list[str]:
    answers = []
    for stream in _streams(sandbox, dataset):
        view = StreamView(sandbox.store, predictor, sandbox.codec, dataset, stream)
        # Pages of 64, as a robot fetches them, and one read of everything.
        for size in (64, 100_000):
            position = 0
            while True:
                examined = view.read(position, size, 100_000)
                answers += [view.fetch_body(examined), view.results_body(examined)]
                position = examined.last_seq
                if examined.at_end:
                    break
    return answers


def test_fetch_and_results_answers_are_the_same_text_as_with_one_comment_at_a_time_scoring(
    sandbox: Sandbox, dataset: dict[str, Any]
) -> None:
    expected = _answers(sandbox, ReferencePredictor(sandbox, dataset), dataset)
    with sandbox.store.transaction() as db:
        db.execute("DELETE FROM predictions")
    scored = _answers(sandbox, Predictor(sandbox.store), dataset)  # batch scoring, written to the table
    assert scored == expected
    again = _answers(sandbox, Predictor(sandbox.store), dataset)  # read back from the table
    assert again == expected
    some_labels = [json.loads(body)["results"][0].get("labels") for body in expected[::4]]
    assert any(some_labels), "no stream answer carried labels: the comparison would prove little"


def test_fetch_labels_json_is_the_json_of_the_labels(
    sandbox: Sandbox, dataset: dict[str, Any], texts: list[str]
) -> None:
    loaded = sandbox.predictor.load(dataset["id"], 2)
    assert loaded is not None
    thresholds = dict.fromkeys(loaded.labels, 0.0)
    for probabilities in loaded.score_packed(texts):
        chosen = stream_labels(loaded, probabilities, thresholds)
        text = fetch_labels_json(loaded, chosen)
        assert text == json.dumps(fetch_labels(chosen), separators=(",", ":"), ensure_ascii=False)


def test_predictions_stored_as_json_by_earlier_versions_are_still_read(
    sandbox: Sandbox, dataset: dict[str, Any], rows: list[CommentRow]
) -> None:
    values = [0.1, 0.25, 1e-05, 0.9999999999999999]
    with sandbox.store.transaction() as db:
        db.execute(
            "INSERT OR REPLACE INTO predictions (dataset_id, version, comment_seq, json) VALUES (?, ?, ?, ?)",
            ("old-dataset", 7, rows[0].seq, json.dumps(values)),
        )
    sandbox.store.cache_predictions("old-dataset", 7, {rows[1].seq: values})
    found = sandbox.store.cached_predictions("old-dataset", 7, [rows[0].seq, rows[1].seq])
    assert {seq: list(value) for seq, value in found.items()} == {rows[0].seq: values, rows[1].seq: values}


def _sync(sandbox: Sandbox, prefix: str, texts: Sequence[str]) -> list[int]:
    source = sandbox.source("acme", "retail-inbox")
    new = [
        CommentNew.model_validate(
            {
                "id": f"{prefix}-{index}",
                "timestamp": "2024-05-01T10:00:00Z",
                "messages": [{"body": {"text": text}}],
            }
        )
        for index, text in enumerate(texts)
    ]
    comments.sync(sandbox.store, source, new)
    found = sandbox.store.existing_comments(source["id"], (comment.id for comment in new))
    return sorted(seq for seq, _, _ in found.values())


def test_synced_comments_are_scored_at_sync_for_the_versions_the_streams_use(
    sandbox: Sandbox, dataset: dict[str, Any]
) -> None:
    texts = [*TRICKY, "my parcel never arrived, order ACM-104233", "you charged me twice"]
    seqs = _sync(sandbox, "ahead", texts)
    assert len(seqs) == len(texts)
    stored = sandbox.store.texts(seqs)
    reference = _reference(sandbox, dataset, 1)
    expected = {seq: reference.scores([stored[seq]])[0].tolist() for seq in seqs}
    copy = sandbox.dataset("acme", "retail-sentiment")  # same source, its own routing stream on version 1
    for scored in (dataset, copy):
        found = sandbox.store.cached_predictions(scored["id"], 1, seqs)
        assert {seq: list(value) for seq, value in found.items()} == expected
    # No stream reads version 2: it is scored when something asks for it.
    assert sandbox.store.cached_predictions(dataset["id"], 2, seqs) == {}


def test_a_failure_scoring_ahead_does_not_fail_the_sync_and_surfaces_at_fetch(
    sandbox: Sandbox,
    dataset: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(self: LoadedModel, texts: Sequence[str]) -> list[array[float]]:
        raise RuntimeError("scorer broke")

    monkeypatch.setattr(LoadedModel, "score_packed", broken)
    with caplog.at_level("WARNING", logger="ReinferLibrary.sandbox"):
        seqs = _sync(sandbox, "broken", ["where is my refund"])
    assert len(seqs) == 1
    assert "scoring synced comments ahead failed" in caplog.text
    assert sandbox.store.cached_predictions(dataset["id"], 1, seqs) == {}
    model = sandbox.predictor.load(dataset["id"], 1)
    assert model is not None
    with pytest.raises(RuntimeError, match="scorer broke"):
        sandbox.predictor.probabilities(model, dataset["source_ids"], seqs)
