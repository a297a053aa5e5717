"""What every healthcrawl spider shares: argument checks, the User-Agent, sitemaps, the HTML
gate, and skip accounting. A site's spider only says where to start and which links to follow.

Spiders only crawl: each HTML page becomes a `healthcrawl.Page`, and the pipeline extracts it.
"""

from __future__ import annotations

import inspect
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from typing import Any, ClassVar
from urllib.parse import urlsplit

from scrapy import Request, Spider
from scrapy.exceptions import DownloadCancelledError, IgnoreRequest
from scrapy.http import Response
from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.utils.gz import gunzip, gzip_magic_number
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots
from twisted.python.failure import Failure

from healthcrawl.extractors.errors import HttpStatusError, NotHTMLError, PageTooLargeError, Skip
from healthcrawl.extractors.profiles import BY_KEY
from healthcrawl.page import HTML_TYPES, Page, media_type
from healthcrawl.skips import DownloadFailed, RobotsDisallowed, stat_key

from .frontier import use_frontier
from .incremental import SITEMAP_LASTMOD
from .scope import RequestRefused

logger = logging.getLogger(__name__)

_NAMED = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


class SpiderArgumentError(ValueError):
    """A `-a NAME=VALUE` that makes no sense, or a NAME the spider does not take (value None);
    raised before the first request."""

    def __init__(self, name: str, value: object, why: str) -> None:
        super().__init__(f"-a {name}: {why}" if value is None else f"-a {name}={value!r}: {why}")


def checked_url(name: str, value: str) -> str:
    """The value if it is an absolute http(s) URL with a usable port, or SpiderArgumentError."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SpiderArgumentError(name, value, "not an absolute http:// or https:// URL")
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise SpiderArgumentError(name, value, "its port is not a number from 1 to 65535")
    return value


def checked_regex(name: str, value: str) -> re.Pattern[str]:
    try:
        return re.compile(value)
    except re.error as error:
        raise SpiderArgumentError(
            name, value, f"not a valid regular expression ({error})"
        ) from None


def user_agent(contact_url: str | None) -> str:
    """healthcrawl/<version> (+<contact URL>): who is crawling, and where to reach them."""
    try:
        release = version("healthcrawl")
    except PackageNotFoundError:
        release = "dev"
    return f"healthcrawl/{release} (+{contact_url})" if contact_url else f"healthcrawl/{release}"


class HealthSpider(Spider):
    """Base spider: `-a base_url=URL` points it at a mirror of its site."""

    default_base_url: ClassVar[str] = ""
    default_profile: ClassVar[str | None] = None
    """Extractor profile for this site's pages (None: detect it from each page)."""
    scheduler_arguments: ClassVar[frozenset[str]] = frozenset({"_job"})
    """Accepted though no __init__ names them: Scrapyd passes its job id as `-a _job=ID`."""

    def __init__(
        self, base_url: str | None = None, profile: str | None = None, **kwargs: Any
    ) -> None:
        unknown = sorted(kwargs.keys() - self.scheduler_arguments)
        if unknown:
            known = ", ".join(self.argument_names())
            raise SpiderArgumentError(unknown[0], None, f"unknown argument; known: {known}")
        super().__init__(**kwargs)
        self.base_url = checked_url("base_url", base_url or self.default_base_url).rstrip("/")
        self.seeds = [self.base_url]
        """The URLs whose hosts and ports bound the crawl (spiders/scope.py)."""
        self.profile = profile or self.default_profile
        if self.profile is not None and self.profile not in BY_KEY:
            raise SpiderArgumentError(
                "profile", profile, f"unknown profile; choose from {', '.join(sorted(BY_KEY))}"
            )

    @classmethod
    def argument_names(cls) -> list[str]:
        """The `-a` names this spider takes: the __init__ parameters of it and its bases."""
        names = set()
        for klass in cls.__mro__:
            if issubclass(klass, HealthSpider) and "__init__" in vars(klass):
                parameters = inspect.signature(vars(klass)["__init__"]).parameters.values()
                names |= {p.name for p in parameters if p.kind in _NAMED and p.name != "self"}
        return sorted(names)

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        """USER_AGENT from HEALTHCRAWL_CONTACT_URL as this crawl sets it (-s, settings.py),
        unless a USER_AGENT is given anywhere. Set above default priority: `scrapy crawl`
        merges its default settings into the crawler after this runs. With
        HEALTHCRAWL_REDIS_URL, the crawl becomes a worker of a shared frontier (frontier.py)."""
        super().update_settings(settings)
        if settings.getpriority("USER_AGENT") == SETTINGS_PRIORITIES["default"]:
            agent = user_agent(settings.get("HEALTHCRAWL_CONTACT_URL"))
            settings.set("USER_AGENT", agent, priority="command")
        use_frontier(settings)

    def follow(
        self, url: str, callback: Callable[[Response], Iterable[Any]], **kwargs: Any
    ) -> Request:
        """A request whose failures are counted by reason."""
        return Request(url, callback=callback, errback=self.on_error, **kwargs)

    def parse_page(self, response: Response) -> Iterator[Page]:
        """The page as an item, if it is HTML; anything else is a counted skip."""
        header = response.headers.get(b"Content-Type")
        kind = media_type(header.decode("latin-1") if header is not None else None)
        if kind not in HTML_TYPES:
            self.skip(NotHTMLError(response.url, f"Content-Type {kind!r}"))
            return
        headers = {
            name.decode("latin-1"): b", ".join(values).decode("latin-1")
            for name, values in response.headers.items()
        }
        yield Page(response.url, response.body, headers, response.status, datetime.now(UTC))

    def on_error(self, failure: Failure) -> None:
        request = getattr(failure, "request", None)
        url = request.url if request is not None else None
        if failure.check(RequestRefused):
            self.skip(failure.value.skip)
        elif failure.check(HttpError):
            self.skip(HttpStatusError(url, f"HTTP status {failure.value.response.status}"))
        elif failure.check(DownloadCancelledError):
            self.skip(PageTooLargeError(url, str(failure.value)))
        elif failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
            self.skip(RobotsDisallowed(url, "disallowed by robots.txt"))
        else:
            self.skip(DownloadFailed(url, f"{failure.type.__name__}: {failure.value}"))

    def skip(self, skip: Skip) -> None:
        """Log why a page gives no record and count it as healthcrawl/skipped/<reason>."""
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(stat_key(skip))
        logger.log(skip.log_level, "skipped (%s) %s", skip.reason, skip)

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
            elif self.wants(url):  # lastmod: an incremental crawl may not fetch it again
                lastmod = entry.get("lastmod")
                yield self.follow(url, self.parse_page, meta={SITEMAP_LASTMOD: lastmod})

    def _sitemap_body(self, response: Response) -> bytes | None:
        body = response.body
        if gzip_magic_number(response):
            try:
                body = gunzip(body, max_size=self.settings.getint("DOWNLOAD_MAXSIZE"))
            except (OSError, ValueError) as error:
                self.skip(DownloadFailed(response.url, f"sitemap does not gunzip ({error})"))
                return None
        if b"<urlset" not in body[:2048] and b"<sitemapindex" not in body[:2048]:
            self.skip(NotHTMLError(response.url, "not a sitemap"))
            return None
        return body
