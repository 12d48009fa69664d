"""The distributed work queue: Redis Streams with a consumer group, for performers on several machines.

Per queue (every key carries the hash tag ``{queue}``, so a queue lives on one node):

- ``reinfer:wq:{q}:stream``: one entry per offer of an item (``XADD``); the consumer group
  ``performers`` hands each entry to one performer (``XREADGROUP``). A claimed entry stays
  in the group's pending list until it is acknowledged (``XACK``) on completion or failure.
- ``reinfer:wq:{q}:item:<id>``: the item (reference, payload, state, attempt, claim token,
  lease end, reasons) and ``…:refs`` reference -> id, which makes ``add`` idempotent.
- ``reinfer:wq:{q}:dead``: the dead-letter stream, one entry per dead item with its reasons.
- ``reinfer:wq:{q}:counts``: pending, in progress, done, failed, dead, retried.
- ``reinfer:wq:{q}:finished:<state>`` (``done``, ``failed``, ``dead``): item ids scored by
  when they reached that state (server time, ms), so the retention purge finds the old ones
  without scanning every item.

Each operation is one Lua script, so it is atomic: no claim is half-made, and a
completion races a take-over cleanly (whoever runs first wins; the other gets "lease
lost"). Stale entries of dead consumers are found in the pending list (``XPENDING``) and
taken over with ``XCLAIM`` once the *item's own* lease has run out: what ``XAUTOCLAIM``
does, except that ``XAUTOCLAIM`` knows only one idle time for the whole group, while here
each claim carries the lease its performer asked for. Lease ends use the Redis server's
clock (``TIME``), so the performers' clocks do not matter.

Durability is the server's: run it with ``appendonly yes`` (the guide, "Scaling out").
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast
from urllib.parse import urlsplit, urlunsplit

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

if TYPE_CHECKING:
    import redis

T = TypeVar("T")
GROUP = "performers"
# How many entries of the pending list a claim looks through for a lease that ran out.
PENDING_SCAN = 100

_COMMON = """
local p = ARGV[1]
local stream = p .. 'stream'
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function append_reason(key, reason)
  local reasons = cjson.decode(redis.call('HGET', key, 'reasons') or '[]')
  table.insert(reasons, reason)
  redis.call('HSET', key, 'reasons', cjson.encode(reasons))
  return reasons
end
local function retire(key, entry)
  redis.call('XACK', stream, 'performers', entry)
  redis.call('XDEL', stream, entry)
  redis.call('HDEL', p .. 'entries', entry)
  redis.call('HDEL', key, 'token', 'entry')
end
local function offer(key, id)
  local entry = redis.call('XADD', stream, '*', 'id', id)
  redis.call('HSET', p .. 'entries', entry, id)
  redis.call('HSET', key, 'state', 'pending', 'entry', entry)
end
local function finish(id, state)
  redis.call('ZADD', p .. 'finished:' .. state, now_ms(), id)
end
local function to_dead(key, id)
  redis.call('HSET', key, 'state', 'dead')
  local f = redis.call('HMGET', key, 'reference', 'payload', 'attempt', 'reasons')
  local entry = redis.call('XADD', p .. 'dead', '*', 'id', id, 'reference', f[1], 'payload', f[2],
    'attempt', f[3], 'reasons', f[4] or '[]')
  redis.call('HSET', key, 'dead_entry', entry)
  finish(id, 'dead')
end
"""

_ADD = (
    _COMMON
    + """
local ref, payload = ARGV[2], ARGV[3]
local existing = redis.call('HGET', p .. 'refs', ref)
if existing then return {existing, 0} end
local id = tostring(redis.call('INCR', p .. 'seq'))
redis.call('HSET', p .. 'refs', ref, id)
local key = p .. 'item:' .. id
redis.call('HSET', key, 'reference', ref, 'payload', payload, 'attempt', 0, 'reasons', '[]')
offer(key, id)
redis.call('HINCRBY', p .. 'counts', 'pending', 1)
return {id, 1}
"""
)

_CLAIM = (
    _COMMON
    + """
