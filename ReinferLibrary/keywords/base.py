"""What every keyword component shares: the options, the connections of both services, the log helpers.

A component is a thin adapter: it resolves the connection and dataset, calls the client
or a logic function, logs a line a person can read, and returns plain robot data.
Keyword components written later (predictions, Elasticsearch) subclass
:class:`LibraryComponent` and get the same helpers.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel
from robot.api import logger
from robot.running.context import EXECUTION_CONTEXTS
from robot.utils import DotDict

from ..client import CallRecord, ConnectionSettings, ReinferClient, safe_url
from ..client.elasticsearch import ElasticsearchClient
from ..errors import NotFoundError, ReinferConfigurationError, ReinferError
from ..logic.auto_names import AutoTable
from ..logic.names import canonical_name, did_you_mean
from ..models import Batch, Item
from ..models.items import BatchData
from .options import ConnectionOptions
from .registry import ConnectionRegistry
from .stream_safety import StreamSafety

DEBUG_PRIORITY = 1
"""Robot Framework's priority of the DEBUG level (TRACE is 0)."""
INFO_PRIORITY = 2
"""Robot Framework's priority of the INFO level."""

R = TypeVar("R", bound="RobotDict")


def to_robot(value: Any) -> Any:
    """Plain robot data: models dumped once as JSON-ready data, dicts made :class:`RobotDict`.

    ``${item.comment.uid}`` and ``${item}[comment][uid]`` both work, and the result is
    JSON-serialisable for hand-off to another robot. Nested dictionaries become DotDicts
    when first read (see :class:`RobotDict`), so data a robot never reads costs nothing.
    Items and batches (models, or their JSON mappings) become :class:`RobotItem` and
    :class:`RobotBatch`, which log as one short line.
    """
    if isinstance(value, BaseModel):
        if isinstance(value, BatchData):  # fetched items, already JSON-ready dictionaries
            return robot_batch(value.robot_data())
        if isinstance(value, Item):
            return robot_item(value.model_dump(mode="json"))
        if isinstance(value, Batch):
            return robot_batch(value.model_dump(mode="json"))
        value = value.model_dump(mode="json")
    elif isinstance(value, list):
        return [to_robot(entry) for entry in value]
    if isinstance(value, RobotDict):
        return value
    if isinstance(value, dict):
        return _wrap(RobotDict, value)
    return value


def _wrap(kind: type[R], data: Mapping[str, Any]) -> R:
    # OrderedDict's own initialiser, not DotDict's: that one converts every level at once
    # and copies each twice.
    wrapped = kind.__new__(kind)
    OrderedDict.__init__(wrapped, data)
    return wrapped


def _robot_value(value: Any) -> Any:
    """``value`` as robot data, one level deep: a dict becomes a DotDict, a list's entries too.

    A dictionary with nothing to convert below it (a label, a span) becomes a plain DotDict,
    whose reads cost what a dict's do; one with dictionaries below becomes a RobotDict.
    """
    kind = type(value)
    if kind is dict:
        return _wrap(RobotDict if _has_nested(value) else DotDict, value)
    if kind is list:
        for index, entry in enumerate(value):
            entry_kind = type(entry)
            if entry_kind is dict or entry_kind is list:
                value[index] = _robot_value(entry)
    return value


def _has_nested(data: dict[Any, Any]) -> bool:
    """Whether a dictionary holds a dictionary, or a list with a dictionary or list in it."""
    for entry in data.values():
        kind = type(entry)
        if kind is dict:
            return True
        if kind is list:
            for inner in entry:
                inner_kind = type(inner)
                if inner_kind is dict or inner_kind is list:
                    return True
    return False


