"""The crawl's side of an incremental re-crawl (`-s HEALTHCRAWL_STATE=PATH`, output/state.py).

ConditionalRequestMiddleware (downloader): a page the crawl state holds a version of is requested
with If-None-Match / If-Modified-Since. Its 304 reaches the pipeline as a bodiless Page, which
counts it unchanged; an unasked-for 304 stays an HTTP error (a skip), counted as
incremental/unasked_304. A 404 or 410 for a page the state holds is gone.

SitemapRevisits (spider middleware): each page reaches the pipeline as a `Visit` keyed by the URL
requested (before redirects: the one the next crawl requests again) with its sitemap <lastmod>.
A sitemap entry whose lastmod is not later than the one stored with the page's last verdict is
not requested at all (unless HEALTHCRAWL_REVALIDATE), and counts unchanged and not_fetched. A
crawl that finishes having read every sitemap it asked for finds the pages gone from them: those
the state holds on the hosts the sitemaps list that the crawl did not ask for.

A page gone is counted, written to the change log beside the output, and forgotten by the state.

Scrapy's HTTP cache (RFC2616Policy) also sends conditional requests, but on a 304 it hands the
spider the cached body, which would be extracted again: we want no extraction at all, and no
second copy of every page on disk.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.spidermiddlewares.base import BaseSpiderMiddleware
from scrapy.statscollectors import StatsCollector

from healthcrawl.output.pipeline import output_for
from healthcrawl.output.state import CrawlState, Visit, lastmod_moved
from healthcrawl.page import Page

logger = logging.getLogger(__name__)

CONDITIONAL = "healthcrawl_conditional"
"""Request meta: True when this middleware made the request conditional."""
SITEMAP_LASTMOD = "healthcrawl_sitemap_lastmod"
"""Request meta of a page a sitemap lists (HealthSpider.parse_sitemap): its <lastmod> or None."""
GONE_STATUSES = (404, 410)


def changes_path(output: Path) -> Path:
    """The change log beside an output: one JSON line per page gone."""
    return output.with_name(output.name + ".changes.jsonl")


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def requested_url(request: Request) -> str:
    """The URL the crawl asked for, before any redirect: the state's key."""
    return request.meta.get("redirect_urls", [request.url])[0]


class ChangeLog:
    """Pages gone: counted as incremental/gone, a JSON line each in the change log, and their
    version forgotten by the state (the record id is kept for the log)."""

    def __init__(self, state: CrawlState, path: Path, stats: StatsCollector) -> None:
        self.state = state
        self.path = path
        self.stats = stats

    @classmethod
    def for_crawler(cls, crawler: Crawler) -> Self:
        """The crawl's one change log and state connection, shared by both middlewares and
        closed when the engine stops (after every spider_closed handler, which find pages
        gone); NotConfigured when the crawl is not incremental."""
        if crawler in _CHANGE_LOGS:
            return _CHANGE_LOGS[crawler]
        path = crawler.settings.get("HEALTHCRAWL_STATE")
        if not path or crawler.spidercls is None:
            raise NotConfigured
        state = CrawlState(Path(path))
        state.open()  # a foreign or corrupt file fails the crawl here, before any request
        crawler.signals.connect(state.close, signal=signals.engine_stopped, weak=False)
        output = output_for(crawler.settings, crawler.spidercls.name)
        changes = _CHANGE_LOGS[crawler] = cls(state, changes_path(output.path), crawler.stats)
        return changes

    def gone(self, url: str, reason: str, status: int | None = None) -> None:
        """Note a page the state holds a version of as gone (the log line first: a kill
        between the two repeats the line rather than losing it)."""
        known = self.state.get(url)
        if known is None or known.content_hash is None:
            return
        when = now_iso()
        line = {"url": url, "record_id": known.record_id, "change": "gone", "reason": reason}
        with self.path.open("a", encoding="utf-8") as log:
            log.write(json.dumps({**line, "at": when}, sort_keys=True) + "\n")
        self.state.gone(url, when if status else None, status)
        self.stats.inc_value("incremental/gone")
        logger.info("gone (%s): %s, record %s", reason, url, known.record_id)


_CHANGE_LOGS: WeakKeyDictionary[Crawler, ChangeLog] = WeakKeyDictionary()


