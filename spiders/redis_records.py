"""Records written once, by id, across the workers of a frontier crawl: the record pipeline with
a ledger that also asks the frontier's set of written ids.

The id enters Redis right after the sink write returns, as it enters the output's own ledger:
a worker killed between the two (microseconds) leaves a record that another worker may write
again when it refetches the page; entering it first would instead lose the record if the kill
came before the write. A worker restarted on its own output enters that output's ids in Redis
when it opens, so a record it wrote before losing Redis is not written again by anyone.
Incremental crawls (HEALTHCRAWL_STATE, whose versions share an id) check versions only in each
worker's own ledger.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from healthcrawl.output.ledger import Ledger, ledger_path
from healthcrawl.output.pipeline import Output, RecordPipeline

from .redis_frontier import Frontier, FrontierLost, frontier_for


class NotWrittenRedisLost(DropItem):
    """A record not written because Redis, which says whether another worker wrote it, is
    lost: its request stays leased, and the page is fetched again when the crawl resumes."""


class SharedLedger(Ledger):
    def __init__(self, path: Path | None, frontier: Frontier) -> None:
        super().__init__(path)
        self.frontier = frontier

    def holds(self, record_id: str, text_hash: str | None = None) -> bool:
        if super().holds(record_id, text_hash):
            return True
        if text_hash is not None:
            return False
        try:
            return self.frontier.is_written(record_id)
        except FrontierLost as lost:
            raise NotWrittenRedisLost(
                f"record {record_id} not written: {lost}; its page is fetched again on resume"
            ) from None

    def add(self, record_id: str, url: str | None, text_hash: str | None = None) -> None:
        super().add(record_id, url, text_hash)
        try:
            self.frontier.mark_written([record_id])
        except FrontierLost:
            pass  # in the output and its ledger: entered in Redis when this output reopens

    def adopt(self, written: Iterable[tuple[str, str | None]]) -> int:
        """Enter what the output holds, then tell Redis every id this output has written."""
        adopted = super().adopt(written)
        ids = (record_id for (record_id,) in self.db.execute("SELECT id FROM records"))
        self.frontier.mark_written(ids)
        return adopted


class FrontierPipeline(RecordPipeline):
    """RecordPipeline whose ledger is shared (use_frontier puts it in ITEM_PIPELINES)."""

    def __init__(self, crawler: Crawler, output: Output, workers: int, budget: float) -> None:
        super().__init__(crawler, output, workers, budget)
        self.ledger = SharedLedger(ledger_path(output.path), frontier_for(crawler))
