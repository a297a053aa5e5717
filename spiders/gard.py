"""GARD (rarediseases.info.nih.gov) disease pages, found through robots.txt's sitemaps."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

from scrapy import Request

from .base import HealthSpider

_DISEASE = re.compile(r"/diseases/\d+/[^/?#]+$")


class GardSpider(HealthSpider):
    name = "gard"
    default_base_url = "https://rarediseases.info.nih.gov"
    default_profile = "gard"

    async def start(self) -> AsyncIterator[Request]:
        yield self.follow(f"{self.base_url}/robots.txt", self.parse_robots)

    def wants(self, url: str) -> bool:
        return bool(_DISEASE.search(url))
