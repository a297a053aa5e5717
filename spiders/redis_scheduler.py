"""FrontierScheduler: Scrapy's scheduler over the shared frontier in Redis (redis_frontier.py).

A request is pushed to the shared queue unless any worker saw it before; `next_request` leases
the head of the queue to this worker. The lease is acknowledged only once the engine is done
with the request: its response's callback has run and every item it gave has passed the item
pipeline (its record is written), or its redirect or retry is queued. A worker killed before
that leaves the request leased, and another worker requeues it when the heartbeat expires.

Requests are stored as pickled `Request.to_dict(spider=...)`, as Scrapy's own disk queues do;
only a Redis that the crawl's operators control should be used. Priorities are not kept: the
shared queue is first in, first out.
"""

from __future__ import annotations

import logging
import pickle
from typing import Self

from scrapy import Request, Spider
from scrapy.core.scheduler import BaseScheduler
from scrapy.crawler import Crawler
from scrapy.utils.request import request_from_dict
from twisted.internet import task

from .redis_frontier import Frontier, FrontierLost, frontier_for

logger = logging.getLogger(__name__)

POLL = 0.2
"""Seconds between two looks at the shared queue while this worker has nothing to do, and
between two acknowledgements of finished requests while it is busy."""
_UNREADABLE = (pickle.UnpicklingError, EOFError, ValueError, KeyError, IndexError, TypeError,
               AttributeError, ImportError)  # fmt: skip
"""What unpickling a damaged or stale request can raise (a spider method renamed, say)."""


class EngineView:
    """What the frontier needs from Scrapy's engine that has no public API: the requests it is
    still working on (downloading, or their callbacks and items in the pipeline) and the call
    that makes it ask the scheduler again. Both live on `engine._slot` (Scrapy 2.13 to 2.19);
    `check` stops the crawl at start if a Scrapy upgrade moved them, rather than let leases be
    acknowledged too early or never."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    def check(self) -> None:
        slot = getattr(self.crawler.engine, "_slot", None)
        if not (hasattr(slot, "inprogress") and hasattr(slot, "nextcall")):
            raise RuntimeError(
                "the shared frontier reads engine._slot.inprogress and .nextcall, which this "
                "Scrapy version does not have"
            )

    def in_progress(self) -> set[Request]:
        slot = self.crawler.engine._slot  # noqa: SLF001
        return slot.inprogress if slot is not None else set()

    def wake(self) -> None:
        slot = self.crawler.engine._slot  # noqa: SLF001
        if slot is not None:
            slot.nextcall.schedule()


class FrontierScheduler(BaseScheduler):
    def __init__(self, crawler: Crawler, frontier: Frontier) -> None:
        self.crawler = crawler
        self.frontier = frontier
        self.stats = crawler.stats
        self.fingerprinter = crawler.request_fingerprinter
        self.engine = EngineView(crawler)
        self.leased: dict[Request, bytes] = {}
        """Requests this worker leased and has not acknowledged, with their queue entry."""
        self.spider: Spider | None = None
        self.loops: list[task.LoopingCall] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, frontier_for(crawler))

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.engine.check()
        self.frontier.beat()
        self.requeue_dead()
        logger.info(
            "frontier: worker %s on %s (%s): %d requests queued",
            self.frontier.worker, self.frontier.url, self.frontier.prefix, self.frontier.queued(),
        )  # fmt: skip
        self.loops = [task.LoopingCall(self.beat), task.LoopingCall(self.wake)]
        self.loops[0].start(self.frontier.lease / 3, now=False)
        self.loops[1].start(POLL, now=False)

    def close(self, reason: str) -> None:
        """The engine has finished every request it started: acknowledge them, and hand back
        whatever is still leased (nothing, unless the crawl was cut short)."""
        for loop in self.loops:
            if loop.running:
                loop.stop()
        try:
            self.acknowledge()
            requeued = self.frontier.leave()
        except FrontierLost:
            return
        if requeued:
            logger.info("frontier: %d leased requests handed back to the queue", requeued)

    def has_pending_requests(self) -> bool:
        """Requests queued or in flight at any worker: a worker waits while others may still
        queue more (or die, leaving leases to requeue), and the crawl ends for all at once."""
        try:
            self.acknowledge()
            return self.frontier.pending() > 0
        except FrontierLost:
            return True  # the spider is closing with reason redis_lost

    def enqueue_request(self, request: Request) -> bool:
        fingerprint = None if request.dont_filter else self.fingerprinter.fingerprint(request)
        entry = pickle.dumps(request.to_dict(spider=self.spider), protocol=pickle.HIGHEST_PROTOCOL)
        try:
            queued = self.frontier.push(fingerprint, entry)
        except FrontierLost:
            return False  # its parent stays leased, so it is found again on resume
        self.stats.inc_value("frontier/enqueued" if queued else "frontier/filtered")
        return queued

    def next_request(self) -> Request | None:
        try:
            self.acknowledge()
            while (entry := self.frontier.take()) is not None:
                request = self.decode(entry)
                if request is not None:
                    self.leased[request] = entry
                    self.stats.inc_value("frontier/leased")
                    return request
        except FrontierLost:
            pass
        return None

    def __len__(self) -> int:
        """Requests in the shared queue (the progress line's "queued")."""
        try:
            return self.frontier.queued()
        except FrontierLost:
            return 0

    def decode(self, entry: bytes) -> Request | None:
        """The queued request, or None (logged, counted and dropped) if it cannot be read."""
        try:
            return request_from_dict(pickle.loads(entry), spider=self.spider)
        except _UNREADABLE as error:
            logger.error("frontier: dropped a queued request that cannot be read (%r)", error)
            self.frontier.ack([entry])
            self.stats.inc_value("frontier/unreadable")
            return None

    def acknowledge(self) -> None:
        """Acknowledge the leased requests the engine is done with."""
        if not self.leased:
            return
        busy = self.engine.in_progress()
        done = [request for request in self.leased if request not in busy]
        if done:
            self.frontier.ack([self.leased.pop(request) for request in done])
            self.stats.inc_value("frontier/acknowledged", len(done))

    def requeue_dead(self) -> None:
        for worker, count in self.frontier.reap().items():
            logger.warning(
                "frontier: worker %s stopped beating; its %d leased requests are queued again",
                worker, count,
            )  # fmt: skip
            self.stats.inc_value("frontier/requeued", count)

    def beat(self) -> None:
        try:
            if not self.frontier.beat():
                logger.warning(
                    "frontier: this worker's heartbeat had expired (a stall over %.0f s); "
                    "requests it was fetching may be fetched again by another worker",
                    self.frontier.lease,
                )
            self.requeue_dead()
        except FrontierLost:
            pass

    def wake(self) -> None:
        try:
            self.acknowledge()
        except FrontierLost:
            return
        self.engine.wake()
