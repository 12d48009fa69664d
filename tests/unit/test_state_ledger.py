"""The ledger (ReinferLibrary.state.ledger): finished items, the backwards guard, crash safety."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ReinferLibrary.state import Ledger, StreamKey

KEY = StreamKey.of("http://127.0.0.1:8123", "acme/retail-inbox", "routing")


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    opened = Ledger.open(KEY, tmp_path)
    yield opened
    opened.close()


def batch(ledger: Ledger, start: int, size: int = 4) -> list[str]:
    ids = [f"S{n}" for n in range(start, start + size)]
    ledger.note_batch(ids, ids[-1] + "B")
    return ids


def test_finished_items_survive_reopening_and_are_durable_settings(tmp_path: Path, ledger: Ledger) -> None:
    ledger.mark("c1", "done", "S1")
    ledger.mark("c2", "exception")
    assert ledger.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ledger.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    again = Ledger.open(KEY, tmp_path)
    assert again.finished(["c1", "c2", "c3"]) == {"c1": "done", "c2": "exception"}
    again.close()


def test_an_unknown_outcome_is_refused(ledger: Ledger) -> None:
    with pytest.raises(Exception, match="outcome must be one of done, exception"):
        ledger.mark("c1", "maybe")  # type: ignore[arg-type]


def test_an_advance_before_the_last_one_is_backwards_and_says_by_how_many(ledger: Ledger) -> None:
    first = batch(ledger, 1)
    ledger.record_advance(first[-1] + "B")
    second = batch(ledger, 5)
    ledger.record_advance(second[-1] + "B")
    check = ledger.check_advance(first[-1] + "B")
    assert check.backwards and check.known and check.comments_back == 4
    assert ledger.check_advance(second[1]).comments_back == 2  # S7 and S8 would come again
    assert ledger.check_advance(second[-1] + "B").backwards is False  # the same position again
    assert ledger.check_advance("never-seen").known is False


def test_the_same_batch_fetched_again_keeps_its_positions(ledger: Ledger) -> None:
    batch(ledger, 1)
    batch(ledger, 1)  # re-fetched after a crash: the same ids, the same order
    ledger.record_advance("S4B")
    assert ledger.check_advance("S4B").backwards is False
    assert ledger.check_advance("S2").backwards is True


def test_ordinals_follow_the_stream_when_batches_overlap_and_share_the_last_items_id(ledger: Ledger) -> None:
    ledger.note_batch(["S1", "S2"], "S2")  # the batch's id is its last item's (as some tenants answer)
    ledger.note_batch(["S2", "S3", "S4"], "S4")  # re-read from S2: only S3 and S4 are new
    query = "SELECT sequence_id, ordinal, is_item FROM positions ORDER BY ordinal"
    rows = ledger.db.execute(query).fetchall()
    assert rows == [("S1", 1, 1), ("S2", 2, 1), ("S3", 3, 1), ("S4", 4, 1)]


def test_a_stream_moved_back_by_someone_else_is_noticed_and_the_marker_lowered(ledger: Ledger) -> None:
    batch(ledger, 1)
    ledger.record_advance("S4B")
    batch(ledger, 5)
    ledger.record_advance("S8B")
    news = ledger.note_batch(["S3", "S4"], "S4B")  # the stream was reset to before comment 3
    assert news.behind_by == 6
    assert ledger.check_advance("S4B").backwards is False  # the robot can move on again


def test_forget_and_rebinding_to_another_stream_start_afresh(ledger: Ledger) -> None:
    assert ledger.bind_stream("id-1") == 0
    ledger.mark("c1")
    assert ledger.bind_stream("id-1") == 0
    assert ledger.finished(["c1"]) == {"c1": "done"}
    assert ledger.bind_stream("id-2") == 1  # deleted and re-created under the same name
    assert ledger.finished(["c1"]) == {}
    ledger.mark("c2")
    assert ledger.forget() == 1
    assert ledger.count() == 0


WRITER = """
import sys
from pathlib import Path
from ReinferLibrary.state import Ledger, StreamKey
ledger = Ledger.open(StreamKey.of("http://127.0.0.1:8123", "acme/retail-inbox", "routing"), Path(sys.argv[1]))
n = 0
while True:
    ledger.mark(f"c{n}", "done", None)
    print(n, flush=True)
    n += 1
