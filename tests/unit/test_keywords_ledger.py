"""Lease, ledger and guards through the trigger keywords, against fake HTTP (``responses``).

Each test here fails on the code before the stream lease and ledger: a second consumer was
served, a finished item came again, a stale advance moved the stream back, a reset to 2999
went through.
"""

from __future__ import annotations

import copy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import responses
from robot.api.types import Secret

from ReinferLibrary import ReinferLibrary
from ReinferLibrary.errors import ReinferConfigurationError, StreamBackwardsError, StreamLeaseError

if TYPE_CHECKING:
    from conftest import LogRecorder

BASE = "http://reinfer.test"
STREAM = "/api/v1/datasets/acme/retail-inbox/streams/routing"


def item(n: int) -> dict:
    return {"comment": {"id": f"c{n}", "uid": f"src.c{n}", "messages": []}, "sequence_id": f"S{n}"}


def batch(first: int, size: int = 3, end: bool = False) -> dict:
    return {
        "status": "ok",
        "filtered": 0,
        "is_end_sequence": end,
        "sequence_id": f"B{first + size - 1}",
        "results": [item(n) for n in range(first, first + size)],
    }


@pytest.fixture
def lib(lib: ReinferLibrary, api: responses.RequestsMock) -> ReinferLibrary:
    lib.connect_to_reinfer(url=BASE, token=Secret("tok-ledger-1"), dataset="acme/retail-inbox", retries=0)
    return lib


def test_items_marked_done_before_a_crash_are_left_out_of_the_refetched_batch(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock, clean_env: None
) -> None:
    api.post(BASE + STREAM + "/fetch", json=batch(1))
    api.post(BASE + STREAM + "/fetch", json=batch(1))  # the same batch after the "crash"
    api.get(BASE + STREAM, json={"status": "ok", "stream": {"id": "stream-1", "name": "routing"}})
    first = lib.fetch_trigger_batch("routing", log_items=False)
    lib.mark_item_done("routing", first.results[0])
    lib.mark_item_done("routing", first.results[1], outcome="exception")
    # The robot dies here, before Advance Trigger; a new run (a new library) fetches again.
    again = ReinferLibrary()
    again.connect_to_reinfer(url=BASE, token=Secret("tok-ledger-1"), dataset="acme/retail-inbox", retries=0)
    refetched = again.fetch_trigger_batch("routing", log_items=False)
    assert [i.uid for i in refetched.results] == ["src.c3"]
    assert refetched.skipped == ["src.c1", "src.c2"]
    assert refetched.sequence_id == "B3"  # advancing past the batch covers the skipped ones
    skipped = "Skipped 2 comment(s) this machine's ledger has as finished"
    assert any(t.startswith(skipped) for t in log.texts())
    again.close_all_reinfer_connections()


