"""The shared crawl frontier's data in Redis, and the atomic steps the workers take on it.

Keys, under `healthcrawl:<spider>` (or HEALTHCRAWL_REDIS_KEY):

  :queue             list of pickled request dicts (`Request.to_dict`), taken from the head
  :seen              request fingerprints: a request is queued once, by whichever worker
  :leases:<worker>   the worker's requests in flight, moved there from the queue by LMOVE
                     (Redis's reliable-queue pattern) and removed once handled
  :alive:<worker>    the worker's heartbeat, expiring HEALTHCRAWL_REDIS_LEASE seconds after
                     its last beat; :workers names every worker that may hold leases
  :permits:<slot>    per download slot (domain): the downloads running now, as a sorted set
                     scored by when they expire; :next:<slot> is when the next may start;
                     :slots names the slots
  :written           ids of the records written by any worker

Any worker, when it starts and at each beat, moves the leases of a worker whose heartbeat has
expired back to the head of the queue and drops its permits (`reap`), so a killed worker loses
nothing. Each step is one command or one Lua script, atomic in Redis; the scripts build key
names, so the frontier needs one Redis server (6.2+, for LMOVE), not a Redis Cluster.
"""

from __future__ import annotations

import functools
import logging
import os
import secrets
import socket
from collections.abc import Callable, Iterable
from typing import ParamSpec, TypeVar
from urllib.parse import urlsplit, urlunsplit
from weakref import ReferenceType, WeakKeyDictionary, ref

from scrapy.crawler import Crawler
from scrapy.utils.defer import deferred_from_coro

from .frontier import LOST_REASON

try:
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry
except ImportError as error:  # pragma: no cover - depends on the install
    raise ImportError(
        "HEALTHCRAWL_REDIS_URL needs the Redis client: pip install 'healthcrawl[redis]'"
    ) from error

logger = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

MIN_VERSION = (6, 2)
"""LMOVE, the reliable queue's one step, came in Redis 6.2."""
TIMEOUT = 5.0
"""Seconds a Redis call may take before the worker counts Redis as lost (loopback or LAN: ms)."""

_PUSH = """
if ARGV[1] ~= '' and redis.call('SADD', KEYS[1], ARGV[1]) == 0 then return 0 end
redis.call('RPUSH', KEYS[2], ARGV[2])
return 1
"""
"""KEYS seen, queue; ARGV fingerprint ('' for dont_filter), request: queue it unless seen."""

_PENDING = """
local n = redis.call('LLEN', KEYS[1])
for _, w in ipairs(redis.call('SMEMBERS', KEYS[2])) do
  n = n + redis.call('LLEN', ARGV[1] .. ':leases:' .. w)
end
return n
"""
"""KEYS queue, workers; ARGV prefix: requests queued or in flight anywhere."""

_REAP = """
local moved = {}
local workers = redis.call('SMEMBERS', KEYS[2])
if ARGV[3] ~= '' then workers = {ARGV[3]} end
for _, w in ipairs(workers) do
  if ARGV[3] ~= '' or redis.call('EXISTS', ARGV[1] .. ':alive:' .. w) == 0 then
    local n = 0
    while redis.call('LMOVE', ARGV[1] .. ':leases:' .. w, KEYS[1], 'RIGHT', 'LEFT') do
      n = n + 1
    end
    for _, slot in ipairs(redis.call('SMEMBERS', KEYS[3])) do
      local permits = ARGV[1] .. ':permits:' .. slot
      for _, p in ipairs(redis.call('ZRANGE', permits, 0, -1)) do
        if string.sub(p, 1, #w + 1) == w .. '|' then redis.call('ZREM', permits, p) end
      end
    end
    redis.call('SREM', KEYS[2], w)
    table.insert(moved, w)
    table.insert(moved, n)
  end
end
return moved
"""
"""KEYS queue, workers, slots; ARGV prefix, me, only: requeue the leases and drop the permits
of every dead worker other than me (or of `only`, dead or not); returns [worker, n, ...]."""

