"""SQLite persistence for the sandbox: everything survives a restart, streams keep their position.

One database file (``sandbox.sqlite3``) in the data directory, WAL mode. FastAPI runs sync
endpoints in a thread pool, so the store uses one connection guarded by a re-entrant lock:
every read-modify-write (a fetch reading a position, an advance writing it) is atomic with
respect to other requests, which is what keeps concurrent consumers of one stream
consistent. Statements are short, so the lock is never held while a model predicts or an
entity extractor runs.

Tables (JSON columns hold the API-shaped objects as served):

* ``projects``, ``sources``, ``datasets``: one JSON object each, unique by owner/name.
* ``comments``: ``seq`` is the rowid (upload order, never reused, so stream positions stay
  meaningful after deletes); ``created_at`` is monotonic in ``seq``, so "first comment
  created at or after T" is a range query; ``text``, ``entities_json`` and
  ``properties_json`` are computed once at sync time.
* ``assignments``: reviewed labels per (dataset, comment), the training data. They are never
  served as predictions.
* ``models`` (the NLP package's serialised model, validation JSON) and
  ``model_tags`` (``live`` / ``staging``).
* ``streams`` (definition JSON + ``position`` = seq of the last consumed comment) and
  ``stream_exceptions`` (stream id, comment uid, type).
* ``predictions``: cached label probabilities per (dataset, model version, comment seq), in the
  model's label order, as packed float64 (``array('d')`` bytes: exact and a tenth of the cost of
  JSON text); rows written as JSON lists by earlier versions are still read.
"""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from array import array
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from . import timeutil
from .envelope import ApiError, dumps, not_found

DB_NAME = "sandbox.sqlite3"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS projects (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, json TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, json TEXT NOT NULL,
    UNIQUE (owner, name));
CREATE TABLE IF NOT EXISTS datasets (
    id TEXT PRIMARY KEY, owner TEXT NOT NULL, name TEXT NOT NULL, json TEXT NOT NULL,
    UNIQUE (owner, name));
CREATE TABLE IF NOT EXISTS comments (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    source_id TEXT NOT NULL, comment_id TEXT NOT NULL, json TEXT NOT NULL,
    created_at TEXT NOT NULL, text TEXT NOT NULL,
    entities_json TEXT NOT NULL, properties_json TEXT NOT NULL,
    UNIQUE (source_id, comment_id));
CREATE INDEX IF NOT EXISTS comments_created_at ON comments (created_at);
CREATE TABLE IF NOT EXISTS assignments (
    dataset_id TEXT NOT NULL, comment_seq INTEGER NOT NULL, labels_json TEXT NOT NULL,
    PRIMARY KEY (dataset_id, comment_seq));
CREATE TABLE IF NOT EXISTS models (
    dataset_id TEXT NOT NULL, version INTEGER NOT NULL, bytes BLOB NOT NULL,
    trained_at TEXT NOT NULL, pinned INTEGER NOT NULL DEFAULT 1, validation_json TEXT NOT NULL,
    PRIMARY KEY (dataset_id, version));
CREATE TABLE IF NOT EXISTS model_tags (
    dataset_id TEXT NOT NULL, name TEXT NOT NULL, version INTEGER NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (dataset_id, name));
CREATE TABLE IF NOT EXISTS streams (
    id TEXT PRIMARY KEY, dataset_id TEXT NOT NULL, name TEXT NOT NULL, json TEXT NOT NULL,
    position INTEGER NOT NULL DEFAULT 0, UNIQUE (dataset_id, name));
CREATE TABLE IF NOT EXISTS stream_exceptions (
    stream_id TEXT NOT NULL, uid TEXT NOT NULL, type TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (stream_id, uid));
CREATE TABLE IF NOT EXISTS predictions (
    dataset_id TEXT NOT NULL, version INTEGER NOT NULL, comment_seq INTEGER NOT NULL,
    json TEXT NOT NULL, PRIMARY KEY (dataset_id, version, comment_seq)) WITHOUT ROWID;
