"""Recording a stream into a cassette from a robot: ``Record Trigger Batches``.

The work is :func:`ReinferLibrary.recording.record_stream`, the same code the
``reinfer-sandbox record`` command runs, on this connection's client.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from robot.api.deco import keyword

from ..recording import record_stream
from ..sandbox.cassette import DEFAULT_MAX_COMMENTS, DEFAULT_SINCE, MaskSettings
from .base import LibraryComponent


class RecordingKeywords(LibraryComponent):
    """Recording a trigger (keywords of the ``Trigger`` area)."""

    @keyword(tags=("Trigger",))
    def record_trigger_batches(
        self,
        trigger: str,
        path: Path,
        max_comments: int = DEFAULT_MAX_COMMENTS,
        mask: bool = True,
        mask_properties: list[str] | None = None,
        since: str = DEFAULT_SINCE,
        dataset: str | None = None,
    ) -> dict[str, Any]:
        """Record the trigger's comments and predictions into a cassette, without moving the trigger.

        The cassette is a JSON-lines file that ``reinfer-sandbox serve --replay <path>``
        serves as the same stream, with exactly the recorded labels, probabilities and
        entities, so a robot can be tested offline on real traffic (see the guide's
        chapter "Test your robots on your own data").

        The trigger itself is only read: a throwaway copy of it (same model version,
        thresholds and filter) is created, read from ``since`` batch by batch, and deleted,
        also when the recording fails. The token therefore needs the right to create and
        delete streams in the dataset. The file is written under a temporary name and
        renamed at the end, so a failed recording never leaves half a cassette.

        Masking is on by default: e-mail addresses and phone numbers in the text, the
        addresses and string user properties are replaced by placeholders, consistently (the
        same address is the same placeholder throughout), and entity values and spans follow.

        Args:
            trigger: Stream name, or ``owner/dataset/name``.
            path: The cassette file to write (replaced if it exists).
            max_comments: Stop after this many comments.
            mask: ``False`` records personal data as it is.
            mask_properties: User property names (``string:`` prefix optional) whose whole
                value is replaced, e.g. ``Customer Name``.
            since: First comment creation time to record (ISO 8601); default: the oldest.
            dataset: ``owner/name``; default: the connection's dataset.

        Returns:
            A dictionary: ``path``, ``comments``, ``batches``, ``model_version``,
            ``masked_values``.

        Example:
        | ${recorded} = | Record Trigger Batches | routing | ${OUTPUT_DIR}/routing.jsonl | max_comments=500 |
        | ... | mask_properties=${{['Customer Name']}} |
        | Log | Recorded ${recorded.comments} comments |
        """
        dataset_name, stream = self.stream(trigger, dataset)
        settings = MaskSettings(enabled=mask, properties=tuple(mask_properties or ()))
        result = record_stream(
            self.client, dataset_name, stream, Path(path), int(max_comments), settings, since
        )
        for warning in result.warnings:
            self.warn(warning)
        self.info(result.summary()[0].upper() + result.summary()[1:] + ".")
        return self.to_robot(
            {
                "path": str(result.path),
                "comments": result.comments,
                "batches": result.batches,
                "model_version": result.model_version,
                "masked_values": result.masked_values,
            }
        )
