"""The demo tenant (DESIGN.md contract): project ``acme``, source and dataset ``retail-inbox``,
stream ``routing``, model versions 1 (``live``) and 2 (``staging``).

Loaded on the first start of an empty data directory. ``demo/tenant.json`` describes the
tenant; every ``demo/comments_*.jsonl`` (sorted by file name, then line order) holds one
``{"comment": CommentNew, "labels": [assigned label names]}`` per line. A line without
``labels`` (or ``null``) is unreviewed; ``[]`` is reviewed with no label.

* Unreviewed comments: besides lines without labels, 15% of the comments are seeded
  unreviewed, whatever their line says, so ``reviewed: only_unreviewed`` filters have
  something to find and the models are asked about text nobody reviewed. They are the
  comments whose load index is 4, 9 or 14 modulo 20: three in four of the comments version 1
  never trains on (``not_mod5_4`` below), so version 1 is exactly the model it was before
  this rule, and the acceptance suites' expectations of it hold. :data:`ALWAYS_REVIEWED`
  comments are exempt (the acceptance suites rely on them); none of them falls on the rule.

* ``created_at`` of the seeded comments: five minutes after their ``timestamp``, at least one
  second after the previous comment, so upload order and creation order agree and
  reset-by-time lands between comments.
* Assigned labels are training data only; streams and predict routes serve model predictions.
* Each entry of ``tenant.json`` ``models`` trains one version, in order, with its ``seed``:
  ``train_filter: "not_mod5_4"`` uses the reviewed comments whose index in the load order
  (0-based, all comments counted) is not 4 modulo 5; ``"all"`` uses every reviewed comment.
* Nothing is predicted at seed time: predictions are computed lazily when first fetched.
* Each entry of ``tenant.json`` ``copies`` (``acme/retail-sentiment``, ``has_sentiment: true``) is
  another dataset on the same source with the same taxonomy, reviewed labels, model versions
  (the trained models copied, not retrained: same numbers, same tags, same predictions) and
  streams; only the entry's own fields (title, description, ``has_sentiment``) differ.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import comments, timeutil
from .attachments import with_demo_attachments
from .context import Sandbox
from .predictor import train_version
from .routes_datasets import create_dataset
from .routes_sources import create_source
from .routes_streams import create_stream
from .schemas import CommentNew, DatasetNew, SourceNew, StreamNew, describe_errors, label_name

DEMO_DIR = Path(__file__).resolve().parent / "demo"
CREATED_AFTER = timedelta(minutes=5)
CREATED_GAP = timedelta(seconds=1)
UNREVIEWED_CYCLE = 20
UNREVIEWED_AT = frozenset({4, 9, 14})  # of each 20 comments; all are 4 modulo 5 (see above)
ALWAYS_REVIEWED = frozenset({"a0001", "a0013"})


def seeded_unreviewed(index: int, comment_id: str) -> bool:
    """Whether the comment at this load index is seeded unreviewed by rule (see the module docstring)."""
    return index % UNREVIEWED_CYCLE in UNREVIEWED_AT and comment_id not in ALWAYS_REVIEWED


class SeedError(RuntimeError):
    """The demo data is broken; the message names the file and line."""


@dataclass
class SeedReport:
    comments: int = 0
    reviewed: int = 0
    versions: list[int] = field(default_factory=list)
    streams: list[str] = field(default_factory=list)
    copies: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        return (
            f"seeded demo tenant: {self.comments} comments ({self.reviewed} reviewed), model versions "
            f"{', '.join(map(str, self.versions))}, streams {', '.join(self.streams)}"
            + (f", copied as {', '.join(self.copies)}" if self.copies else "")
            + f" in {self.seconds:.1f} s"
        )


def demo_available(directory: Path = DEMO_DIR) -> bool:
    return (directory / "tenant.json").is_file() and any(directory.glob("comments_*.jsonl"))


def _lines(directory: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for path in sorted(directory.glob("comments_*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                where = f"{path.name} line {number}"
                try:
                    yield where, json.loads(line)
                except json.JSONDecodeError as error:
                    raise SeedError(f"{where}: not valid JSON ({error.msg})") from None


def _created_at(parsed: list[CommentNew]) -> list[str]:
    stamps: list[str] = []
    previous = None
    for comment in parsed:
        moment = (timeutil.parse(comment.timestamp) if comment.timestamp else timeutil.now()) + CREATED_AFTER
        if previous is not None and moment < previous + CREATED_GAP:
            moment = previous + CREATED_GAP
        previous = moment
        stamps.append(timeutil.platform(moment))
    return stamps


def _read_comments(directory: Path, taxonomy: set[str]) -> tuple[list[CommentNew], list[list[str] | None]]:
    """The demo comments (with their attachments) and each one's reviewed labels, checked."""
    parsed: list[CommentNew] = []
    assigned: list[list[str] | None] = []
    for where, line in _lines(directory):
        try:
            parsed.append(with_demo_attachments(CommentNew.model_validate(line.get("comment"))))
            labels = line.get("labels")
            names = None if labels is None else [label_name(label) for label in labels]
        except (ValidationError, ValueError) as error:
            detail = describe_errors(error.errors()) if isinstance(error, ValidationError) else str(error)
            raise SeedError(f"{where}: {detail}") from None
        unknown = [name for name in names or [] if name not in taxonomy]
        if unknown:
            raise SeedError(f"{where}: label '{unknown[0]}' is not in the taxonomy of tenant.json")
        assigned.append(names)
    return parsed, assigned


