"""The ledger: what this machine finished on a stream, so nothing is processed twice.

Interface (used by the keywords and by ``Process Trigger``)::

    ledger = Ledger.open(key)                      # <state dir>/ledgers/<key slug>.sqlite3
    ledger.note_batch(item_sequence_ids, batch_sequence_id)   # after every fetch -> StreamNews
    done = ledger.finished(uids)                   # {uid: "done" | "exception"} of those finished
    ledger.start(uid, sequence_id)                 # the work begins (survives a killed process)
    ledger.mark(uid, "done", sequence_id)          # durable (fsync'd) when it returns
    ledger.interrupted(uids)                       # started, never finished: work may have happened
    verdict = ledger.check_advance(sequence_id)    # AdvanceCheck: backwards? by how many comments?
    ledger.record_advance(sequence_id)             # after the server accepted the advance
    ledger.forget()                                # after a reset: replay means "process again"
    ledger.bind_stream(stream_id)                  # the stream's id; a re-created stream starts afresh

Sequence ids are opaque (the API forbids parsing them), so "earlier" is learnt: every
sequence id a fetch returned gets an ordinal in the order the stream delivered it, and an
advance to a known id with a smaller ordinal than the last advance's moves the stream
backwards. An id never seen (typed by hand, or pruned long ago) cannot be checked.

Durability: SQLite in WAL mode. Each :meth:`Ledger.mark` is one transaction with
``synchronous=FULL``, committed (and fsync'd) before it returns; a crash mid-write rolls the
transaction back, so a torn write never marks an item done. Positions and advances are written
with ``synchronous=NORMAL``: they survive a killed process without an fsync per batch. Rows of
comments far behind the last advance (more than :data:`KEEP_POSITIONS` positions) are pruned,
so a ledger stays small on a bot that runs for months. Marks with no position (``Mark Item
Done`` given a bare comment uid, or a sequence id the ledger never saw) and starts of
interrupted work have no place in the stream to prune by: they go once they are older than
:data:`KEEP_UNPLACED` *and* older than the advance before the last one (the batch that held
them was advanced past), checked at most once per :data:`PRUNE_EVERY` seconds by
:meth:`Ledger.record_advance`.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

from ..errors import ReinferConfigurationError
from .paths import StreamKey, state_dir

Outcome = Literal["done", "exception"]
"""How an item's work ended: ``done`` (handled) or ``exception`` (set aside, tagged); both are finished."""
OUTCOMES: tuple[str, ...] = get_args(Outcome)
KEEP_POSITIONS = 100_000
"""Positions (and finished items) kept behind the last advance; older ones are pruned."""
KEEP_UNPLACED = 30 * 86_400.0
"""Seconds a mark without a position (or a start of interrupted work) is kept, at least."""
PRUNE_EVERY = 3600.0
"""Seconds between two prunings of unplaced marks by one ledger (checked on each advance)."""
SCHEMA = 1

