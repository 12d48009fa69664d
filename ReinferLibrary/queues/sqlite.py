"""The embedded work queue: one SQLite file, safe for several processes on one machine.

Every operation is one SQLite transaction (``BEGIN IMMEDIATE``: the writer lock is taken
before anything is read), so two performers never claim the same item and a killed
process never leaves an item half-claimed: its transaction is rolled back by SQLite.
The file is in WAL mode (readers do not block the writer) with ``synchronous=NORMAL``: a
killed process loses nothing; a power cut may lose the last transactions, like any WAL
database (see the guide, "Scaling out").

A process that cannot get the lock within ``timeout`` (another holds a long transaction,
or the file is on a network share that does not lock) gets a technical error; so does a
file that is not a SQLite database. Items are kept after they are done, so a dispatcher
that adds the same reference again after a crash finds it and adds nothing, until the
retention purge deletes them (index ``work_items_finished``; deleted pages are reused, so
the file stops growing once the retention period is full).
"""

from __future__ import annotations

import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from ..errors import WorkQueueConfigurationError, WorkQueueUnavailableError
from .base import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_OPERATION_TIMEOUT,
    DEFAULT_RETENTION,
    Added,
    DeadItem,
    Finished,
    Outcome,
    QueueStats,
    WorkItem,
    WorkQueueBackend,
    check_queue_name,
    decode_payload,
    decode_reasons,
    lease_lost,
    new_item,
    unknown_item,
)

T = TypeVar("T")

SCHEMA = """
CREATE TABLE IF NOT EXISTS work_items (
    id INTEGER PRIMARY KEY,
    queue TEXT NOT NULL,
    reference TEXT NOT NULL,
    payload TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'in_progress', 'done', 'failed', 'dead')),
    attempt INTEGER NOT NULL DEFAULT 0,
    token TEXT,
    consumer TEXT,
    lease_until REAL,
    ready_at REAL NOT NULL,
    reasons TEXT NOT NULL DEFAULT '[]',
    created REAL NOT NULL,
    updated REAL NOT NULL,
    UNIQUE (queue, reference)
);
CREATE INDEX IF NOT EXISTS work_items_ready ON work_items (queue, state, ready_at, id);
CREATE INDEX IF NOT EXISTS work_items_lease ON work_items (queue, state, lease_until);
CREATE INDEX IF NOT EXISTS work_items_finished ON work_items (queue, state, updated);
"""

ITEM_COLUMNS = "id, queue, reference, payload, attempt, token, reasons"


def path_of(url: str) -> Path:
    """``sqlite:///abs/path.db`` -> ``/abs/path.db``; ``sqlite://rel/path.db`` -> ``rel/path.db``."""
    rest = url[len("sqlite://") :].split("?", 1)[0]
    if not rest or rest.endswith("/"):
        raise WorkQueueConfigurationError(
            f"Work queue URL {url!r} names no file: give sqlite:///absolute/path/queues.db "
            "(or leave url out for the embedded queue in the state directory)."
        )
    return Path(rest)


