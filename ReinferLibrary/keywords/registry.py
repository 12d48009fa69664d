"""Open connections of one service, by index and alias: one implementation for both services.

The Reinfer tenant and an Elasticsearch cluster are different servers with different
credentials, and a robot may talk to both at once; but opening, switching and closing
connections means the same for both, so both keep their connections in a
:class:`ConnectionRegistry` held by the shared :class:`~.base.LibraryContext`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, Protocol, TypeVar

from robot.utils import normalize

from ..errors import ReinferConfigurationError


class Closeable(Protocol):
    """What the registry needs of a connection."""

    alias: str | None
    closed: bool
    url: str

    def close(self) -> None: ...


C = TypeVar("C", bound=Closeable)


class ConnectionRegistry(Generic[C]):
    """Connections numbered from 1 in opening order, one of them current.

    Indexes stay stable while connections close (a closed one keeps its number), and
    start from 1 again after :meth:`close_all`, as Robot Framework's ``ConnectionCache``.
    """

    def __init__(self, service: str, no_connection: str) -> None:
        self.service = service
        """Name used in messages, e.g. ``Reinfer`` or ``Elasticsearch``."""
        self.no_connection = no_connection
        """The message when a keyword needs a connection and none is current."""
        self._connections: list[C] = []
        self._current: int | None = None

    def __len__(self) -> int:
        return len(self._connections)

    def __iter__(self) -> Iterator[C]:
        return iter(self._connections)

    def __bool__(self) -> bool:
        return self._current is not None

    @property
    def current_index(self) -> int | None:
        """1-based index of the current connection, or ``None``."""
        return None if self._current is None else self._current + 1

    def register(self, connection: C) -> int:
        """Add ``connection``, make it current and return its index."""
        self._connections.append(connection)
        self._current = len(self._connections) - 1
        return self._current + 1

    @property
    def current(self) -> C:
        """The current connection; a configuration error when there is none."""
        if self._current is None:
            raise ReinferConfigurationError(self.no_connection)
        return self._connections[self._current]

    def open_aliases(self) -> list[str]:
        """Aliases (or indexes) of the connections still open, for messages."""
        return [c.alias or str(i) for i, c in enumerate(self._connections, start=1) if not c.closed]

    def switch(self, alias: str | int) -> C:
        """Make the open connection with ``alias`` (or that index) current and return it."""
        found = self._find(alias)
        if found is None:
            raise ReinferConfigurationError(
                f"No open {self.service} connection with alias or index {alias!r}; "
                f"open ones: {', '.join(self.open_aliases()) or 'none'}."
            )
        self._current = found
        return self._connections[found]

    def close_current(self) -> C | None:
        """Close the current connection and return it; ``None`` when there was none."""
        if self._current is None:
            return None
        connection = self._connections[self._current]
        connection.close()
        self._current = None
        return connection

    def close_all(self) -> int:
        """Close every connection, forget them all, and return how many were open."""
        count = len(self.open_aliases())
        for connection in self._connections:
            connection.close()
        self._connections.clear()
        self._current = None
        return count

    def _find(self, alias: str | int) -> int | None:
        text = str(alias).strip()
        wanted = normalize(text)  # aliases match as Robot Framework's ConnectionCache matches them
        for position, connection in enumerate(self._connections):
            if (
                connection.alias is not None
                and normalize(connection.alias) == wanted
                and not connection.closed
            ):
                return position
        if text.isdigit():
            position = int(text) - 1
            if 0 <= position < len(self._connections) and not self._connections[position].closed:
                return position
        return None