_ACQUIRE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local ready = tonumber(redis.call('GET', KEYS[2]) or '0')
if ready > now then return ready - now end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[4]), ARGV[1])
local delay = tonumber(ARGV[3])
if delay > 0 then redis.call('SET', KEYS[2], now + delay, 'PX', delay) end
redis.call('SADD', KEYS[3], ARGV[5])
return 0
"""
"""KEYS permits, next, slots; ARGV permit, limit, delay ms, hold ms, slot: take a permit if
fewer than `limit` are out and the delay since the last one has passed (server time); returns
0, or the ms until the delay has passed, or -1 when the slot is full."""


class FrontierUnavailable(RuntimeError):
    """Redis cannot be used when the crawl starts (unreachable, too old, a bad URL): the crawl
    stops before its first request."""


class FrontierLost(RuntimeError):
    """Redis stopped answering mid-crawl: the worker stops (see `Frontier.lost`)."""


def shown_url(url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:***@{host}"))


def _talks_to_redis(method: Callable[P, T]) -> Callable[P, T]:
    """A Frontier method whose connection errors make Redis lost (FrontierLost, once logged)."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        frontier = args[0]
        assert isinstance(frontier, Frontier)
        if frontier.lost_message is not None:
            raise FrontierLost(frontier.lost_message)
        try:
            return method(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as error:
            raise frontier.lost(error) from None

    return wrapper


class Frontier:
    """One worker's handle on the shared frontier: `prefix` names the crawl's keys, `lease` is
    how long (seconds) its heartbeat outlives its last beat."""

    def __init__(
        self, url: str, prefix: str, lease: float, on_lost: Callable[[str], None] | None = None
    ) -> None:
        if not lease > 0:
            raise FrontierUnavailable(f"HEALTHCRAWL_REDIS_LEASE must be positive, got {lease!r}")
        self.url = shown_url(url)
        self.prefix = prefix
        self.lease = lease
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.on_lost = on_lost
        self.lost_message: str | None = None
        try:
            self.redis = redis.Redis.from_url(
                url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT,
                retry=Retry(NoBackoff(), 0),
            )  # fmt: skip
        except ValueError as error:
            raise FrontierUnavailable(f"HEALTHCRAWL_REDIS_URL {self.url}: {error}") from None
        self._push = self.redis.register_script(_PUSH)
        self._pending = self.redis.register_script(_PENDING)
        self._reap = self.redis.register_script(_REAP)
        self._acquire = self.redis.register_script(_ACQUIRE)

    def key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    def check(self) -> None:
        """FrontierUnavailable unless Redis answers and has LMOVE."""
        try:
            found = str(self.redis.info("server")["redis_version"])
        except redis.RedisError as error:
            raise FrontierUnavailable(f"Redis at {self.url} is unreachable ({error})") from None
        release = tuple(int(part) for part in found.split(".")[:2])
        if release < MIN_VERSION:
            raise FrontierUnavailable(
                f"Redis at {self.url} is {found}; the shared frontier needs 6.2 or later (LMOVE)"
            )

    def lost(self, error: Exception) -> FrontierLost:
        """Redis stopped answering: say so once, tell `on_lost`, and give the error to raise."""
        if self.lost_message is None:
            self.lost_message = f"Redis at {self.url} lost ({error})"
            logger.error(
                "frontier: %s: this worker stops; its records written so far are kept, and "
                "its unfinished requests stay leased in Redis until a worker starts again",
                self.lost_message,
            )
            if self.on_lost is not None:
                self.on_lost(self.lost_message)
        return FrontierLost(self.lost_message)

    # Workers: heartbeats, and the leases of dead ones going back to the queue.

    @_talks_to_redis
    def beat(self) -> bool:
        """Renew this worker's heartbeat; False when it had expired (or this is the first)."""
        with self.redis.pipeline() as pipe:
            pipe.set(self.key("alive", self.worker), b"1", px=int(self.lease * 1000), get=True)
            pipe.sadd(self.key("workers"), self.worker)
            before, _ = pipe.execute()
        return before is not None

    @_talks_to_redis
    def reap(self, only: str = "") -> dict[str, int]:
        """Requeue the leases of dead workers (or of `only`); {worker: requests requeued}."""
        keys = [self.key("queue"), self.key("workers"), self.key("slots")]
        flat = self._reap(keys=keys, args=[self.prefix, self.worker, only])
        return {flat[i].decode(): int(flat[i + 1]) for i in range(0, len(flat), 2)}

    def leave(self) -> int:
        """Stop being a worker: whatever this worker still leases goes back to the queue."""
        requeued = self.reap(only=self.worker).get(self.worker, 0)
        self._delete(self.key("alive", self.worker))
        return requeued

    @_talks_to_redis
    def _delete(self, key: str) -> None:
        self.redis.delete(key)

    # Requests: queued once, leased, acknowledged.

    @_talks_to_redis
    def push(self, fingerprint: bytes | None, request: bytes) -> bool:
        """Queue a request unless its fingerprint was seen; None: queue it whatever."""
        keys = [self.key("seen"), self.key("queue")]
        return bool(self._push(keys=keys, args=[fingerprint or b"", request]))

    @_talks_to_redis
    def take(self) -> bytes | None:
        """The request at the head of the queue, now leased to this worker."""
        return self.redis.lmove(self.key("queue"), self.key("leases", self.worker), "LEFT", "RIGHT")

    @_talks_to_redis
    def ack(self, requests: Iterable[bytes]) -> None:
        """Handled: these leased requests leave this worker's lease list."""
        with self.redis.pipeline(transaction=False) as pipe:
            for request in requests:
                pipe.lrem(self.key("leases", self.worker), 1, request)
            pipe.execute()

    @_talks_to_redis
    def pending(self) -> int:
        """Requests queued or leased by any worker: 0 means the crawl is done."""
        return int(self._pending(keys=[self.key("queue"), self.key("workers")], args=[self.prefix]))

    @_talks_to_redis
    def queued(self) -> int:
        return int(self.redis.llen(self.key("queue")))

    # Politeness: permits per download slot, shared by all workers.

    @_talks_to_redis
    def acquire(self, slot: str, permit: str, limit: int, delay: float, hold: float) -> float:
        """Take a permit to download from `slot` (held at most `hold` seconds): 0.0 when taken,
        else the seconds to wait for the delay, or -1.0 when `limit` permits are out."""
        keys = [self.key("permits", slot), self.key("next", slot), self.key("slots")]
        args = [permit, limit, int(delay * 1000), int(hold * 1000), slot]
        wait = int(self._acquire(keys=keys, args=args))
        return -1.0 if wait < 0 else wait / 1000

    @_talks_to_redis
    def release(self, slot: str, permit: str) -> None:
        self.redis.zrem(self.key("permits", slot), permit)

    # Records: written once, by id, whichever worker writes them.

    @_talks_to_redis
    def is_written(self, record_id: str) -> bool:
        return bool(self.redis.sismember(self.key("written"), record_id))

    @_talks_to_redis
    def mark_written(self, record_ids: Iterable[str], batch: int = 1000) -> None:
        ids = list(record_ids)
        for start in range(0, len(ids), batch):
            self.redis.sadd(self.key("written"), *ids[start : start + batch])


_FRONTIERS: WeakKeyDictionary[Crawler, Frontier] = WeakKeyDictionary()


def frontier_for(crawler: Crawler) -> Frontier:
    """The crawl's one Frontier, shared by its scheduler, middleware and pipeline; made (and
    Redis checked: FrontierUnavailable) by whichever of them Scrapy builds first."""
    if crawler not in _FRONTIERS:
        settings = crawler.settings
        spider = crawler.spidercls.name if crawler.spidercls is not None else "crawl"
        prefix = settings.get("HEALTHCRAWL_REDIS_KEY") or f"healthcrawl:{spider}"
        frontier = Frontier(
            settings.get("HEALTHCRAWL_REDIS_URL"), prefix,
            settings.getfloat("HEALTHCRAWL_REDIS_LEASE"),
            on_lost=functools.partial(_stop, ref(crawler)),
        )  # fmt: skip
        frontier.check()
        _FRONTIERS[crawler] = frontier
    return _FRONTIERS[crawler]


def _stop(crawler: ReferenceType[Crawler], message: str) -> None:
    """Close the spider with reason redis_lost: in-flight requests finish, nothing new starts.
    (A weak reference: the crawler holds the frontier, not the other way round.)"""
    live = crawler()
    engine = live.engine if live is not None else None
    if engine is not None and engine.spider is not None:
        deferred_from_coro(engine.close_spider_async(reason=LOST_REASON))
