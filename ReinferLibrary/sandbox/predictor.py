"""Pinned model versions and their predictions: loading, batched scoring, thresholds.

Predictions of stored comments are computed in one vectorised call per batch and cached in
memory and in the ``predictions`` table, so repeated fetches and restarts cost nothing. They
are computed ahead or on demand:

* **at sync**: comments synced into a dataset are scored right away for the model versions
  its streams use (a few hundredths of a millisecond a comment, next to the milliseconds
  their entity extraction takes), so a stream's first fetch of new comments finds them scored;
* **at fetch**: what is still missing (comments synced before a stream named the version,
  versions only the predict routes use) is computed the first time a fetch (or
  predict-comments) needs it, for the requested comments plus a look-ahead of the comments
  that follow (a consumer reading a stream will ask for those next).

Seeding trains models after the demo comments are synced, so it predicts nothing.

Threshold rules (API reference 2.2, 2.4, 5.1):

* a stream returns a label only when the stream lists it with a threshold and the
  probability is at or above it;
* predict routes use ``threshold`` (default 0.25) or per-label thresholds from ``labels``
  (which also restricts the answer to those labels); ``"auto"`` returns the labels that clear
  at least one of the version's optimal thresholds and adds ``auto_thresholds``;
* auto threshold names, in increasing confidence: ``high_recall``, ``balanced``,
  ``high_precision``; a label carries every name whose threshold its probability meets.
"""

from __future__ import annotations

import json
import logging
import threading
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from . import timeutil
from .envelope import bad_request, dumps, not_found
from .nlp.classifier import TrainedModel, train
from .schemas import LABEL_SEPARATOR, PredictOptions
from .store import Store

AUTO_NAMES = ("high_recall", "balanced", "high_precision")
DEFAULT_THRESHOLD = 0.25
STREAM_THRESHOLD = "stream"
# One look-ahead batch: big enough to amortise a scikit-learn call, small enough to stay fast.
PREDICT_BATCH = 256
# Probabilities kept in memory per model version (about 200 bytes each); the table holds the rest.
MEMORY_LIMIT = 200_000
LOG = logging.getLogger("ReinferLibrary.sandbox")


def parts(name: str) -> list[str]:
    return name.split(LABEL_SEPARATOR)


@dataclass
class LoadedModel:
    """A pinned version, ready to score."""

    dataset_id: str
    version: int
    trained_at: str
    model: TrainedModel
    validation: dict[str, Any]
    labels: list[str] = field(init=False)
    auto: dict[str, list[tuple[str, float]]] = field(init=False)
    label_json: dict[str, str] = field(init=False)
    """Each label's fetch entry up to its probability: ``{"name":[...],"probability":``."""

    def __post_init__(self) -> None:
        self.labels = list(self.model.labels)
        self.label_json = {label: f'{{"name":{dumps(parts(label))},"probability":' for label in self.labels}
        self.auto = {}
        per_label = self.validation.get("labels") or {}
        for label in self.labels:
            optimal = (per_label.get(label) or {}).get("optimal_thresholds") or {}
            self.auto[label] = [
                (name, float(optimal[name])) for name in AUTO_NAMES if optimal.get(name) is not None
            ]

    @property
    def info(self) -> dict[str, Any]:
        """``{"version", "time"}`` as predict responses carry it."""
        return {"version": self.version, "time": self.trained_at}

    def auto_names(self, label: str, probability: float) -> list[str]:
        return [name for name, threshold in self.auto.get(label, ()) if probability >= threshold]

    def score(self, texts: Sequence[str]) -> list[list[float]]:
        """Probabilities in ``labels`` order, one list per text (the whole list scored in one call)."""
        if not texts:
            return []
        return [row.tolist() for row in self.model.scores(texts)]

    def score_packed(self, texts: Sequence[str]) -> list[array[float]]:
        """As :meth:`score`, each row a float64 ``array`` (a third of a list's memory)."""
        if not texts:
            return []
        return [array("d", row.tobytes()) for row in self.model.scores(texts)]