class ConditionalRequestMiddleware:
    def __init__(self, crawler: Crawler, changes: ChangeLog) -> None:
        self.stats = crawler.stats
        self.changes = changes
        self.state = changes.state

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        return cls(crawler, ChangeLog.for_crawler(crawler))

    def process_request(self, request: Request, spider: Spider | None = None) -> None:
        known = self.state.get(requested_url(request))
        if request.method != "GET" or known is None or known.content_hash is None:
            return
        if known.etag and b"If-None-Match" not in request.headers:
            request.headers[b"If-None-Match"] = known.etag
        if known.last_modified and b"If-Modified-Since" not in request.headers:
            request.headers[b"If-Modified-Since"] = known.last_modified
        if known.etag or known.last_modified:
            request.meta[CONDITIONAL] = True
            allowed = request.meta.get("handle_httpstatus_list", [])
            if 304 not in allowed:  # a redirected request has it already
                request.meta["handle_httpstatus_list"] = [*allowed, 304]

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Response:
        if response.status == 304 and not request.meta.get(CONDITIONAL):
            self.stats.inc_value("incremental/unasked_304")
        elif response.status in GONE_STATUSES:
            url = requested_url(request)
            self.changes.gone(url, f"HTTP {response.status}", response.status)
        return response


class SitemapRevisits(BaseSpiderMiddleware):
    def __init__(self, crawler: Crawler, changes: ChangeLog, revalidate: bool) -> None:
        super().__init__(crawler)
        self.changes = changes
        self.state = changes.state
        self.revalidate = revalidate
        self.asked: set[str] = set()
        """Every URL the spider asked for, gated ones too."""
        self.hosts: set[str] = set()
        """host:port of the pages the sitemaps list: where a page left out of them is gone."""
        self.sitemaps_asked: set[str] = set()
        self.sitemaps_read: set[str] = set()
        """Sitemaps whose reading gave requests (a failed or empty one gives none)."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        revalidate = crawler.settings.getbool("HEALTHCRAWL_REVALIDATE")
        middleware = cls(crawler, ChangeLog.for_crawler(crawler), revalidate)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def get_processed_request(self, request: Request, response: Response | None) -> Request | None:
        self.asked.add(request.url)
        if response is not None and self._reads_sitemap(response.request):
            self.sitemaps_read.add(requested_url(response.request))
        if self._reads_sitemap(request):
            self.sitemaps_asked.add(request.url)
        if SITEMAP_LASTMOD not in request.meta:
            return request
        self.hosts.add(urlsplit(request.url).netloc)
        if self.revalidate or not self._lastmod_unmoved(request):
            return request
        self.crawler.stats.inc_value("incremental/unchanged")
        self.crawler.stats.inc_value("incremental/not_fetched")
        logger.debug("not fetched (sitemap lastmod did not move): %s", request.url)
        return None

    def get_processed_item(self, item: Any, response: Response | None) -> Any:
        if not isinstance(item, Page) or response is None or response.request is None:
            return item
        meta = response.meta
        listed = SITEMAP_LASTMOD in meta
        return Visit(item, requested_url(response.request), meta.get(SITEMAP_LASTMOD), listed)

    def _reads_sitemap(self, request: Request | None) -> bool:
        callback = request.callback if request is not None else None
        sitemap_callback = getattr(self.crawler.spider, "parse_sitemap", None)
        return callback is not None and callback == sitemap_callback

    def _lastmod_unmoved(self, request: Request) -> bool:
        known = self.state.get(request.url)
        return (
            known is not None
            and known.content_hash is not None
            and not lastmod_moved(known.sitemap_lastmod, request.meta[SITEMAP_LASTMOD])
        )

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.find_unlisted(reason)

    def find_unlisted(self, reason: str) -> None:
        """Pages gone from the sitemaps, once the crawl has read them all and finished (a
        crawl stopped early did not ask for everything it would have)."""
        if not self.sitemaps_asked:
            return
        unread = len(self.sitemaps_asked - self.sitemaps_read)
        if reason != "finished" or unread:
            why = (
                f"finish reason {reason}"
                if reason != "finished"
                else f"{unread} of {len(self.sitemaps_asked)} sitemaps gave no pages in this run"
            )
            logger.info("pages left out of the sitemaps are not looked for: %s", why)
            return
        for url in self.state.listed_urls():
            if urlsplit(url).netloc in self.hosts and url not in self.asked:
                self.changes.gone(url, "not in the sitemap")
