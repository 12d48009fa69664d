"""The stream lease: one consumer per stream.

Interface (what a backend implements, and what keywords and ``Process Trigger`` use)::

    store = lease_store("redis://host:6379/0")   # or None / a path / file:///path: the file store
    lease = StreamLease(store, key, ttl=DEFAULT_TTL, robot="Triage")
    lease.acquire(takeover=False, wait=0.0)      # StreamLeaseError naming the owner when held
    lease.check()                                # LeaseLostError once another consumer took it
    lease.release()                              # on clean exit (also done at interpreter exit)

    held = hold(store, key, ttl=..., robot=..., takeover=..., wait=...)   # process-wide, idempotent

A :class:`LeaseStore` keeps one record per :class:`~ReinferLibrary.state.paths.StreamKey`
and offers four atomic operations: ``read``, ``claim`` (compare-and-set), ``renew`` and
``release``. Everything else (waiting, taking over, the one-line refusal, the renewal
thread, dead-owner detection, release at exit) is common code here, so a shared backend
(Redis, for robots on several machines) only writes those four.

Expiry: the owner renews its lease every ``ttl / 3`` from a daemon thread while the process
lives. A lease not renewed for ``ttl`` (default :data:`DEFAULT_TTL`, 2 minutes) has expired
and is free. On the same machine a lease whose process is gone (killed with SIGKILL, the
machine's pid not alive or reused) is free at once, so a restarted robot does not wait.
``takeover=True`` takes a live lease; the old owner learns it at its next keyword (fetch,
advance, mark) and fails with :class:`~ReinferLibrary.errors.LeaseLostError` instead of
advancing.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import socket
import sys
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

from ..errors import LeaseLostError, ReinferConfigurationError, StreamLeaseError
from .paths import StreamKey, state_dir

DEFAULT_TTL = timedelta(minutes=2)
"""How long a lease lives without renewal (a hung or killed owner on another machine)."""
WAIT_POLL_SECONDS = 1.0


def _process_start(pid: int) -> str | None:
    """The start time of a process (Linux: field 22 of /proc/PID/stat), to tell a reused pid."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else None


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - no os.kill(pid, 0) semantics there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, another user's
        return True
    return True


