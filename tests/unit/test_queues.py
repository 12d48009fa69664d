"""Work queues: the same behavioural suite on both engines, the real SQLite and a real redis-server.

The Redis server is started by the ``redis_server`` fixture on 127.0.0.1 with a free port
and a temporary folder (``make venv`` installs Debian's redis-server when it is missing).
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from ReinferLibrary.errors import (
    ReinferError,
    WorkItemError,
    WorkQueueConfigurationError,
    WorkQueueUnavailableError,
)
from ReinferLibrary.queues import WorkItem, WorkQueueBackend, open_queue
from ReinferLibrary.queues.redis_server import RedisServer, free_port

ROOT = Path(__file__).resolve().parents[2]
Opener = Callable[..., WorkQueueBackend]


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "redis"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty queue store on each engine."""
    if request.param == "sqlite":
        return f"sqlite://{tmp_path}/queues.db"
    server: RedisServer = request.getfixturevalue("redis_server")
    import redis

    redis.Redis.from_url(server.url).flushdb()
    return server.url


@pytest.fixture
def opened(url: str) -> Iterator[Opener]:
    """Opens connections to ``url`` (one per simulated performer) and closes them afterwards."""
    connections: list[WorkQueueBackend] = []

    def open_one(**options: object) -> WorkQueueBackend:
        connection = open_queue(url, **options)  # type: ignore[arg-type]
        connections.append(connection)
        return connection

    yield open_one
    for connection in connections:
        connection.close()


def one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text and len(text) < 600, text
    return text


# -- the behaviour both engines share -------------------------------------------------------


def test_add_is_idempotent_by_reference(opened: Opener) -> None:
    queue = opened()
    first = queue.add("refunds", {"uid": "c1"}, reference="c1")
    again = queue.add("refunds", {"uid": "c1", "changed": True}, reference="c1")
    other = queue.add("refunds", {"uid": "c2"}, reference="c2")
    assert first.created and not again.created and other.created
    assert again.id == first.id != other.id
    assert queue.stats("refunds").pending == 2
    item = queue.try_claim("refunds", 60)
    assert item is not None and item.payload == {"uid": "c1"}  # the first payload was kept


def test_a_done_reference_is_not_added_again(opened: Opener) -> None:
    queue = opened()
    queue.add("q", 1, reference="r")
    item = queue.try_claim("q", 60)
    assert item is not None
    queue.complete(item)
    assert not queue.add("q", 1, reference="r").created
    assert queue.try_claim("q", 60) is None
    assert dict(queue.stats("q")) == {
        "pending": 0, "in_progress": 0, "done": 1, "failed": 0, "dead": 0, "retried": 0,
    }  # fmt: skip


def test_items_without_reference_are_all_added(opened: Opener) -> None:
    queue = opened()
    ids = {queue.add("q", {"n": n}).id for n in range(3)}
    assert len(ids) == 3
    assert queue.stats("q").pending == 3


def test_claim_gives_id_reference_payload_and_attempt_oldest_first(opened: Opener) -> None:
    queue = opened()
    payloads = [{"n": n, "text": "Grüße ✓"} for n in range(3)]
    ids = [queue.add("q", payload, reference=f"r{n}").id for n, payload in enumerate(payloads)]
    claimed = [queue.try_claim("q", 60) for _ in payloads]
    assert [(i.id, i.reference, i.payload, i.attempt) for i in claimed if i] == [
        (ids[n], f"r{n}", payloads[n], 1) for n in range(3)
    ]
    assert claimed[0] is not None and claimed[0]["payload"] == payloads[0]
    stats = queue.stats("q")
    assert (stats.pending, stats.in_progress) == (0, 3)


def test_queues_are_separate(opened: Opener) -> None:
    queue = opened()
    queue.add("a", "for a", reference="same")
    queue.add("b", "for b", reference="same")
    item = queue.try_claim("b", 60)
    assert item is not None and item.payload == "for b"
    assert queue.try_claim("b", 60) is None
    assert queue.stats("a").pending == 1


def test_empty_queue_gives_nothing_after_the_timeout(opened: Opener) -> None:
    queue = opened()
    started = time.monotonic()
    assert queue.claim("q", 60, timeout=0.3) is None
    assert 0.3 <= time.monotonic() - started < 2