class RobotDict(DotDict):
    """A DotDict whose nested dictionaries become DotDicts when first read, not when built.

    A fetched batch holds thousands of dictionaries; a robot reads a few of them. Reading
    a key (``${d.key}``, ``${d}[key]``, ``.get``, ``.items()``, ``.values()``, ``.pop``)
    converts that value once, in place: a dictionary becomes a DotDict (a RobotDict when it
    has dictionaries of its own), a list's dictionaries (at any depth of lists) likewise.
    Everything else about it is a DotDict: equal to the same plain dictionary,
    JSON-serialisable, picklable.
    """

    def __getitem__(self, key: Any) -> Any:
        value: Any = OrderedDict.__getitem__(self, key)
        kind = type(value)
        if kind is dict or kind is list:
            value = _robot_value(value)
            OrderedDict.__setitem__(self, key, value)
        return value

    def get(self, key: Any, default: Any = None) -> Any:
        try:
            return self[key]  # converts, unlike OrderedDict.get
        except KeyError:
            return default

    def pop(self, key: Any, *default: Any) -> Any:
        if key in self:
            value = self[key]
            OrderedDict.__delitem__(self, key)
            return value
        return OrderedDict.pop(self, key, *default)

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def values(self) -> Any:
        self._convert_all()
        return OrderedDict.values(self)

    def items(self) -> Any:
        self._convert_all()
        return OrderedDict.items(self)

    def _convert_all(self) -> None:
        for key in self:
            self[key]  # reading converts


class RobotItem(RobotDict):
    """An item: logs as ``Item <uid> (3 labels, 4 entities)`` rather than its 3-5 KB of text.

    Robot Framework formats every value it assigns (``${item}``, each ``FOR`` round) with
    ``str()`` before cutting it short; a one-line ``str`` makes that free. ``repr()`` is the
    whole item (``Log    ${item}    formatter=repr``), and so is its JSON.
    """

    def __str__(self) -> str:
        comment = OrderedDict.get(self, "comment")
        uid = OrderedDict.get(self, "uid") or (comment.get("uid") if isinstance(comment, dict) else None)
        uid = uid or "(no uid)"
        labels = OrderedDict.get(self, "labels") or ()
        entities = OrderedDict.get(self, "entities") or ()
        return f"Item {uid} ({len(labels)} label(s), {len(entities)} entity(ies))"


class RobotBatch(RobotDict):
    """A batch: logs as ``Batch of 64 item(s) from routing (sequence id ...)``; ``repr()`` is all of it."""

    def __str__(self) -> str:
        results = OrderedDict.get(self, "results") or ()
        stream = OrderedDict.get(self, "stream")
        origin = f" from {stream}" if stream else ""
        filtered = OrderedDict.get(self, "filtered") or 0
        end = ", end of stream for now" if OrderedDict.get(self, "is_end_sequence") else ""
        return (
            f"Batch of {len(results)} item(s){origin} ({filtered} filtered{end}, "
            f"sequence id {OrderedDict.get(self, 'sequence_id')})"
        )


def robot_item(data: Mapping[str, Any]) -> RobotItem:
    """An item's JSON mapping as a :class:`RobotItem` (nothing below its top level is copied)."""
    return data if isinstance(data, RobotItem) else _wrap(RobotItem, data)


def robot_batch(data: Mapping[str, Any]) -> RobotBatch:
    """A batch's JSON mapping as a :class:`RobotBatch` whose results are :class:`RobotItem`."""
    batch = _wrap(RobotBatch, data)
    results = OrderedDict.get(batch, "results")
    if isinstance(results, list):
        OrderedDict.__setitem__(batch, "results", [robot_item(entry) for entry in results])
    return batch


def debug_enabled() -> bool:
    """True when DEBUG messages would reach the log (checked before formatting bodies)."""
    return _logged(DEBUG_PRIORITY, outside_run=False)


def info_enabled() -> bool:
    """True when INFO messages would reach the log (a run with ``--loglevel WARN`` drops them).

    Outside a run (Python calling a keyword) messages go to Robot's logger as usual: True.
    """
    return _logged(INFO_PRIORITY, outside_run=True)


def _logged(priority: int, outside_run: bool) -> bool:
    context = EXECUTION_CONTEXTS.current
    if context is None:
        return outside_run
    try:
        return bool(context.output.log_level.priority <= priority)
    except AttributeError:  # an older or different output object: let RF filter
        return True


def log_attempt(record: CallRecord) -> None:
    """The ``on_call`` hook of either client: one INFO line per HTTP attempt, WARN when a retry follows."""
    status = record.status if record.status is not None else "no answer"
    line = f"{record.method} {record.path} -> {status} in {record.elapsed_ms:.0f} ms"
    if record.attempt > 1:
        line += f" (attempt {record.attempt})"
    if record.retry_in is not None:
        logger.warn(f"{line}; retrying in {record.retry_in:.1f} s")
    else:
        logger.info(line)


