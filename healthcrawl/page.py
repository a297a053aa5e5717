"""`Page`: one fetched page, framework-free. Every input (the crawl, saved files, stdin, and
later WARC records) builds one, and `healthcrawl.process` turns it into a record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

HTML_TYPES = ("text/html", "application/xhtml+xml")
"""Media types healthcrawl extracts; a response without a Content-Type is taken as HTML."""


def media_type(content_type: str | None) -> str:
    """ "text/html; charset=utf-8" -> "text/html"; no header -> "text/html"."""
    return (content_type or "text/html").split(";")[0].strip().lower()


@dataclass(frozen=True, slots=True, repr=False)
class Page:
    url: str | None
    """The final URL (after redirects); None for a saved page whose URL is unknown."""
    body: bytes
    """The raw response body; the extractor decodes it."""
    headers: Mapping[str, str] = field(default_factory=dict)
    """HTTP response headers; names are matched case-insensitively (stored lower-cased)."""
    status: int = 200
    """HTTP status; a saved page is a 200."""
    fetched_at: datetime | None = None
    """When the response arrived; None when unknown."""

    def __post_init__(self) -> None:
        lowered = {name.lower(): value for name, value in self.headers.items()}
        object.__setattr__(self, "headers", lowered)

    def __repr__(self) -> str:
        """Without the body: Scrapy logs a dropped item's repr, and a body is megabytes."""
        return f"Page(url={self.url!r}, status={self.status}, body=<{len(self.body)} bytes>)"

    def header(self, name: str) -> str | None:
        """The header's value, or None."""
        return self.headers.get(name.lower())
