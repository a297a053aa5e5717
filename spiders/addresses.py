"""Which network addresses a crawl may connect to: public ones only, unless
HEALTHCRAWL_ALLOW_PRIVATE_ADDRESSES is set (the loopback tests and the demo set it).

Run as a service against untrusted seeds, a crawler must not become a way into the network it
runs in (cloud metadata at 169.254.169.254, admin ports on 10.x or 127.0.0.1). The check is made
where the connection gets its address: `PublicAddressResolver` is the reactor's resolver
(TWISTED_DNS_RESOLVER), so a name that resolves to a public address when checked and to a
private one at connection time (DNS rebinding) is still refused. `ScopeMiddleware` asks the same
resolver first, so such pages are counted as a `private_address` skip rather than a DNS failure.

Limits: through an HTTP proxy (HTTP_PROXY, meta["proxy"]) the proxy resolves the page's host,
and the resolver sees only the proxy's own address (one on a private network needs the setting);
a download handler that resolves names without the reactor (not Scrapy's http/https one) is
checked by the middleware alone, so a rebinding name could pass it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any, Self

from scrapy.resolver import CachingThreadedResolver
from twisted.internet.base import ReactorBase
from twisted.internet.defer import Deferred
from twisted.internet.error import DNSLookupError

_KINDS = ("loopback", "link_local", "unspecified", "multicast", "reserved", "private")
"""Named in refusals, the most specific first (ipaddress counts loopback as private too)."""


def address_refusal(host: str, address: str) -> str | None:
    """Why a connection to `address` (what `host` resolved to) is refused; None if it is public."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_global and not ip.is_multicast:
        return None
    kind = next((k for k in _KINDS if getattr(ip, f"is_{k}")), "non-public").replace("_", "-")
    where = f"{address} is" if host == address else f"{host} resolves to {address},"
    article = "an" if kind.startswith("u") else "a"
    return f"{where} {article} {kind} address (HEALTHCRAWL_ALLOW_PRIVATE_ADDRESSES is off)"


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class PrivateAddressError(DNSLookupError):
    """A name resolved to an address the crawl may not connect to. A DNSLookupError, so the
    connection fails as for a name that does not resolve, without a traceback."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class PublicAddressResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, refusing non-public addresses unless they are allowed."""

    allow_private = False

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: ReactorBase) -> Self:
        """`crawler` is the CrawlerProcess (Scrapy builds the resolver once per process)."""
        resolver = super().from_crawler(crawler, reactor)
        resolver.allow_private = crawler.settings.getbool("HEALTHCRAWL_ALLOW_PRIVATE_ADDRESSES")
        return resolver

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> Deferred[str]:  # noqa: N802
        looked_up = super().getHostByName(name, timeout)
        if not self.allow_private:
            looked_up.addCallback(self._refuse_private, name)
        return looked_up

    @staticmethod
    def _refuse_private(address: str, name: str) -> str:
        why = address_refusal(name, address)
        if why is not None:
            raise PrivateAddressError(why)
        return address