def seed_demo(sandbox: Sandbox, directory: Path = DEMO_DIR) -> SeedReport:
    """Create the demo tenant in an empty sandbox; see the module docstring."""
    started = time.perf_counter()
    report = SeedReport()
    tenant = json.loads((directory / "tenant.json").read_text(encoding="utf-8"))
    project = tenant["project"]
    owner = project["name"]
    sandbox.store.create_project(owner, project.get("title", ""), project.get("description", ""))
    source_def = dict(tenant["source"])
    source = create_source(sandbox, owner, source_def.pop("name"), SourceNew.model_validate(source_def))
    dataset_def = dict(tenant["dataset"])
    dataset_name = dataset_def.pop("name")
    dataset_def["source_ids"] = [source["id"]]
    dataset_def["_label_properties"] = dataset_def.pop("label_properties", ["tone", "quality_of_service"])
    dataset = create_dataset(sandbox, owner, dataset_name, DatasetNew.model_validate(dataset_def))
    taxonomy = {label["name"] for label in dataset["label_defs"]}

    parsed, assigned = _read_comments(directory, taxonomy)
    comments.sync(sandbox.store, source, parsed, created_at=_created_at(parsed))
    report.comments = len(parsed)

    seqs = sandbox.store.existing_comments(source["id"], (comment.id for comment in parsed))
    reviewed: dict[int, list[str]] = {}
    index_of: dict[int, int] = {}
    for index, (comment, names) in enumerate(zip(parsed, assigned, strict=True)):
        if names is not None and not seeded_unreviewed(index, comment.id):
            seq = seqs[comment.id][0]
            reviewed[seq] = names
            index_of[seq] = index
    if reviewed:
        sandbox.store.assign(dataset["id"], reviewed)
    report.reviewed = len(reviewed)
    training = sandbox.store.training_data(dataset["id"])

    for entry in tenant.get("models", []):
        rule = entry.get("train_filter", "all")
        if rule not in ("all", "not_mod5_4"):
            raise SeedError(f"tenant.json: train_filter '{rule}' is not 'all' or 'not_mod5_4'")
        examples = [
            (text, labels) for seq, text, labels in training if rule == "all" or index_of[seq] % 5 != 4
        ]
        version = train_version(
            sandbox.store, dataset, examples, int(entry.get("seed", 0)), entry.get("tags", [])
        )
        if version != entry.get("version", version):
            raise SeedError(
                f"tenant.json: model entries must be listed by version; got {version} for {entry['version']}"
            )
        report.versions.append(version)

    for stream_def in tenant.get("streams", []):
        create_stream(sandbox, dataset, StreamNew.model_validate(stream_def))
        report.streams.append(stream_def["name"])
    for copy_def in tenant.get("copies", []):
        fields = DatasetNew.model_validate(
            {**dataset_def, **{k: v for k, v in copy_def.items() if k != "name"}}
        )
        copied = create_dataset(sandbox, owner, copy_def["name"], fields)
        _copy_contents(sandbox, dataset, copied, reviewed, tenant.get("streams", []))
        report.copies.append(f"{owner}/{copy_def['name']}")
    report.seconds = time.perf_counter() - started
    return report


def _copy_contents(
    sandbox: Sandbox,
    dataset: dict[str, Any],
    copied: dict[str, Any],
    reviewed: dict[int, list[str]],
    stream_defs: list[dict[str, Any]],
) -> None:
    """Copy the reviewed labels, pinned model versions (with tags) and streams of ``dataset``."""
    store = sandbox.store
    if reviewed:
        store.assign(copied["id"], reviewed)
    for version, _, pinned in sorted(store.list_models(dataset["id"])):
        row = store.get_model(dataset["id"], version)
        if row is None or not pinned:
            continue
        store.add_model(
            copied["id"], row.bytes, row.trained_at, json.loads(row.validation_json), version=version
        )
    for tag in store.tags(dataset["id"]):
        store.set_tag(copied["id"], tag["name"], int(tag["version"]))
    for stream_def in stream_defs:
        create_stream(sandbox, copied, StreamNew.model_validate(stream_def))