class Predictor:
    """Model cache and prediction cache shared by every route."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._models: dict[tuple[str, int], LoadedModel] = {}
        self._memory: dict[tuple[str, int], dict[int, array[float]]] = {}
        self._lock = threading.Lock()
        self._compute = threading.Lock()
        store.on_text_changed(self._forget)
        store.on_comments_written(self.score_ahead)

    def _forget(self, seqs: list[int]) -> None:
        with self._lock:
            for cache in self._memory.values():
                for seq in seqs:
                    cache.pop(seq, None)

    def load(self, dataset_id: str, version: int) -> LoadedModel | None:
        """A pinned version, or None if it does not exist or is not pinned."""
        key = (dataset_id, version)
        with self._lock:
            cached = self._models.get(key)
        if cached is not None:
            return cached
        row = self.store.get_model(dataset_id, version)
        if row is None or not row.pinned:
            return None
        loaded = LoadedModel(
            dataset_id,
            version,
            row.trained_at,
            TrainedModel.from_bytes(row.bytes),
            json.loads(row.validation_json),
        )
        with self._lock:
            return self._models.setdefault(key, loaded)

    def resolve_version(self, dataset: dict[str, Any], version: str | int) -> int:
        """``2``, ``"2"``, ``"live"`` or ``"staging"`` -> a version number (404 if unknown).

        As on the platform, tags are the lower-case names of ``TaggedUserModelVersionName``
        (``Live`` is not a tag) and a version is plain decimal digits."""
        name = f"{dataset['owner']}/{dataset['name']}"
        text = str(version)
        if text.isascii() and text.isdigit():
            return int(text)
        for tag in self.store.tags(dataset["id"]):
            if tag["name"] == text:
                return int(tag["version"])
        if text in ("live", "staging"):
            raise not_found(f"no model version of dataset {name} is tagged '{text}'")
        raise not_found(f"model version '{text}' is not a version number, 'live' or 'staging'")

    def require(self, dataset: dict[str, Any], version: str | int) -> LoadedModel:
        number = self.resolve_version(dataset, version)
        loaded = self.load(dataset["id"], number)
        if loaded is None:
            raise not_found(
                f"model version {number} of dataset {dataset['owner']}/{dataset['name']} is not pinned"
            )
        return loaded

    def probabilities(
        self, model: LoadedModel, source_ids: Sequence[str], seqs: Sequence[int]
    ) -> dict[int, array[float]]:
        """Probabilities of stored comments (``labels`` order), computing and caching what is missing."""
        key = (model.dataset_id, model.version)
        with self._lock:
            memory = self._memory.setdefault(key, {})
            missing = [seq for seq in seqs if seq not in memory]
        found: dict[int, array[float]] = {}
        if missing:
            with self._compute:
                found = self.store.cached_predictions(model.dataset_id, model.version, missing)
                todo = [seq for seq in missing if seq not in found]
                if todo:
                    room = PREDICT_BATCH - len(todo)
                    if room > 0:
                        todo += self.store.uncached_after(
                            model.dataset_id, model.version, source_ids, max(todo), room
                        )
                    found.update(self._score_and_store(model, todo))
            with self._lock:
                if len(memory) + len(found) > MEMORY_LIMIT:
                    memory.clear()
                memory.update(found)
        with self._lock:
            # ``found`` too: another thread may have cleared the memory meanwhile.
            answer = {seq: found[seq] for seq in seqs if seq in found}
            answer.update((seq, memory[seq]) for seq in seqs if seq in memory)
            return answer

    def score_ahead(self, source_id: str, seqs: Sequence[int]) -> None:
        """Score just-written comments for every model version a stream of their datasets uses.

        Only the ``predictions`` table is filled (in batches, so memory stays bounded); a fetch
        reads them from there. A failure is logged, never raised: the sync has succeeded, and a
        fetch scores what is missing (and reports a real error) itself.
        """
        for dataset in self.store.list_datasets():
            if source_id not in (dataset.get("source_ids") or []):
                continue
            versions = {
                int(stream["model"]["version"])
                for stream in self.store.list_streams(dataset["id"])
                if stream.get("model")
            }
            for version in sorted(versions):
                try:
                    model = self.load(dataset["id"], version)
                    if model is not None:
                        self._score_into_table(model, seqs)
                except Exception:
                    LOG.warning("scoring synced comments ahead failed", exc_info=True)

    def _score_into_table(self, model: LoadedModel, seqs: Sequence[int]) -> None:
        for start in range(0, len(seqs), PREDICT_BATCH):
            chunk = seqs[start : start + PREDICT_BATCH]
            with self._compute:
                cached = self.store.cached_predictions(model.dataset_id, model.version, chunk)
                self._score_and_store(model, [seq for seq in chunk if seq not in cached])

    def _score_and_store(self, model: LoadedModel, seqs: Sequence[int]) -> dict[int, array[float]]:
        """Score stored comments in one call and write them to the table (``_compute`` held)."""
        texts = self.store.texts(seqs)
        order = [seq for seq in seqs if seq in texts]
        computed = dict(zip(order, model.score_packed([texts[seq] for seq in order]), strict=True))
        self.store.cache_predictions(model.dataset_id, model.version, computed)
        return computed


def train_version(
    store: Store,
    dataset: dict[str, Any],
    examples: Sequence[tuple[str, list[str]]],
    seed: int,
    tags: Sequence[str] = (),
) -> int:
    """Train on ``(text, assigned labels)`` over the dataset's taxonomy, pin it, tag it."""
    if not examples:
        raise bad_request(
            f"dataset '{dataset['owner']}/{dataset['name']}' has no reviewed comments to train on"
        )
    taxonomy = [label["name"] for label in dataset["label_defs"]]
    model = train([text for text, _ in examples], [labels for _, labels in examples], taxonomy, seed=seed)
    version = store.add_model(
        dataset["id"], model.to_bytes(), timeutil.platform(timeutil.now()), model.validation
    )
    for tag in tags:
        store.set_tag(dataset["id"], tag, version)
    return version


