"""``reinfer-sandbox import``: train the sandbox on the user's own labelled comments.

Two input formats, chosen by the file name:

* ``*.csv``: a header row with a text column (``text``, ``body`` or ``message``) and a label
  column (``label`` or ``labels``; several labels in one cell separated by ``;``), and
  optionally ``id``, ``subject``, ``from`` and ``timestamp``. An empty label cell imports the
  comment unreviewed (streams serve it, training skips it).
* anything else: JSON lines as the official ``re`` CLI writes them (``re get comments``):
  ``{"comment": {...}, "labelling": [{"group": "default", "assigned": [{"name": "A > B"}]}]}``
  (the older ``"labelling": {"assigned": [...]}`` too). A line without ``labelling`` is an
  unreviewed comment; ``entities`` are not needed, the sandbox extracts its own. An assigned
  label's ``sentiment`` (``positive`` / ``negative``) is checked and otherwise ignored.

``sentiment=True`` (``--sentiment``) creates the dataset with sentiment enabled: its labels
then carry a sentiment on fetch and predict answers (from the tone lexicon, see
``nlp.sentiment``).

The whole file is read and checked before anything is written, and every problem is one line
naming the file, the line and what to do: a comment without text, a label outside the
taxonomy (``--labels FILE``, or the existing dataset's), fewer than :data:`MIN_LABELS`
labels, more than :data:`MAX_LABELS`, a duplicated comment id, a line that is not a comment.

Then, exactly as for the demo tenant: project, source and dataset are created when missing,
comments synced (entities and label properties extracted), labels assigned as reviewed, and a
new model version trained with held-out validation (auto-thresholds per label), pinned and
tagged (``live`` by default). A stream (``routing`` by default) is created on that version
with each label's ``balanced`` auto-threshold (0.5 where validation had too few examples), and
``--thresholds-out`` writes the same numbers as a thresholds file for ``Load Thresholds``.
"""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from . import comments
from .cassette import AtomicTextFile
from .context import Sandbox
from .envelope import ApiError
from .nlp.classifier import comment_text
from .predictor import train_version
from .routes_datasets import create_dataset
from .routes_sources import create_source
from .routes_streams import create_stream
from .schemas import CommentNew, DatasetNew, SourceNew, StreamNew, describe_errors, label_name

MIN_LABELS = 2
MAX_LABELS = 1000
DEFAULT_THRESHOLD = 0.5
TEXT_COLUMNS = ("text", "body", "message")
LABEL_COLUMNS = ("labels", "label")
CSV_SEPARATOR = ";"
CSV_EPOCH = datetime(2024, 1, 1, tzinfo=timezone.utc)


class LabelledFileError(ValueError):
    """A file that cannot be imported; the message is one line naming file, line and problem."""


@dataclass
class Row:
    where: str
    comment: CommentNew
    labels: list[str] | None


@dataclass
class ImportReport:
    dataset: str
    comments: int
    reviewed: int
    labels: list[str]
    version: int
    tags: list[str]
    stream: str | None
    stream_created: bool
    thresholds: dict[str, float]
    mean_average_precision: float | None
    seconds: float
    warnings: list[str] = field(default_factory=list)

    def summary(self) -> str:
        quality = (
            ""
            if self.mean_average_precision is None
            else f", mean average precision {self.mean_average_precision:.2f}"
        )
        tags = f" (tagged {', '.join(self.tags)})" if self.tags else ""
        stream = ""
        if self.stream:
            stream = f"; stream {self.stream} {'created on it' if self.stream_created else 'left as it was'}"
        return (
            f"imported {self.comments} comments ({self.reviewed} reviewed) into {self.dataset} with"
            f" {len(self.labels)} labels; model version {self.version}{tags} trained with held-out"
            f" validation{quality} in {self.seconds:.1f} s{stream}"
        )