class SqliteWorkQueue(WorkQueueBackend):
    """Work queues in one SQLite file (all queues share it; a ``queue`` column tells them apart)."""

    def __init__(
        self,
        url: str,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout: float = DEFAULT_OPERATION_TIMEOUT.total_seconds(),
        retention: float | None = DEFAULT_RETENTION.total_seconds(),
    ) -> None:
        super().__init__(max_attempts=max_attempts, retention=retention)
        self.url = url
        self.path = path_of(url)
        self.timeout = timeout
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise WorkQueueConfigurationError(
                f"Cannot create the folder of work queue {self.path}: {error.strerror or error}; "
                "give a writable path in url=sqlite:///…"
            ) from None
        # One connection, usable from any thread one at a time (a keyword run in a thread).
        self._lock = threading.Lock()
        self._db = self._guard("open", lambda: self._connect())

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
        try:
            db.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            if db.execute("PRAGMA journal_mode = WAL").fetchone()[0].lower() != "wal":
                raise WorkQueueUnavailableError(
                    "work queue database unusable",
                    f"{self.path} cannot be put in WAL mode; keep the queue on a local disk.",
                )
            db.execute("PRAGMA synchronous = NORMAL")
            with _transaction(db):
                for statement in filter(str.strip, SCHEMA.split(";")):
                    db.execute(statement)
        except BaseException:
            db.close()
            raise
        return db

    # -- the operations -------------------------------------------------------------------

    def add(self, queue: str, payload: Any, reference: str | None = None) -> Added:
        name, ref, text = new_item(queue, payload, reference)

        def run() -> Added:
            now = time.time()
            with _transaction(self._db):
                existing = self._db.execute(
                    "SELECT id FROM work_items WHERE queue = ? AND reference = ?", (name, ref)
                ).fetchone()
                if existing is not None:
                    return Added(str(existing[0]), False)
                cursor = self._db.execute(
                    "INSERT INTO work_items (queue, reference, payload, state, ready_at, created, updated) "
                    "VALUES (?, ?, ?, 'pending', ?, ?, ?)",
                    (name, ref, text, now, now, now),
                )
                return Added(str(cursor.lastrowid), True)

        return self._guard("add an item to", run, name)

    def try_claim(self, queue: str, lease: float) -> WorkItem | None:
        name = check_queue_name(queue)

        def run() -> WorkItem | None:
            now = time.time()
            token = uuid.uuid4().hex
            # A look without the writer lock first: idle performers polling an empty queue
            # must not queue up for the lock the dispatcher and busy performers need.
            (ready,) = self._db.execute(
                "SELECT EXISTS (SELECT 1 FROM work_items WHERE queue = ? AND state = 'pending') "
                "OR EXISTS (SELECT 1 FROM work_items WHERE queue = ? AND state = 'in_progress' "
                "AND lease_until < ?)",
                (name, name, now),
            ).fetchone()
            if not ready:
                return None
            with _transaction(self._db):
                # A claim whose lease ran out on the last attempt is dead, not offered again.
                for item_id, attempt, consumer in self._db.execute(
                    "SELECT id, attempt, consumer FROM work_items "
                    "WHERE queue = ? AND state = 'in_progress' AND lease_until < ?",
                    (name, now),
                ).fetchall():
                    reason = _lapse(attempt, consumer)
                    if attempt >= self.max_attempts:
                        self._db.execute(
                            "UPDATE work_items SET state = 'dead', token = NULL, updated = ?, "
                            "reasons = json_insert(reasons, '$[#]', ?) WHERE id = ?",
                            (now, reason, item_id),
                        )
                    else:
                        self._db.execute(
                            "UPDATE work_items SET state = 'pending', token = NULL, ready_at = 0, "
                            "updated = ?, reasons = json_insert(reasons, '$[#]', ?) WHERE id = ?",
                            (now, reason, item_id),
                        )
                row = self._db.execute(
                    "UPDATE work_items SET state = 'in_progress', attempt = attempt + 1, token = ?, "
                    "consumer = ?, lease_until = ?, updated = ? WHERE id = ("
                    "  SELECT id FROM work_items WHERE queue = ? AND state = 'pending' "
                    "  ORDER BY ready_at, id LIMIT 1"
                    f") RETURNING {ITEM_COLUMNS}",
                    (token, self.consumer, now + lease, now, name),
                ).fetchone()
            return None if row is None else _item(row)

        return self._guard("claim an item from", run, name)

    def complete(self, item: WorkItem) -> None:
        def run() -> None:
            with _transaction(self._db):
                changed = self._db.execute(
                    "UPDATE work_items SET state = 'done', token = NULL, updated = ? "
                    "WHERE id = ? AND queue = ? AND state = 'in_progress' AND token = ?",
                    (time.time(), _row_id(item), item.queue, item.token),
                ).rowcount
                if not changed:
                    raise self._not_held(item, "complete")

        self._guard("complete an item of", run, item.queue)

    def fail(self, item: WorkItem, reason: str, retry: bool) -> Outcome:
        def run() -> Outcome:
            now = time.time()
            with _transaction(self._db):
                row = self._db.execute(
                    "SELECT attempt FROM work_items WHERE id = ? AND queue = ? AND state = 'in_progress' "
                    "AND token = ?",
                    (_row_id(item), item.queue, item.token),
                ).fetchone()
                if row is None:
                    raise self._not_held(item, "fail")
                outcome = _outcome(retry, row[0], self.max_attempts)
                state = "pending" if outcome == "retry" else outcome
                self._db.execute(
                    "UPDATE work_items SET state = ?, token = NULL, ready_at = ?, updated = ?, "
                    "reasons = json_insert(reasons, '$[#]', ?) WHERE id = ?",
                    (state, now, now, f"attempt {row[0]}: {reason}", _row_id(item)),
                )
                return outcome

        return self._guard("fail an item of", run, item.queue)

    def extend(self, item: WorkItem, lease: float) -> None:
        def run() -> None:
            with _transaction(self._db):
                changed = self._db.execute(
                    "UPDATE work_items SET lease_until = ?, updated = ? "
                    "WHERE id = ? AND queue = ? AND state = 'in_progress' AND token = ?",
                    (time.time() + lease, time.time(), _row_id(item), item.queue, item.token),
                ).rowcount
                if not changed:
                    raise self._not_held(item, "extend the lease of")

        self._guard("extend a lease in", run, item.queue)

    def stats(self, queue: str) -> QueueStats:
        name = check_queue_name(queue)

        def run() -> QueueStats:
            counts = dict(
                self._db.execute(
                    "SELECT state, count(*) FROM work_items WHERE queue = ? GROUP BY state", (name,)
                ).fetchall()
            )
            (retried,) = self._db.execute(
                "SELECT count(*) FROM work_items WHERE queue = ? AND attempt > 1", (name,)
            ).fetchone()
            return QueueStats(
                pending=counts.get("pending", 0),
                in_progress=counts.get("in_progress", 0),
                done=counts.get("done", 0),
                failed=counts.get("failed", 0),
                dead=counts.get("dead", 0),
                retried=retried,
            )

        return self._guard("count the items of", run, name)

    def dead_items(self, queue: str, limit: int = 100) -> list[DeadItem]:
        name = check_queue_name(queue)

        def run() -> list[DeadItem]:
            rows = self._db.execute(
                "SELECT id, reference, payload, attempt, reasons FROM work_items "
                "WHERE queue = ? AND state = 'dead' ORDER BY updated, id LIMIT ?",
                (name, limit),
            ).fetchall()
            return [
                DeadItem(name, str(row[0]), row[1], decode_payload(row[2]), row[3], decode_reasons(row[4]))
                for row in rows
            ]

        return self._guard("read the dead-letter queue of", run, name)

    def queue_names(self) -> list[str]:
        def run() -> list[str]:
            rows = self._db.execute("SELECT DISTINCT queue FROM work_items ORDER BY queue").fetchall()
            return [str(row[0]) for row in rows]

        return self._guard("list the queues of", run)

    def purge_chunk(self, queue: str, older_than: float, state: Finished, limit: int) -> int:
        def run() -> int:
            with _transaction(self._db):
                return int(
                    self._db.execute(
                        "DELETE FROM work_items WHERE id IN (SELECT id FROM work_items "
                        "WHERE queue = ? AND state = ? AND updated <= ? ORDER BY updated LIMIT ?)",
                        (queue, state, time.time() - older_than, limit),
                    ).rowcount
                )

        return self._guard("purge finished items of", run, queue)

    def close(self) -> None:
        self._db.close()

    # -- helpers --------------------------------------------------------------------------

    def _not_held(self, item: WorkItem, what: str) -> Exception:
        row = self._db.execute(
            "SELECT state FROM work_items WHERE id = ? AND queue = ?", (_row_id(item), item.queue)
        ).fetchone()
        return unknown_item(item.queue, item.id, what) if row is None else lease_lost(item, what, row[0])

    def _guard(self, what: str, run: Callable[[], T], queue: str | None = None) -> T:
        """Run one operation; SQLite's own errors become one clear technical error."""
        where = f"work queue {queue} in {self.path}" if queue else f"work queue database {self.path}"
        try:
            with self._lock:
                return run()
        except sqlite3.OperationalError as error:
            text = str(error)
            if "locked" in text or "busy" in text:
                raise WorkQueueUnavailableError(
                    "work queue busy",
                    f"could not {what} {where}: the database stayed locked for {self.timeout:g} s; "
                    "nothing was changed; another process holds it (a long transaction, a backup?) or "
                    "the file is on a network share: retry later, keep the queue on a local disk.",
                ) from None
            raise WorkQueueUnavailableError(
                "work queue database unusable",
                f"could not {what} {where}: {text}; nothing was changed; check the file's permissions "
                "and free disk space.",
            ) from None
        except sqlite3.DatabaseError as error:
            if not any(sign in str(error) for sign in ("not a database", "malformed", "corrupt")):
                raise WorkQueueUnavailableError(
                    "work queue database unusable", f"could not {what} {where}: {error}; nothing was changed."
                ) from None
            raise WorkQueueUnavailableError(
                "work queue database corrupt",
                f"could not {what} {where}: {error}; nothing was changed; restore the file from a "
                "backup or move it away (its items are lost) and let the dispatcher add them again.",
            ) from None


@contextmanager
def _transaction(db: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT``, rolled back on any error: all or nothing."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _item(row: tuple[Any, ...]) -> WorkItem:
    item_id, queue, reference, payload, attempt, token, reasons = row
    return WorkItem(
        queue=queue,
        id=str(item_id),
        reference=reference,
        payload=decode_payload(payload),
        attempt=attempt,
        token=token,
        reasons=decode_reasons(reasons),
    )


def _row_id(item: WorkItem) -> int:
    try:
        return int(item.id)
    except ValueError:
        return -1  # not one of ours: reported as an unknown item


def _lapse(attempt: int, consumer: str | None) -> str:
    return f"attempt {attempt}: lease ran out (performer {consumer or 'unknown'} died or took too long)"


def _outcome(retry: bool, attempt: int, max_attempts: int) -> Outcome:
    if not retry:
        return "failed"
    return "retry" if attempt < max_attempts else "dead"
