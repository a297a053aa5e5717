"""Duplicate-request filter whose resume state survives SIGKILL.

Scrapy's RFPDupeFilter writes requests.seen through an unflushed buffer and marks requests
seen when they are scheduled, so after a killed crawl pages that were queued but never
written are skipped forever. Here, with JOBDIR set, the seen set starts from the URLs whose
records the ledger says are written; everything else is fetched again, and the pipeline's
record-id check keeps each record written once.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter

from healthcrawl.output.ledger import Ledger, ledger_path
from healthcrawl.output.pipeline import output_for
from healthcrawl.output.sinks import sink_for

logger = logging.getLogger(__name__)


class ResumableDupeFilter(RFPDupeFilter):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        dupefilter = cls(
            None,
            crawler.settings.getbool("DUPEFILTER_DEBUG"),
            fingerprinter=crawler.request_fingerprinter,
        )
        jobdir = crawler.settings.get("JOBDIR")
        if jobdir and crawler.spidercls is not None:
            discard_crashed_queue(Path(jobdir))
            output = output_for(crawler.settings, crawler.spidercls.name)
            if not output.replace:
                urls = written_urls(output.path)
                for url in urls:
                    dupefilter.request_seen(Request(url))
                logger.info("resuming: %d pages already written to %s", len(urls), output.path)
        return dupefilter


def written_urls(output: Path) -> list[str]:
    """URLs whose records are written: the ledger's, after it adopts what the output holds."""
    sink = sink_for(output)
    with Ledger(ledger_path(output)) as ledger:
        if output.exists():
            with sink:
                ledger.adopt(sink.existing())
        return ledger.urls()


def discard_crashed_queue(jobdir: Path) -> None:
    """A request queue left by a killed crawl has no active.json (Scrapy writes it on a clean
    stop) and its disk queues' headers are stale, so they can hand back old requests in place
    of new ones. It is discarded: the spider rediscovers its pages, and the output file says
    which are done."""
    queue = jobdir / "requests.queue"
    if queue.is_dir() and not (queue / "active.json").exists():
        shutil.rmtree(queue)
        logger.warning("%s was not closed cleanly: its request queue is discarded", jobdir)