def test_waiting_claim_gets_an_item_added_meanwhile(opened: Opener) -> None:
    performer, dispatcher = opened(), opened()
    timer = threading.Timer(0.2, lambda: dispatcher.add("q", "late", reference="late"))
    timer.start()
    try:
        item = performer.claim("q", 60, timeout=5)
    finally:
        timer.join()
    assert item is not None and item.reference == "late"


def test_complete_twice_fails_clearly(opened: Opener) -> None:
    queue = opened()
    queue.add("q", 1, reference="r")
    item = queue.try_claim("q", 60)
    assert item is not None
    queue.complete(item)
    with pytest.raises(WorkItemError) as raised:
        queue.complete(item)
    text = one_line(raised.value)
    assert text.startswith("Business error (work item lease lost): cannot complete work item")
    assert "done already" in text
    assert queue.stats("q").done == 1


def test_a_lost_lease_is_claimed_again_and_only_the_new_claim_completes(opened: Opener) -> None:
    first, second = opened(), opened()
    first.add("q", {"order": 7}, reference="r")
    lost = first.try_claim("q", 0.2)
    assert lost is not None and second.try_claim("q", 60) is None  # still held
    time.sleep(0.3)
    again = second.try_claim("q", 60)
    assert again is not None and (again.id, again.attempt) == (lost.id, 2)
    assert again.reasons and "lease ran out" in again.reasons[0]
    for action in (lambda: first.complete(lost), lambda: first.fail(lost, "late", retry=True)):
        with pytest.raises(WorkItemError, match=r"work item lease lost.*another performer claimed it"):
            action()
    second.complete(again)
    stats = first.stats("q")
    assert (stats.done, stats.retried, stats.in_progress, stats.pending) == (1, 1, 0, 0)


def test_an_extended_lease_keeps_the_item(opened: Opener) -> None:
    first, second = opened(), opened()
    first.add("q", 1, reference="r")
    item = first.try_claim("q", 0.3)
    assert item is not None
    time.sleep(0.15)
    first.extend(item, 60)
    time.sleep(0.3)
    assert second.try_claim("q", 60) is None
    first.complete(item)


def test_failed_items_are_retried_then_dead_lettered_with_their_reasons(opened: Opener) -> None:
    queue = opened(max_attempts=3)
    queue.add("q", {"order": 1}, reference="poison")
    outcomes = []
    for attempt in (1, 2, 3):
        item = queue.try_claim("q", 60)
        assert item is not None and item.attempt == attempt
        outcomes.append(queue.fail(item, f"ERP down {attempt}", retry=True))
    assert outcomes == ["retry", "retry", "dead"]
    assert queue.try_claim("q", 60) is None
    stats = queue.stats("q")
    assert (stats.dead, stats.retried, stats.pending, stats.in_progress) == (1, 1, 0, 0)
    (dead,) = queue.dead_items("q")
    assert (dead.reference, dead.payload, dead.attempt) == ("poison", {"order": 1}, 3)
    assert dead.reasons == ("attempt 1: ERP down 1", "attempt 2: ERP down 2", "attempt 3: ERP down 3")


def test_a_retried_item_goes_to_the_back_of_the_queue(opened: Opener) -> None:
    queue = opened()
    queue.add("q", 1, reference="a")
    queue.add("q", 2, reference="b")
    item = queue.try_claim("q", 60)
    assert item is not None and item.reference == "a"
    assert queue.fail(item, "later", retry=True) == "retry"
    order = [queue.try_claim("q", 60) for _ in range(2)]
    assert [i.reference for i in order if i] == ["b", "a"]


def test_fail_without_retry_fails_for_good(opened: Opener) -> None:
    queue = opened()
    queue.add("q", 1, reference="r")
    item = queue.try_claim("q", 60)
    assert item is not None
    assert queue.fail(item, "order does not exist", retry=False) == "failed"
    assert queue.try_claim("q", 60) is None
    assert (queue.stats("q").failed, queue.stats("q").dead) == (1, 0)
    with pytest.raises(WorkItemError, match="failed already"):
        queue.complete(item)