local consumer, lease, token, max_attempts = ARGV[2], tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local now = now_ms()
local counts = p .. 'counts'
local function take(entry, id, lapsed)
  local key = p .. 'item:' .. id
  local state = redis.call('HGET', key, 'state')
  if state ~= 'pending' and state ~= 'in_progress' then
    redis.call('XACK', stream, 'performers', entry)
    redis.call('XDEL', stream, entry)
    redis.call('HDEL', p .. 'entries', entry)
    return nil
  end
  local attempt = tonumber(redis.call('HGET', key, 'attempt') or '0')
  if lapsed then
    local who = redis.call('HGET', key, 'consumer') or 'unknown'
    append_reason(key, 'attempt ' .. attempt .. ': lease ran out (performer ' .. who
      .. ' died or took too long)')
    if attempt >= max_attempts then
      retire(key, entry)
      to_dead(key, id)
      redis.call('HINCRBY', counts, 'in_progress', -1)
      redis.call('HINCRBY', counts, 'dead', 1)
      return nil
    end
  else
    redis.call('HINCRBY', counts, 'pending', -1)
    redis.call('HINCRBY', counts, 'in_progress', 1)
  end
  attempt = attempt + 1
  if attempt == 2 then redis.call('HINCRBY', counts, 'retried', 1) end
  redis.call('HSET', key, 'state', 'in_progress', 'attempt', attempt, 'token', token,
    'consumer', consumer, 'lease_until', now + lease)
  local f = redis.call('HMGET', key, 'reference', 'payload', 'reasons')
  return {id, f[1], f[2], attempt, f[3]}
end
local stale = redis.call('XPENDING', stream, 'performers', '-', '+', tonumber(ARGV[6]))
for _, pending in ipairs(stale) do
  local entry = pending[1]
  local id = redis.call('HGET', p .. 'entries', entry)
  if id then
    local ends = tonumber(redis.call('HGET', p .. 'item:' .. id, 'lease_until') or '0')
    if ends < now then
      redis.call('XCLAIM', stream, 'performers', consumer, 0, entry, 'JUSTID')
      local got = take(entry, id, true)
      if got then return got end
    end
  end
end
while true do
  local read = redis.call('XREADGROUP', 'GROUP', 'performers', consumer, 'COUNT', 1, 'STREAMS', stream, '>')
  if not read then return nil end
  local entry = read[1][2][1][1]
  local fields = read[1][2][1][2]
  local got = take(entry, fields[2], false)
  if got then return got end
end
"""
)

# Result: 'ok', 'unknown' or 'lost:<state now>'.
_CHECK_HOLDER = """
local id, token = ARGV[2], ARGV[3]
local key = p .. 'item:' .. id
if redis.call('EXISTS', key) == 0 then return 'unknown' end
local held = redis.call('HMGET', key, 'state', 'token')
if held[1] ~= 'in_progress' or held[2] ~= token then return 'lost:' .. held[1] end
"""

_COMPLETE = (
    _COMMON
    + _CHECK_HOLDER
    + """
retire(key, redis.call('HGET', key, 'entry'))
redis.call('HSET', key, 'state', 'done')
redis.call('HDEL', key, 'payload')
finish(id, 'done')
redis.call('HINCRBY', p .. 'counts', 'in_progress', -1)
redis.call('HINCRBY', p .. 'counts', 'done', 1)
return 'ok'
"""
)

_FAIL = (
    _COMMON
    + _CHECK_HOLDER
    + """
local reason, retry, max_attempts = ARGV[4], ARGV[5] == '1', tonumber(ARGV[6])
local attempt = tonumber(redis.call('HGET', key, 'attempt'))
append_reason(key, 'attempt ' .. attempt .. ': ' .. reason)
retire(key, redis.call('HGET', key, 'entry'))
local counts = p .. 'counts'
redis.call('HINCRBY', counts, 'in_progress', -1)
if not retry then
  redis.call('HSET', key, 'state', 'failed')
  finish(id, 'failed')
  redis.call('HINCRBY', counts, 'failed', 1)
  return 'failed'
end
if attempt >= max_attempts then
  to_dead(key, id)
  redis.call('HINCRBY', counts, 'dead', 1)
  return 'dead'
end
offer(key, id)
redis.call('HINCRBY', counts, 'pending', 1)
return 'retry'
"""
)

_EXTEND = (
    _COMMON
    + _CHECK_HOLDER
    + """
redis.call('HSET', key, 'lease_until', now_ms() + tonumber(ARGV[4]))
return 'ok'
"""
)


# Delete up to ARGV[4] items that reached state ARGV[2] more than ARGV[3] ms ago (server time).
_PURGE = (
    _COMMON
    + """
