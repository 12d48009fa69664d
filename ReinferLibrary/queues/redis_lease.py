"""The stream lease on Redis: one consumer per stream across machines.

Implements :class:`~ReinferLibrary.state.lease.LeaseStore` (read, claim, renew, release)
for ``lease_store("redis://host:6379/0")``; everything else about leases (waiting, taking
over, renewal, the refusal message) is the state package's common code. Two dispatchers
on two machines given the same Redis URL cannot both consume one stream.

One key per stream, ``reinfer:lease:<stream key slug>``, holding the owner as JSON with a
Redis expiry at the owner's ``expires``: a holder that stops renewing (killed, machine
off) loses the lease when the key expires, whatever the other machines' clocks say. Each
operation is one Lua script, so claim is a true compare-and-set.
"""

from __future__ import annotations

import time
from typing import Any

from ..state.lease import LeaseOwner, LeaseStore, register_lease_store
from ..state.paths import StreamKey
from .redis_streams import RedisConnection

_LUA_HOLDER = """
local function token_of(text)
  local ok, owner = pcall(cjson.decode, text)
  if ok and type(owner) == 'table' then return owner['token'] end
  return nil
end
"""

# KEYS[1] lease key; ARGV: owner JSON, owner token, token it may replace, ms to live.
_CLAIM = (
    _LUA_HOLDER
    + """
local current = redis.call('GET', KEYS[1])
if current then
  local token = token_of(current)
  if token ~= ARGV[2] and token ~= ARGV[3] then return current end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[4])
return false
"""
)

# KEYS[1] lease key; ARGV: owner JSON, owner token, ms to live. 1 when renewed.
_RENEW = (
    _LUA_HOLDER
    + """
local current = redis.call('GET', KEYS[1])
if not current or token_of(current) ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
return 1
"""
)

# KEYS[1] lease key; ARGV: token.
_RELEASE = (
    _LUA_HOLDER
    + """
local current = redis.call('GET', KEYS[1])
if current and token_of(current) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 0
"""
)

KEY_PREFIX = "reinfer:lease:"
LEASE_CALL_TIMEOUT = 10.0
"""Seconds one lease call may wait for Redis (a lease lives minutes: renewals have time)."""


class RedisLeaseStore(LeaseStore):
    """Stream leases in Redis (see the module documentation)."""

    def __init__(self, url: str) -> None:
        self._connection = RedisConnection(
            url,
            timeout=LEASE_CALL_TIMEOUT,
            thing="stream lease",
            repeat="a lease that was not renewed is renewed or taken again by the next call",
        )
        self.location = self._connection.url
        client = self._connection.client
        self._claim = client.register_script(_CLAIM)
        self._renew = client.register_script(_RENEW)
        self._release = client.register_script(_RELEASE)

    def _key(self, key: StreamKey) -> str:
        return KEY_PREFIX + key.slug

    def read(self, key: StreamKey) -> LeaseOwner | None:
        text = self._connection.guard(
            "read the stream lease in", lambda: self._connection.client.get(self._key(key))
        )
        owner = LeaseOwner.from_json(str(text)) if text else None
        return owner if owner is not None and owner.expires > time.time() else None

    def claim(self, key: StreamKey, owner: LeaseOwner, replace: str | None = None) -> LeaseOwner | None:
        blocked = self._run(self._claim, key, owner.to_json(), owner.token, replace or "", _ttl_ms(owner))
        return LeaseOwner.from_json(str(blocked)) if blocked else None

    def renew(self, key: StreamKey, owner: LeaseOwner) -> bool:
        return bool(self._run(self._renew, key, owner.to_json(), owner.token, _ttl_ms(owner)))

    def release(self, key: StreamKey, token: str) -> None:
        self._run(self._release, key, token)

    def _run(self, script: Any, key: StreamKey, *args: Any) -> Any:
        return self._connection.guard(
            "update the stream lease in", lambda: script(keys=[self._key(key)], args=list(args))
        )


def _ttl_ms(owner: LeaseOwner) -> int:
    """Milliseconds until ``owner.expires`` (at least 1: Redis refuses 0)."""
    return max(1, int((owner.expires - time.time()) * 1000))


for _scheme in ("redis", "rediss", "unix"):
    register_lease_store(_scheme, RedisLeaseStore)
