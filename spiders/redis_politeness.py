"""Per-domain politeness shared by every worker of a frontier crawl: CONCURRENT_REQUESTS_PER_DOMAIN
and the download delay hold across the workers, counted in Redis, not per worker.

The last downloader middleware before the download handler: each request (robots.txt ones
too) waits here for a permit of its download slot (a host, as Scrapy's downloader keys them),
and gives it back when its response or error comes back. A permit is granted while fewer than
CONCURRENT_REQUESTS_PER_DOMAIN are out and the slot's delay has passed since the last one:
DOWNLOAD_DELAY, or the delay AutoThrottle has set for the slot on this worker. A killed worker's
permits are dropped when its heartbeat expires. Each worker's own downloader slots still apply
too, so a worker never sends more than its share would allow alone.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import defaultdict
from typing import Self
from weakref import WeakKeyDictionary

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response

from .redis_frontier import Frontier, FrontierLost, frontier_for

FULL_POLL = 0.01
"""Seconds between two asks for a permit while the slot's permits are all out."""


class SharedPoliteness:
    def __init__(self, crawler: Crawler, frontier: Frontier) -> None:
        settings = crawler.settings
        self.crawler = crawler
        self.frontier = frontier
        self.limit = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN")
        self.delay = settings.getfloat("DOWNLOAD_DELAY")
        self.hold = settings.getfloat("DOWNLOAD_TIMEOUT") + frontier.lease
        """A permit expires by itself after this long (its worker died, say)."""
        self.held: WeakKeyDictionary[Request, tuple[str, str]] = WeakKeyDictionary()
        self.turns: defaultdict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        """One waiter per slot in this worker asks Redis; the others queue behind it."""
        self.serial = itertools.count()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, frontier_for(crawler))

    async def process_request(self, request: Request) -> None:
        slot = self.crawler.engine.downloader.get_slot_key(request)
        permit = f"{self.frontier.worker}|{next(self.serial)}"
        try:
            async with self.turns[slot]:
                while wait := self.frontier.acquire(
                    slot, permit, self.limit, self.slot_delay(slot), self.hold
                ):
                    await asyncio.sleep(wait if wait > 0 else FULL_POLL)
        except FrontierLost as lost:
            raise IgnoreRequest(f"not fetched: {lost}; left for the crawl to resume") from None
        self.held[request] = (slot, permit)

    def process_response(self, request: Request, response: Response) -> Response:
        self.give_back(request)
        return response

    def process_exception(self, request: Request, exception: Exception) -> None:
        self.give_back(request)

    def slot_delay(self, slot: str) -> float:
        """The slot's delay on this worker (AutoThrottle adjusts it), else DOWNLOAD_DELAY."""
        local = self.crawler.engine.downloader.slots.get(slot)
        return local.delay if local is not None else self.delay

    def give_back(self, request: Request) -> None:
        held = self.held.pop(request, None)
        if held is not None:
            try:
                self.frontier.release(*held)
            except FrontierLost:
                pass  # the permit expires by itself
