"""Scrapy's downloader with its per-slot concurrency enforced (DOWNLOADER in settings.py).

Scrapy 2.19's `Downloader._process_queue` starts each download it takes off a slot's queue as
an asyncio task, and the task counts the request as transferring only once it runs: the loop
that checks `free_transfer_slots()` sees nothing transferring yet and starts every request
queued for the slot at once. With a DOWNLOAD_DELAY the loop takes one request per turn and the
limit holds; without one (AutoThrottle off, or a local mirror), CONCURRENT_REQUESTS_PER_DOMAIN
does not. Counting the request when it leaves the queue restores the limit.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any

from scrapy import Request
from scrapy.core.downloader import Downloader, Slot
from scrapy.http import Response
from twisted.internet.defer import Deferred


class SlotLimitedDownloader(Downloader):
    def _wait_for_download(
        self, slot: Slot, request: Request, queue_dfd: Deferred[Response]
    ) -> Coroutine[Any, Any, None]:
        """Count the request against its slot now, before the task that downloads it starts;
        the download uncounts it when done (Downloader._download), or this if it never ran."""
        slot.transferring.add(request)
        return self._counted(super()._wait_for_download(slot, request, queue_dfd), slot, request)

    @staticmethod
    async def _counted(download: Coroutine[Any, Any, None], slot: Slot, request: Request) -> None:
        try:
            await download
        finally:
            slot.transferring.discard(request)
