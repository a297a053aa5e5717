"""Crawl progress a person can read: a periodic line and a one-line summary at the end."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any, Self

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from healthcrawl.output.pipeline import SAFETY_NET
from healthcrawl.skips import REASONS, STAT_PREFIX

logger = logging.getLogger(__name__)
INCREMENTAL_COUNTS = ("new", "changed", "unchanged", "not_fetched", "gone", "bytes_saved")
"""The stats incremental/<name> of a HEALTHCRAWL_STATE crawl, in summary-line order."""


class CrawlProgress:
    def __init__(self, crawler: Crawler, interval: float, stats_file: str | None) -> None:
        self.crawler = crawler
        self.interval = interval
        self.stats_file = stats_file
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None
        self.reason: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        interval = crawler.settings.getfloat("HEALTHCRAWL_PROGRESS_INTERVAL")
        if interval <= 0:
            raise NotConfigured
        extension = cls(crawler, interval, crawler.settings.get("HEALTHCRAWL_STATS_FILE"))
        crawler.signals.connect(extension.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(extension.engine_stopped, signal=signals.engine_stopped)
        return extension

    def spider_opened(self, spider: Spider) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.log_progress)
        self.loop.start(self.interval, now=False)

    def log_progress(self) -> None:
        stats = self.crawler.stats
        minutes = max((time.monotonic() - self.started) / 60, 1e-9)
        pages = stats.get_value("response_received_count", 0)
        engine = self.crawler.engine
        queued = len(engine._slot.scheduler) if engine and engine._slot else 0  # noqa: SLF001
        logger.info(
            "progress: %d pages (%.0f pages/min), %d records written, %d requests queued",
            pages, pages / minutes, stats.get_value("healthcrawl/records_written", 0), queued,
        )  # fmt: skip

    def spider_closed(self, spider: Spider, reason: str) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.reason = reason

    def engine_stopped(self) -> None:
        """The summary and the stats file come last, once every component's spider_closed has
        counted (pages gone from the sitemaps are found then: spiders/incremental.py)."""
        if self.reason is None:
            return
        logger.info("%s", summary_line(self.crawler.stats.get_stats(), self.reason))
        if self.stats_file:
            stats = self.crawler.stats.get_stats()
            Path(self.stats_file).write_text(
                json.dumps(stats, default=str, indent=1, sort_keys=True)
            )


def summary_line(stats: dict[str, Any], reason: str) -> str:
    """`healthcrawl summary: ...` with pages fetched, records written and the skips by reason
    (those that happened, in the order REASONS declares them)."""
    skipped = [f"{r}={stats[STAT_PREFIX + r]}" for r in REASONS if stats.get(STAT_PREFIX + r)]
    fallback = stats.get(SAFETY_NET, 0)
    return (
        f"healthcrawl summary: {stats.get('response_received_count', 0)} pages fetched, "
        f"{stats.get('healthcrawl/records_written', 0)} records written to "
        f"{stats.get('healthcrawl/output', '-')}"
        + (f" ({fallback} by the safety net)" if fallback else "")
        + "; skipped: "
        + (", ".join(skipped) or "none")
        + _incremental_part(stats)
        + f" (finish reason: {reason})"
    )


def _incremental_part(stats: dict[str, Any]) -> str:
    """`; incremental: new=N, changed=N, unchanged=N, not_fetched=N, gone=N, bytes_saved=N`
    when any is set (not_fetched: unchanged by their sitemap lastmod, not requested)."""
    counts = {k: stats.get(f"incremental/{k}", 0) for k in INCREMENTAL_COUNTS}
    if not any(counts.values()):
        return ""
    return "; incremental: " + ", ".join(f"{k}={n}" for k, n in counts.items())