def test_a_recreated_stream_does_not_inherit_the_old_ledger(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    api.post(BASE + STREAM + "/fetch", json=batch(1))
    api.get(BASE + STREAM, json={"status": "ok", "stream": {"id": "old-id", "name": "routing"}})
    lib.mark_item_done("routing", lib.fetch_trigger_batch("routing", log_items=False).results[0])
    guard = next(iter(lib.context.safety.guards.values()))
    guard.bound = False  # a new process
    api.post(BASE + STREAM + "/fetch", json=batch(1))
    api.get(BASE + STREAM, json={"status": "ok", "stream": {"id": "new-id", "name": "routing"}})
    refetched = lib.fetch_trigger_batch("routing", log_items=False)
    assert len(refetched.results) == 3
    assert any("deleted and re-created" in t for t in log.texts("WARN"))


def test_a_stale_advance_that_would_move_the_stream_backwards_is_refused_before_any_call(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    api.post(BASE + STREAM + "/fetch", json=batch(1))
    api.post(BASE + STREAM + "/advance", json={"status": "ok"})
    api.post(BASE + STREAM + "/fetch", json=batch(4))
    api.post(BASE + STREAM + "/advance", json={"status": "ok"})
    stale = lib.fetch_trigger_batch("routing", log_items=False)
    lib.advance_trigger("routing", stale)
    newer = lib.fetch_trigger_batch("routing", log_items=False)
    lib.advance_trigger("routing", newer)
    calls = len(api.calls)
    with pytest.raises(StreamBackwardsError) as refused:
        lib.advance_trigger("routing", stale)
    assert len(api.calls) == calls
    assert "moves it backwards by 3 comment(s)" in str(refused.value)
    assert "allow_backwards=True" in str(refused.value)
    api.post(BASE + STREAM + "/advance", json={"status": "ok"})
    lib.advance_trigger("routing", stale, allow_backwards=True)
    assert any("allowed by allow_backwards=True" in t for t in log.texts("WARN"))


HOLDER = """
import sys, time
from ReinferLibrary.state import StreamKey, hold, lease_store
key = StreamKey.of("http://reinfer.test", "acme/retail-inbox", "routing")
hold(lease_store(None), key, robot="Night Run")
print("held", flush=True)
time.sleep(60)
"""


@pytest.fixture
def other_robot(state_dir: Path) -> Iterator[subprocess.Popen[str]]:
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    yield holder
    holder.kill()
    holder.wait()


def test_a_second_consumer_fails_at_its_first_fetch_with_one_line_naming_the_owner(
    lib: ReinferLibrary, api: responses.RequestsMock, other_robot: subprocess.Popen[str]
) -> None:
    with pytest.raises(StreamLeaseError) as refused:
        lib.fetch_trigger_batch("routing")
    message = str(refused.value)
    owner = "Stream acme/retail-inbox/routing at reinfer.test is leased by robot 'Night Run'"
    assert message.startswith(owner)
    assert f"pid {other_robot.pid}" in message and "takeover=True" in message and "\n" not in message
    assert not api.calls  # nothing was fetched
    api.post(BASE + STREAM + "/fetch", json=batch(1))
    assert len(lib.fetch_trigger_batch("routing", takeover=True, log_items=False).results) == 3


def test_reset_to_the_future_or_far_back_needs_an_explicit_argument(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    with pytest.raises(ReinferConfigurationError, match=r"in the future: .* allow_future=True"):
        lib.reset_trigger("routing", "2999-01-01")
    with pytest.raises(ReinferConfigurationError, match=r"back, more than max_days_back=30"):
        lib.reset_trigger("routing", "2001-01-01")
    assert not api.calls
    api.post(BASE + STREAM + "/reset", json={"status": "ok", "sequence_id": "R1"})
    lib.reset_trigger("routing", "2999-01-01", allow_future=True)
    assert "days ahead of now" in log.texts()[-1]


def test_reset_forgets_finished_items_so_a_replay_processes_them(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    api.post(BASE + STREAM + "/fetch", json=batch(1))
    api.get(BASE + STREAM, json={"status": "ok", "stream": {"id": "s", "name": "routing"}})
    api.post(BASE + STREAM + "/advance", json={"status": "ok"})
    first = lib.fetch_trigger_batch("routing", log_items=False)
    for entry in first.results:
        lib.mark_item_done("routing", entry)
    lib.advance_trigger("routing", first)
    api.post(BASE + STREAM + "/reset", json={"status": "ok", "sequence_id": "B0"})
    lib.reset_trigger("routing", "2000-01-01", max_days_back=100_000)
    assert "the ledger forgot 3 finished comment(s)" in log.texts()[-1]
    api.post(BASE + STREAM + "/fetch", json=copy.deepcopy(batch(1)))
    assert len(lib.fetch_trigger_batch("routing", log_items=False).results) == 3


def test_work_a_crash_interrupted_is_left_out_and_reported_not_done_again(
    lib: ReinferLibrary, log: LogRecorder, api: responses.RequestsMock
) -> None:
    # Run Once For Item records the start, runs the work, records it done (its acceptance test
    # runs it in a real robot); here the robot died inside the work for the second item.
    api.post(BASE + STREAM + "/fetch", json=batch(1))
    api.get(BASE + STREAM, json={"status": "ok", "stream": {"id": "s", "name": "routing"}})
    first = lib.fetch_trigger_batch("routing", log_items=False)
    lib.mark_item_done("routing", first.results[0])
    guard = next(iter(lib.context.safety.guards.values()))
    guard.start(first.results[1].uid, first.results[1].sequence_id, lambda: "s", log.warn)
    api.post(BASE + STREAM + "/fetch", json=batch(1))
    again = lib.fetch_trigger_batch("routing", log_items=False)
    assert [i.uid for i in again.results] == ["src.c3"]
    assert again.skipped == ["src.c1"]
    assert again.interrupted == ["src.c2"]
    assert any("whose work a crash interrupted" in t and "src.c2" in t for t in log.texts("WARN"))
