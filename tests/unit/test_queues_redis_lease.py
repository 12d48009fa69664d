"""The stream lease on Redis: two dispatchers on two machines cannot both consume one stream.

Runs the state package's own lease logic (StreamLease) over RedisLeaseStore against a real
redis-server started on 127.0.0.1 with a free port and a temporary folder.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from ReinferLibrary.errors import LeaseLostError, StreamLeaseError, WorkQueueUnavailableError
from ReinferLibrary.queues.redis_lease import RedisLeaseStore
from ReinferLibrary.queues.redis_server import RedisServer, free_port
from ReinferLibrary.state.lease import LeaseOwner, StreamLease, lease_store
from ReinferLibrary.state.paths import StreamKey

KEY = StreamKey.of("https://tenant.example", "acme/retail-inbox", "routing")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    with RedisServer(tmp_path_factory.mktemp("redis-lease")) as running:
        yield running


@pytest.fixture
def url(server: RedisServer) -> str:
    import redis

    redis.Redis.from_url(server.url).flushdb()
    return server.url


def other_machine(robot: str, ttl: float) -> LeaseOwner:
    """An owner on another host: its process cannot be checked from here."""
    return replace(LeaseOwner.me(robot, ttl), host="dispatcher-b.example", pid=4242)


def test_a_redis_url_gives_the_redis_lease_store(url: str) -> None:
    store = lease_store(url)
    assert isinstance(store, RedisLeaseStore)
    assert store.location == url


def test_a_second_dispatcher_is_refused_with_the_owner_named(url: str) -> None:
    machine_a, machine_b = RedisLeaseStore(url), RedisLeaseStore(url)
    assert machine_b.claim(KEY, other_machine("Triage B", 60)) is None
    lease = StreamLease(machine_a, KEY, ttl=60, robot="Triage A")
    with pytest.raises(StreamLeaseError) as raised:
        lease.acquire()
    text = str(raised.value)
    assert "leased by robot 'Triage B' (pid 4242 on dispatcher-b.example" in text
    assert "\n" not in text and url in text


def test_takeover_wins_and_the_old_owner_learns_it(url: str) -> None:
    first = StreamLease(RedisLeaseStore(url), KEY, ttl=60, robot="First")
    first.acquire()
    second = StreamLease(RedisLeaseStore(url), KEY, ttl=60, robot="Second")
    with pytest.raises(StreamLeaseError):
        second.acquire()
    second.acquire(takeover=True)
    assert first.renew_now() is False
    with pytest.raises(LeaseLostError, match="lost its lease"):
        first.check()
    second.release()
    first.release()


def test_release_frees_the_stream_and_only_the_holder_can_release(url: str) -> None:
    store = RedisLeaseStore(url)
    owner = other_machine("A", 60)
    assert store.claim(KEY, owner) is None
    store.release(KEY, "not-the-token")
    assert store.read(KEY) == owner
    store.release(KEY, owner.token)
    assert store.read(KEY) is None
    assert store.claim(KEY, other_machine("B", 60)) is None


def test_a_lease_not_renewed_expires_on_the_server(url: str) -> None:
    store = RedisLeaseStore(url)
    stale = other_machine("Killed", 0.3)
    assert store.claim(KEY, stale) is None
    later = other_machine("Next", 60)
    assert store.claim(KEY, later) == stale
    time.sleep(0.4)
    assert store.read(KEY) is None
    assert store.claim(KEY, later) is None
    renewed = replace(later, expires=time.time() + 120)
    assert store.renew(KEY, renewed) is True
    assert store.renew(KEY, stale) is False


def test_unreachable_redis_is_one_technical_line_without_the_password() -> None:
    store = RedisLeaseStore(f"redis://:s3cret-pw@127.0.0.1:{free_port()}/0")
    with pytest.raises(WorkQueueUnavailableError) as raised:
        store.read(KEY)
    text = str(raised.value)
    assert text.startswith("Technical error (stream lease unreachable): could not read the stream lease in")
    assert "s3cret" not in text and "\n" not in text


def test_the_folder_store_is_still_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REINFER_STATE_DIR", str(tmp_path))
    assert not isinstance(lease_store(None), RedisLeaseStore)


def test_a_fresh_process_finds_the_redis_store_by_url(url: str) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from ReinferLibrary.state.lease import lease_store; "
        "print(type(lease_store(sys.argv[1])).__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, url], capture_output=True, text=True, cwd=Path(__file__).parents[2]
    )
    assert result.stdout.strip() == "RedisLeaseStore", result.stderr
