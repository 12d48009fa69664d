"""``reinfer-sandbox serve --replay CASSETTE``: serve a recorded stream with its recorded predictions.

The cassette (:mod:`.cassette`) is loaded into an empty data directory as an ordinary
sandbox tenant, so the stream has every semantic of a live one (fetch and ``/results`` never
move it, advance, reset by creation time, exceptions, restarts keep the position):

* the project, the dataset and its sources get the recorded names and **ids**, so comment
  uids (``<source id>.<comment id>``) are the recorded ones;
* comments are stored as recorded, in recorded order, with their recorded ``created_at``;
  their entities and label properties are the recorded ones, not re-extracted;
* the stream gets the recorded name, model version and label thresholds. Its comment filter
  is dropped: the cassette holds only the comments that passed it (so ``filtered`` is 0 on
  replay where the live stream skipped comments);
* the model version has the recorded number and tags. Its label probabilities for the
  recorded comments are **the recorded ones**, written into the prediction cache (a label
  the stream did not return gets probability 0, below any threshold it could have), so every
  fetch answers with exactly the recorded labels and probabilities. Behind that cache sits a
  model trained on the recorded comments and their recorded labels, which answers the
  predict routes and comments synced later; its validation carries the recorded per-label
  curves and auto-thresholds where the recording had them.

A data directory loaded from a cassette remembers which one (``replay.json``); serving it
again with the same cassette carries on where the stream was, any other content is refused.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import timeutil
from .cassette import Cassette, CassetteError, label_text, read_cassette
from .context import Sandbox
from .envelope import dumps
from .nlp.classifier import comment_text, train
from .routes_datasets import build_dataset
from .routes_sources import build_source
from .routes_streams import create_stream
from .schemas import DatasetNew, SourceNew, StreamNew
from .store import CommentWrite

MARKER = "replay.json"
_ID = re.compile(r"^[0-9a-f]{16}$")


@dataclass
class ReplayReport:
    comments: int
    dataset: str
    stream: str
    version: int | None
    seconds: float
    resumed: bool = False

    def summary(self) -> str:
        if self.resumed:
            return f"replaying {self.dataset} stream {self.stream} (loaded before; position kept)"
        model = "no model" if self.version is None else f"model version {self.version}"
        return (
            f"replaying {self.comments} recorded comments of {self.dataset} as stream {self.stream}"
            f" ({model}) loaded in {self.seconds:.1f} s"
        )


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def load_replay(sandbox: Sandbox, data_dir: Path, path: Path) -> ReplayReport:
    """Load ``path`` into the sandbox (empty, or loaded from this same cassette before)."""
    cassette = read_cassette(path)
    digest = _digest(cassette.path)
    marker = Path(data_dir) / MARKER
    dataset = cassette.dataset
    name = f"{dataset.get('owner')}/{dataset.get('name')}"
    stream = str(cassette.stream.get("name"))
    if not sandbox.store.is_empty():
        if marker.is_file() and json.loads(marker.read_text(encoding="utf-8")).get("sha256") == digest:
            return ReplayReport(len(cassette.items), name, stream, None, 0.0, resumed=True)
        raise CassetteError(
            f"Cannot replay '{path}' into data directory '{data_dir}': it already holds other data;"
            " give an empty --data-dir"
        )
    report = _load(sandbox, cassette)
    marker.write_text(json.dumps({"cassette": str(cassette.path), "sha256": digest}), encoding="utf-8")
    return report


def _load(sandbox: Sandbox, cassette: Cassette) -> ReplayReport:
    started = time.perf_counter()
    store = sandbox.store
    recorded = cassette.dataset
    owner, dataset_name = str(recorded.get("owner") or ""), str(recorded.get("name") or "")
    if not owner or not dataset_name:
        raise CassetteError(f"Cassette '{cassette.path}' line 1: the dataset has no owner and name")
    store.create_project(owner, "Replayed recording", f"Loaded from {cassette.path.name}")
    source_ids = [str(source["id"]) for source in cassette.header["sources"]]
    for item in cassette.items:
        source_id = str(item["comment"]["source_id"])
        if source_id not in source_ids:
            source_ids.append(source_id)
    for index, source_id in enumerate(source_ids, start=1):
        source = build_source(owner, f"recorded-{index}", SourceNew(title=f"Recorded source {source_id}"))
        if _ID.match(source_id):
            source["id"] = source_id
        store.create_source(source)
    fields = DatasetNew.model_validate(
        {
            "title": recorded.get("title", ""),
            "description": recorded.get("description", ""),
            "source_ids": source_ids,
            # As recorded (instructions, extraction fields): /results answers per field occurrence.
            "label_defs": [
                {**_given(d), "name": label_text(d["name"])} for d in recorded.get("label_defs") or []
            ],
            "entity_defs": [_given(d) for d in recorded.get("entity_defs") or []],
        }
    )
    dataset = build_dataset(owner, dataset_name, fields, None)
    if _ID.match(str(recorded.get("id", ""))):
        dataset["id"] = recorded["id"]
    store.create_dataset(dataset)
    seqs = _write_comments(sandbox, cassette.items)

    model_info = cassette.model
    version: int | None = None
    if model_info:
        version = int(model_info["version"])
        taxonomy = [label["name"] for label in dataset["label_defs"]]
        _train(sandbox, dataset, cassette, taxonomy, version, seqs)
    stream = cassette.stream
    definition: dict[str, Any] = {
        "name": stream["name"],
        "title": stream.get("title") or "",
        "description": stream.get("description") or "",
    }
    if version is not None and stream.get("model"):
        definition["model"] = {
            "version": version,
            "label_thresholds": [
                {"name": label_text(entry["name"]), "threshold": entry.get("threshold")}
                for entry in stream["model"].get("label_thresholds") or []
            ],
        }
    create_stream(sandbox, dataset, StreamNew.model_validate(definition))
    return ReplayReport(
        len(cassette.items),
        f"{owner}/{dataset_name}",
        str(stream["name"]),
        version,
        time.perf_counter() - started,
    )


def _given(definition: dict[str, Any]) -> dict[str, Any]:
    """A recorded definition without its null values (the dataset schema wants them absent)."""
    return {key: value for key, value in definition.items() if value is not None}


def _write_comments(sandbox: Sandbox, items: Sequence[dict[str, Any]]) -> list[int]:
    """Store the recorded comments in recorded order; return their seqs (same order)."""
    store = sandbox.store
    group: list[CommentWrite] = []
    current: str | None = None
    order: list[tuple[str, str]] = []

    def flush() -> None:
        if group and current is not None:
            store.write_comments(current, list(group), ())
            group.clear()

    for item in items:
        comment = item["comment"]
        source_id = str(comment["source_id"])
        if source_id != current:
            flush()
            current = source_id
        created = comment.get("created_at") or store.next_created_at()
        created = timeutil.platform(timeutil.parse(created))
        group.append(
            CommentWrite(
                comment_id=str(comment["id"]),
                json=dumps(comment),
                text=comment_text(comment),
                entities_json=dumps(item.get("entities") or []),
                properties_json=dumps(item.get("label_properties") or []),
                created_at=created,
            )
        )
        order.append((source_id, str(comment["id"])))
    flush()
    seqs: list[int] = []
    for source_id, comment_id in order:
        seqs.append(store.existing_comments(source_id, [comment_id])[comment_id][0])
    return seqs


def _train(
    sandbox: Sandbox,
    dataset: dict[str, Any],
    cassette: Cassette,
    taxonomy: list[str],
    version: int,
    seqs: list[int],
) -> None:
    items = cassette.items
    assigned = [[label_text(label["name"]) for label in item.get("labels") or []] for item in items]
    extra = [name for names in assigned for name in names if name not in taxonomy]
    taxonomy = list(dict.fromkeys([*taxonomy, *extra]))
    texts = [comment_text(item["comment"]) for item in items]
    model = train(texts, assigned, taxonomy, seed=0) if items else None
    if model is None:
        raise CassetteError(f"Cassette '{cassette.path}' has no comments; there is nothing to replay")
    validation = json.loads(json.dumps(model.validation))
    recorded = (cassette.model.get("label_validation") or {}) if cassette.model else {}
    labels = validation.setdefault("labels", {})
    for name, entry in recorded.items():
        labels[name] = {**labels.get(name, {}), **entry}
    store = sandbox.store
    store.add_model(dataset["id"], model.to_bytes(), timeutil.platform(timeutil.now()), validation, version)
    for tag in (cassette.model or {}).get("tags") or []:
        store.set_tag(dataset["id"], str(tag), version)
    columns = {label: index for index, label in enumerate(model.labels)}
    cached: dict[int, list[float]] = {}
    for seq, item in zip(seqs, items, strict=True):
        probabilities = [0.0] * len(columns)
        for label in item.get("labels") or []:
            probabilities[columns[label_text(label["name"])]] = float(label["probability"])
        cached[seq] = probabilities
    store.cache_predictions(dataset["id"], version, cached)