_TABLES = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS positions (
    sequence_id TEXT PRIMARY KEY,
    ordinal INTEGER NOT NULL,
    is_item INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS positions_ordinal ON positions (ordinal);
CREATE TABLE IF NOT EXISTS items (
    uid TEXT PRIMARY KEY,
    outcome TEXT NOT NULL CHECK (outcome IN ('done', 'exception')),
    sequence_id TEXT,
    ordinal INTEGER,
    finished_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS items_ordinal ON items (ordinal);
CREATE TABLE IF NOT EXISTS started (
    uid TEXT PRIMARY KEY,
    sequence_id TEXT,
    started_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class StreamNews:
    """What a fetched batch told the ledger."""

    behind_by: int = 0
    """Comments the stream is behind this machine's last advance (someone moved it back), else 0."""


@dataclass(frozen=True)
class AdvanceCheck:
    """Whether an advance to a sequence id moves the stream backwards."""

    known: bool
    """The ledger saw this sequence id in a fetch (only then can it tell)."""
    backwards: bool
    comments_back: int = 0
    """Comments between the target and the last advance (those would be delivered again)."""
    last_advance: str | None = None


class Ledger:
    """One stream's ledger on this machine (one SQLite file); see the module docstring."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = sqlite3.connect(str(path), isolation_level=None, timeout=30.0, check_same_thread=False)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")
            self._synchronous = "FULL"
            # One transaction, not fsync'd: tables a power cut loses are made again at the next open.
            with self._write(durable=False):
                for statement in _TABLES.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA),))
        except sqlite3.DatabaseError as error:
            raise ReinferConfigurationError(
                f"Cannot open the stream ledger {path}: {error}. Check REINFER_STATE_DIR (a local disk, "
                "writable), or move the file away to start a new ledger."
            ) from None

    @classmethod
    def open(cls, key: StreamKey, directory: Path | None = None) -> Ledger:
        """The ledger of ``key`` under ``directory`` (default: the state directory)."""
        folder = (directory or state_dir()) / "ledgers"
        return cls(folder / f"{key.slug}.sqlite3")

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self.db.close()

    @contextlib.contextmanager
    def _write(self, durable: bool = True) -> Iterator[None]:
        """One transaction. ``durable``: fsync'd at commit (``synchronous=FULL``); otherwise it
        survives a killed process but maybe not a power cut (``NORMAL``, no fsync per commit)."""
        level = "FULL" if durable else "NORMAL"
        if level != self._synchronous:
            self.db.execute(f"PRAGMA synchronous={level}")
            self._synchronous = level
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def _meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def _set_meta(self, key: str, value: str | None) -> None:
        if value is None:
            self.db.execute("DELETE FROM meta WHERE key = ?", (key,))
        else:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def _ordinal(self, sequence_id: str) -> int | None:
        row = self.db.execute(
            "SELECT ordinal FROM positions WHERE sequence_id = ?", (sequence_id,)
        ).fetchone()
        return None if row is None else int(row[0])

    def _ordinals(self, sequence_ids: Sequence[str]) -> dict[str, int]:
        """``{sequence id: ordinal}`` of those of ``sequence_ids`` the ledger has seen."""
        found: dict[str, int] = {}
        for start in range(0, len(sequence_ids), 500):
            chunk = sequence_ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT sequence_id, ordinal FROM positions WHERE sequence_id IN ({marks})", chunk
            )
            found.update((str(sequence_id), int(ordinal)) for sequence_id, ordinal in rows)
        return found

    # --- identity ----------------------------------------------------------------------

    @property
    def stream_id(self) -> str | None:
        return self._meta("stream_id")

    def bind_stream(self, stream_id: str) -> int:
        """Record the stream's id; if the ledger knew another one (the stream was deleted and
        re-created under the same name) forget everything first. Returns how many finished
        items were forgotten."""
        forgotten = 0
        with self._write():
            known = self._meta("stream_id")
            if known is not None and known != stream_id:
                forgotten = self._forget()
            self._set_meta("stream_id", stream_id)
        return forgotten

    # --- positions ---------------------------------------------------------------------

    @property
    def last_advance(self) -> str | None:
        return self._meta("last_advance")

    def _last_ordinal(self) -> int | None:
        value = self._meta("last_advance_ordinal")
        return None if value is None else int(value)

    def note_batch(self, item_sequence_ids: Sequence[str], batch_sequence_id: str) -> StreamNews:
        """Give new sequence ids of a fetched batch their ordinals (in stream order) and tell
        whether the batch starts before this machine's last advance (the stream was moved back
        by someone else: the marker is lowered so the robot can advance again).

        Not fsync'd: positions only sharpen the backwards check, and a killed process keeps them."""
        positions = [(s, 1) for s in item_sequence_ids] + [(batch_sequence_id, 0)]
        with self._write(durable=False):
            top = self.db.execute("SELECT COALESCE(MAX(ordinal), 0) FROM positions").fetchone()[0]
            known = self._ordinals([sequence_id for sequence_id, _ in positions])
            new: list[tuple[str, int, int]] = []
            ordinals: list[int] = []
            for sequence_id, is_item in positions:
                ordinal = known.get(sequence_id)
                if ordinal is None:
                    top += 1
                    ordinal = known[sequence_id] = top
                    new.append((sequence_id, top, is_item))
                ordinals.append(ordinal)
            self.db.executemany("INSERT INTO positions VALUES (?, ?, ?)", new)
            last = self._last_ordinal()
            if last is None:
                return StreamNews()
            first = ordinals[0]
            behind = first <= last if item_sequence_ids else first < last
            if not behind:
                return StreamNews()
            lowered = first - 1 if item_sequence_ids else first
            back = self._items_between(lowered, last)
            self._set_meta("last_advance_ordinal", str(lowered))
            return StreamNews(behind_by=back)

    def _items_between(self, low: int, high: int) -> int:
        """Item positions with ``low < ordinal <= high``: comments between two positions."""
        row = self.db.execute(
            "SELECT COUNT(*) FROM positions WHERE is_item = 1 AND ordinal > ? AND ordinal <= ?", (low, high)
        ).fetchone()
        return int(row[0])

    def check_advance(self, sequence_id: str) -> AdvanceCheck:
        """Would advancing to ``sequence_id`` move the stream before the last advance?"""
        target = self._ordinal(sequence_id)
        last = self._last_ordinal()
        if target is None:
            return AdvanceCheck(known=False, backwards=False, last_advance=self.last_advance)
        if last is None or target >= last:
            return AdvanceCheck(known=True, backwards=False, last_advance=self.last_advance)
        return AdvanceCheck(
            known=True,
            backwards=True,
            comments_back=self._items_between(target, last),
            last_advance=self.last_advance,
        )

    def record_advance(self, sequence_id: str) -> None:
        """Remember the stream's new position (after the server accepted it); prune old rows.

        Not fsync'd (a killed process keeps it; a power cut may lose the last one, which the
        server's own position makes harmless)."""
        now = time.time()
        with self._write(durable=False):
            previous = self._meta("last_advance_at")
            self._set_meta("last_advance", sequence_id)
            self._set_meta("last_advance_at", f"{now:.3f}")
            if previous is not None and now - float(self._meta("pruned_at") or 0) >= PRUNE_EVERY:
                self._prune_unplaced(min(now - KEEP_UNPLACED, float(previous)))
                self._set_meta("pruned_at", f"{now:.3f}")
            ordinal = self._ordinal(sequence_id)
            if ordinal is None:  # an unknown position: later checks cannot compare with it
                self._set_meta("last_advance_ordinal", None)
                return
            self._set_meta("last_advance_ordinal", str(ordinal))
            floor = ordinal - KEEP_POSITIONS
            if floor > 0:
                self.db.execute("DELETE FROM positions WHERE ordinal < ?", (floor,))
                self.db.execute("DELETE FROM items WHERE ordinal IS NOT NULL AND ordinal < ?", (floor,))

    # --- items -------------------------------------------------------------------------

    def mark(self, uid: str, outcome: Outcome = "done", sequence_id: str | None = None) -> None:
        """Record that ``uid``'s work finished with ``outcome``; durable when this returns."""
        if outcome not in OUTCOMES:
            raise ReinferConfigurationError(f"outcome must be one of {', '.join(OUTCOMES)}, got {outcome!r}.")
        if not uid:
            raise ReinferConfigurationError("Cannot mark an item without a comment uid.")
        with self._write():
            ordinal = self._ordinal(sequence_id) if sequence_id else None
            self.db.execute(
                "INSERT OR REPLACE INTO items VALUES (?, ?, ?, ?, ?)",
                (uid, outcome, sequence_id, ordinal, time.time()),
            )
            self.db.execute("DELETE FROM started WHERE uid = ?", (uid,))

    def start(self, uid: str, sequence_id: str | None = None) -> None:
        """Record that ``uid``'s work begins. Not fsync'd: it survives a killed process, which is
        what it is for (a power cut may lose it, and the item then counts as not started)."""
        if not uid:
            raise ReinferConfigurationError("Cannot start an item without a comment uid.")
        with self._write(durable=False):
            row = (uid, sequence_id, time.time())
            self.db.execute("INSERT OR REPLACE INTO started VALUES (?, ?, ?)", row)

    def abandon(self, uid: str) -> None:
        """Forget that ``uid``'s work began (it failed and the robot knows it; it may be tried again)."""
        with self._write(durable=False):
            self.db.execute("DELETE FROM started WHERE uid = ?", (uid,))

    def interrupted(self, uids: Iterable[str]) -> list[str]:
        """Those of ``uids`` whose work began and never finished: a crash came in between, so the
        work may or may not have happened."""
        wanted = [uid for uid in uids if uid]
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(
                f"SELECT uid FROM started WHERE uid IN ({marks}) AND uid NOT IN (SELECT uid FROM items)",
                chunk,
            )
            found.update(str(uid) for (uid,) in rows)
        return [uid for uid in wanted if uid in found]

    def finished(self, uids: Iterable[str]) -> dict[str, str]:
        """``{uid: outcome}`` of those of ``uids`` the ledger has as finished."""
        wanted = [uid for uid in uids if uid]
        found: dict[str, str] = {}
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self.db.execute(f"SELECT uid, outcome FROM items WHERE uid IN ({marks})", chunk)
            found.update((str(uid), str(outcome)) for uid, outcome in rows)
        return found

    def _prune_unplaced(self, cutoff: float) -> None:
        """Delete marks without a position and starts of interrupted work made before ``cutoff``.

        ``cutoff`` is :data:`KEEP_UNPLACED` ago, or the advance before the one being recorded if
        that is earlier. Such a row can no longer matter: an advance made after it moved past the
        batch that held its comment, and another advance came since (only a reset brings the
        comment back, and a reset forgets the ledger anyway); ``KEEP_UNPLACED`` leaves a month
        for a stream moved back by someone else."""
        self.db.execute("DELETE FROM items WHERE ordinal IS NULL AND finished_at < ?", (cutoff,))
        self.db.execute("DELETE FROM started WHERE started_at < ?", (cutoff,))

    def count(self) -> int:
        """Finished items the ledger holds."""
        return int(self.db.execute("SELECT COUNT(*) FROM items").fetchone()[0])

    def _forget(self) -> int:
        forgotten = int(self.db.execute("SELECT COUNT(*) FROM items").fetchone()[0])
        self.db.execute("DELETE FROM items")
        self.db.execute("DELETE FROM started")
        self.db.execute("DELETE FROM positions")
        for key in ("last_advance", "last_advance_ordinal", "last_advance_at", "pruned_at"):
            self._set_meta(key, None)
        return forgotten

    def forget(self) -> int:
        """Forget finished items and positions (after a reset: a replay processes them again)."""
        with self._write():
            return self._forget()
