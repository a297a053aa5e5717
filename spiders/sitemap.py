"""Any health site with a sitemap: `-a sitemap_url=URL [-a allow=REGEX]`.

sitemap_url may be a robots.txt (its Sitemap lines are followed), a sitemap index or a
sitemap, gzipped or not; only page URLs matching `allow` are fetched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from scrapy import Request

from .base import HealthSpider, SpiderArgumentError, checked_regex, checked_url


class SitemapSpider(HealthSpider):
    name = "sitemap"

    def __init__(self, sitemap_url: str | None = None, allow: str = "", **kwargs: Any) -> None:
        if not sitemap_url:
            raise SpiderArgumentError(
                "sitemap_url", sitemap_url, "required: the sitemap or robots.txt URL"
            )
        self.sitemap_url = checked_url("sitemap_url", sitemap_url)
        kwargs.setdefault("base_url", self.sitemap_url)
        super().__init__(**kwargs)
        self.seeds = [self.base_url, self.sitemap_url]
        self.allow = checked_regex("allow", allow)

    async def start(self) -> AsyncIterator[Request]:
        is_robots = self.sitemap_url.endswith("/robots.txt")
        yield self.follow(self.sitemap_url, self.parse_robots if is_robots else self.parse_sitemap)

    def wants(self, url: str) -> bool:
        return bool(self.allow.search(url))