def _fail(path: Path, where: str, problem: str) -> LabelledFileError:
    return LabelledFileError(f"Import file '{path}'{where}: {problem}")


def _comment(path: Path, where: str, data: Any) -> CommentNew:
    try:
        comment = CommentNew.model_validate(data)
    except ValidationError as error:
        raise _fail(path, where, f"not a comment: {describe_errors(error.errors())}") from None
    if not comment_text(comments.content_of(comment)).strip():
        raise _fail(
            path,
            where,
            f"comment '{comment.id}' has no text (empty subject and body); give it text or remove it",
        )
    return comment


SENTIMENTS = ("positive", "negative")


def _check_sentiment(path: Path, where: str, label: dict[str, Any]) -> None:
    """An assigned label's ``sentiment`` is ``positive`` or ``negative`` (the API's annotations);
    it is accepted, not learned: the sandbox's sentiment comes from its tone lexicon."""
    value = label.get("sentiment")
    if value is not None and value not in SENTIMENTS:
        raise _fail(
            path,
            where,
            f"label {label.get('name')!r} has the sentiment {value!r}; annotations use 'positive' or"
            " 'negative'",
        )


def _labels(path: Path, where: str, names: Sequence[Any]) -> list[str]:
    found = []
    for name in names:
        try:
            found.append(label_name(name))
        except ValueError as error:
            raise _fail(path, where, str(error)) from None
    return list(dict.fromkeys(found))


def _jsonl_rows(path: Path, text: str) -> list[Row]:
    rows = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f" line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            raise _fail(
                path, where, f"not JSON ({error.msg}); give JSON lines from 're get comments' or a .csv file"
            ) from None
        if not isinstance(data, dict) or not isinstance(data.get("comment"), dict):
            raise _fail(
                path, where, 'no \'comment\' object; each line is {"comment": {...}, "labelling": ...}'
            )
        labelling = data.get("labelling")
        labels = None if labelling is None else _labels(path, where, _assigned(path, where, labelling))
        rows.append(Row(where, _comment(path, where, data["comment"]), labels))
    return rows


def _assigned(path: Path, where: str, labelling: Any) -> list[Any]:
    """The names assigned in the ``default`` group of one line's ``labelling``."""
    groups = labelling if isinstance(labelling, list) else [labelling]
    names: list[Any] = []
    for group in groups:
        if not isinstance(group, dict):
            raise _fail(path, where, "'labelling' must be an object or a list of label groups")
        if group.get("group", "default") != "default":
            continue
        for label in group.get("assigned") or []:
            if isinstance(label, dict):
                _check_sentiment(path, where, label)
            names.append(label.get("name") if isinstance(label, dict) else label)
    return names


def _column(header: Sequence[str], wanted: Sequence[str]) -> int | None:
    lowered = [name.strip().lower() for name in header]
    for name in wanted:
        if name in lowered:
            return lowered.index(name)
    return None


def _csv_rows(path: Path, text: str) -> list[Row]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if not header:
        raise _fail(path, "", "the file is empty")
    text_at = _column(header, TEXT_COLUMNS)
    label_at = _column(header, LABEL_COLUMNS)
    if text_at is None or label_at is None:
        raise _fail(
            path,
            " line 1",
            f"the header needs a text column ({', '.join(TEXT_COLUMNS)}) and a label column"
            f" ({', '.join(LABEL_COLUMNS)}); it has {', '.join(header)}",
        )
    optional = {name: _column(header, (name,)) for name in ("id", "subject", "from", "timestamp")}
    rows = []
    for number, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        where = f" line {number}"
        if len(cells) != len(header):
            raise _fail(path, where, f"{len(cells)} cells but the header has {len(header)} columns")

        def cell(index: int | None, cells: list[str] = cells) -> str:
            return cells[index].strip() if index is not None else ""

        message: dict[str, Any] = {"body": {"text": cells[text_at]}}
        if cell(optional["subject"]):
            message["subject"] = {"text": cell(optional["subject"])}
        if cell(optional["from"]):
            message["from"] = cell(optional["from"])
        data = {
            "id": cell(optional["id"]) or f"row-{number}",
            "timestamp": cell(optional["timestamp"])
            or (CSV_EPOCH + timedelta(minutes=number)).isoformat().replace("+00:00", "Z"),
            "messages": [message],
        }
        raw = cell(label_at)
        labels = (
            _labels(path, where, [part for part in raw.split(CSV_SEPARATOR) if part.strip()]) if raw else None
        )
        rows.append(Row(where, _comment(path, where, data), labels))
    return rows


