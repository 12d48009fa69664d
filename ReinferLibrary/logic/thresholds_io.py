"""Write a thresholds file the business can review, and build thresholds from a model's validation.

``save_thresholds`` writes exactly what ``load_thresholds`` reads back (YAML with a header
comment saying where the numbers came from, or JSON), replacing the file atomically so a
robot reading it at the same moment sees the old file or the new one, never half of one.
``thresholds_from_validation`` picks each label's optimal threshold (``high_recall``,
``balanced`` or ``high_precision``) from its validation and leaves out labels whose
validation is not reliable (seed: such labels must be excluded in production).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from ..errors import ReinferConfigurationError, ThresholdFileError
from ..models import AUTO_THRESHOLDS, LabelValidation, ThresholdConfig, label_name
from .drift import unreliable_reason

YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIX = ".json"
NEW_FILE_MODE = 0o644


def config_document(config: ThresholdConfig) -> dict[str, Any]:
    """The file's content as plain data, in the order ``Load Thresholds`` documents it.

    Keys without a value are left out, so the file holds only what was configured.
    """
    document: dict[str, Any] = {}
    if config.model_version is not None:
        document["model_version"] = config.model_version
    if config.thresholds:
        document["thresholds"] = {label_name(name): float(value) for name, value in config.thresholds.items()}
    if config.default is not None:
        document["default"] = float(config.default)
    if config.auto is not None:
        document["auto"] = config.auto
    return document


def _header(config: ThresholdConfig, written_at: datetime) -> str:
    source = " ".join((config.source or "a configuration built by a robot").split())
    stamp = written_at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        "# Label thresholds, read by ReinferLibrary's `Load Thresholds`.\n"
        f"# Written by `Save Thresholds` at {stamp} from: {source}.\n"
        "# A label counts when its confidence is at or above its threshold (0..1). Review and edit freely.\n"
    )


def render_thresholds(config: ThresholdConfig, suffix: str, written_at: datetime | None = None) -> str:
    """The text of a thresholds file for a ``.yaml``/``.yml`` or ``.json`` suffix."""
    document = config_document(config)
    if not any(key in document for key in ("thresholds", "default", "auto")):
        raise ReinferConfigurationError(
            "Cannot save thresholds that set no label thresholds, default or auto: Load Thresholds would "
            "refuse the file, because no label would ever be chosen."
        )
    suffix = suffix.lower()
    if suffix in YAML_SUFFIXES:
        body = yaml.safe_dump(
            document, sort_keys=False, allow_unicode=True, default_flow_style=False, width=1000
        )
        return _header(config, written_at or datetime.now(timezone.utc)) + body
    if suffix == JSON_SUFFIX:
        return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    raise ReinferConfigurationError(
        f"Cannot save thresholds as {suffix or 'a file without an extension'!r}: use .yaml, .yml or .json."
    )


def save_thresholds(config: ThresholdConfig, path: str | Path, written_at: datetime | None = None) -> Path:
    """Write ``config`` to ``path`` (YAML or JSON by extension), atomically; return the path.

    The text goes to a temporary file in the same folder, which then replaces the target
    in one step (``os.replace``). An existing file keeps its permissions; a new one is
    readable by everyone (``0644``), as a file the business edits should be.
    """
    target = Path(path)
    text = render_thresholds(config, target.suffix, written_at)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        mode = target.stat().st_mode & 0o7777 if target.exists() else NEW_FILE_MODE
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            Path(temporary).chmod(mode)
            Path(temporary).replace(target)
        except BaseException:
            with contextlib.suppress(OSError):
                Path(temporary).unlink()
            raise
    except OSError as error:
        raise ThresholdFileError(
            f"Thresholds file '{target}': cannot be written: {_write_problem(target, error)}; "
            "choose a path in a folder this robot can write to."
        ) from None
    return target


def _write_problem(target: Path, error: OSError) -> str:
    """What stopped the write, in words: the OS's reason, without the temporary file's name."""
    for folder in reversed(target.parents):
        if folder.exists() and not folder.is_dir():
            return f"'{folder}' is a file, not a folder"
    return error.strerror or str(error)


def thresholds_from_validation(
    label_validations: Mapping[str, LabelValidation],
    optimal: str,
    version: int,
    min_test_examples: int = 0,
) -> tuple[ThresholdConfig, list[str]]:
    """Each label's ``optimal`` threshold from its validation, and the labels left out.

    A label is left out when the platform flags its validation as unreliable (no optimal
    thresholds, a health other than good/average/excellent; see
    :func:`~ReinferLibrary.logic.drift.unreliable_reason`), when it has no ``optimal``
    threshold, or when fewer than ``min_test_examples`` held-out examples validate it
    (0: not checked; `Verify Model Configuration` warns about those instead).
    The config names ``version`` as its model version, since the thresholds belong to it.
    """
    if optimal not in AUTO_THRESHOLDS:
        raise ReinferConfigurationError(
            f"optimal={optimal!r} is not one of {', '.join(AUTO_THRESHOLDS)} (lowest to highest precision)."
        )
    thresholds: dict[str, float] = {}
    skipped: list[str] = []
    for raw_name, validation in label_validations.items():
        name = label_name(raw_name)
        chosen = getattr(validation.optimal_thresholds, optimal, None)
        if chosen is None or unreliable_reason(validation, min_test_examples) is not None:
            skipped.append(name)
            continue
        thresholds[name] = min(max(float(chosen), 0.0), 1.0)
    config = ThresholdConfig(
        model_version=version,
        thresholds=thresholds,
        source=f"the {optimal} optimal thresholds of model version {version}'s validation",
    )
    return config, skipped
