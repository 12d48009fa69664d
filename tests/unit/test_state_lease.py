"""The stream lease (ReinferLibrary.state.lease): one consumer per stream, on real files and processes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ReinferLibrary.errors import LeaseLostError, StreamLeaseError
from ReinferLibrary.state import (
    FileLeaseStore,
    LeaseOwner,
    StreamKey,
    StreamLease,
    hold,
    lease_store,
    state_dir,
)
from ReinferLibrary.state.paths import tenant_host

KEY = StreamKey.of("http://127.0.0.1:8123", "acme/retail-inbox", "routing")

HOLDER = """
import sys, time
from ReinferLibrary.state import FileLeaseStore, StreamKey, hold
from pathlib import Path
key = StreamKey.of("http://127.0.0.1:8123", "acme/retail-inbox", "routing")
hold(FileLeaseStore(Path(sys.argv[1])), key, ttl=30, robot="Other Robot")
print("held", flush=True)
time.sleep(60)
"""


@pytest.fixture
def store(tmp_path: Path) -> FileLeaseStore:
    return FileLeaseStore(tmp_path / "leases")


def test_the_state_dir_comes_from_the_environment_else_the_user_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REINFER_STATE_DIR", str(tmp_path / "mine"))
    assert state_dir() == tmp_path / "mine"
    monkeypatch.delenv("REINFER_STATE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    if sys.platform.startswith("linux"):
        assert state_dir() == tmp_path / "cache" / "reinfer-library"


def test_keys_name_host_and_port_but_not_the_default_port() -> None:
    assert tenant_host("https://Tenant.Example:443/") == "tenant.example"
    assert tenant_host("http://127.0.0.1:8123") == "127.0.0.1:8123"
    assert StreamKey.of("http://a:1", "x/y", "s").slug != StreamKey.of("http://a:2", "x/y", "s").slug


def test_a_second_consumer_in_another_process_is_refused_with_one_line_naming_the_owner(
    tmp_path: Path,
) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(tmp_path / "leases")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(StreamLeaseError) as refused:
            StreamLease(FileLeaseStore(tmp_path / "leases"), KEY, ttl=30, robot="Me").acquire()
        message = str(refused.value)
        assert "\n" not in message
        assert "acme/retail-inbox/routing at 127.0.0.1:8123 is leased by robot 'Other Robot'" in message
        assert f"pid {holder.pid}" in message
        assert "takeover=True" in message
        assert "expires" in message
    finally:
        holder.kill()
        holder.wait()
    # Killed with SIGKILL: on this machine its lease is free at once, without waiting for expiry.
    lease = StreamLease(FileLeaseStore(tmp_path / "leases"), KEY, ttl=30, robot="Me")
    assert "is gone" in lease.acquire()
    lease.release()


def test_takeover_takes_a_live_lease_and_the_old_owner_fails_at_its_next_check(store: FileLeaseStore) -> None:
    first = StreamLease(store, KEY, ttl=30, robot="First")
    first.acquire()
    second = StreamLease(store, KEY, ttl=30, robot="Second")
    with pytest.raises(StreamLeaseError):
        second.acquire()
    assert "taken over from robot 'First'" in second.acquire(takeover=True)
    assert first.renew_now() is False
    with pytest.raises(LeaseLostError, match=r"lost its lease .* to robot 'Second'"):
        first.check()
    first.release()  # must not release the new owner's lease
    assert store.read(KEY) is not None
    second.release()
    assert store.read(KEY) is None


def test_an_expired_lease_is_free(store: FileLeaseStore) -> None:
    stale = LeaseOwner("another-host", 1, "Old", time.time() - 600, time.time() - 1, "tok")
    (store.folder).mkdir(parents=True, exist_ok=True)
    (store.folder / f"{KEY.slug}.lease").write_text(stale.to_json())
    lease = StreamLease(store, KEY, ttl=30)
    assert "free" in lease.acquire()
    lease.release()


def test_a_live_lease_on_another_host_is_not_taken_for_gone(store: FileLeaseStore) -> None:
    other = LeaseOwner("another-host", 1, "Remote", time.time(), time.time() + 60, "tok")
    store.folder.mkdir(parents=True, exist_ok=True)
    (store.folder / f"{KEY.slug}.lease").write_text(other.to_json())
    with pytest.raises(StreamLeaseError, match="robot 'Remote' \\(pid 1 on another-host"):
        StreamLease(store, KEY, ttl=30).acquire()


def test_torn_lease_content_counts_as_free(store: FileLeaseStore) -> None:
    store.folder.mkdir(parents=True, exist_ok=True)
    (store.folder / f"{KEY.slug}.lease").write_text('{"host": "x", "pid"')
    lease = StreamLease(store, KEY, ttl=30)
    lease.acquire()
    assert json.loads((store.folder / f"{KEY.slug}.lease").read_text())["pid"] > 0
    lease.release()


def test_waiting_gets_the_lease_once_its_owner_releases_it(store: FileLeaseStore) -> None:
    first = StreamLease(store, KEY, ttl=30, robot="First")
    first.acquire()
    threading.Timer(0.3, first.release).start()
    second = StreamLease(store, KEY, ttl=30, robot="Second")
    started = time.monotonic()
    second.acquire(wait=10)
    assert 0.2 < time.monotonic() - started < 5
    second.release()


def test_the_lease_is_renewed_in_the_background(store: FileLeaseStore) -> None:
    lease = StreamLease(store, KEY, ttl=0.6)
    lease.acquire()
    time.sleep(1.2)  # two lifetimes: renewed every 0.2 s, so still held
    holder = store.read(KEY)
    assert holder is not None and lease.owner is not None and holder.token == lease.owner.token
    lease.release()


def test_hold_is_process_wide_and_idempotent(store: FileLeaseStore) -> None:
    lines: list[str] = []
    first = hold(store, KEY, ttl=30, log=lines.append)
    assert hold(store, KEY, ttl=30, log=lines.append) is first
    assert len(lines) == 1
    first.release()


def test_lease_store_urls(tmp_path: Path) -> None:
    assert isinstance(lease_store(str(tmp_path)), FileLeaseStore)
    assert lease_store(f"file://{tmp_path}").location == str(tmp_path / "leases")
    with pytest.raises(Exception, match="not known"):
        lease_store("nosuch://x")