"""


def new_id() -> str:
    """16 lowercase hex characters, the API's object id format."""
    return secrets.token_hex(8)


@dataclass(frozen=True)
class CommentRow:
    """One comment as a stream reads it: JSON fragments are served without re-parsing."""

    seq: int
    source_id: str
    json: str
    entities_json: str
    properties_json: str


@dataclass(frozen=True)
class CommentWrite:
    """A comment to insert or replace (``created_at`` only matters for new comments)."""

    comment_id: str
    json: str
    text: str
    entities_json: str
    properties_json: str
    created_at: str | None = None


@dataclass(frozen=True)
class ModelRow:
    dataset_id: str
    version: int
    bytes: bytes
    trained_at: str
    pinned: bool
    validation_json: str


class Store:
    """The sandbox database. Thread-safe; see the module docstring."""

    def __init__(self, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        self.path = data_dir / DB_NAME
        self.lock = threading.RLock()
        # Held by a whole sync (analysis + write), so concurrent syncs cannot interleave their
        # created_at stamps: upload order and created_at order must agree for reset.
        self.sync_lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # NORMAL is durable across process crashes in WAL mode; only a power cut can lose the
        # last commits, which is fine for a test server and keeps advance cheap.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA busy_timeout=5000")
        self._db.executescript(SCHEMA)
        self.secret = bytes.fromhex(self._meta("secret", lambda: secrets.token_hex(32)))
        row = self._db.execute("SELECT MAX(created_at) FROM comments").fetchone()
        self._last_created = timeutil.parse(row[0]) if row and row[0] else None
        self._listeners: list[Callable[[list[int]], None]] = []
        self._written: list[Callable[[str, list[int]], None]] = []

    def close(self) -> None:
        with self.lock:
            self._db.close()

    def _meta(self, key: str, default: Callable[[], str]) -> str:
        with self.lock:
            row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            if row:
                return str(row[0])
            value = default()
            self._db.execute("INSERT INTO meta (key, value) VALUES (?, ?)", (key, value))
            return value

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and a write transaction; rolls back on error."""
        with self.lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        with self.lock:
            return self._db.execute(sql, params).fetchone()

    def _all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        with self.lock:
            return self._db.execute(sql, params).fetchall()

    def is_empty(self) -> bool:
        return self._one("SELECT COUNT(*) FROM projects")[0] == 0

    def on_text_changed(self, listener: Callable[[list[int]], None]) -> None:
        """Call ``listener(seqs)`` when comments' text changes or they go (caches drop them)."""
        self._listeners.append(listener)

    def on_comments_written(self, listener: Callable[[str, list[int]], None]) -> None:
        """Call ``listener(source_id, seqs)`` after comments were inserted or replaced."""
        self._written.append(listener)

    def _notify(self, seqs: list[int]) -> None:
        if seqs:
            for listener in self._listeners:
                listener(seqs)

    # --- projects ---------------------------------------------------------------------

    def create_project(self, name: str, title: str = "", description: str = "") -> dict[str, Any]:
        project = {
            "id": new_id(),
            "name": name,
            "title": title,
            "description": description,
            "created_at": timeutil.platform(timeutil.now()),
        }
        with self.lock:
            if self.get_project(name) is not None:
                raise ApiError(409, f"project '{name}' already exists")
            self._db.execute(
                "INSERT INTO projects (id, name, json) VALUES (?, ?, ?)",
                (project["id"], name, dumps(project)),
            )
        return project

    def get_project(self, name: str) -> dict[str, Any] | None:
        row = self._one("SELECT json FROM projects WHERE name = ?", (name,))
        return json.loads(row[0]) if row else None

    def require_project(self, name: str) -> dict[str, Any]:
        project = self.get_project(name)
        if project is None:
            raise not_found(f"project '{name}' does not exist")
        return project

    def list_projects(self) -> list[dict[str, Any]]:
        return [json.loads(row[0]) for row in self._all("SELECT json FROM projects ORDER BY name")]

    # --- sources and datasets (same shape of storage) ---------------------------------

    def _insert_named(self, table: str, obj: dict[str, Any]) -> None:
        with self.lock:
            try:
                self._db.execute(
                    f"INSERT INTO {table} (id, owner, name, json) VALUES (?, ?, ?, ?)",
                    (obj["id"], obj["owner"], obj["name"], dumps(obj)),
                )
            except sqlite3.IntegrityError:
                raise ApiError(409, f"{table[:-1]} '{obj['owner']}/{obj['name']}' already exists") from None

    def _replace_named(self, table: str, obj: dict[str, Any]) -> None:
        with self.lock:
            self._db.execute(f"UPDATE {table} SET json = ? WHERE id = ?", (dumps(obj), obj["id"]))

    def _get_named(self, table: str, owner: str, name: str) -> dict[str, Any] | None:
        row = self._one(f"SELECT json FROM {table} WHERE owner = ? AND name = ?", (owner, name))
        return json.loads(row[0]) if row else None

    def _get_by_id(self, table: str, object_id: str) -> dict[str, Any] | None:
        row = self._one(f"SELECT json FROM {table} WHERE id = ?", (object_id,))
        return json.loads(row[0]) if row else None

    def _list_named(self, table: str, owner: str | None) -> list[dict[str, Any]]:
        if owner is None:
            rows = self._all(f"SELECT json FROM {table} ORDER BY owner, name")
        else:
            rows = self._all(f"SELECT json FROM {table} WHERE owner = ? ORDER BY name", (owner,))
        return [json.loads(row[0]) for row in rows]

    def name_for_id(self, table: str, object_id: str) -> tuple[str, str] | None:
        """``(owner, name)`` of a source or dataset id (for ``id:<hex>`` paths)."""
        if table not in ("sources", "datasets"):
            raise ValueError(table)
        row = self._one(f"SELECT owner, name FROM {table} WHERE id = ?", (object_id,))
        return (str(row[0]), str(row[1])) if row else None

    def create_source(self, source: dict[str, Any]) -> None:
        self._insert_named("sources", source)

    def update_source(self, source: dict[str, Any]) -> None:
        self._replace_named("sources", source)

    def get_source(self, owner: str, name: str) -> dict[str, Any] | None:
        return self._get_named("sources", owner, name)

    def get_source_by_id(self, source_id: str) -> dict[str, Any] | None:
        return self._get_by_id("sources", source_id)

    def list_sources(self, owner: str | None = None) -> list[dict[str, Any]]:
        return self._list_named("sources", owner)

    def delete_source(self, source_id: str) -> None:
        """Delete a source with its comments, and take it out of every dataset's ``source_ids``."""
        with self.transaction() as db:
            seqs = [
                row[0] for row in db.execute("SELECT seq FROM comments WHERE source_id = ?", (source_id,))
            ]
            self._delete_comment_seqs(db, seqs)
            db.execute("DELETE FROM sources WHERE id = ?", (source_id,))
            rows = db.execute(
                "SELECT id, json FROM datasets WHERE json LIKE ?", (f"%{source_id}%",)
            ).fetchall()
            for dataset_id, text in rows:
                dataset = json.loads(text)
                if source_id in dataset.get("source_ids", []):
                    dataset["source_ids"] = [kept for kept in dataset["source_ids"] if kept != source_id]
                    dataset["last_modified"] = timeutil.platform(timeutil.now())
                    db.execute("UPDATE datasets SET json = ? WHERE id = ?", (dumps(dataset), dataset_id))
        self._notify(seqs)

    def create_dataset(self, dataset: dict[str, Any]) -> None:
        self._insert_named("datasets", dataset)

    def update_dataset(self, dataset: dict[str, Any]) -> None:
        self._replace_named("datasets", dataset)

    def get_dataset(self, owner: str, name: str) -> dict[str, Any] | None:
        return self._get_named("datasets", owner, name)

    def list_datasets(self, owner: str | None = None) -> list[dict[str, Any]]:
        return self._list_named("datasets", owner)

    # --- comments -----------------------------------------------------------------------

    def existing_comments(
        self, source_id: str, comment_ids: Iterable[str]
    ) -> dict[str, tuple[int, str, str]]:
        """``comment_id -> (seq, json, text)`` for the ids that exist in the source."""
        found: dict[str, tuple[int, str, str]] = {}
        ids = list(dict.fromkeys(comment_ids))
        with self.lock:
            for chunk in _chunks(ids, 500):
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    "SELECT comment_id, seq, json, text FROM comments"
                    f" WHERE source_id = ? AND comment_id IN ({marks})",
                    (source_id, *chunk),
                )
                for comment_id, seq, text_json, text in rows:
                    found[comment_id] = (seq, text_json, text)
        return found

    def _seqs_of(self, source_id: str, comment_ids: list[str]) -> list[int]:
        found: list[int] = []
        with self.lock:
            for chunk in _chunks(comment_ids, 500):
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT seq FROM comments WHERE source_id = ? AND comment_id IN ({marks})"
                found.extend(int(row[0]) for row in self._db.execute(sql, (source_id, *chunk)))
        return sorted(found)

    def next_created_at(self) -> str:
        """Now, but never before the newest comment: upload order and created_at order agree."""
        with self.lock:
            moment = timeutil.now()
            if self._last_created is not None and moment <= self._last_created:
                moment = self._last_created + timedelta(microseconds=1)
            self._last_created = moment
            return timeutil.platform(moment)

    def write_comments(
        self, source_id: str, writes: Sequence[CommentWrite], changed_text: Iterable[int]
    ) -> None:
        """Insert new comments (in order) and replace existing ones in place (their seq stays).

        ``changed_text`` are the seqs whose text changed, so cached predictions for them go.
        """
        stale = list(changed_text)
        with self.transaction() as db:
            for write in writes:
                created = write.created_at or self.next_created_at()
                db.execute(
                    "INSERT INTO comments (source_id, comment_id, json, created_at, text, entities_json,"
                    " properties_json) VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (source_id, comment_id) DO UPDATE SET json = excluded.json,"
                    " text = excluded.text, entities_json = excluded.entities_json,"
                    " properties_json = excluded.properties_json",
                    (
                        source_id,
                        write.comment_id,
                        write.json,
                        created,
                        write.text,
                        write.entities_json,
                        write.properties_json,
                    ),
                )
                if write.created_at:
                    moment = timeutil.parse(write.created_at)
                    if self._last_created is None or moment > self._last_created:
                        self._last_created = moment
            if stale:
                for chunk in _chunks(stale, 500):
                    marks = ",".join("?" * len(chunk))
                    db.execute(f"DELETE FROM predictions WHERE comment_seq IN ({marks})", chunk)
        self._notify(stale)
        if self._written and writes:
            seqs = self._seqs_of(source_id, [write.comment_id for write in writes])
            for listener in self._written:
                listener(source_id, seqs)

    def get_comment(self, source_id: str, comment_id: str) -> dict[str, Any] | None:
        row = self._one(
            "SELECT json FROM comments WHERE source_id = ? AND comment_id = ?", (source_id, comment_id)
        )
        return json.loads(row[0]) if row else None

    def delete_comments(self, source_id: str, comment_ids: Sequence[str]) -> int:
        found = self.existing_comments(source_id, comment_ids)
        seqs = [seq for seq, _, _ in found.values()]
        with self.transaction() as db:
            self._delete_comment_seqs(db, seqs)
        self._notify(seqs)
        return len(seqs)

    @staticmethod
    def _delete_comment_seqs(db: sqlite3.Connection, seqs: Sequence[int]) -> None:
        for chunk in _chunks(list(seqs), 500):
            marks = ",".join("?" * len(chunk))
            for table, column in (
                ("comments", "seq"),
                ("assignments", "comment_seq"),
                ("predictions", "comment_seq"),
            ):
                db.execute(f"DELETE FROM {table} WHERE {column} IN ({marks})", chunk)

    def read_after(self, source_ids: Sequence[str], position: int, limit: int) -> list[CommentRow]:
        """Comments of these sources with ``seq > position``, in upload order."""
        if not source_ids:
            return []
        marks = ",".join("?" * len(source_ids))
        rows = self._all(
            "SELECT seq, source_id, json, entities_json, properties_json FROM comments"
            f" WHERE seq > ? AND source_id IN ({marks}) ORDER BY seq LIMIT ?",
            (position, *source_ids, limit),
        )
        return [CommentRow(*row) for row in rows]

    def rows_by_uid(self, source_ids: Sequence[str], uids: Sequence[str]) -> dict[str, CommentRow]:
        """Comments addressed by ``<source_id>.<comment_id>`` within these sources."""
        found: dict[str, CommentRow] = {}
        allowed = set(source_ids)
        with self.lock:
            for uid in dict.fromkeys(uids):
                source_id, _, comment_id = uid.partition(".")
                if source_id not in allowed:
                    continue
                row = self._db.execute(
                    "SELECT seq, source_id, json, entities_json, properties_json FROM comments"
                    " WHERE source_id = ? AND comment_id = ?",
                    (source_id, comment_id),
                ).fetchone()
                if row:
                    found[uid] = CommentRow(*row)
        return found

    def texts(self, seqs: Sequence[int]) -> dict[int, str]:
        found: dict[int, str] = {}
        with self.lock:
            for chunk in _chunks(list(seqs), 500):
                marks = ",".join("?" * len(chunk))
                found.update(
                    self._db.execute(f"SELECT seq, text FROM comments WHERE seq IN ({marks})", chunk)
                )
        return found

    def first_seq_created_from(self, source_ids: Sequence[str], created_at: str) -> int | None:
        """The first comment created at or after ``created_at`` (platform format)."""
        marks = ",".join("?" * len(source_ids))
        row = self._one(
            f"SELECT MIN(seq) FROM comments WHERE created_at >= ? AND source_id IN ({marks})",
            (created_at, *source_ids),
        )
        return int(row[0]) if row and row[0] is not None else None

    def last_seq(self) -> int:
        row = self._one("SELECT seq FROM sqlite_sequence WHERE name = 'comments'")
        return int(row[0]) if row else 0

    def count_comments(self, source_ids: Sequence[str], after: int = 0) -> int:
        """How many comments of these sources have ``seq > after``."""
        if not source_ids:
            return 0
        marks = ",".join("?" * len(source_ids))
        sql = f"SELECT COUNT(*) FROM comments WHERE seq > ? AND source_id IN ({marks})"
        return int(self._one(sql, (after, *source_ids))[0])

    # --- assignments (reviewed labels, training data) ---------------------------------

    def assign(self, dataset_id: str, labels_by_seq: dict[int, list[str]]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO assignments (dataset_id, comment_seq, labels_json) VALUES (?, ?, ?)"
                " ON CONFLICT (dataset_id, comment_seq) DO UPDATE SET labels_json = excluded.labels_json",
                [(dataset_id, seq, dumps(labels)) for seq, labels in labels_by_seq.items()],
            )
            for seq in labels_by_seq:
                row = db.execute("SELECT json FROM comments WHERE seq = ?", (seq,)).fetchone()
                comment = json.loads(row[0])
                if not comment.get("has_annotations"):
                    comment["has_annotations"] = True
                    db.execute("UPDATE comments SET json = ? WHERE seq = ?", (dumps(comment), seq))

    def training_data(self, dataset_id: str) -> list[tuple[int, str, list[str]]]:
        """``(seq, text, assigned labels)`` of every reviewed comment, in upload order."""
        rows = self._all(
            "SELECT c.seq, c.text, a.labels_json FROM assignments a JOIN comments c ON c.seq = a.comment_seq"
            " WHERE a.dataset_id = ? ORDER BY c.seq",
            (dataset_id,),
        )
        return [(int(seq), str(text), list(json.loads(labels))) for seq, text, labels in rows]

    def reviewed_seqs(self, dataset_id: str) -> set[int]:
        return {
            int(row[0])
            for row in self._all("SELECT comment_seq FROM assignments WHERE dataset_id = ?", (dataset_id,))
        }

    # --- models and tags ------------------------------------------------------------------

    def add_model(
        self,
        dataset_id: str,
        data: bytes,
        trained_at: str,
        validation: dict[str, Any],
        version: int | None = None,
    ) -> int:
        """Store a model as the next version, or as ``version`` (a replayed recording's number)."""
        with self.transaction() as db:
            if version is None:
                row = db.execute(
                    "SELECT MAX(version) FROM models WHERE dataset_id = ?", (dataset_id,)
                ).fetchone()
                version = int(row[0] or 0) + 1
            db.execute(
                "INSERT INTO models (dataset_id, version, bytes, trained_at, pinned, validation_json)"
                " VALUES (?, ?, ?, ?, 1, ?)",
                (dataset_id, version, data, trained_at, dumps(validation)),
            )
        return version

    def get_model(self, dataset_id: str, version: int) -> ModelRow | None:
        row = self._one(
            "SELECT dataset_id, version, bytes, trained_at, pinned, validation_json FROM models"
            " WHERE dataset_id = ? AND version = ?",
            (dataset_id, version),
        )
        return ModelRow(row[0], int(row[1]), bytes(row[2]), row[3], bool(row[4]), row[5]) if row else None

    def list_models(self, dataset_id: str) -> list[tuple[int, str, bool]]:
        """``(version, trained_at, pinned)`` newest first."""
        rows = self._all(
            "SELECT version, trained_at, pinned FROM models WHERE dataset_id = ? ORDER BY version DESC",
            (dataset_id,),
        )
        return [(int(version), str(trained), bool(pinned)) for version, trained, pinned in rows]

    def set_tag(self, dataset_id: str, name: str, version: int) -> None:
        with self.lock:
            self._db.execute(
                "INSERT INTO model_tags (dataset_id, name, version, updated_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (dataset_id, name) DO UPDATE SET version = excluded.version,"
                " updated_at = excluded.updated_at",
                (dataset_id, name, version, timeutil.platform(timeutil.now())),
            )

    def tags(self, dataset_id: str) -> list[dict[str, Any]]:
        rows = self._all(
            "SELECT name, version, updated_at FROM model_tags WHERE dataset_id = ? ORDER BY name",
            (dataset_id,),
        )
        return [
            {"name": name, "version": int(version), "updated_at": updated} for name, version, updated in rows
        ]

    # --- streams ----------------------------------------------------------------------------

    def create_stream(self, dataset_id: str, stream: dict[str, Any]) -> None:
        with self.lock:
            try:
                self._db.execute(
                    "INSERT INTO streams (id, dataset_id, name, json, position) VALUES (?, ?, ?, ?, 0)",
                    (stream["id"], dataset_id, stream["name"], dumps(stream)),
                )
            except sqlite3.IntegrityError:
                raise ApiError(409, f"stream '{stream['name']}' already exists") from None

    def replace_stream(self, stream: dict[str, Any]) -> None:
        with self.lock:
            self._db.execute("UPDATE streams SET json = ? WHERE id = ?", (dumps(stream), stream["id"]))

    def get_stream(self, dataset_id: str, name: str) -> tuple[dict[str, Any], int] | None:
        """The stream definition and its position."""
        row = self._one(
            "SELECT json, position FROM streams WHERE dataset_id = ? AND name = ?", (dataset_id, name)
        )
        return (json.loads(row[0]), int(row[1])) if row else None

    def list_streams(self, dataset_id: str) -> list[dict[str, Any]]:
        rows = self._all("SELECT json FROM streams WHERE dataset_id = ? ORDER BY rowid", (dataset_id,))
        return [json.loads(row[0]) for row in rows]

    def delete_stream(self, stream_id: str) -> None:
        with self.transaction() as db:
            db.execute("DELETE FROM streams WHERE id = ?", (stream_id,))
            db.execute("DELETE FROM stream_exceptions WHERE stream_id = ?", (stream_id,))

    def set_position(self, stream_id: str, position: int) -> bool:
        with self.lock:
            cursor = self._db.execute("UPDATE streams SET position = ? WHERE id = ?", (position, stream_id))
            return cursor.rowcount == 1

    def tag_exceptions(self, stream_id: str, exceptions: Sequence[tuple[str, str]]) -> None:
        now = timeutil.platform(timeutil.now())
        with self.transaction() as db:
            db.executemany(
                "INSERT INTO stream_exceptions (stream_id, uid, type, created_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (stream_id, uid) DO UPDATE SET type = excluded.type",
                [(stream_id, uid, kind, now) for uid, kind in exceptions],
            )

    def untag_exceptions(self, stream_id: str, uids: Sequence[str]) -> int:
        with self.transaction() as db:
            removed = 0
            for uid in uids:
                removed += db.execute(
                    "DELETE FROM stream_exceptions WHERE stream_id = ? AND uid = ?", (stream_id, uid)
                ).rowcount
        return removed

    def exceptions(self, stream_id: str) -> list[dict[str, Any]]:
        rows = self._all(
            "SELECT uid, type, created_at FROM stream_exceptions WHERE stream_id = ?"
            " ORDER BY created_at, uid",
            (stream_id,),
        )
        return [
            {"uid": uid, "metadata": {"type": kind}, "created_at": created} for uid, kind, created in rows
        ]

    # --- prediction cache -------------------------------------------------------------------

    def cached_predictions(
        self, dataset_id: str, version: int, seqs: Sequence[int]
    ) -> dict[int, array[float]]:
        found: dict[int, array[float]] = {}
        with self.lock:
            for chunk in _chunks(list(seqs), 500):
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(
                    "SELECT comment_seq, json FROM predictions WHERE dataset_id = ? AND version = ?"
                    f" AND comment_seq IN ({marks})",
                    (dataset_id, version, *chunk),
                )
                for seq, value in rows:
                    found[int(seq)] = (
                        array("d", value) if isinstance(value, bytes) else array("d", json.loads(value))
                    )
        return found

    def uncached_after(
        self, dataset_id: str, version: int, source_ids: Sequence[str], after: int, limit: int
    ) -> list[int]:
        """Seqs after ``after`` without cached predictions: the look-ahead a batch predicts too."""
        marks = ",".join("?" * len(source_ids))
        rows = self._all(
            f"SELECT c.seq FROM comments c WHERE c.seq > ? AND c.source_id IN ({marks}) AND NOT EXISTS"
            " (SELECT 1 FROM predictions p"
            " WHERE p.dataset_id = ? AND p.version = ? AND p.comment_seq = c.seq)"
            " ORDER BY c.seq LIMIT ?",
            (after, *source_ids, dataset_id, version, limit),
        )
        return [int(row[0]) for row in rows]

    def cache_predictions(self, dataset_id: str, version: int, values: Mapping[int, Sequence[float]]) -> None:
        with self.transaction() as db:
            db.executemany(
                "INSERT OR REPLACE INTO predictions (dataset_id, version, comment_seq, json)"
                " VALUES (?, ?, ?, ?)",
                [(dataset_id, version, seq, array("d", probs).tobytes()) for seq, probs in values.items()],
            )


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