def log_call(record: CallRecord) -> None:
    """The Reinfer client's ``on_call`` hook: :func:`log_attempt`, then the bodies.

    Bodies (already redacted by the client) go to DEBUG only, and are formatted only
    when DEBUG is on.
    """
    log_attempt(record)
    if debug_enabled():
        if record.request_body:
            logger.debug(f"Request body: {record.request_body}")
        if record.response_body:
            logger.debug(f"Response body: {record.response_body}")


@dataclass(frozen=True)
class ModelTaxonomy:
    """A model version's label names and the version that answered when they were read."""

    labels: list[str]
    version: int | None


@dataclass
class ReinferConnection:
    """One open connection: a client plus what the keywords remember about it."""

    client: ReinferClient
    url: str
    dataset: str | None
    alias: str | None = None
    transform_tag: str | None = None
    """Default ``transform_tag`` of raw-email predictions (the email integration's tag)."""
    positions: dict[tuple[str, str], str] = field(default_factory=dict)
    """(dataset, stream) -> the last position this library moved the stream to."""
    taxonomies: dict[tuple[str, int | str], ModelTaxonomy] = field(default_factory=dict)
    """(dataset, model version as asked) -> that version's label names, read once per connection."""
    dataset_labels: frozenset[str] | None = None
    """The default dataset's label names (parents included), read once to check names robots write."""
    warned_labels: set[str] = field(default_factory=set)
    """Label names already warned about as unknown on this connection (each is warned once)."""
    version_checks: set[tuple[str, str, str, str]] = field(default_factory=set)
    """(dataset, stream, config's model version, config's source) pairs whose versions were compared once."""
    stream_versions: dict[tuple[str, str], int | None] = field(default_factory=dict)
    """(dataset, stream) -> its pinned model version, read once when auto-threshold names are computed."""
    auto_tables: dict[tuple[str, int], AutoTable] = field(default_factory=dict)
    """(dataset, model version) -> each label's auto-thresholds from that version's validation, read once."""
    closed: bool = False

    def close(self) -> None:
        if not self.closed:
            self.client.close()
            self.closed = True


@dataclass
class ElasticsearchConnection:
    """One open Elasticsearch connection."""

    client: ElasticsearchClient
    url: str
    alias: str | None = None
    closed: bool = False

    def close(self) -> None:
        if not self.closed:
            self.client.close()
            self.closed = True


NO_CONNECTION = "No Reinfer connection is open: call Connect To Reinfer"
NO_ES_CONNECTION = "No Elasticsearch connection: call Connect To Elasticsearch first."


class LibraryContext:
    """State shared by all components of one library instance: options and connections."""

    def __init__(
        self,
        defaults: ConnectionOptions,
        client_factory: Callable[[ConnectionSettings], ReinferClient] | None = None,
    ) -> None:
        self.defaults = defaults
        """The library import's options: what every connection inherits."""
        self.connections: ConnectionRegistry[ReinferConnection] = ConnectionRegistry(
            "Reinfer", f"{NO_CONNECTION}, or set REINFER_URL and REINFER_TOKEN."
        )
        self.elasticsearch: ConnectionRegistry[ElasticsearchConnection] = ConnectionRegistry(
            "Elasticsearch", NO_ES_CONNECTION
        )
        self.client_factory = client_factory or (lambda settings: ReinferClient(settings, on_call=log_call))
        self.ever_opened = False
        """Whether this robot opened a connection; only before that does a keyword connect by itself."""
        self.safety = StreamSafety()
        """Stream leases and ledgers of this library instance (see ``stream_safety``)."""

    def open(self, options: ConnectionOptions, alias: str | None = None) -> int:
        """Open a connection with ``options`` laid over the import's, make it current, return its index."""
        merged = options.over(self.defaults)
        settings = merged.settings()
        client = self.client_factory(settings)
        connection = ReinferConnection(
            client=client,
            url=settings.base_url,
            dataset=merged.dataset,
            alias=alias,
            transform_tag=merged.transform_tag,
        )
        self.ever_opened = True
        return self.connections.register(connection)

    def current(self) -> ReinferConnection:
        """The current connection.

        Before the robot opened any, one is opened from the import arguments or the
        environment. After that, never again by itself: once the robot closed its
        connection, the environment may point at another tenant than the one it chose.
        """
        if not self.connections:
            if self.ever_opened:
                still_open = self.connections.open_aliases()
                hint = (
                    f", or Switch Reinfer Connection to one still open ({', '.join(still_open)})"
                    if still_open
                    else " (the robot closed its connections, so none is opened from the environment again)"
                )
                raise ReinferConfigurationError(f"{NO_CONNECTION}{hint}.")
            self.open(ConnectionOptions())
            url = safe_url(self.connections.current.url)
            logger.info(f"Connected to {url} from the library defaults / environment.")
        return self.connections.current


