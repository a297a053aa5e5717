"""A given list of page URLs: `-a urls_file=FILE`, one URL a line (# comments allowed).

Every host and port named in the file is in the crawl's scope (spiders/scope.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from scrapy import Request

from .base import HealthSpider, SpiderArgumentError, checked_url


class PagesSpider(HealthSpider):
    name = "pages"

    def __init__(self, urls_file: str | None = None, **kwargs: Any) -> None:
        if not urls_file:
            raise SpiderArgumentError(
                "urls_file", urls_file, "required: a file of URLs, one a line"
            )
        self.urls = read_urls(urls_file)
        kwargs.setdefault("base_url", self.urls[0])
        super().__init__(**kwargs)
        self.seeds = [self.base_url, *self.urls]

    async def start(self) -> AsyncIterator[Request]:
        for url in self.urls:
            yield self.follow(url, self.parse_page)


def read_urls(path: str) -> list[str]:
    """Every URL of the file, checked, or SpiderArgumentError naming the line."""
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise SpiderArgumentError("urls_file", path, f"cannot be read ({error})") from None
    urls = []
    for number, line in enumerate(lines, 1):
        line = line.strip()
        if line and not line.startswith("#"):
            try:
                urls.append(checked_url("urls_file", line))
            except SpiderArgumentError:
                raise SpiderArgumentError(
                    "urls_file", path, f"line {number} {line!r} is not an http(s) URL"
                ) from None
    if not urls:
        raise SpiderArgumentError("urls_file", path, "holds no URLs")
    return urls
