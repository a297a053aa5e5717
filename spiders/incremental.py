"""Conditional requests for an incremental re-crawl (`-s HEALTHCRAWL_STATE=PATH`).

A page the crawl state holds a version of is requested with If-None-Match / If-Modified-Since.
Its 304 reaches the pipeline as a bodiless Page, which counts it unchanged; an unasked-for 304
stays an HTTP error (a skip), counted as incremental/unasked_304. A 404 or 410 for a page the
state holds is "gone": counted, noted in the state and in the change log beside the output.

Scrapy's HTTP cache (RFC2616Policy) also sends conditional requests, but on a 304 it hands the
spider the cached body, which would be extracted again: we want no extraction at all, and no
second copy of every page on disk.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Self

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from healthcrawl.output.pipeline import output_for
from healthcrawl.output.state import CrawlState

logger = logging.getLogger(__name__)

CONDITIONAL = "healthcrawl_conditional"
"""Request meta: True when this middleware made the request conditional."""
GONE_STATUSES = (404, 410)


def changes_path(output: Path) -> Path:
    """The change log beside an output: one JSON line per page gone."""
    return output.with_name(output.name + ".changes.jsonl")


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class ConditionalRequestMiddleware:
    def __init__(self, crawler: Crawler, state: CrawlState, changes: Path) -> None:
        self.stats = crawler.stats
        self.state = state
        self.changes = changes

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        path = crawler.settings.get("HEALTHCRAWL_STATE")
        if not path or crawler.spidercls is None:
            raise NotConfigured
        state = CrawlState(Path(path))
        state.open()  # a foreign or corrupt file fails the crawl here, before any request
        output = output_for(crawler.settings, crawler.spidercls.name)
        middleware = cls(crawler, state, changes_path(output.path))
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def spider_closed(self, spider: Spider) -> None:
        self.state.close()

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        known = self.state.get(request.url)
        if request.method != "GET" or known is None or known.content_hash is None:
            return
        if known.etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = known.etag
        if known.last_modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = known.last_modified
        if known.etag or known.last_modified:
            request.meta[CONDITIONAL] = True
            allowed = request.meta.get("handle_httpstatus_list", [])
            request.meta["handle_httpstatus_list"] = [*allowed, 304]

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        if response.status == 304 and not request.meta.get(CONDITIONAL):
            self.stats.inc_value("incremental/unasked_304")
        elif response.status in GONE_STATUSES:
            self.note_gone(request.url, response.status)
        return response

    def note_gone(self, url: str, status: int) -> None:
        """A page the state holds a version of answers 404/410: count it, log it, forget it."""
        known = self.state.get(url)
        if known is None or known.content_hash is None:
            return
        when = now_iso()
        line = {"url": url, "record_id": known.record_id, "change": "gone", "at": when}
        with self.changes.open("a", encoding="utf-8") as log:
            log.write(json.dumps(line, sort_keys=True) + "\n")
        self.state.gone(url, when, status)
        self.stats.inc_value("incremental/gone")
        logger.info("gone (HTTP %d): %s, record %s", status, url, known.record_id)
