"""Record a stream into a cassette without moving it: ``reinfer-sandbox record`` and the keyword
``Record Trigger Batches`` both run :func:`record_stream` on the library's own client.

Why it lives here, outside ``sandbox/``: recording is a *client* of a real tenant, while the
sandbox is an independent implementation of the API that never imports the client (so a
robot passing against it means something). The ``record`` command of ``reinfer-sandbox`` only
parses its arguments and calls :func:`main` here; the server never loads this module. The
cassette format itself (:mod:`ReinferLibrary.sandbox.cassette`, standard library only) is
shared by this writer and the replaying sandbox.

How the user's stream is left alone: the recorder reads the stream's definition (model
version, label thresholds, comment filter), creates a **throwaway stream** with the same
definition (``<stream>-rec-<random>``), resets it to ``since`` (default: the oldest comment),
fetches and advances *that* stream batch by batch, and deletes it at the end, also after an
error or Ctrl-C. The user's stream is only read (``GET``), never fetched, advanced or reset,
so its position cannot change. The token needs the right to create and delete streams in
the dataset (a token that may run robots on it usually has it). Fetches return exactly what
the user's stream returns for those comments: the same model version, the same thresholds,
the same filter. The stream's per-label validation (auto-thresholds and curves) is recorded
too, when the token may read it, so ``auto:`` thresholds replay the same.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .client.reinfer import ReinferClient
from .client.settings import ConnectionSettings
from .errors import NotFoundError, ReinferApiError, ReinferError
from .models.streams import LabelThresholdNew, StreamModelNew, StreamNew
from .sandbox.cassette import (
    DEFAULT_MAX_COMMENTS,
    DEFAULT_SINCE,
    CassetteWriter,
    Masker,
    MaskSettings,
    label_text,
)

BATCH_SIZE = 64
URL_ENV = "REINFER_URL"
TOKEN_ENV = "REINFER_TOKEN"  # noqa: S105 (the name of the variable, not a token)


@dataclass
class RecordResult:
    """What a recording wrote."""

    path: Path
    comments: int
    batches: int
    model_version: int | None
    masked_values: int
    warnings: list[str]

    def summary(self) -> str:
        version = "no model" if self.model_version is None else f"model version {self.model_version}"
        masked = f", {self.masked_values} value(s) masked" if self.masked_values else ""
        counts = f"{self.comments} comment(s) in {self.batches} batch(es)"
        return f"recorded {counts} ({version}{masked}) to {self.path}"


def _dump(model: Any) -> dict[str, Any]:
    dumped: dict[str, Any] = model.model_dump(mode="json", exclude_none=True, by_alias=True)
    return dumped


def _item(item: Any) -> dict[str, Any]:
    recorded = {
        "comment": _dump(item.comment),
        # As the fetch route sends them: name parts and probability.
        "labels": [
            {"name": label.name.split(" > "), "probability": label.probability} for label in item.labels
        ],
        "entities": [_dump(entity) for entity in item.entities],
        "label_properties": [_dump(prop) for prop in item.label_properties],
    }
    if item.sentiment is not None:
        recorded["sentiment"] = item.sentiment
    return recorded


def _validation(
    client: ReinferClient, dataset: str, version: int, labels: Sequence[str]
) -> tuple[dict[str, Any], list[str]]:
    found: dict[str, Any] = {}
    for label in labels:
        try:
            found[label] = _dump(client.get_label_validation(dataset, version, label))
        except NotFoundError:
            continue
        except ReinferApiError as error:
            return {}, [
                f"validation of model version {version} not recorded ({error});"
                " auto-thresholds will differ on replay"
            ]
    return found, []


def record_stream(
    client: ReinferClient,
    dataset: str,
    stream: str,
    out: Path | str,
    max_comments: int = DEFAULT_MAX_COMMENTS,
    masking: MaskSettings | None = None,
    since: str = DEFAULT_SINCE,
    batch_size: int = BATCH_SIZE,
    on_batch: Callable[[int, int], None] | None = None,
) -> RecordResult:
    """Record up to ``max_comments`` of ``stream`` into the cassette ``out`` (see the module docstring)."""
    if max_comments < 1:
        raise ReinferError(f"max_comments must be 1 or more, got {max_comments}.")
    masker = Masker(masking or MaskSettings())
    definition = client.get_stream(dataset, stream)
    details = client.get_dataset(dataset)
    warnings: list[str] = []
    model: dict[str, Any] | None = None
    new_model = None
    if definition.model is not None:
        version = definition.model.version
        thresholds = [t for t in definition.model.label_thresholds if t.threshold is not None]
        names = [label_text(t.name) for t in thresholds]
        validation, problems = _validation(client, dataset, version, names)
        warnings += problems
        tags = [tag.name for tag in client.get_model_tags(dataset) if tag.version == version]
        model = {"version": version, "tags": tags, "label_validation": validation}
        new_model = StreamModelNew(
            version=version,
            label_thresholds=[LabelThresholdNew(name=t.name, threshold=t.threshold) for t in thresholds],
        )
    header = {
        "dataset": _dump(details),
        "sources": [{"id": source_id} for source_id in details.source_ids],
        "stream": _dump(definition),
        "model": model,
        "since": since,
        "masking": masker.settings.describe(),
    }
    throwaway = f"{stream}-rec-{secrets.token_hex(4)}"[-256:]
    client.create_stream(
        dataset,
        StreamNew(
            name=throwaway,
            title=f"Recording of {stream} (ReinferLibrary; delete me if left over)",
            comment_filter=definition.comment_filter or None,
            model=new_model,
        ),
    )
    batches = 0
    try:
        client.reset(dataset, throwaway, since)
        with CassetteWriter(Path(out), header) as writer:
            while writer.count < max_comments:
                batch = client.fetch(dataset, throwaway, size=min(batch_size, max_comments - writer.count))
                batches += 1
                for item in batch.results:
                    writer.add(masker.item(_item(item)))
                if on_batch is not None:
                    on_batch(batches, writer.count)
                if batch.is_end_sequence:
                    break
                client.advance(dataset, throwaway, batch.sequence_id)
            path = writer.commit()
            count = writer.count
    finally:
        try:
            client.delete_stream(dataset, throwaway)
        except ReinferError as error:
            warnings.append(
                f"could not delete the throwaway stream '{throwaway}' ({error}); delete it by hand"
            )
    return RecordResult(
        path, count, batches, None if model is None else int(model["version"]), masker.replaced, warnings
    )


def main(args: argparse.Namespace) -> int:
    """Run ``reinfer-sandbox record``; errors are one line on stderr and exit code 2."""
    url = args.url or os.environ.get(URL_ENV, "")
    token = os.environ.get(TOKEN_ENV, "")
    if not url:
        print(f"reinfer-sandbox record: no URL; pass --url or set {URL_ENV}", file=sys.stderr)
        return 2
    if not token:
        print(
            f"reinfer-sandbox record: no token; set {TOKEN_ENV} (never on the command line)", file=sys.stderr
        )
        return 2
    masking = MaskSettings(
        enabled=not args.no_mask,
        emails=not args.keep_emails,
        phones=not args.keep_phones,
        properties=tuple(args.mask_property),
    )
    try:
        with ReinferClient(ConnectionSettings(url=url, token=token, retries=2)) as client:
            result = record_stream(
                client, args.dataset, args.trigger, args.out, args.max_comments, masking, args.since
            )
    except ReinferError as error:
        print(f"reinfer-sandbox record: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"reinfer-sandbox record: cannot write {args.out}: {error.strerror or error}", file=sys.stderr)
        return 2
    for warning in result.warnings:
        print(f"reinfer-sandbox record: warning: {warning}", file=sys.stderr)
    print(result.summary(), flush=True)
    return 0
