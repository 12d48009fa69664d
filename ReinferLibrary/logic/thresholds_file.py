"""Read and write the thresholds file the business edits: YAML (``.yaml``/``.yml``) or JSON.

Shape (every key optional, but at least one of ``thresholds``/``default``/``auto``)::

    model_version: 3            # a pinned number, or live / staging
    thresholds:                 # label -> 0..1; names as "A > B" or as a list
      Order > Missing: 0.62
      [Order, Damaged]: 0.5
    default: 0.8                # labels not named above count at or above this...
    auto: balanced              # ...or when they carry this auto-threshold name

``thresholds`` may also be a list of ``{name: ..., threshold: ...}`` entries, the shape the
API uses for stream label thresholds. Any problem fails with one line naming the file, the
key and what is wrong, because the person fixing it is usually not the robot's author.

``save_thresholds`` writes exactly what ``load_thresholds`` reads back (YAML with a header
comment saying where the numbers came from, or JSON), replacing the file atomically so a
robot reading it at the same moment sees the old file or the new one, never half of one.
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
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node

from ..errors import ReinferConfigurationError, ThresholdFileError
from ..models import ThresholdConfig, label_name
from ..models.versions import parse_model_version
from .names import spelling
from .thresholds import check_auto, read_threshold

KEYS = ("model_version", "thresholds", "default", "auto")
ENTRY_KEYS = ("name", "threshold")
YAML_SUFFIXES = (".yaml", ".yml")
JSON_SUFFIX = ".json"
NEW_FILE_MODE = 0o644


class _DuplicateKeyError(Exception):
    def __init__(self, key: Any, line: int | None) -> None:
        super().__init__(key)
        self.key = key
        self.line = line


class _Loader(yaml.SafeLoader):
    """Safe YAML that rejects duplicate keys and accepts ``[A, B]`` lists as keys."""


def _construct_mapping(loader: _Loader, node: Node, deep: bool = False) -> dict[Any, Any]:
    if not isinstance(node, MappingNode):
        raise ConstructorError(
            None, None, f"expected a mapping, found {type(node).__name__}", node.start_mark
        )
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, list):
            key = tuple(key)  # a label name written as a list of levels
        try:
            hash(key)
        except TypeError:
            raise ConstructorError(
                "while reading a mapping",
                node.start_mark,
                "found a key that cannot be a name",
                key_node.start_mark,
            ) from None
        if key in mapping:
            raise _DuplicateKeyError(key, key_node.start_mark.line + 1)
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKeyError(key, None)
        result[key] = value
    return result


class _Reader:
    """Validates one parsed file; every error names the file and the key."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, key: str | None, problem: str) -> ThresholdFileError:
        where = f", key {key}" if key else ""
        return ThresholdFileError(f"Thresholds file '{self.path}'{where}: {problem}")

    def parse(self) -> Any:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise self.fail(
                None,
                "file not found; check the path (relative paths start at the robot's working folder, "
                "${CURDIR} is the robot file's folder).",
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise self.fail(None, f"cannot be read: {error}.") from None
        suffix = self.path.suffix.lower()
        try:
            if suffix in YAML_SUFFIXES:
                return yaml.load(text, Loader=_Loader)  # noqa: S506  # _Loader is a SafeLoader
            if suffix == JSON_SUFFIX:
                return json.loads(text, object_pairs_hook=_json_pairs)
        except _DuplicateKeyError as error:
            line = f" (line {error.line})" if error.line else ""
            raise self.fail(repr(_key_text(error.key)), f"appears twice{line}; keep one.") from None
        except yaml.MarkedYAMLError as error:
            mark = error.problem_mark or error.context_mark
            at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise self.fail(None, f"not valid YAML{at}: {error.problem or error.context}.") from None
        except yaml.YAMLError as error:
            raise self.fail(None, f"not valid YAML: {error}.") from None
        except json.JSONDecodeError as error:
            raise self.fail(
                None, f"not valid JSON at line {error.lineno}, column {error.colno}: {error.msg}."
            ) from None
        raise self.fail(None, f"unsupported file type {suffix or '(none)'!r}; use .yaml, .yml or .json.")

    def number(self, key: str, value: Any) -> float:
        try:
            return read_threshold(value)
        except ValueError as problem:
            raise self.fail(key, f"{problem}.") from None

    def model_version(self, value: Any) -> int | str | None:
        if value is None:
            return None
        try:
            return parse_model_version(value)
        except ReinferConfigurationError as error:
            raise self.fail("model_version", str(error)) from None

    def label(self, key: str, value: Any) -> str:
        if isinstance(value, (list, tuple)) and not all(isinstance(part, str) for part in value):
            raise self.fail(key, f"a label name as a list must hold only text, got {_show(list(value))}.")
        if not isinstance(value, (str, list, tuple)):
            raise self.fail(key, f"a label name must be text or a list of levels, got {_show(value)}.")
        try:
            return label_name(value)
        except ValueError:
            raise self.fail(key, "empty label name (or an empty level in it).") from None

    def thresholds(self, value: Any) -> dict[str, float]:
        entries: list[tuple[str, Any, Any]] = []  # (key for messages, raw name, raw threshold)
        if isinstance(value, Mapping):
            entries = [(f"thresholds[{spelling(name)}]", name, number) for name, number in value.items()]
        elif isinstance(value, list):
            entries = [self.entry(f"thresholds[{index}]", entry) for index, entry in enumerate(value)]
        elif value is not None:
            raise self.fail(
                "thresholds", f"must be a mapping of label -> 0..1 or a list, got {_show(value)}."
            )
        result: dict[str, float] = {}
        first_spelling: dict[str, Any] = {}
        for key, raw_name, raw_number in entries:
            name = self.label(key, raw_name)
            if name in result:
                raise self.fail(
                    key,
                    f"label {name!r} is given twice, as {spelling(first_spelling[name])} and "
                    f"{spelling(raw_name)}; keep one.",
                )
            first_spelling[name] = raw_name
            result[name] = self.number(key, raw_number)
        return result

    def entry(self, key: str, entry: Any) -> tuple[str, Any, Any]:
        """(key, raw name, raw threshold) of one ``{name, threshold}`` entry of a list."""
        if not isinstance(entry, Mapping):
            raise self.fail(key, f"must be a mapping with name and threshold, got {_show(entry)}.")
        unknown = [str(k) for k in entry if k not in ENTRY_KEYS]
        if unknown:
            raise self.fail(f"{key}.{unknown[0]}", "unknown key; an entry has only name and threshold.")
        if "name" not in entry or "threshold" not in entry:
            raise self.fail(key, "needs both name and threshold.")
        return key, entry["name"], entry["threshold"]

    def read(self) -> ThresholdConfig:
        data = self.parse()
        if data is None:
            raise self.fail(None, "the file is empty; give thresholds, default or auto.")
        if not isinstance(data, Mapping):
            raise self.fail(
                None, f"the top level must be a mapping with {', '.join(KEYS)}, got {_show(data)}."
            )
        for key in data:
            if key not in KEYS:
                raise self.fail(repr(_key_text(key)), f"unknown key; allowed keys are {', '.join(KEYS)}.")
        thresholds = self.thresholds(data.get("thresholds"))
        default = data.get("default")
        if default is not None:
            default = self.number("default", default)
        auto = data.get("auto")
        try:
            check_auto(auto, "auto")
        except ReinferConfigurationError as error:
            raise self.fail("auto", str(error)) from None
        if not thresholds and default is None and auto is None:
            raise self.fail(None, "sets no thresholds, default or auto, so no label would ever be chosen.")
        return ThresholdConfig(
            model_version=self.model_version(data.get("model_version")),
            thresholds=thresholds,
            default=default,
            auto=auto,
            source=str(self.path),
        )


def _key_text(key: Any) -> str:
    if isinstance(key, tuple):
        return " > ".join(str(part) for part in key)
    return str(key)


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def load_thresholds(path: str | Path) -> ThresholdConfig:
    """Read and validate a thresholds file into a :class:`ThresholdConfig`.

    Label names come out canonical (``"A > B"``), so the config can be used for every
    comment without further work. Raises ``ThresholdFileError`` (one line) on any problem.
    """
    return _Reader(Path(path)).read()


# --- writing ---------------------------------------------------------------------------


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