local state, age, limit = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
local index = p .. 'finished:' .. state
local ids = redis.call('ZRANGEBYSCORE', index, '-inf', now_ms() - age, 'LIMIT', 0, limit)
local counts = p .. 'counts'
for _, id in ipairs(ids) do
  local key = p .. 'item:' .. id
  local f = redis.call('HMGET', key, 'state', 'reference', 'attempt', 'dead_entry')
  if f[1] == state then
    redis.call('HDEL', p .. 'refs', f[2])
    if f[4] then redis.call('XDEL', p .. 'dead', f[4]) end
    if tonumber(f[3] or '0') > 1 then redis.call('HINCRBY', counts, 'retried', -1) end
    redis.call('HINCRBY', counts, state, -1)
    redis.call('DEL', key)
  end
  redis.call('ZREM', index, id)
end
return #ids
"""
)


def redacted(url: str) -> str:
    """The URL without its password, fit for logs and error messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return urlunsplit((parts.scheme, f"{user}:***@{host}{port}", parts.path, parts.query, parts.fragment))


class RedisConnection:
    """A ``redis`` client for ``url`` and the one mapping of its errors to the library's.

    ``thing`` names what Redis holds for the caller in error titles ("work queue", "stream
    lease"); ``repeat`` says why repeating a call after a lost connection is safe.
    """

    def __init__(self, url: str, *, timeout: float, thing: str, repeat: str) -> None:
        self.url = redacted(url)
        self.thing = thing
        self.repeat = repeat
        try:
            import redis
        except ImportError:
            raise WorkQueueConfigurationError(
                f"The Redis {thing} needs the redis client: pip install 'robotframework-reinfer[redis]'."
            ) from None
        self.errors = redis.exceptions
        try:
            self.client: redis.Redis = redis.Redis.from_url(
                url, socket_connect_timeout=timeout, socket_timeout=timeout, decode_responses=True
            )
        except ValueError as error:
            raise WorkQueueConfigurationError(f"Redis URL {self.url} is not usable: {error}.") from None

    def guard(self, what: str, run: Callable[[], T], where: str | None = None) -> T:
        """Run one call; the client's errors become one clear technical (or configuration) error."""
        place = where or f"Redis at {self.url}"
        errors = self.errors
        try:
            return run()
        except errors.AuthenticationError as error:
            raise WorkQueueConfigurationError(
                f"Could not {what} {place}: Redis refused the credentials ({error}); "
                "check the user and password in the URL."
            ) from None
        except (errors.ConnectionError, errors.TimeoutError) as error:
            raise WorkQueueUnavailableError(
                f"{self.thing} unreachable",
                f"could not {what} {place}: {error}; start Redis or check the URL and network; "
                f"the call is safe to repeat ({self.repeat}).",
            ) from None
        except errors.ResponseError as error:
            raise WorkQueueUnavailableError(
                f"{self.thing} refused",
                f"could not {what} {place}: Redis answered {error}; Redis 6.2 or newer is needed, "
                "and the keys under reinfer: must not be used by anything else.",
            ) from None