"""


def test_a_writer_killed_mid_write_leaves_only_whole_committed_marks(tmp_path: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert writer.stdout is not None
    acknowledged = -1
    deadline = time.monotonic() + 20
    while acknowledged < 50 and time.monotonic() < deadline:
        acknowledged = int(writer.stdout.readline())
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait()
    reopened = Ledger.open(KEY, tmp_path)
    assert reopened.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Every mark acknowledged (returned) before the kill is there; no row is partial.
    assert set(reopened.finished([f"c{n}" for n in range(acknowledged + 1)])) == {
        f"c{n}" for n in range(acknowledged + 1)
    }
    rows = reopened.db.execute("SELECT uid, outcome, finished_at FROM items").fetchall()
    assert all(uid and outcome == "done" and finished_at > 0 for uid, outcome, finished_at in rows)
    reopened.close()


def test_a_failure_inside_the_transaction_marks_nothing(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledger.note_batch(["S1"], "S1B")
    real = ledger._ordinal

    def torn(sequence_id: str) -> int | None:
        ledger.db.execute("INSERT OR REPLACE INTO items VALUES ('c1', 'done', 'S1', 1, 1.0)")
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(ledger, "_ordinal", torn)
    with pytest.raises(sqlite3.OperationalError):
        ledger.mark("c1", "done", "S1")
    monkeypatch.setattr(ledger, "_ordinal", real)
    assert ledger.finished(["c1"]) == {}


def test_work_started_and_never_finished_is_interrupted_until_marked(ledger: Ledger) -> None:
    ledger.start("c1", "S1")
    ledger.start("c2", "S2")
    ledger.mark("c2", "done", "S2")
    assert ledger.interrupted(["c1", "c2", "c3"]) == ["c1"]
    assert ledger.finished(["c1", "c2"]) == {"c2": "done"}
    ledger.abandon("c1")
    assert ledger.interrupted(["c1"]) == []
    ledger.start("c3")
    assert ledger.forget() == 1
    assert ledger.interrupted(["c3"]) == []


def test_unplaced_marks_and_interrupted_starts_go_once_old_and_advanced_past(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ReinferLibrary.state import ledger as module

    monkeypatch.setattr(module, "KEEP_UNPLACED", 0.2)
    monkeypatch.setattr(module, "PRUNE_EVERY", 0.0)
    batch(ledger, 1)
    ledger.mark("bare")  # Mark Item Done given a comment uid: no position
    ledger.mark("unseen", "done", "X9")  # a sequence id the ledger never saw: no position either
    ledger.mark("placed", "done", "S1")
    ledger.start("stuck", "S2")  # interrupted by a crash, never finished
    time.sleep(0.3)
    ledger.record_advance("S4B")  # the first advance: nothing before it to measure by
    assert set(ledger.finished(["bare", "unseen", "placed"])) == {"bare", "unseen", "placed"}
    ledger.mark("fresh")  # after the first advance
    batch(ledger, 5)
    ledger.record_advance("S8B")
    assert ledger.finished(["bare", "unseen", "placed", "fresh"]) == {"placed": "done", "fresh": "done"}
    assert ledger.interrupted(["stuck"]) == []


def test_unplaced_marks_younger_than_a_month_stay(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    from ReinferLibrary.state import ledger as module

    monkeypatch.setattr(module, "PRUNE_EVERY", 0.0)
    ledger.mark("bare")
    ledger.start("stuck")
    for start in (1, 5, 9):
        batch(ledger, start)
        ledger.record_advance(f"S{start + 3}B")
    assert ledger.finished(["bare"]) == {"bare": "done"}
    assert ledger.interrupted(["stuck"]) == ["stuck"]


def test_pruning_runs_at_most_once_per_prune_every(ledger: Ledger, monkeypatch: pytest.MonkeyPatch) -> None:
    from ReinferLibrary.state import ledger as module

    monkeypatch.setattr(module, "KEEP_UNPLACED", 0.0)
    ledger.mark("first")
    time.sleep(0.05)
    ledger.record_advance("A1")
    ledger.record_advance("A2")  # the first pruning of this ledger
    assert ledger.finished(["first"]) == {}
    ledger.mark("second")
    time.sleep(0.05)
    ledger.record_advance("A3")
    ledger.record_advance("A4")
    assert ledger.finished(["second"]) == {"second": "done"}  # the next pruning is an hour away


def test_pruning_by_position_uses_an_index(ledger: Ledger) -> None:
    plans = [
        " ".join(str(part) for part in row)
        for query in (
            "DELETE FROM items WHERE ordinal IS NOT NULL AND ordinal < 5",
            "DELETE FROM items WHERE ordinal IS NULL AND finished_at < 5",
        )
        for row in ledger.db.execute(f"EXPLAIN QUERY PLAN {query}")
    ]
    assert len(plans) == 2 and all("USING INDEX items_ordinal" in plan for plan in plans), plans
