"""Duplicate-request filter for JOBDIR crawls: each page fetched once across a stop and resume,
whether the crawl was stopped gracefully or killed.

Scrapy's RFPDupeFilter marks a request seen when it is scheduled (requests.seen) and keeps
the pending ones in the disk queue (requests.queue). After a graceful stop (one SIGTERM or
Ctrl-C, or a CloseSpider) Scrapy writes requests.queue/active.json and the two agree: the
queue holds every seen request not yet fetched, so the seen set is kept and the spider's
rediscovered requests (start URLs, sitemaps) are filtered instead of fetched a second time.

After a kill there is no active.json: requests.seen, written through a buffer, says requests
were seen that the stale queue may never hand back. Both are discarded, and the seen set
starts from the URLs whose records the ledger says are written: the spider rediscovers the
rest. A finished crawl's seen set is dropped too, so a later run with the same JOBDIR finds
new pages rather than nothing; -O (replace the output) starts the job over.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path
from typing import Self

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.dupefilters import RFPDupeFilter
from scrapy.statscollectors import StatsCollector
from scrapy.utils.request import RequestFingerprinterProtocol

from healthcrawl.output.ledger import Ledger, ledger_path
from healthcrawl.output.pipeline import output_for
from healthcrawl.output.sinks import sink_for

logger = logging.getLogger(__name__)

SEEN = "requests.seen"
QUEUE = "requests.queue"
CLEAN_STOP = "requests.queue/active.json"
"""Written by Scrapy's scheduler when it saves its queue on a graceful stop."""
ALREADY_WRITTEN = "healthcrawl/resume/already_written"
"""Stat: requests not fetched because the job's output holds their records already."""


class ResumableDupeFilter(RFPDupeFilter):
    def __init__(
        self,
        jobdir: Path | None,
        debug: bool,
        fingerprinter: RequestFingerprinterProtocol,
        stats: StatsCollector | None = None,
    ) -> None:
        super().__init__(str(jobdir) if jobdir else None, debug, fingerprinter=fingerprinter)
        self.jobdir = jobdir
        self.stats = stats
        self.written: set[bytes] = set()
        """Fingerprints of the pages whose records the output holds."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        debug = crawler.settings.getbool("DUPEFILTER_DEBUG")
        jobdir = crawler.settings.get("JOBDIR")
        if not jobdir or crawler.spidercls is None:
            return cls(None, debug, crawler.request_fingerprinter)
        jobdir = Path(jobdir)
        output = output_for(crawler.settings, crawler.spidercls.name)
        if output.replace:
            discard_job(jobdir, "-O replaces the output, so the crawl starts over")
        elif not (jobdir / CLEAN_STOP).exists():
            discard_job(jobdir, "was not closed cleanly")
        jobdir.mkdir(parents=True, exist_ok=True)
        dupefilter = cls(jobdir, debug, crawler.request_fingerprinter, crawler.stats)
        if not output.replace:
            urls = written_urls(output.path)
            for url in urls:
                dupefilter.mark_written(Request(url))
            logger.info("resuming: %d pages already written to %s", len(urls), output.path)
        return dupefilter

    def mark_written(self, request: Request) -> None:
        self.request_seen(request)
        self.written.add(self.fingerprinter.fingerprint(request))

    def request_seen(self, request: Request) -> bool:
        """Scrapy's check, counting the requests it filters because their records are written
        (so that a rerun of a finished job is not mistaken for a dead crawl)."""
        seen = super().request_seen(request)
        if seen and self.stats is not None and self.written:
            if self.fingerprinter.fingerprint(request) in self.written:
                self.stats.inc_value(ALREADY_WRITTEN)
        return seen

    def open(self) -> None:
        """The scheduler has read active.json by now, and from here on the queue on disk
        changes: it is removed, so that only a clean stop of this run writes one again."""
        super().open()
        if self.jobdir is not None:
            (self.jobdir / CLEAN_STOP).unlink(missing_ok=True)

    def close(self, reason: str) -> None:
        super().close(reason)
        if self.jobdir is not None and reason == "finished":
            (self.jobdir / SEEN).unlink(missing_ok=True)


def written_urls(output: Path) -> list[str]:
    """URLs whose records are written: the ledger's, after it adopts what the output holds."""
    sink = sink_for(output)
    with Ledger(ledger_path(output)) as ledger:
        if output.exists():
            with sink:
                ledger.adopt(sink.existing())
        return ledger.urls()


def discard_job(jobdir: Path, why: str) -> None:
    """Remove the request queue and the seen set of a JOBDIR, saying why if there were any."""
    queue, seen = jobdir / QUEUE, jobdir / SEEN
    if not queue.exists() and not seen.exists():
        return
    shutil.rmtree(queue, ignore_errors=True)
    seen.unlink(missing_ok=True)
    logger.warning("%s %s: its request queue and seen requests are discarded", jobdir, why)
