"""What every healthcrawl spider shares: argument checks, sitemaps, the HTML gate, and skip
accounting. A site's spider only says where to start and which links to follow.

Spiders only crawl: each HTML page becomes a `FetchedPage`, and the pipeline extracts it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure

from healthcrawl.extractors.profiles import BY_KEY
from healthcrawl.output.page import FetchedPage

logger = logging.getLogger(__name__)

HTML_TYPES = (b"text/html", b"application/xhtml+xml")


class SpiderArgumentError(ValueError):
    """A `-a NAME=VALUE` that makes no sense; raised before the first request."""

    def __init__(self, name: str, value: object, why: str) -> None:
        super().__init__(f"-a {name}={value!r}: {why}")


def checked_url(name: str, value: str) -> str:
    """The value if it is an absolute http(s) URL, or SpiderArgumentError."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SpiderArgumentError(name, value, "not an absolute http:// or https:// URL")
    return value


def checked_regex(name: str, value: str) -> re.Pattern[str]:
    try:
        return re.compile(value)
    except re.error as error:
        raise SpiderArgumentError(
            name, value, f"not a valid regular expression ({error})"
        ) from None


class HealthSpider(Spider):
    """Base spider: `-a base_url=URL` points it at a mirror of its site."""

    default_base_url: ClassVar[str] = ""
    default_profile: ClassVar[str | None] = None
    """Extractor profile for this site's pages (None: detect it from each page)."""

    def __init__(
        self, base_url: str | None = None, profile: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.base_url = checked_url("base_url", base_url or self.default_base_url).rstrip("/")
        self.allowed_domains = [urlsplit(self.base_url).hostname]
        self.profile = profile or self.default_profile
        if self.profile is not None and self.profile not in BY_KEY:
            raise SpiderArgumentError(
                "profile", profile, f"unknown profile; choose from {', '.join(sorted(BY_KEY))}"
            )

    def follow(
        self, url: str, callback: Callable[[Response], Iterable[Any]], **kwargs: Any
    ) -> Request:
        """A request whose failures are counted by reason."""
        return Request(url, callback=callback, errback=self.on_error, **kwargs)

    def parse_page(self, response: Response) -> Iterator[FetchedPage]:
        """The page as an item, if it is HTML; anything else is a counted skip."""
        content_type = (
            response.headers.get(b"Content-Type", b"text/html").split(b";")[0].strip().lower()
        )
        if content_type not in HTML_TYPES:
            self.skip(
                "not_html", f"{response.url}: Content-Type {content_type.decode('latin-1')!r}"
            )
            return
        fetched_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        yield FetchedPage(response.url, response.body, fetched_at, self.profile)

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else "?"
        if failure.check(HttpError):
            self.skip("http_error", f"{url}: HTTP {failure.value.response.status}")
        elif failure.check(DownloadCancelledError):
            self.skip("too_large", f"{url}: {failure.value}")
        elif failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            logger.info("%s: disallowed by robots.txt", url)
        else:
            self.skip("download_error", f"{url}: {failure.type.__name__}: {failure.value}")

    def skip(self, reason: str, message: str) -> None:
        """Log why a page gives no record and count it as healthcrawl/skipped/<reason>."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(f"healthcrawl/skipped/{reason}")
        logger.warning("skipped (%s) %s", reason, message)

    # Sitemaps: robots.txt -> Sitemap lines -> sitemap index -> (gzipped) sitemaps.

    def wants(self, url: str) -> bool:
        """Whether a sitemap URL is a page this spider extracts."""
        return True

    def parse_robots(self, response: Response) -> Iterator[Request]:
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            yield self.follow(url, self.parse_sitemap)

    def parse_sitemap(self, response: Response) -> Iterator[Request]:
        body = self._sitemap_body(response)
        if body is None:
            return
        sitemap = Sitemap(body)
        for entry in sitemap:
            url = entry["loc"]
            if sitemap.type == "sitemapindex":
                yield self.follow(url, self.parse_sitemap)
            elif self.wants(url):
                yield self.follow(url, self.parse_page)

    def _sitemap_body(self, response: Response) -> bytes | None:
        body = response.body
        if gzip_magic_number(response):
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except (OSError, ValueError) as error:
                self.skip("download_error", f"{response.url}: sitemap does not gunzip ({error})")
                return None
        if b"<urlset" not in body[:2048] and b"<sitemapindex" not in body[:2048]:
            self.skip("not_html", f"{response.url}: not a sitemap")
            return None
        return body