# --- shaping labels for each kind of answer -------------------------------------------------


def stream_labels(
    model: LoadedModel, probs: Sequence[float], thresholds: dict[str, float]
) -> list[tuple[str, float]]:
    """``(label, probability)`` for labels at or above the stream's threshold, most likely first."""
    chosen = [
        (label, probability)
        for label, probability in zip(model.labels, probs, strict=True)
        if label in thresholds and probability >= thresholds[label]
    ]
    chosen.sort(key=lambda pair: -pair[1])
    return chosen


def fetch_labels(chosen: list[tuple[str, float]]) -> list[dict[str, Any]]:
    return [{"name": parts(label), "probability": probability} for label, probability in chosen]


def fetch_labels_json(model: LoadedModel, chosen: list[tuple[str, float]]) -> str:
    """``dumps(fetch_labels(chosen))``, from ready-made pieces (``repr`` is how JSON writes a float)."""
    prefix = model.label_json
    return "[" + ",".join(f"{prefix[label]}{probability!r}}}" for label, probability in chosen) + "]"


def predict_labels(
    model: LoadedModel, probs: Sequence[float], options: PredictOptions
) -> list[dict[str, Any]]:
    """Labels of a predict answer under the request's ``threshold`` / ``labels`` options."""
    default: float | str = DEFAULT_THRESHOLD if options.threshold is None else options.threshold
    wanted: dict[str, float | str] | None = None
    if options.labels is not None:
        wanted = {item.name: default if item.threshold is None else item.threshold for item in options.labels}
    with_auto = default == "auto" or any(value == "auto" for value in (wanted or {}).values())
    answer: list[dict[str, Any]] = []
    for label, probability in zip(model.labels, probs, strict=True):
        threshold = default if wanted is None else wanted.get(label)
        if threshold is None:
            continue
        names = model.auto_names(label, probability) if with_auto else []
        if (threshold == "auto" and not names) or (threshold != "auto" and probability < float(threshold)):
            continue
        entry: dict[str, Any] = {"name": parts(label), "probability": probability}
        if with_auto:
            entry["auto_thresholds"] = names
        answer.append(entry)
    answer.sort(key=lambda entry: -entry["probability"])
    return answer