def test_a_lease_that_runs_out_on_the_last_attempt_dead_letters_the_item(opened: Opener) -> None:
    queue = opened(max_attempts=1)
    queue.add("q", 1, reference="kills-performers")
    assert queue.try_claim("q", 0.1) is not None
    time.sleep(0.2)
    assert queue.try_claim("q", 60) is None
    (dead,) = queue.dead_items("q")
    assert dead.reference == "kills-performers" and "lease ran out" in dead.reasons[-1]
    assert queue.stats("q").dead == 1


def finish_one(queue: WorkQueueBackend, name: str, how: str) -> WorkItem:
    """Claim the next item of ``name`` and finish it: ``done``, ``failed``, ``dead`` or ``claimed``."""
    item = queue.try_claim(name, 60)
    assert item is not None
    if how == "done":
        queue.complete(item)
    elif how == "failed":
        assert queue.fail(item, "no such order", retry=False) == "failed"
    elif how == "dead":
        assert queue.fail(item, "ERP down", retry=True) == "dead"
    return item


def test_purge_deletes_old_finished_items_only(opened: Opener) -> None:
    queue = opened(max_attempts=1)
    for reference in ("old-done", "old-failed", "old-dead", "new-done", "claimed", "waiting"):
        queue.add("q", {"ref": reference}, reference=reference)
    queue.add("other", 1, reference="old-done")
    for how in ("done", "failed", "dead"):
        finish_one(queue, "q", how)
    finish_one(queue, "other", "done")
    time.sleep(0.3)
    finish_one(queue, "q", "done")
    claimed = finish_one(queue, "q", "claimed")

    assert queue.purge("q", 0.2) == 1  # done only, by default
    assert dict(queue.stats("q")) == {
        "pending": 1, "in_progress": 1, "done": 1, "failed": 1, "dead": 1, "retried": 0,
    }  # fmt: skip
    assert queue.add("q", 2, reference="old-done").created  # its reference is free again
    assert not queue.add("q", 2, reference="new-done").created  # still kept
    assert queue.stats("other").done == 1  # another queue's items are its own

    assert queue.purge("q", 0.2, ("failed", "dead")) == 2
    assert queue.dead_items("q") == []
    assert queue.purge("q", 0, ("done", "failed", "dead")) == 1  # new-done: any age
    assert dict(queue.stats("q")) == {
        "pending": 2, "in_progress": 1, "done": 0, "failed": 0, "dead": 0, "retried": 0,
    }  # fmt: skip
    queue.complete(claimed)  # a claim survives every purge
    assert [queue.try_claim("q", 60).reference for _ in range(2)] == ["waiting", "old-done"]  # type: ignore[union-attr]


def test_purge_keeps_the_retried_count_true(opened: Opener) -> None:
    queue = opened(max_attempts=2)
    queue.add("q", 1, reference="flaky")
    item = queue.try_claim("q", 60)
    assert item is not None and queue.fail(item, "ERP down", retry=True) == "retry"
    finish_one(queue, "q", "done")
    assert queue.stats("q").retried == 1
    assert queue.purge("q", 0) == 1
    assert queue.stats("q").retried == 0  # it counts items the queue holds


def test_purge_works_in_chunks(opened: Opener, monkeypatch: pytest.MonkeyPatch) -> None:
    from ReinferLibrary.queues import base

    monkeypatch.setattr(base, "PURGE_CHUNK", 2)
    queue = opened()
    for n in range(5):
        queue.add("q", n, reference=f"r{n}")
        finish_one(queue, "q", "done")
    assert queue.purge("q", 0) == 5
    assert queue.stats("q").done == 0


def test_claims_purge_done_items_older_than_the_retention(opened: Opener) -> None:
    keeping = opened(retention=None)
    purging = opened(retention=timedelta(seconds=0.2))
    for name in ("kept", "purged"):
        keeping.add(name, 1, reference="a")
        finish_one(keeping, name, "done")
        keeping.add(name, 2, reference="b")
    assert purging.claim("purged", 60, 0) is not None  # a claim now purges nothing young
    assert purging.stats("purged").done == 1
    time.sleep(0.3)
    assert keeping.claim("kept", 60, 0) is not None
    assert purging.claim("purged", 60, 0) is None  # the queue is empty, but the purge ran
    assert keeping.stats("kept").done == 1
    assert dict(purging.stats("purged")) == {
        "pending": 0, "in_progress": 1, "done": 0, "failed": 0, "dead": 0, "retried": 0,
    }  # fmt: skip


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda q: q.purge("q", 1, ("pending",)), "Cannot purge work items in state 'pending'"),
        (lambda q: q.purge("q", 1, ("in_progress",)), "in-progress items are never purged"),
        (lambda q: q.purge("q", 1, ()), "states is empty"),
        (lambda q: q.purge("q", -1), "older_than must be 0 seconds or more"),
    ],
)
def test_purge_refuses_what_it_must_not_touch(
    opened: Opener, call: Callable[[WorkQueueBackend], int], message: str
) -> None:
    queue = opened()
    queue.add("q", 1, reference="r")
    with pytest.raises(WorkQueueConfigurationError, match=message):
        call(queue)
    assert queue.stats("q").pending == 1