class RedisWorkQueue(WorkQueueBackend):
    """Work queues in Redis Streams; ``url`` as the ``redis`` client takes it (``redis://host:6379/0``)."""

    def __init__(
        self,
        url: str,
        *,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout: float = DEFAULT_OPERATION_TIMEOUT.total_seconds(),
        retention: float | None = DEFAULT_RETENTION.total_seconds(),
    ) -> None:
        super().__init__(max_attempts=max_attempts, retention=retention)
        self.timeout = timeout
        self._connection = RedisConnection(
            url,
            timeout=timeout,
            thing="work queue",
            repeat="adds are idempotent by reference, a lost claim is offered again when its lease runs out",
        )
        self.url = self._connection.url
        self._client = self._connection.client
        self._scripts = {
            name: self._client.register_script(source)
            for name, source in (
                ("add", _ADD),
                ("claim", _CLAIM),
                ("complete", _COMPLETE),
                ("fail", _FAIL),
                ("extend", _EXTEND),
                ("purge", _PURGE),
            )
        }
        self._groups: set[str] = set()
        self._guard("connect to", self._client.ping)

    # -- the operations -------------------------------------------------------------------

    def add(self, queue: str, payload: Any, reference: str | None = None) -> Added:
        name, ref, text = new_item(queue, payload, reference)
        item_id, created = self._run("add", name, ref, text)
        return Added(str(item_id), bool(created))

    def try_claim(self, queue: str, lease: float) -> WorkItem | None:
        name = check_queue_name(queue)
        token = uuid.uuid4().hex
        got = self._run(
            "claim", name, self.consumer, int(lease * 1000), token, self.max_attempts, PENDING_SCAN
        )
        if not got:
            return None
        item_id, reference, payload, attempt, reasons = got
        return WorkItem(
            queue=name,
            id=str(item_id),
            reference=reference,
            payload=decode_payload(payload),
            attempt=int(attempt),
            token=token,
            reasons=decode_reasons(reasons),
        )

    def complete(self, item: WorkItem) -> None:
        self._held(item, "complete", self._run("complete", item.queue, item.id, item.token))

    def fail(self, item: WorkItem, reason: str, retry: bool) -> Outcome:
        result = self._run(
            "fail", item.queue, item.id, item.token, reason, "1" if retry else "0", self.max_attempts
        )
        self._held(item, "fail", result)
        outcome: Outcome = result
        return outcome

    def extend(self, item: WorkItem, lease: float) -> None:
        self._held(
            item,
            "extend the lease of",
            self._run("extend", item.queue, item.id, item.token, int(lease * 1000)),
        )

    def stats(self, queue: str) -> QueueStats:
        name = check_queue_name(queue)
        counts = cast(
            "dict[str, str]",
            self._guard("count the items of", lambda: self._client.hgetall(_prefix(name) + "counts"), name),
        )
        return QueueStats(**{key: int(value) for key, value in counts.items()})

    def dead_items(self, queue: str, limit: int = 100) -> list[DeadItem]:
        name = check_queue_name(queue)
        entries = cast(
            "list[tuple[str, dict[str, str]]]",
            self._guard(
                "read the dead-letter queue of",
                lambda: self._client.xrange(_prefix(name) + "dead", count=limit),
                name,
            ),
        )
        return [
            DeadItem(
                name,
                fields["id"],
                fields["reference"],
                decode_payload(fields["payload"]),
                int(fields["attempt"]),
                decode_reasons(fields["reasons"]),
            )
            for _, fields in entries
        ]

    def queue_names(self) -> list[str]:
        def run() -> list[str]:
            keys = self._client.scan_iter(match="reinfer:wq:{*}:counts", count=1000)
            return sorted(str(key)[len("reinfer:wq:{") : -len("}:counts")] for key in keys)

        return self._guard("list the queues of", run)

    def purge_chunk(self, queue: str, older_than: float, state: Finished, limit: int) -> int:
        return int(self._run("purge", queue, state, int(older_than * 1000), limit))

    def close(self) -> None:
        self._client.close()

    # -- helpers --------------------------------------------------------------------------

    def _run(self, script: str, queue: str, *args: Any) -> Any:
        prefix = _prefix(queue)
        self._ensure_group(queue, prefix)
        return self._guard(
            _WHAT[script],
            lambda: self._scripts[script](keys=[prefix + "stream"], args=[prefix, *args]),
            queue,
        )

    def _ensure_group(self, queue: str, prefix: str) -> None:
        if queue in self._groups:
            return

        def create() -> None:
            try:
                self._client.xgroup_create(prefix + "stream", GROUP, id="0", mkstream=True)
            except self._connection.errors.ResponseError as error:
                if "BUSYGROUP" not in str(error):
                    raise

        self._guard("create the consumer group of", create, queue)
        self._groups.add(queue)

    def _held(self, item: WorkItem, what: str, result: str) -> None:
        if result == "unknown":
            raise unknown_item(item.queue, item.id, what)
        if result.startswith("lost:"):
            raise lease_lost(item, what, result[5:])

    def _guard(self, what: str, run: Callable[[], T], queue: str | None = None) -> T:
        where = f"work queue {queue} at {self.url}" if queue else None
        return self._connection.guard(what, run, where)


_WHAT = {
    "add": "add an item to",
    "claim": "claim an item from",
    "complete": "complete an item of",
    "fail": "fail an item of",
    "extend": "extend a lease in",
    "purge": "purge finished items of",
}


def _prefix(queue: str) -> str:
    return f"reinfer:wq:{{{queue}}}:"
