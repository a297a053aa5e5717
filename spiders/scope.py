"""The crawl's scope, checked before every download (robots.txt, redirects and retries too).

A URL is in scope when its scheme is http or https and its host is a seed's host, or a
subdomain of it (as Scrapy's allowed_domains), on that seed's port: a seed on port 80 or 443
allows both (a site's http and https), a seed on any other port only that port. The seeds are
the spider's `seeds`: its base URL (plus the sitemap spider's sitemap URL, or every URL of the
pages spider's file). Then the host's address must be public (see `addresses`).

This replaces Scrapy's OffsiteMiddleware, which looks at the host alone (any port, any scheme)
and drops requests with a debug line: here each refusal is a counted skip, `out_of_scope` or
`private_address`, whose log line names the URL and why.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Self
from urllib.parse import SplitResult, urlsplit

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IResolverSimple

from healthcrawl.extractors.errors import Skip
from healthcrawl.skips import OutOfScope, PrivateAddress

from .addresses import PrivateAddressError, address_refusal, is_ip_literal

DEFAULT_PORTS = {"http": 80, "https": 443}
"""The schemes a crawl fetches, and their ports when a URL names none."""


class RequestRefused(IgnoreRequest):
    """A request outside the crawl's scope; its `skip` says why, and the spider counts it."""

    def __init__(self, skip: Skip) -> None:
        super().__init__(str(skip))
        self.skip = skip


@dataclass(frozen=True, slots=True)
class Scope:
    ports: dict[str, frozenset[int]] | None
    """Seed host -> the ports it may be fetched on; None for a spider without seeds (such as
    `scrapy shell`'s): any host and port."""

    @classmethod
    def of(cls, seeds: Iterable[str] | None) -> Self:
        if seeds is None:
            return cls(None)
        ports: dict[str, frozenset[int]] = {}
        for seed in seeds:
            parts = urlsplit(seed)
            port = _port(parts)
            web = frozenset(DEFAULT_PORTS.values())
            allowed = web if port in web else frozenset({port})
            ports[_host(parts)] = ports.get(_host(parts), frozenset()) | allowed
        return cls(ports)

    def refusal(self, url: str) -> str | None:
        """Why `url` is out of scope, in a few words; None when it is in scope."""
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS:
            return f"scheme {parts.scheme!r} is not http or https"
        if self.ports is None:
            return None
        host = _host(parts)
        seed = next((s for s in self.ports if host == s or host.endswith("." + s)), None)
        if seed is None:
            return f"host {host!r} is not a seed's host ({', '.join(sorted(self.ports))})"
        try:
            port = _port(parts)
        except ValueError:
            return f"port {parts.netloc.rpartition(':')[2]!r} is not a port number"
        if port not in self.ports[seed]:
            allowed = ", ".join(map(str, sorted(self.ports[seed])))
            return f"port {port} is not a seed's port ({seed}: {allowed})"
        return None


def _host(parts: SplitResult) -> str:
    return (parts.hostname or "").rstrip(".")


def _port(parts: SplitResult) -> int:
    """The URL's port, or its scheme's default; ValueError for a malformed one."""
    return parts.port or DEFAULT_PORTS[parts.scheme]


class ScopeMiddleware:
    """Downloader middleware: out-of-scope and private-address requests are refused (as
    RequestRefused) before they are downloaded."""

    def __init__(self, crawler: Crawler, resolver: IResolverSimple) -> None:
        self.allow_private = crawler.settings.getbool("HEALTHCRAWL_ALLOW_PRIVATE_ADDRESSES")
        self.resolver = resolver
        self.scope = Scope(None)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        from twisted.internet import reactor  # the installed one, with the crawl's resolver

        middleware = cls(crawler, reactor.resolver)
        crawler.signals.connect(middleware.spider_opened, signal=signals.spider_opened)
        return middleware

    def spider_opened(self, spider: Spider) -> None:
        self.scope = Scope.of(getattr(spider, "seeds", None))

    async def process_request(self, request: Request) -> None:
        why = self.scope.refusal(request.url)
        if why is not None:
            raise RequestRefused(OutOfScope(request.url, why))
        if not self.allow_private:
            why = await self._address_refusal(urlsplit(request.url).hostname or "")
            if why is not None:
                raise RequestRefused(PrivateAddress(request.url, why))

    async def _address_refusal(self, host: str) -> str | None:
        """Asks the resolver that connections use: its cache gives them this same answer, and
        it checks what it gives them anyway (PublicAddressResolver)."""
        if is_ip_literal(host):
            return address_refusal(host, host)
        try:
            address = await maybe_deferred_to_future(self.resolver.getHostByName(host))
        except PrivateAddressError as refused:
            return refused.why
        except DNSLookupError:
            return None  # the download fails on its own, and counts as a download error
        return address_refusal(host, address)