def test_unknown_item_fails_clearly(opened: Opener) -> None:
    queue = opened()
    stranger = WorkItem(queue="q", id="999", reference="x", payload=None, attempt=1, token="t")
    with pytest.raises(WorkItemError) as raised:
        queue.complete(stranger)
    assert one_line(raised.value).startswith(
        "Business error (unknown work item): cannot complete work item 999 of queue q: "
        "the queue has no such item"
    )
    with pytest.raises(WorkItemError, match="unknown work item"):
        queue.fail(stranger, "x", retry=True)


def test_payload_that_is_not_json_fails_clearly_and_adds_nothing(opened: Opener) -> None:
    queue = opened()
    for payload in (object(), {"when": time}, float("nan"), {1j: 2}):
        with pytest.raises(WorkItemError) as raised:
            queue.add("q", payload, reference="r")
        assert one_line(raised.value).startswith(
            "Business error (work item payload not JSON): the payload of"
        )
    assert queue.stats("q").total == 0


@pytest.mark.parametrize("name", ["", " q", "a:b", "x" * 201, "tab\there"])
def test_bad_queue_names_are_configuration_errors(opened: Opener, name: str) -> None:
    with pytest.raises(WorkQueueConfigurationError, match="Queue name"):
        opened().add(name, 1)