class LibraryComponent:
    """Base of every keyword component: access to the shared context and helpers."""

    def __init__(self, context: LibraryContext) -> None:
        self.ctx = context

    @property
    def connection(self) -> ReinferConnection:
        return self.ctx.current()

    @property
    def client(self) -> ReinferClient:
        return self.connection.client

    def dataset(self, dataset: str | None) -> str:
        """``owner/name`` of the dataset to use: the argument, else the connection's default."""
        chosen = dataset or self.connection.dataset
        if not chosen:
            raise ReinferConfigurationError(
                "No dataset given: pass dataset=owner/name to this keyword, or to Connect To Reinfer "
                "so every keyword uses it."
            )
        return chosen

    def stream(self, trigger: str, dataset: str | None) -> tuple[str, str]:
        """(dataset, stream) from a trigger name; ``owner/dataset/stream`` names all three."""
        parts = [part.strip() for part in str(trigger).split("/")]
        if len(parts) == 3 and all(parts):
            full = f"{parts[0]}/{parts[1]}"
            if dataset and dataset.replace(" ", "") != full:
                raise ReinferConfigurationError(
                    f"Trigger {trigger!r} names dataset {full!r} but dataset={dataset!r} was given; give one."
                )
            return full, parts[2]
        if len(parts) != 1 or not parts[0]:
            raise ReinferConfigurationError(
                f"Trigger {trigger!r} must be a stream name ('routing') or 'owner/dataset/stream'."
            )
        return self.dataset(dataset), parts[0]

    def stream_hint(self, error: NotFoundError, dataset: str, stream: str) -> NotFoundError:
        """``error`` with "did you mean" the dataset's stream names, when the stream is what is missing."""
        try:
            names = [found.name for found in self.client.list_streams(dataset)]
        except ReinferError:
            return error  # the dataset itself is missing or unreadable: the error says enough
        hint = did_you_mean(stream, names) if stream not in names else ""
        if not hint:
            return error
        said = (error.server_message or "not found").strip().rstrip(".")
        return NotFoundError(
            error.method,
            error.path,
            error.status,
            error.server_message,
            detail=f"{said}{hint}",
            attempts=error.attempts,
            advice=error.given_advice,
        )

    def warn_unknown_label(self, label: str | list[str]) -> None:
        """Warn once per name when a label a robot asks about is not in the dataset's taxonomy.

        A typo (``Order > Mising``) would otherwise make `Has Label` quietly false on every
        comment. Checked only when a connection with a default dataset is already open (an
        item keyword never connects by itself) and its taxonomy can be read; a failure to
        read it is logged at DEBUG and the check skipped.
        """
        if not self.ctx.connections:
            return
        connection = self.ctx.connections.current
        name = canonical_name(label)
        if not connection.dataset or name in connection.warned_labels:
            return
        known = self._dataset_labels(connection)
        if not known or name in known:
            return
        connection.warned_labels.add(name)
        hint = did_you_mean(name, sorted(known))
        self.warn(
            f"Label '{name}' is not in the taxonomy of {connection.dataset}{hint}; "
            "no comment will ever carry it."
        )

    def _dataset_labels(self, connection: ReinferConnection) -> frozenset[str]:
        if connection.dataset_labels is None and connection.dataset:
            try:
                names = connection.client.get_dataset(connection.dataset).label_names
            except ReinferError as error:
                self.debug(f"Label names not checked: the taxonomy could not be read ({error}).")
                names = []
            parents = {
                " > ".join(parts[:depth])
                for parts in (n.split(" > ") for n in names)
                for depth in range(1, len(parts))
            }
            connection.dataset_labels = frozenset(names) | parents
        return connection.dataset_labels or frozenset()

    @staticmethod
    def info(message: str, html: bool = False) -> None:
        logger.info(message, html=html)

    @staticmethod
    def debug(message: str) -> None:
        logger.debug(message)

    @staticmethod
    def warn(message: str) -> None:
        logger.warn(message)

    @staticmethod
    def to_robot(value: Any) -> Any:
        return to_robot(value)
