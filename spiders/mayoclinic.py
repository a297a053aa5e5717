"""MayoClinic disease pages: today's mayoclinic.org (A-Z index, each condition's
symptoms-and-causes and diagnosis-and-treatment pages) and the 2013 mayoclinic.com layout
(a DSxxxxx disease's DSECTION tab pages, one record per tab)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy import Request
from scrapy.http import Response
from scrapy.linkextractors import LinkExtractor

from .base import HealthSpider

INDEX = re.compile(r"/diseases-conditions/index(?:\?letter=\w)?$")
CONDITION = re.compile(
    r"/diseases-conditions/[^/]+/(?:symptoms-causes/syc|diagnosis-treatment/drc)-\d+"
    r"|/health/[^/]+/DS\d{5}(?:/DSECTION=[\w-]+)?$"
)


class MayoClinicSpider(HealthSpider):
    name = "mayoclinic"
    default_base_url = "https://www.mayoclinic.org"
    default_profile = "mayoclinic"
    index_links = LinkExtractor(allow=INDEX.pattern)
    condition_links = LinkExtractor(allow=CONDITION.pattern)

    async def start(self) -> AsyncIterator[Request]:
        """The A-Z index, and the sitemaps (the only way to the 2013 DSxxxxx pages)."""
        yield self.follow(f"{self.base_url}/diseases-conditions/index", self.parse_index)
        yield self.follow(f"{self.base_url}/robots.txt", self.parse_robots)

    def wants(self, url: str) -> bool:
        return bool(CONDITION.search(url))

    def parse_index(self, response: Response) -> Iterator[Request]:
        yield from self._links(response, self.index_links, self.parse_index)
        yield from self._links(response, self.condition_links, self.parse_page)

    def parse_page(self, response: Response) -> Iterator[Any]:
        """The page itself, then its sibling tabs (diagnosis-treatment, DSECTION=...)."""
        yield from super().parse_page(response)
        yield from self._links(response, self.condition_links, self.parse_page)

    def _links(
        self, response: Response, extractor: LinkExtractor, callback: Any
    ) -> Iterator[Request]:
        if not hasattr(response, "text"):
            return
        for link in extractor.extract_links(response):
            yield self.follow(link.url, callback)