@pytest.mark.slow
def test_concurrent_performers_claim_each_item_exactly_once(opened: Opener) -> None:
    dispatcher = opened()
    for n in range(120):
        dispatcher.add("q", n, reference=f"r{n}")
    claimed: Counter[str] = Counter()
    lock = threading.Lock()

    def perform() -> None:
        queue = opened()
        while (item := queue.try_claim("q", 60)) is not None:
            queue.complete(item)
            with lock:
                claimed[item.reference] += 1

    workers = [threading.Thread(target=perform) for _ in range(6)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(claimed) == sorted(f"r{n}" for n in range(120))
    assert set(claimed.values()) == {1}
    assert dispatcher.stats("q").done == 120


# -- kill tests: real processes, SIGKILL ----------------------------------------------------

PERFORMER = textwrap.dedent(
    """
    import sys, time
    from ReinferLibrary.queues import open_queue
    queue = open_queue(sys.argv[1])
    work = float(sys.argv[2])
    while True:
        item = queue.claim("q", float(sys.argv[3]), timeout=1.0)
        if item is None:
            break
        print("claimed", item.reference, flush=True)
        time.sleep(work)
        queue.complete(item)
        print("completed", item.reference, flush=True)
    """
)


def start_performer(url: str, work: float, lease: float, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-c", PERFORMER, url, str(work), str(lease)], stdout=out, env=env
        )


def lines(log: Path, word: str) -> list[str]:
    return [line.split()[1] for line in log.read_text().splitlines() if line.startswith(word + " ")]


@pytest.mark.slow
def test_a_performer_killed_mid_item_loses_nothing_and_nothing_completes_twice(
    opened: Opener, tmp_path: Path
) -> None:
    queue = opened()
    references = [f"r{n}" for n in range(24)]
    for reference in references:
        queue.add("q", reference, reference=reference)
    logs = [tmp_path / f"performer-{n}.log" for n in range(3)]
    performers = [start_performer(queue_url(queue), 0.05, 1.0, log) for log in logs]
    victim, victim_log = performers[0], logs[0]
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # kill it while it holds an item it has not completed
        claimed, completed = lines(victim_log, "claimed"), lines(victim_log, "completed")
        if len(claimed) >= 2 and len(claimed) > len(completed):
            victim.send_signal(signal.SIGKILL)
            break
        time.sleep(0.005)
    else:
        pytest.fail("the performer to kill never held an item")
    victim.wait(10)
    lost = sorted(set(lines(victim_log, "claimed")) - set(lines(victim_log, "completed")))
    assert lost, "the kill came after the item was completed"
    for performer in performers[1:]:
        assert performer.wait(30) == 0
    # The killed one's item comes back when its lease ends: a survivor still waiting takes it,
    # or else the performer started now, once the lease is over.
    time.sleep(1.1)
    rescuer_log = tmp_path / "rescuer.log"
    assert start_performer(queue_url(queue), 0.0, 1.0, rescuer_log).wait(30) == 0
    completed = Counter(ref for log in [*logs, rescuer_log] for ref in lines(log, "completed"))
    assert sorted(completed) == sorted(references)
    assert set(completed.values()) == {1}
    others = {ref for log in [*logs[1:], rescuer_log] for ref in lines(log, "completed")}
    assert set(lost) <= others
    stats = queue.stats("q")
    assert (stats.done, stats.pending, stats.in_progress, stats.retried) == (24, 0, 0, len(lost))


def queue_url(queue: WorkQueueBackend) -> str:
    return queue.url


@pytest.mark.slow
def test_redis_killed_and_restarted_with_appendonly_loses_no_item(tmp_path: Path) -> None:
    with RedisServer(tmp_path / "redis") as server:
        queue = open_queue(server.url)
        for n in range(50):
            queue.add("q", {"n": n}, reference=f"r{n}")
        done = []
        for _ in range(10):
            item = queue.try_claim("q", 60)
            assert item is not None
            queue.complete(item)
            done.append(item.reference)
        held = queue.try_claim("q", 0.5)  # claimed when Redis dies
        assert held is not None
        server.kill()
        with pytest.raises(WorkQueueUnavailableError, match=r"^Technical error \(work queue unreachable\)"):
            queue.add("q", 1, reference="while-down")
        server.start()
        stats = queue.stats("q")
        assert (stats.done, stats.pending, stats.in_progress) == (10, 39, 1)
        time.sleep(0.6)
        rest = []
        while (item := queue.try_claim("q", 60)) is not None:
            queue.complete(item)
            rest.append(item.reference)
        assert sorted(done + rest) == sorted(f"r{n}" for n in range(50))
        assert not queue.add("q", {}, reference="r0").created
        queue.close()


# -- bad input and faults ---------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["postgres://db/queues", "queues.db", "http://localhost:6379", "sqlite://"])
def test_unknown_or_incomplete_urls_are_configuration_errors(bad: str) -> None:
    with pytest.raises(WorkQueueConfigurationError) as raised:
        open_queue(bad)
    assert "sqlite:///" in one_line(raised.value)


def test_unreachable_redis_fails_with_one_technical_line_without_the_password() -> None:
    started = time.monotonic()
    with pytest.raises(WorkQueueUnavailableError) as raised:
        open_queue(f"redis://:hunter2-secret@127.0.0.1:{free_port()}/0", timeout=timedelta(seconds=2))
    text = one_line(raised.value)
    assert text.startswith(
        "Technical error (work queue unreachable): could not connect to Redis at redis://:***@"
    )
    assert "hunter2" not in text
    assert time.monotonic() - started < 5


def test_corrupt_sqlite_file_fails_clearly(tmp_path: Path) -> None:
    path = tmp_path / "queues.db"
    path.write_bytes(b"this is not a database, it is a shopping list\n" * 100)
    with pytest.raises(WorkQueueUnavailableError) as raised:
        open_queue(f"sqlite://{path}")
    text = one_line(raised.value)
    assert text.startswith("Technical error (work queue database corrupt)")
    assert str(path) in text


def test_locked_sqlite_fails_after_the_timeout_and_nothing_is_half_claimed(tmp_path: Path) -> None:
    url = f"sqlite://{tmp_path}/queues.db"
    queue = open_queue(url, timeout=timedelta(seconds=0.3))
    queue.add("q", 1, reference="r")
    blocker = sqlite3.connect(tmp_path / "queues.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    started = time.monotonic()
    for action in (lambda: queue.try_claim("q", 60), lambda: queue.add("q", 2, reference="s")):
        with pytest.raises(WorkQueueUnavailableError) as raised:
            action()
        assert one_line(raised.value).startswith("Technical error (work queue busy)")
    assert time.monotonic() - started < 3
    blocker.execute("ROLLBACK")
    blocker.close()
    stats = queue.stats("q")
    assert (stats.pending, stats.in_progress, stats.total) == (1, 0, 1)
    item = queue.try_claim("q", 60)
    assert item is not None and item.attempt == 1
    queue.close()


def test_every_queue_error_is_one_of_the_library_categories() -> None:
    for error in (WorkItemError, WorkQueueUnavailableError, WorkQueueConfigurationError):
        assert issubclass(error, ReinferError)
        assert error.ROBOT_SUPPRESS_NAME


# -- the library class ------------------------------------------------------------------------


def test_library_defaults_to_the_embedded_queue_in_the_state_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ReinferLibrary.WorkQueues import WorkQueues

    monkeypatch.setenv("REINFER_STATE_DIR", str(tmp_path / "state"))
    library = WorkQueues()
    item_id = library.add_work_item("q", {"uid": "c1"}, reference="c1")
    assert (tmp_path / "state" / "queues.db").is_file()
    work = library.get_work_item("q", timeout=timedelta(0))
    assert work is not None and work.id == item_id and work.payload == {"uid": "c1"}
    library.complete_work_item(work)
    assert library.get_work_item("q", timeout=timedelta(0)) is None
    assert library.get_work_queue_stats("q")["done"] == 1


def test_library_keywords_on_both_engines(url: str) -> None:
    from ReinferLibrary.WorkQueues import WorkQueues

    library = WorkQueues(url=url, lease=timedelta(minutes=1), max_attempts=2)
    queue = f"q-{uuid.uuid4().hex[:8]}"
    library.add_work_item(queue, [1, 2], reference="a")
    work = library.get_work_item(queue)
    assert work is not None
    assert library.fail_work_item(work, "ERP down", retry=True) == "retry"
    work = library.get_work_item(queue)
    assert work is not None and work.attempt == 2
    assert library.fail_work_item(work, "ERP down again") == "dead"
    (dead,) = library.get_dead_work_items(queue)
    assert dead.reasons == ("attempt 1: ERP down", "attempt 2: ERP down again")
    with pytest.raises(WorkItemError, match="expected the work item Get Work Item returned, got dict"):
        library.complete_work_item({"id": work.id})


def test_purge_work_queue_keyword_on_both_engines(url: str) -> None:
    from ReinferLibrary.WorkQueues import WorkQueues

    library = WorkQueues(url=url, max_attempts=1, retention=None)
    queue = f"q-{uuid.uuid4().hex[:8]}"
    for reference in ("a", "b", "c"):
        library.add_work_item(queue, 1, reference=reference)
    library.complete_work_item(library.get_work_item(queue))
    library.fail_work_item(library.get_work_item(queue), "ERP down")
    with pytest.raises(WorkQueueConfigurationError, match=r"needs older_than= .* retention=NONE"):
        library.purge_work_queue(queue)
    assert library.purge_work_queue(queue, timedelta(hours=1), "done, dead") == 0  # too young
    assert library.purge_work_queue(queue, timedelta(0), "DEAD") == 1
    assert library.purge_work_queue(queue, timedelta(0), ["done", "failed"]) == 1
    stats = library.get_work_queue_stats(queue)
    assert (stats.pending, stats.done, stats.dead) == (1, 0, 0)
    defaulted = WorkQueues(url=url, retention=timedelta(days=1))
    assert defaulted.purge_work_queue(queue) == 0  # older than the library's retention


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"url": ""}, "url is empty"),
        ({"url": "  "}, "url is empty"),
        ({"lease": timedelta(0)}, "lease must be more than 0 seconds"),
        ({"max_attempts": 0}, "max_attempts must be 1 or more"),
        ({"timeout": timedelta(seconds=-1)}, "timeout must be more than 0 seconds"),
        ({"retention": timedelta(0)}, "retention must be more than 0 seconds"),
    ],
)
def test_library_arguments_are_checked_at_import(options: dict[str, object], message: str) -> None:
    from ReinferLibrary.WorkQueues import WorkQueues

    with pytest.raises(WorkQueueConfigurationError, match=message):
        WorkQueues(**options)  # type: ignore[arg-type]


