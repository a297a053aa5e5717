"""Downloader middlewares: retries that back off, and robots.txt checked for every request."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.downloadermiddlewares.robotstxt import RobotsTxtMiddleware as _ScrapyRobots
from scrapy.http import Response
from scrapy.robotstxt import RobotParser
from scrapy.settings import BaseSettings
from scrapy.utils.httpobj import urlparse_cached
from scrapy.utils.response import response_status_message
from twisted.internet.defer import Deferred


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retry, but waiting before each retry: Retry-After when the server sends one
    (429, 503), else HEALTHCRAWL_RETRY_BACKOFF_BASE doubled per attempt, capped."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(settings)
        self.base = settings.getfloat("HEALTHCRAWL_RETRY_BACKOFF_BASE")
        self.cap = settings.getfloat("HEALTHCRAWL_RETRY_BACKOFF_MAX")

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry") or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        await asyncio.sleep(self.delay(request, response))
        return retry

    def delay(self, request: Request, response: Response | None = None) -> float:
        """Seconds to wait before retrying `request`."""
        asked = _retry_after(response) if response is not None else None
        backoff = self.base * 2 ** request.meta.get("retry_times", 0)
        return min(self.cap, asked if asked is not None else backoff)


def _retry_after(response: Response) -> float | None:
    """Retry-After as seconds (RFC 9110: delay-seconds or an HTTP date)."""
    value = response.headers.get(b"Retry-After")
    if not value:
        return None
    text = value.decode("latin-1").strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


class RobotsTxtMiddleware(_ScrapyRobots):
    """Scrapy's robots.txt middleware, fixed for concurrent first requests to one host.

    Scrapy 2.13+ awaits one shared Deferred from every request that arrives while robots.txt
    is downloading; the first waiter consumes its result and the others get None, which
    means "allowed". Once robots.txt is parsed, we read the settled parser instead.
    """

    async def robot_parser(self, request: Request) -> RobotParser | None:
        parser = await super().robot_parser(request)
        settled = self._parsers.get(urlparse_cached(request).netloc)
        if parser is None and not isinstance(settled, Deferred):
            return settled
        return parser