def _clock(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


@dataclass(frozen=True)
class LeaseOwner:
    """Who holds a lease: enough for an operator to find the process."""

    host: str
    pid: int
    robot: str
    started: float
    """Epoch seconds when the lease was taken."""
    expires: float
    """Epoch seconds when it lapses unless renewed."""
    token: str
    """Unique per acquisition: only the holder of this token renews or releases."""
    process_start: str | None = None

    @classmethod
    def me(cls, robot: str, ttl: float) -> LeaseOwner:
        now = time.time()
        pid = os.getpid()
        return cls(
            host=socket.gethostname(),
            pid=pid,
            robot=robot,
            started=now,
            expires=now + ttl,
            token=uuid.uuid4().hex,
            process_start=_process_start(pid),
        )

    def gone(self) -> bool:
        """True when this owner ran on this machine and its process no longer exists."""
        if self.host != socket.gethostname():
            return False
        if not _pid_alive(self.pid):
            return True
        now_start = _process_start(self.pid)
        return bool(self.process_start and now_start and now_start != self.process_start)

    def describe(self) -> str:
        return f"robot {self.robot!r} (pid {self.pid} on {self.host}, since {_clock(self.started)})"

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> LeaseOwner | None:
        try:
            data = json.loads(text)
            return cls(**data)
        except (ValueError, TypeError):
            return None  # torn or foreign content: no valid owner


class LeaseStore(ABC):
    """One lease record per stream key, with four atomic operations. Implement these for a backend."""

    location: str
    """Where the records live, for messages (a folder, a redis URL without password)."""

    @abstractmethod
    def read(self, key: StreamKey) -> LeaseOwner | None:
        """The holder, or None when there is no record or it has expired."""

    @abstractmethod
    def claim(self, key: StreamKey, owner: LeaseOwner, replace: str | None = None) -> LeaseOwner | None:
        """Atomically make ``owner`` the holder when the record is absent, expired, or its token is
        ``replace``; return None on success, else the holder that blocked it."""

    @abstractmethod
    def renew(self, key: StreamKey, owner: LeaseOwner) -> bool:
        """Atomically store ``owner`` (a later ``expires``) if its token still holds the record."""

    @abstractmethod
    def release(self, key: StreamKey, token: str) -> None:
        """Atomically delete the record if ``token`` holds it."""


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[IO[str]]:
    """An exclusive lock on ``path`` for a short read-modify-write (flock; msvcrt on Windows)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        if sys.platform == "win32":  # pragma: no cover
            import msvcrt

            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK, 1)  # type: ignore[attr-defined]
        else:
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield handle  # closing the file releases the lock


class FileLeaseStore(LeaseStore):
    """Lease records as JSON files ``<state dir>/leases/<key slug>.lease``, one machine's robots.

    Each operation holds ``flock`` on the record's file while it reads and rewrites it, and
    writes by truncate + write + fsync under that lock; a reader that finds torn content
    (a crash mid-write) treats the lease as free.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.location = str(folder)

    def _path(self, key: StreamKey) -> Path:
        return self.folder / f"{key.slug}.lease"

    @staticmethod
    def _record(handle: IO[str]) -> LeaseOwner | None:
        """The record as stored, expired or not (None when empty or torn)."""
        handle.seek(0)
        text = handle.read().strip()
        return LeaseOwner.from_json(text) if text else None

    @classmethod
    def _load(cls, handle: IO[str]) -> LeaseOwner | None:
        """The holder: the record unless it has expired."""
        owner = cls._record(handle)
        if owner is None or owner.expires <= time.time():
            return None
        return owner

    @staticmethod
    def _store(handle: IO[str], owner: LeaseOwner | None) -> None:
        handle.seek(0)
        handle.truncate()
        if owner is not None:
            handle.write(owner.to_json() + "\n")
        handle.flush()
        os.fsync(handle.fileno())

    def read(self, key: StreamKey) -> LeaseOwner | None:
        with _locked(self._path(key)) as handle:
            return self._load(handle)

    def claim(self, key: StreamKey, owner: LeaseOwner, replace: str | None = None) -> LeaseOwner | None:
        with _locked(self._path(key)) as handle:
            current = self._load(handle)
            if current is not None and current.token != owner.token and current.token != replace:
                return current
            self._store(handle, owner)
            return None

    def renew(self, key: StreamKey, owner: LeaseOwner) -> bool:
        with _locked(self._path(key)) as handle:
            current = self._record(handle)
            if current is None or current.token != owner.token:
                return False
            self._store(handle, owner)
            return True

    def release(self, key: StreamKey, token: str) -> None:
        with _locked(self._path(key)) as handle:
            current = self._record(handle)
            if current is not None and current.token == token:
                self._store(handle, None)


StoreFactory = Callable[[str], LeaseStore]
_FACTORIES: dict[str, StoreFactory] = {}


def register_lease_store(scheme: str, factory: StoreFactory) -> None:
    """Make ``lease_store("<scheme>://...")`` build a store with ``factory(url)`` (e.g. ``redis``)."""
    _FACTORIES[scheme.lower()] = factory


def lease_store(url: str | os.PathLike[str] | None = None) -> LeaseStore:
    """The store a URL or path names: None, a path or ``file:///path`` give the file store
    (``<state dir>/leases`` for None); ``<scheme>://...`` a registered backend."""
    if url is None or not str(url).strip():
        return FileLeaseStore(state_dir() / "leases")
    text = str(url).strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        return FileLeaseStore(Path(text).expanduser() / "leases")
    if scheme.lower() == "file":
        return FileLeaseStore(Path(rest).expanduser() / "leases")
    factory = _FACTORIES.get(scheme.lower())
    if factory is None and scheme.lower() in ("redis", "rediss"):
        with contextlib.suppress(ImportError):  # the queues package registers its Redis store
            import importlib

            importlib.import_module("ReinferLibrary.queues")
        factory = _FACTORIES.get(scheme.lower())
    if factory is None:
        known = ", ".join(["file", *sorted(_FACTORIES)])
        raise ReinferConfigurationError(
            f"Lease store {scheme}://... is not known (known: {known}); give a folder, file:///folder, "
            "or leave it out for the state directory."
        )
    return factory(text)


def _seconds(value: timedelta | float) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


class StreamLease:
    """This process's lease on one stream: acquire, renew in the background, check, release."""

    def __init__(
        self, store: LeaseStore, key: StreamKey, ttl: timedelta | float = DEFAULT_TTL, robot: str = ""
    ) -> None:
        self.store = store
        self.key = key
        self.ttl = _seconds(ttl)
        if self.ttl <= 0:
            raise ReinferConfigurationError(f"The lease time must be more than 0 seconds, got {self.ttl:g}.")
        self.robot = robot or Path(sys.argv[0]).name or "python"
        self.owner: LeaseOwner | None = None
        self.lost_to: LeaseOwner | None = None
        self.lost = False
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def held(self) -> bool:
        return self.owner is not None and not self.lost

    def acquire(self, takeover: bool = False, wait: timedelta | float = 0.0) -> str:
        """Take the lease; return one line for the log. Raises StreamLeaseError when another holds it."""
        deadline = time.monotonic() + _seconds(wait)
        owner = LeaseOwner.me(self.robot, self.ttl)
        while True:
            holder = self.store.read(self.key)
            replace = None
            how = "free"
            if holder is not None and holder.token != owner.token:
                if holder.gone():
                    replace, how = holder.token, f"its previous owner {holder.describe()} is gone"
                elif takeover:
                    replace, how = holder.token, f"taken over from {holder.describe()}"
            blocked = self.store.claim(self.key, owner, replace)
            if blocked is None:
                self.owner, self.lost, self.lost_to = owner, False, None
                self._start_renewing()
                _REGISTRY.add(self)
                return (
                    f"Took the lease on stream {self.key} ({how}; renewed every {self.ttl / 3:.0f} s, "
                    f"expires {self.ttl:.0f} s after its owner stops renewing) in {self.store.location}."
                )
            if time.monotonic() >= deadline:
                raise StreamLeaseError(self.refusal(blocked, waited=_seconds(wait)))
            time.sleep(min(WAIT_POLL_SECONDS, max(0.05, deadline - time.monotonic())))

    def refusal(self, holder: LeaseOwner, waited: float = 0.0) -> str:
        after = f" after waiting {waited:g} s" if waited else ""
        return (
            f"Stream {self.key} is leased by {holder.describe()}{after}: a second consumer would process the "
            "same comments. Let that robot finish, give takeover=True if it is stuck or gone "
            "(it fails at its "
            f"next keyword), or wait: its lease expires {_clock(holder.expires)} unless renewed "
            f"(lease file or store: {self.store.location})."
        )

    def check(self) -> None:
        """Raise LeaseLostError once another consumer holds this stream (taken over or expired)."""
        if self.owner is None:
            return
        if self.lost:
            holder = self.lost_to
            who = holder.describe() if holder else "no one (it expired)"
            raise LeaseLostError(
                f"This robot lost its lease on stream {self.key} to {who}: it must not fetch, mark or "
                "advance any more, so it stops here; the new owner carries on from the stream's position."
            )

    def renew_now(self) -> bool:
        """Renew once (the thread does this every ttl/3); False (and ``lost``) when another holds it."""
        if self.owner is None or self.lost:
            return False
        renewed = replace(self.owner, expires=time.time() + self.ttl)
        if self.store.renew(self.key, renewed):
            self.owner = renewed
            return True
        self.lost = True
        with contextlib.suppress(Exception):
            self.lost_to = self.store.read(self.key)
        return False

    def _start_renewing(self) -> None:
        self._stop.clear()
        if self._thread is not None and self._thread.is_alive():
            return

        def run() -> None:
            while not self._stop.wait(self.ttl / 3):
                try:
                    if not self.renew_now():
                        return
                except Exception:  # noqa: BLE001, S112  # a store hiccup: try again next round
                    continue

        self._thread = threading.Thread(target=run, name=f"lease {self.key}", daemon=True)
        self._thread.start()

    def release(self) -> None:
        """Give the lease up (a no-op when not held)."""
        self._stop.set()
        owner, self.owner = self.owner, None
        _REGISTRY.discard(self)
        if owner is not None and not self.lost:
            with contextlib.suppress(Exception):
                self.store.release(self.key, owner.token)


class _Registry:
    """This process's leases, released at interpreter exit (a clean end or SIGTERM through Robot)."""

    def __init__(self) -> None:
        self.leases: dict[tuple[str, StreamKey], StreamLease] = {}
        self.lock = threading.Lock()
        atexit.register(self.release_all)

    def add(self, lease: StreamLease) -> None:
        with self.lock:
            self.leases[(lease.store.location, lease.key)] = lease

    def discard(self, lease: StreamLease) -> None:
        with self.lock:
            if self.leases.get((lease.store.location, lease.key)) is lease:
                del self.leases[(lease.store.location, lease.key)]

    def get(self, store: LeaseStore, key: StreamKey) -> StreamLease | None:
        with self.lock:
            return self.leases.get((store.location, key))

    def release_all(self) -> None:
        for lease in list(self.leases.values()):
            lease.release()


_REGISTRY = _Registry()


def hold(
    store: LeaseStore,
    key: StreamKey,
    *,
    ttl: timedelta | float = DEFAULT_TTL,
    robot: str = "",
    takeover: bool = False,
    wait: timedelta | float = 0.0,
    log: Callable[[str], Any] | None = None,
) -> StreamLease:
    """The lease this process holds on ``key``, taken now if it holds none (process-wide, so two
    library instances in one robot share it). Raises StreamLeaseError / LeaseLostError."""
    lease = _REGISTRY.get(store, key)
    if lease is not None:
        lease.check()
        return lease
    lease = StreamLease(store, key, ttl, robot)
    line = lease.acquire(takeover=takeover, wait=wait)
    if log is not None:
        log(line)
    return lease


def held_lease(store: LeaseStore, key: StreamKey) -> StreamLease | None:
    """The lease this process holds on ``key``, if any."""
    return _REGISTRY.get(store, key)