def test_sqlite_file_is_in_wal_mode(tmp_path: Path) -> None:
    open_queue(f"sqlite://{tmp_path}/queues.db").close()
    with sqlite3.connect(tmp_path / "queues.db") as db:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


@pytest.mark.slow
def test_queues_import_nothing_of_robot_or_keywords() -> None:
    code = (
        "import sys, ReinferLibrary.queues, ReinferLibrary.queues.sqlite, "
        "ReinferLibrary.queues.redis_streams, ReinferLibrary.queues.redis_server; "
        "bad = [m for m in sys.modules if m == 'robot' "
        "or m.startswith(('robot.', 'ReinferLibrary.keywords'))]; "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_queue_names_lists_the_queues_with_items(opened: Opener) -> None:
    queue = opened()
    assert queue.queue_names() == []
    queue.add("refunds", 1)
    queue.add("billing", 2)
    assert queue.queue_names() == ["billing", "refunds"]


def test_library_refuses_a_bad_url_at_import_without_connecting() -> None:
    from ReinferLibrary.WorkQueues import WorkQueues

    with pytest.raises(WorkQueueConfigurationError, match="unknown scheme 'postgres'"):
        WorkQueues(url="postgres://db/queues")
    WorkQueues(url=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there: checked at first use


def test_work_queue_keywords_are_documented_with_examples_and_libdoc_builds(tmp_path: Path) -> None:
    from robot.libdoc import libdoc
    from robot.libdocpkg import LibraryDocumentation

    documentation = LibraryDocumentation("ReinferLibrary.WorkQueues")
    names = {kw.name for kw in documentation.keywords}
    contract = {
        "Add Work Item",
        "Get Work Item",
        "Complete Work Item",
        "Fail Work Item",
        "Get Work Queue Stats",
    }
    assert contract <= names
    for kw in documentation.keywords:
        lines = kw.doc.splitlines()
        assert lines and lines[0].strip().endswith("."), f"{kw.name}: no one-line summary"
        assert any(line.strip() == "Example:" for line in lines), f"{kw.name}: no Example"
        assert any(line.lstrip().startswith("|") for line in lines), f"{kw.name}: no example table"
        spec = kw.to_dictionary()
        for argument in spec["args"]:
            assert argument["doc"], f"{kw.name}: {argument['name']} undocumented"
        if spec["returnType"] is not None and spec["returnType"]["name"] != "None":
            assert spec["returnDoc"], f"{kw.name}: return value undocumented"
    # Every `link` of the intro and the keywords names a keyword or a section (libdoc adds two).
    sections = {*re.findall(r"^= (.+) =$", documentation.doc, flags=re.MULTILINE), "Importing", "Keywords"}
    text = documentation.doc + "".join(kw.doc for kw in documentation.keywords)
    links = re.findall(r"(?<!`)`([^`]+)`(?!`)", text)
    assert "Leases, retries and the dead-letter queue" in links
    for link in links:
        assert link in names or link in sections, f"dangling link `{link}`"
    output = tmp_path / "WorkQueues.html"
    assert libdoc("ReinferLibrary.WorkQueues", str(output), format="HTML", quiet=True) == 0
    assert output.stat().st_size > 10_000


def test_a_redis_password_never_reaches_the_log(
    redis_server: RedisServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from robot.api.types import Secret

    from ReinferLibrary import WorkQueues as module  # noqa: N813 - the module, not the class

    messages: list[str] = []
    for level in ("info", "warn", "debug"):
        monkeypatch.setattr(module.logger, level, lambda text, *args, **kwargs: messages.append(text))
    # A server without a password accepts any with the default user; the URL still carries one.
    url = redis_server.url.replace("redis://", "redis://default:not-the-password@")
    library = module.WorkQueues(url=Secret(url))
    library.add_work_item("q", 1)
    assert any("Work queues at redis://default:***@127.0.0.1" in text for text in messages), messages
    assert all("not-the-password" not in text for text in messages)
    unreachable = f"redis://default:not-the-password@127.0.0.1:{free_port()}/0"
    with pytest.raises(WorkQueueUnavailableError) as raised:
        module.WorkQueues(url=Secret(unreachable), timeout=timedelta(seconds=2)).add_work_item("q", 1)
    assert "not-the-password" not in str(raised.value) and "default:***@" in str(raised.value)