def _check_unique_ids(path: Path, rows: Sequence[Row]) -> None:
    seen: dict[str, str] = {}
    for row in rows:
        if row.comment.id in seen:
            raise _fail(
                path, row.where, f"comment id '{row.comment.id}' was already given on{seen[row.comment.id]}"
            )
        seen[row.comment.id] = row.where


def _used_labels(path: Path, rows: Sequence[Row], allowed: set[str] | None) -> dict[str, None]:
    """The labels the rows assign, in first-seen order; each checked against ``allowed``."""
    used: dict[str, None] = {}
    for row in rows:
        for label in row.labels or []:
            if (
                allowed is not None
                and label not in allowed
                and not any(known.startswith(label + " > ") for known in allowed)
            ):
                raise _fail(
                    path,
                    row.where,
                    f"label '{label}' is not in the taxonomy ({len(allowed)} labels); fix the name or add it",
                )
            used.setdefault(label, None)
    return used


def read_labelled(path: Path, taxonomy: Sequence[str] | None = None) -> tuple[list[Row], list[str]]:
    """Read and check a labelled file; return its rows and the labels to train (sorted)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LabelledFileError(f"Import file '{path}' does not exist.") from None
    except UnicodeDecodeError:
        raise _fail(path, "", "not UTF-8 text; save it as UTF-8 JSON lines or CSV") from None
    rows = _csv_rows(path, text) if path.suffix.lower() == ".csv" else _jsonl_rows(path, text)
    if not rows:
        raise _fail(path, "", "no comments in it")
    _check_unique_ids(path, rows)
    used = _used_labels(path, rows, set(taxonomy) if taxonomy is not None else None)
    labels = sorted(used)
    if len(labels) < MIN_LABELS:
        which = f" ('{labels[0]}')" if labels else ""
        raise _fail(
            path,
            "",
            f"{len(labels)} label{which} assigned; a model needs at least {MIN_LABELS} labels to tell apart",
        )
    if len(labels) > MAX_LABELS:
        raise _fail(
            path,
            "",
            f"{len(labels)} different labels; the sandbox trains at most {MAX_LABELS}"
            " (is the label column the right one?)",
        )
    return rows, labels


def read_taxonomy(path: Path) -> list[str]:
    """A taxonomy file: one label per line (``#`` comments), or a JSON list of names."""
    text = Path(path).read_text(encoding="utf-8")
    if text.lstrip().startswith("["):
        names = json.loads(text)
    else:
        names = [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]
    return [label_name(name) for name in names]


def _ensure(
    sandbox: Sandbox, owner: str, name: str, labels: list[str], sentiment: bool = False
) -> tuple[dict[str, Any], dict[str, Any]]:
    store = sandbox.store
    if store.get_project(owner) is None:
        store.create_project(owner, owner, "Imported by reinfer-sandbox import")
    source = store.get_source(owner, name) or create_source(
        sandbox, owner, name, SourceNew(title=f"{owner}/{name} (imported)")
    )
    dataset = store.get_dataset(owner, name)
    if dataset is None:
        fields = DatasetNew.model_validate(
            {
                "title": name,
                "source_ids": [source["id"]],
                "label_defs": [{"name": label} for label in labels],
                "has_sentiment": sentiment,
            }
        )
        dataset = create_dataset(sandbox, owner, name, fields)
    elif sentiment and not dataset.get("has_sentiment"):
        raise LabelledFileError(
            f"--sentiment: dataset '{owner}/{name}' exists without sentiment, which is chosen when a dataset"
            " is created; import into a new dataset name"
        )
    return source, dataset


def import_labelled(
    sandbox: Sandbox,
    path: Path,
    dataset_name: str,
    taxonomy_file: Path | None = None,
    stream: str | None = "routing",
    tags: Sequence[str] = ("live",),
    seed: int = 0,
    thresholds_out: Path | None = None,
    sentiment: bool = False,
) -> ImportReport:
    """Check ``path``, then load and train it into ``sandbox`` (see the module docstring)."""
    started = time.perf_counter()
    owner, slash, name = dataset_name.partition("/")
    if not slash or not owner or not name:
        raise LabelledFileError(f"--dataset '{dataset_name}' must be owner/name, e.g. acme/claims")
    existing = sandbox.store.get_dataset(owner, name)
    taxonomy: list[str] | None = None
    if taxonomy_file is not None:
        taxonomy = read_taxonomy(taxonomy_file)
    elif existing is not None:
        taxonomy = [label["name"] for label in existing["label_defs"]]
    rows, labels = read_labelled(path, taxonomy)
    source, dataset = _ensure(sandbox, owner, name, sorted({*labels, *(taxonomy or [])}), sentiment)
    comments.sync(sandbox.store, source, [row.comment for row in rows])
    seqs = sandbox.store.existing_comments(source["id"], (row.comment.id for row in rows))
    reviewed = {seqs[row.comment.id][0]: row.labels for row in rows if row.labels is not None}
    sandbox.store.assign(dataset["id"], reviewed)
    examples = [(text, assigned) for _, text, assigned in sandbox.store.training_data(dataset["id"])]
    try:
        version = train_version(sandbox.store, dataset, examples, seed, list(tags))
    except ApiError as error:
        raise LabelledFileError(f"Import file '{path}': {error.message}") from None
    model = sandbox.predictor.require(dataset, version)
    thresholds = {}
    for label in model.labels:
        balanced = dict(model.auto.get(label, ())).get("balanced")
        thresholds[label] = round(float(balanced), 4) if balanced is not None else DEFAULT_THRESHOLD
    created = False
    if stream and sandbox.store.get_stream(dataset["id"], stream) is None:
        definition = {
            "name": stream,
            "title": f"Imported {path.name}",
            "model": {
                "version": version,
                "label_thresholds": [
                    {"name": label, "threshold": value} for label, value in thresholds.items()
                ],
            },
        }
        create_stream(sandbox, dataset, StreamNew.model_validate(definition))
        created = True
    if thresholds_out is not None:
        write_thresholds(thresholds_out, version, thresholds)
    few = [label for label in model.labels if not dict(model.auto.get(label, ())).get("balanced")]
    warnings = (
        [
            f"{len(few)} label(s) had too few held-out examples for auto-thresholds"
            f" and use {DEFAULT_THRESHOLD}: " + ", ".join(few[:5]) + (" ..." if len(few) > 5 else "")
        ]
        if few
        else []
    )
    return ImportReport(
        f"{owner}/{name}",
        len(rows),
        len(reviewed),
        labels,
        version,
        list(tags),
        stream,
        created,
        thresholds,
        model.validation.get("mean_average_precision"),
        time.perf_counter() - started,
        warnings,
    )


def write_thresholds(path: Path, version: int, thresholds: dict[str, float]) -> None:
    """A thresholds file for ``Load Thresholds`` (JSON is valid YAML), written atomically."""
    body = json.dumps({"model_version": version, "thresholds": thresholds}, indent=2, ensure_ascii=False)
    with AtomicTextFile(path) as target:
        target.file.write(body + "\n")
        target.commit()
